/**
 * Convergence study for the 1D trapped-fermion benchmarks (REFERENCE.md §2). Not a unit test.
 *   npx tsx --conditions=source packages/benchmarks-exact/scripts/fermions-convergence.ts [grid] [hf] [fci]
 *     [--minA N] [--maxA N] [--modes A=M1,M2,M3 ...]
 * Prints markdown tables: A = 2 grid vs REFERENCE; HF at several M vs REFERENCE; FCI sequences in M
 * with the tail estimate vs the paper's NQS energies.
 */
import { freeParity, estimateTail, solveFermionsFCI, solveFermionsHF, solveTwoFermionGrid, TwoBodyElements } from '../src/index.js';

const args = process.argv.slice(2);
const want = (s: string) => args.length === 0 || args.includes(s) || args.every((a) => a.startsWith('--'));
const maxA = Number(args[args.indexOf('--maxA') + 1] ?? 6) || 6;
const g = (V0: number) => ({ kind: 'gaussian' as const, V0, sigma: 0.5 });
const V0s = [-20, -10, 10, 20];
const A2: Record<number, number> = { [-20]: -2.471756, [-10]: 0.595906, 0: 2, 10: 2.425619, 20: 2.605639 };
const HF: Record<number, Record<number, number>> = {
  2: { [-10]: 0.81369, 10: 2.50419, 20: 2.76448 },
  3: { [-10]: 1.01681, 10: 6.06134, 20: 6.88736 },
  4: { [-10]: 1.42652, 10: 11.18056, 20: 12.94747 },
  5: { [-10]: 2.1755, 10: 17.84835, 20: 20.98265 },
  6: { [-10]: 3.33575, 10: 26.04093, 20: 30.99324 },
};
const NQS: Record<number, Record<number, string>> = {
  2: { [-20]: '-2.471727(24)', [-10]: '0.595885(9)', 10: '2.425629(4)', 20: '2.605660(7)' },
  3: { [-20]: '-7.52433(7)', [-10]: '0.71486(4)', 10: '5.87815(3)', 20: '6.51596(12)' },
  4: { [-20]: '-13.66765(22)', [-10]: '1.07614(17)', 10: '10.89211(8)', 20: '12.34262(19)' },
  5: { [-20]: '-20.34741(32)', [-10]: '1.78762(23)', 10: '17.46679(22)', 20: '20.14011(39)' },
  6: { [-20]: '-27.24687(46)', [-10]: '2.91657(28)', 10: '25.58910(64)', 20: '30.01470(992)' },
};

if (want('grid')) {
  console.log('\n## A = 2 grid (sinc DVR, odd relative states)\n\n| V0 | E grid | REFERENCE | diff | converged |\n|---|---|---|---|---|');
  for (const V0 of [-20, -10, 0, 10, 20]) {
    const t = performance.now();
    const r = solveTwoFermionGrid(g(V0));
    console.log(`| ${V0} | ${r.energy.toFixed(9)} | ${A2[V0]} | ${(r.energy - A2[V0]!).toExponential(1)} | ${r.converged.toExponential(0)} (${((performance.now() - t) / 1000).toFixed(2)} s) |`);
  }
}

if (want('hf')) {
  const Ms = [30, 36, 40];
  console.log(`\n## Hartree–Fock vs REFERENCE (M = ${Ms.join(', ')})\n\n| A | V0 | ${Ms.map((m) => `HF M=${m}`).join(' | ')} | REFERENCE | diff (M=${Ms.at(-1)}) | parity broken | s (M=${Ms.at(-1)}) |\n|---|---|${Ms.map(() => '---|').join('')}---|---|---|---|`);
  for (const V0 of V0s) {
    const tbs = Ms.map((m) => new TwoBodyElements(g(V0), m));
    for (let A = 2; A <= maxA; A++) {
      const rs = Ms.map((m, i) => solveFermionsHF(A, g(V0), { nModes: m }, tbs[i]));
      const last = rs.at(-1)!;
      const ref = HF[A]![V0];
      console.log(
        `| ${A} | ${V0} | ${rs.map((r) => r.energy.toFixed(6) + (r.converged ? '' : '!')).join(' | ')} | ${ref ?? '—'} | ${ref !== undefined ? (last.energy - ref).toExponential(1) : '—'} | ${last.parityBreaking > 1e-6 ? 'yes' : 'no'} | ${last.seconds.toFixed(1)} |`,
      );
    }
  }
}

if (want('fci')) {
  const modes: Record<number, number[]> = { 2: [20, 30, 40, 50], 3: [20, 24, 28, 32], 4: [16, 20, 24], 5: [14, 17, 20], 6: [14, 17, 20] };
  // override, e.g. --modes 4=20,24,28 --modes 6=16,19,22
  args.forEach((a, i) => {
    if (a === '--modes') {
      const [k, v] = args[i + 1]!.split('=');
      modes[Number(k)] = v!.split(',').map(Number);
    }
  });
  const minA = Number(args[args.indexOf('--minA') + 1] ?? 2) || 2;
  console.log('\n## FCI (ground-parity sector, Lanczos) vs the paper\'s NQS\n\n| A | V0 | M: E (basis, s) | tail estimate | extrapolated | paper NQS |\n|---|---|---|---|---|---|');
  for (let A = minA; A <= maxA; A++) {
    for (const V0 of V0s) {
      const pts = modes[A]!.map((M) => {
        const r = solveFermionsFCI(A, g(V0), { nModes: M, nStates: 1, parities: [freeParity(A)] });
        return { M, E: r.energy, n: r.basisSize, s: r.seconds };
      });
      const tail = estimateTail(pts.map((p) => p.E));
      const extra = A === 2 ? ` (grid ${A2[V0]})` : '';
      console.log(
        `| ${A} | ${V0} | ${pts.map((p) => `${p.M}: ${p.E.toFixed(6)} (${p.n}, ${p.s.toFixed(1)} s)`).join('; ')} | ${tail.error.toExponential(1)} (${tail.model}) | ${tail.extrapolated.toFixed(6)}${extra} | ${NQS[A]![V0]} |`,
      );
    }
  }
}
