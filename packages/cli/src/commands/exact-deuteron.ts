import { readFileSync } from 'node:fs';
import { deuteronObservables, deuteronWavefunctionTables, solveDeuteron } from '@nqs/benchmarks-exact';
import { POTENTIAL_NAMES, getPotential } from '@nqs/hamiltonians';
import { linePlot } from '@nqs/plot';
import { parseMeshSpec } from '@nqs/quadrature';
import type { Command } from '../command.js';
import { info, prepareOutDir, toCsv, writeOutputs } from '../io.js';

/** Read a table file for `table:FILE` (the library never touches the file system). */
export function readTableFile(path: string): string {
  return readFileSync(path, 'utf8');
}

/** `nqs exact deuteron`: exact diagonalisation of the deuteron on a momentum mesh. */
export const exactDeuteronCommand: Command = {
  path: ['exact', 'deuteron'],
  summary: 'exact deuteron (³S₁–³D₁) on a momentum mesh: energy, P_D, ⟨T⟩, ⟨V⟩, ψ_S, ψ_D',
  usage: 'nqs exact deuteron [--potential NAME] [--mesh SPEC] [--out DIR] [--json]',
  flags: {
    potential: { type: 'string', help: `potential (${POTENTIAL_NAMES.join(', ')})`, default: 'lo500' },
    mesh: { type: 'string', help: 'momentum mesh: paper64, paper:N[:KMAX], tan:N:C (C in fm⁻¹), gl:N:A:B', default: 'paper64' },
    out: { type: 'string', help: 'write psi.csv (k, w, ψ_S, ψ_D), result.json and psi.svg into DIR' },
  },
  run(args) {
    const outDir = typeof args.flags.out === 'string' ? prepareOutDir(args.flags.out) : undefined;
    const potName = args.flags.potential as string;
    const meshSpec = args.flags.mesh as string;
    const mesh = parseMeshSpec(meshSpec);
    const pot = getPotential(potName, { readTable: readTableFile });
    const t0 = Date.now();
    const sol = solveDeuteron(pot, mesh);
    const result = {
      potential: potName,
      mesh: meshSpec,
      energyMeV: sol.energyMeV,
      pDPercent: 100 * sol.pD,
      kineticMeV: sol.kineticMeV,
      potentialMeV: sol.potentialMeV,
      meshPoints: sol.meshPoints,
      // coordinate-space observables (issue 6); null when there is no bound state
      ...deuteronExtras(sol, mesh),
    };
    info(
      `deuteron (${pot.name}, mesh ${meshSpec}, ${sol.meshPoints} points, ${((Date.now() - t0) / 1000).toFixed(2)} s): ` +
        `E = ${sol.energyMeV.toFixed(6)} MeV, P_D = ${(100 * sol.pD).toFixed(3)} %, ` +
        `⟨T⟩ = ${sol.kineticMeV.toFixed(4)} MeV, ⟨V⟩ = ${sol.potentialMeV.toFixed(4)} MeV`,
    );
    if (outDir) {
      const k = Array.from(mesh.points);
      const rows = k.map((kk, i) => [kk, mesh.weights[i]!, sol.psiS[i]!, sol.psiD[i]!]);
      const shown = k.map((kk, i) => i).filter((i) => k[i]! <= 10);
      const svg = linePlot(
        [
          { label: 'ψ_S', x: shown.map((i) => k[i]!), y: shown.map((i) => sol.psiS[i]!) },
          { label: 'ψ_D', x: shown.map((i) => k[i]!), y: shown.map((i) => sol.psiD[i]!) },
        ],
        { title: `deuteron, ${pot.name}, E = ${sol.energyMeV.toFixed(6)} MeV`, xLabel: 'k [fm⁻¹]', yLabel: 'ψ(k) [fm^3/2]', logX: true },
      );
      const written = writeOutputs(outDir, {
        'psi.csv': toCsv(['k_fm-1', 'weight_fm-1', 'psiS', 'psiD'], rows),
        'result.json': JSON.stringify(result, null, 2) + '\n',
        'psi.svg': svg,
        ...radialOutputs(sol, mesh, pot.name),
      });
      info(`wrote ${written.join(', ')}`);
    }
    return result;
  },
};

/** r_d, Q, A_S, η of a bound mesh ground state (issue 6); nulls when E ≥ 0. */
function deuteronExtras(sol: ReturnType<typeof solveDeuteron>, mesh: ReturnType<typeof parseMeshSpec>) {
  const none = { rmsRadiusFm: null, quadrupoleFm2: null, asymptoticS: null, asymptoticDS: null };
  if (!(sol.energyMeV < 0)) return none;
  let o: ReturnType<typeof deuteronObservables>;
  try {
    o = deuteronObservables(sol, mesh);
  } catch (e) {
    info(`(no r-space observables: ${(e as Error).message})`);
    return none;
  }
  info(`r_d = ${o.rmsRadiusFm.toFixed(4)} fm, Q = ${o.quadrupoleFm2.toFixed(4)} fm², A_S = ${o.asymptoticS.toFixed(4)} fm^-1/2, η = ${o.asymptoticDS.toFixed(4)}`);
  return { rmsRadiusFm: o.rmsRadiusFm, quadrupoleFm2: o.quadrupoleFm2, asymptoticS: o.asymptoticS, asymptoticDS: o.asymptoticDS };
}

/** uw.csv and uw.svg: u(r), w(r) on 0 < r ≤ 20 fm (issue 6). */
function radialOutputs(sol: ReturnType<typeof solveDeuteron>, mesh: ReturnType<typeof parseMeshSpec>, name: string): Record<string, string> {
  const t = deuteronWavefunctionTables(sol, mesh, { rMax: 20, nR: 200 });
  const r = Array.from(t.r);
  return {
    'uw.csv': toCsv(['r_fm', 'u_fm-1/2', 'w_fm-1/2'], r.map((ri, i) => [ri, t.u[i]!, t.w[i]!])),
    'uw.svg': linePlot(
      [
        { label: 'u(r)', x: r, y: Array.from(t.u) },
        { label: 'w(r)', x: r, y: Array.from(t.w) },
      ],
      { title: `deuteron, ${name}: u(r), w(r)`, xLabel: 'r [fm]', yLabel: 'u, w [fm^-1/2]' },
    ),
  };
}
