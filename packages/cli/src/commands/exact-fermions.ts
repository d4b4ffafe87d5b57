/**
 * `nqs exact fermions` and `nqs exact fermions scan`: exact and mean-field benchmarks for A spinless
 * fermions in a 1D harmonic trap (REFERENCE.md §2; ħ = m = ω = 1).
 */
import {
  DEFAULT_FCI_MODES,
  DEFAULT_HF_MODES,
  densityFromMatrix,
  hfOrbitalsOnGrid,
  hoFunctions,
  solveFermions,
  twoFermionDensity,
  type FermionMethod,
  type FermionSolution,
} from '@nqs/benchmarks-exact';
import { validateFermionSystem, type PairInteraction } from '@nqs/hamiltonians';
import { linePlot } from '@nqs/plot';
import { UsageError, type FlagSpecs, type Parsed } from '../args.js';
import type { Command } from '../command.js';
import { info, prepareOutDir, Progress, toCsv, writeOutputs } from '../io.js';
import { interactionFlags, interactionFromFlags } from '../interaction-flags.js';

const METHODS = ['grid', 'fci', 'hf', 'analytic'] as const;

const commonFlags: FlagSpecs = {
  A: { type: 'int', help: 'number of fermions (≥ 1)' },
  ...interactionFlags,
  cut: { type: 'int', help: 'fci: total-quanta cut Σn_i − A(A−1)/2 ≤ CUT (default: none)', min: 0 },
};

/** Build the interaction from the flags; V0 range flags are handled by the caller. */
function interactionFrom(args: Parsed, V0: number | undefined): PairInteraction {
  return interactionFromFlags(args, V0, {
    missingV0: '--V0 is required for the Gaussian interaction (or use --interaction harmonic --k K)',
  });
}

function requireA(args: Parsed): number {
  if (!args.given.has('A')) throw new UsageError('--A is required (number of fermions, integer ≥ 1)');
  const A = args.flags.A as number;
  if (A < 1) throw new UsageError(`--A: ${A} is not allowed (must be ≥ 1)`);
  return A;
}

function describe(p: PairInteraction): string {
  if (p.kind === 'gaussian') return `gaussian V0 = ${p.V0}, σ = ${p.sigma}`;
  if (p.kind === 'harmonic') return `harmonic k = ${p.k}`;
  return 'free';
}

/** Density n(x) of a solution on xs, or undefined where the method has none. */
function densityOf(sol: FermionSolution, p: PairInteraction, xs: number[]): Float64Array | undefined {
  if (sol.grid) return twoFermionDensity(sol.grid, xs);
  if (sol.fci?.densityMatrix) return densityFromMatrix(sol.fci.densityMatrix, sol.fci.nModes, xs);
  if (sol.hf) return densityFromMatrix(sol.hf.densityMatrix, sol.hf.nModes, xs);
  if (sol.method === 'analytic' && (p.kind === 'none' || (p.kind === 'gaussian' && p.V0 === 0))) {
    return Float64Array.from(xs, (x) => {
      const f = hoFunctions(sol.A - 1, x);
      let s = 0;
      for (let n = 0; n < sol.A; n++) s += f[n]! ** 2;
      return s;
    });
  }
  return undefined;
}

const finite = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);

/** `nqs exact fermions`. */
export const exactFermionsCommand: Command = {
  path: ['exact', 'fermions'],
  summary: '1D trapped spinless fermions: A=2 grid, HO-basis FCI (Lanczos), Hartree–Fock, analytic models',
  usage:
    'nqs exact fermions --A N (--V0 V [--sigma S] | --interaction harmonic --k K | --interaction none) ' +
    '[--method grid|fci|hf|analytic] [--basis M] [--cut C] [--states S] [--no-estimate] [--out DIR] [--json]',
  flags: {
    ...commonFlags,
    method: { type: 'string', help: 'solver', choices: METHODS, default: 'fci' },
    basis: { type: 'int', help: `HO modes M for fci/hf (default: fci ${DEFAULT_FCI_MODES}, hf ${DEFAULT_HF_MODES})`, min: 1 },
    states: { type: 'int', help: 'fci: states per parity sector', default: 3, min: 1, max: 50 },
    estimate: { type: 'boolean', help: 'estimate the basis error by re-solving at smaller bases (fci: M−Δ, M−2Δ with Δ ≈ M/6; hf: M−4, M−8)', default: true },
    out: { type: 'string', help: 'write result.json, density.csv/.svg (+ levels.csv for fci, orbitals.csv for hf) into DIR' },
  },
  run(args) {
    const outDir = typeof args.flags.out === 'string' ? prepareOutDir(args.flags.out) : undefined;
    const A = requireA(args);
    const p = interactionFrom(args, args.given.has('V0') ? (args.flags.V0 as number) : undefined);
    validateFermionSystem(A, p);
    const method = args.flags.method as FermionMethod;
    if (method === 'grid' && A !== 2) throw new UsageError(`--method grid solves A = 2 only (got --A ${A})`);
    const basis = args.flags.basis as number | undefined;
    if (basis !== undefined && (method === 'fci' || method === 'hf') && A > basis) {
      throw new UsageError(`--A ${A} is larger than the basis size --basis ${basis} (need A ≤ basis)`);
    }
    if (args.given.has('cut') && method !== 'fci') throw new UsageError('--cut applies only to --method fci');
    const sol = solveFermions(A, p, {
      method,
      ...(basis !== undefined ? { nModes: basis } : {}),
      ...(args.given.has('cut') ? { cut: args.flags.cut as number } : {}),
      nStates: args.flags.states as number,
      estimateConvergence: args.flags.estimate as boolean,
      densityMatrix: outDir !== undefined,
    });
    const result: Record<string, unknown> = {
      energy: sol.energy,
      method,
      converged: method === 'analytic' ? 0 : finite(sol.converged),
      A,
      interaction: p,
      seconds: sol.seconds,
    };
    if (sol.basisSize !== undefined) result.basisSize = sol.basisSize;
    if (sol.extrapolated !== undefined) result.extrapolated = sol.extrapolated;
    if (sol.sequence) result.sequence = sol.sequence.map((s) => ({ nModes: s.nModes, energy: s.energy, basisSize: s.basisSize }));
    if (sol.fci) {
      result.nModes = sol.fci.nModes;
      result.groundParity = sol.fci.groundParity;
      result.levels = sol.fci.levels.map((l) => ({ energy: l.energy, parity: l.parity }));
    }
    if (sol.hf) {
      result.nModes = sol.hf.nModes;
      result.parityBreaking = sol.hf.parityBreaking;
      result.orbitalEnergies = sol.hf.orbitalEnergies;
    }
    if (sol.grid) result.relativeLevels = sol.grid.relativeLevels;
    const conv = result.converged === null ? 'not estimated' : `± ${(result.converged as number).toExponential(1)}`;
    info(
      `A = ${A}, ${describe(p)}, ${method}${sol.basisSize !== undefined ? ` (basis ${sol.basisSize})` : ''}: ` +
        `E = ${sol.energy.toFixed(8)} ${conv}${sol.extrapolated !== undefined ? `, extrapolated ${sol.extrapolated.toFixed(8)}` : ''} ` +
        `[${sol.seconds.toFixed(2)} s]`,
    );
    if (sol.fci) {
      info(`  levels: ${sol.fci.levels.map((l) => `${l.energy.toFixed(6)}(${l.parity === 'even' ? '+' : '−'})`).join('  ')}`);
    }
    if (outDir) {
      const files: Record<string, string> = { 'result.json': JSON.stringify(result, null, 2) + '\n' };
      const xs = Array.from({ length: 241 }, (_, i) => -6 + 0.05 * i);
      const n = densityOf(sol, p, xs);
      if (n) {
        files['density.csv'] = toCsv(['x', 'density'], xs.map((x, i) => [x, n[i]!]));
        files['density.svg'] = linePlot([{ label: `${method}, E = ${sol.energy.toFixed(5)}`, x: xs, y: n }], {
          title: `A = ${A}, ${describe(p)}: one-body density`,
          xLabel: 'x [osc. length]',
          yLabel: 'n(x)',
        });
      } else info('  (no density for the analytic harmonic model)');
      if (sol.fci) {
        const e0 = sol.fci.energy;
        files['levels.csv'] = toCsv(
          ['index', 'energy', 'parity', 'excitation'],
          sol.fci.levels.map((l, i) => [i, l.energy, l.parity, l.energy - e0]),
        );
      }
      if (sol.hf) {
        const orb = hfOrbitalsOnGrid(sol.hf, xs);
        files['orbitals.csv'] = toCsv(['x', ...orb.map((_, i) => `orbital${i}`)], xs.map((x, k) => [x, ...orb.map((o) => o[k]!)]));
      }
      info(`wrote ${writeOutputs(outDir, files).join(', ')}`);
    }
    return result;
  },
};

/** Parse `a:b:step` (inclusive, step > 0) or a comma list into values. */
export function parseRange(flag: string, raw: string): number[] {
  const bad = (why: string) => new UsageError(`--${flag}: '${raw}' is malformed (${why}; use START:STOP:STEP, e.g. -20:20:1, or a comma list)`);
  if (raw.includes(':')) {
    const parts = raw.split(':');
    if (parts.length !== 3 || parts.some((s) => s.trim() === '')) throw bad('need three numbers');
    const [a, b, s] = parts.map(Number) as [number, number, number];
    if (![a, b, s].every(Number.isFinite)) throw bad('not a number');
    if (!(s > 0)) throw bad('STEP must be > 0');
    if (b < a) throw bad('STOP must be ≥ START');
    const n = Math.floor((b - a) / s + 1e-9) + 1;
    if (n > 2000) throw bad(`${n} points, at most 2000`);
    return Array.from({ length: n }, (_, i) => Number((a + i * s).toPrecision(12)));
  }
  const vals = raw.split(',').map((t) => t.trim());
  if (vals.some((t) => t === '' || !Number.isFinite(Number(t)))) throw bad('not a number');
  return vals.map(Number);
}

/** `nqs exact fermions scan`. */
export const exactFermionsScanCommand: Command = {
  path: ['exact', 'fermions', 'scan'],
  summary: 'E(V₀) of A trapped fermions for several methods: CSV (+ SVG with --out)',
  usage:
    'nqs exact fermions scan --A N --V0 START:STOP:STEP [--sigma S] [--methods hf,fci,grid,analytic] ' +
    '[--basis M] [--hf-basis M] [--cut C] [--out DIR] [--json]   (without --out the CSV goes to stdout)',
  flags: {
    A: commonFlags.A!,
    V0: { type: 'string', help: 'V₀ values: START:STOP:STEP (inclusive) or a comma list' },
    sigma: commonFlags.sigma!,
    methods: { type: 'list', help: 'methods to run', choices: METHODS, default: ['hf', 'fci'] },
    basis: { type: 'int', help: 'HO modes for fci', default: DEFAULT_FCI_MODES, min: 1 },
    'hf-basis': { type: 'int', help: 'HO modes for hf', default: DEFAULT_HF_MODES, min: 1 },
    cut: commonFlags.cut!,
    estimate: { type: 'boolean', help: 'fci/hf: also estimate the basis error at every V₀ (slower)', default: false },
    out: { type: 'string', help: 'write scan.csv, scan.svg and scan.json into DIR' },
  },
  run(args) {
    const outDir = typeof args.flags.out === 'string' ? prepareOutDir(args.flags.out) : undefined;
    const A = requireA(args);
    if (!args.given.has('V0')) throw new UsageError('--V0 is required (START:STOP:STEP, e.g. -20:20:1)');
    const V0s = parseRange('V0', args.flags.V0 as string);
    const sigma = args.flags.sigma as number;
    const methods = [...new Set(args.flags.methods as FermionMethod[])];
    const M = args.flags.basis as number;
    const Mhf = args.flags['hf-basis'] as number;
    if (methods.includes('grid') && A !== 2) throw new UsageError(`--methods grid solves A = 2 only (got --A ${A})`);
    if (methods.includes('fci') && A > M) throw new UsageError(`--A ${A} is larger than the basis size --basis ${M}`);
    if (methods.includes('hf') && A > Mhf) throw new UsageError(`--A ${A} is larger than the basis size --hf-basis ${Mhf}`);
    if (methods.includes('analytic') && V0s.some((v) => v !== 0)) {
      throw new UsageError('--methods analytic applies only at V0 = 0 (free fermions); drop it from the scan');
    }
    validateFermionSystem(A, { kind: 'gaussian', V0: V0s[0]!, sigma });
    const est = args.flags.estimate as boolean;
    const progress = new Progress(V0s.length * methods.length, `scan A=${A}`, args.json);
    const rows: (number | string)[][] = [];
    const header = ['V0', ...methods.flatMap((m) => (est && (m === 'fci' || m === 'hf') ? [m, `${m}_error`] : [m]))];
    const series: Record<string, number[]> = Object.fromEntries(methods.map((m) => [m, [] as number[]]));
    let done = 0;
    for (const V0 of V0s) {
      const p: PairInteraction = { kind: 'gaussian', V0, sigma };
      const row: (number | string)[] = [V0];
      for (const m of methods) {
        const sol = solveFermions(A, p, {
          method: m,
          nModes: m === 'hf' ? Mhf : M,
          nStates: 1,
          estimateConvergence: est,
          ...(m === 'fci' && args.given.has('cut') ? { cut: args.flags.cut as number } : {}),
        });
        row.push(sol.energy);
        if (est && (m === 'fci' || m === 'hf')) row.push(sol.converged);
        series[m]!.push(sol.energy);
        progress.update(++done, `V0=${V0} ${m}`);
      }
      rows.push(row);
    }
    progress.done();
    const csv = toCsv(header, rows);
    const result: Record<string, unknown> = { A, sigma, methods, nModes: M, hfModes: Mhf, V0: V0s, energies: series };
    if (outDir) {
      const svg = linePlot(
        methods.map((m) => ({ label: m === 'fci' ? `FCI (${M} modes)` : m === 'hf' ? `HF (${Mhf} modes)` : m, x: V0s, y: series[m]!, style: 'both' as const })),
        { title: `A = ${A} fermions in a trap, σ₀ = ${sigma}`, xLabel: 'V₀', yLabel: 'E [ħω]', hLines: [{ y: (A * A) / 2, label: 'free A²/2' }] },
      );
      const written = writeOutputs(outDir, { 'scan.csv': csv, 'scan.svg': svg, 'scan.json': JSON.stringify(result, null, 2) + '\n' });
      info(`wrote ${written.join(', ')}`);
    } else if (!args.json) {
      process.stdout.write(csv);
    }
    return result;
  },
};
