/**
 * Basis-size convergence of the HO-basis solvers and one entry point for every method.
 */
import { FermionInputError, freeFermionEnergy, harmonicModelEnergy, validateFermionSystem, type PairInteraction } from '@nqs/hamiltonians';
import { solveFermionsFCI, type FciOptions, type FciResult } from './fci.js';
import { solveFermionsHF, type HfResult } from './hf.js';
import { solveTwoFermionGrid, type GridResult } from './grid.js';
import { TwoBodyElements } from './ho.js';

/** A converging sequence E(M_1), E(M_2), E(M_3) and what it says about the limit. */
export interface TailEstimate {
  /** Extrapolated limit (geometric / Aitken when the differences shrink geometrically, else the last value). */
  extrapolated: number;
  /** Estimate of |E(M_last) − E(∞)|. */
  error: number;
  /** 'geometric' when Aitken's model applies, 'difference' otherwise (then error = 3 × last difference). */
  model: 'geometric' | 'difference' | 'single';
}

/**
 * Estimate the remaining basis error from the last three values of a sequence at equally spaced
 * basis sizes. Geometric model E_n = E∞ + c qⁿ (Aitken) gives `extrapolated` when the last two
 * differences have the same sign and shrink (0 < q < 0.9); the error is then max(|tail|, |last
 * difference|), because HO-basis sequences for the narrow Gaussian slow down with M (a geometric fit
 * to three close points underestimates the tail). Otherwise error = 3 × |last difference|.
 */
export function estimateTail(values: readonly number[]): TailEstimate {
  const n = values.length;
  if (n === 0) throw new FermionInputError('values: empty sequence');
  const last = values[n - 1]!;
  if (n === 1) return { extrapolated: last, error: Infinity, model: 'single' };
  const d2 = last - values[n - 2]!;
  if (n >= 3) {
    const d1 = values[n - 2]! - values[n - 3]!;
    const q = d1 !== 0 ? d2 / d1 : NaN;
    if (q > 0 && q < 0.9) {
      const tail = (d2 * q) / (1 - q);
      // HO-basis sequences slow down (power-law tails), so never claim less than the last step
      return { extrapolated: last + tail, error: Math.max(Math.abs(tail), Math.abs(d2), 1e-12), model: 'geometric' };
    }
  }
  return { extrapolated: last, error: Math.max(3 * Math.abs(d2), 1e-12), model: 'difference' };
}

/** One point of an FCI basis sequence. */
export interface FciPoint {
  nModes: number;
  energy: number;
  basisSize: number;
  seconds: number;
}

/**
 * FCI ground state at each basis size in `modes` (ascending), with the tail estimate of the last.
 * `base` supplies the other FCI options (cut, nStates, …).
 */
export function fciSequence(
  A: number,
  p: PairInteraction,
  modes: readonly number[],
  base: Omit<FciOptions, 'nModes'> = {},
): { points: FciPoint[]; tail: TailEstimate; last: FciResult } {
  if (modes.length === 0) throw new FermionInputError('modes: empty list');
  const points: FciPoint[] = [];
  let last: FciResult | undefined;
  for (const M of modes) {
    last = solveFermionsFCI(A, p, { ...base, nModes: M });
    points.push({ nModes: M, energy: last.energy, basisSize: last.basisSize, seconds: last.seconds });
  }
  return { points, tail: estimateTail(points.map((x) => x.energy)), last: last! };
}

/** Methods of {@link solveFermions}. */
export type FermionMethod = 'grid' | 'fci' | 'hf' | 'analytic';

/** Options of {@link solveFermions}. */
export interface SolveFermionsOptions {
  method: FermionMethod;
  /** HO modes for fci / hf (default: fci 20, hf 40). */
  nModes?: number;
  /** FCI: total-quanta cut (default none). */
  cut?: number;
  /** FCI: states per parity sector (default 3). */
  nStates?: number;
  /** Estimate the basis error by re-solving at smaller bases (fci: M − 2Δ, M − Δ with Δ ≈ M/6 even; hf: M − 8, M − 4; default true). */
  estimateConvergence?: boolean;
  /** FCI: also compute the ground-state one-body density matrix (default false). */
  densityMatrix?: boolean;
}

/** Unified result. Energies in ħω. */
export interface FermionSolution {
  method: FermionMethod;
  A: number;
  energy: number;
  /** Number of many-body basis states (fci: determinants over both parities; hf: modes; grid: points). */
  basisSize?: number;
  /** Estimated remaining error of `energy` (0 for analytic). */
  converged: number;
  /** Extrapolated energy where a basis sequence was run. */
  extrapolated?: number;
  /** Energies of the basis sequence used for `converged`. */
  sequence?: FciPoint[];
  fci?: FciResult;
  hf?: HfResult;
  grid?: GridResult;
  seconds: number;
}

/** Default number of HO modes M for FCI in {@link solveFermions}. */
export const DEFAULT_FCI_MODES = 20;
/** Default number of HO modes M for Hartree–Fock in {@link solveFermions}. */
export const DEFAULT_HF_MODES = 40;

/**
 * Solve A fermions in the trap with `p` by one method. Errors ({@link FermionInputError}): A < 1,
 * A > basis, grid with A ≠ 2, analytic with a Gaussian V0 ≠ 0, invalid interactions.
 */
export function solveFermions(A: number, p: PairInteraction, opts: SolveFermionsOptions): FermionSolution {
  const t0 = performance.now();
  validateFermionSystem(A, p);
  const method = opts.method;
  const est = opts.estimateConvergence ?? true;
  const done = (s: Omit<FermionSolution, 'seconds' | 'A' | 'method'>): FermionSolution => ({
    method,
    A,
    ...s,
    seconds: (performance.now() - t0) / 1000,
  });
  switch (method) {
    case 'analytic': {
      if (p.kind === 'none' || (p.kind === 'gaussian' && p.V0 === 0)) return done({ energy: freeFermionEnergy(A), converged: 0 });
      if (p.kind === 'harmonic') return done({ energy: harmonicModelEnergy(A, p.k), converged: 0 });
      throw new FermionInputError(`method: 'analytic' needs the harmonic interaction or V0 = 0 (got gaussian V0 = ${p.V0})`);
    }
    case 'grid': {
      if (A !== 2) throw new FermionInputError(`method: 'grid' solves A = 2 only (got A = ${A})`);
      const g = solveTwoFermionGrid(p);
      return done({ energy: g.energy, basisSize: g.gridPoints, converged: g.converged, grid: g });
    }
    case 'fci': {
      const M = opts.nModes ?? DEFAULT_FCI_MODES;
      checkModes(A, M);
      const base: Omit<FciOptions, 'nModes'> = { nStates: opts.nStates ?? 3, densityMatrix: opts.densityMatrix ?? false };
      if (opts.cut !== undefined) base.cut = opts.cut;
      const fci = solveFermionsFCI(A, p, { ...base, nModes: M });
      if (!est) return done({ energy: fci.energy, basisSize: fci.basisSize, converged: NaN, fci });
      // spacing Δ ≈ M/6 (even, ≥ 2): closer points would overstate the convergence rate
      const step = Math.max(2, 2 * Math.round(M / 12));
      const smaller = [M - 2 * step, M - step].filter((m) => m >= A + 1);
      const seq: FciPoint[] = smaller.map((m) => {
        const r = solveFermionsFCI(A, p, { cut: base.cut ?? Infinity, nStates: 1, parities: [fci.groundParity], nModes: m });
        return { nModes: m, energy: r.energy, basisSize: r.basisSize, seconds: r.seconds };
      });
      seq.push({ nModes: M, energy: fci.energy, basisSize: fci.basisSize, seconds: fci.seconds });
      const tail = estimateTail(seq.map((x) => x.energy));
      return done({ energy: fci.energy, basisSize: fci.basisSize, converged: tail.error, extrapolated: tail.extrapolated, sequence: seq, fci });
    }
    case 'hf': {
      const M = opts.nModes ?? DEFAULT_HF_MODES;
      checkModes(A, M);
      const tb = new TwoBodyElements(p, M);
      const hf = solveFermionsHF(A, p, { nModes: M }, tb);
      if (!est) return done({ energy: hf.energy, basisSize: M, converged: NaN, hf });
      const seq: FciPoint[] = [];
      for (const m of [M - 8, M - 4].filter((m) => m >= A + 1)) {
        const r = solveFermionsHF(A, p, { nModes: m });
        seq.push({ nModes: m, energy: r.energy, basisSize: m, seconds: r.seconds });
      }
      seq.push({ nModes: M, energy: hf.energy, basisSize: M, seconds: hf.seconds });
      const tail = estimateTail(seq.map((x) => x.energy));
      return done({ energy: hf.energy, basisSize: M, converged: tail.error, extrapolated: tail.extrapolated, sequence: seq, hf });
    }
    default:
      throw new FermionInputError(`method: '${String(method)}' is unknown (allowed: grid, fci, hf, analytic)`);
  }
}

function checkModes(A: number, M: number): void {
  if (!Number.isInteger(M) || M < 1) throw new FermionInputError(`basis: ${M} is not allowed (must be an integer ≥ 1)`);
  if (A > M) throw new FermionInputError(`A: ${A} is larger than the basis size ${M} (need A ≤ basis)`);
}
