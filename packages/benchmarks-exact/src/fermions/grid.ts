/**
 * A = 2 exactly: E = ½ (centre of mass) + ε, with ε an odd eigenvalue of the relative Hamiltonian
 * h = −½∂²_r + ½r² + v(√2 r), r = (x₁ − x₂)/√2 (odd because the fermions are spinless).
 * Solved with a sinc discrete-variable representation (uniform grid, spectral accuracy for smooth
 * potentials) restricted to odd functions; convergence is checked against a coarser grid.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { FermionInputError, pairPotentialFn, validatePairInteraction, type PairInteraction } from '@nqs/hamiltonians';

/** Options of {@link solveTwoFermionGrid}. */
export interface GridOptions {
  /** Grid spacing in r (osc. lengths); default 0.04. */
  h?: number;
  /** Box half-length in r (osc. lengths); default 10. */
  rMax?: number;
  /** Number of odd relative levels to return; default 5. */
  nLevels?: number;
}

/** Result of {@link solveTwoFermionGrid}. Energies in ħω. */
export interface GridResult {
  /** Ground-state energy ½ + ε₀. */
  energy: number;
  /** Lowest odd relative eigenvalues ε_k (without the centre-of-mass ½). */
  relativeLevels: number[];
  /** Estimate of the remaining error of `energy`: |E(h) − E(1.25h)| + box check, floored at 1e−10. */
  converged: number;
  /** Number of grid points (odd DVR functions) of the fine grid. */
  gridPoints: number;
  /** Relative wavefunction of the ground state on r ≥ 0: r_i and ψ(r_i) (normalised on the full line). */
  r: Float64Array;
  psi: Float64Array;
}

function oddLevels(v: (r: number) => number, h: number, rMax: number, nLevels: number, wantVec: boolean) {
  const N = Math.max(nLevels + 2, Math.round(rMax / h));
  const H = new Matrix(N, N);
  const t0 = (Math.PI * Math.PI) / 3;
  const kin = (m: number) => (m === 0 ? t0 : (2 * (m % 2 === 0 ? 1 : -1)) / (m * m)) / (2 * h * h);
  for (let i = 1; i <= N; i++) {
    const ri = i * h;
    for (let j = i; j <= N; j++) {
      let val = kin(i - j) - kin(i + j);
      if (i === j) val += 0.5 * ri * ri + v(Math.SQRT2 * ri);
      H.set(i - 1, j - 1, val);
      H.set(j - 1, i - 1, val);
    }
  }
  const eig = new EigenvalueDecomposition(H, { assumeSymmetric: true });
  const vals = eig.realEigenvalues;
  const order = vals.map((_, i) => i).sort((a, b) => vals[a]! - vals[b]!);
  const levels = order.slice(0, nLevels).map((i) => vals[i]!);
  let r = new Float64Array(0);
  let psi = new Float64Array(0);
  if (wantVec) {
    const V = eig.eigenvectorMatrix;
    const col = order[0]!;
    r = new Float64Array(N + 1);
    psi = new Float64Array(N + 1);
    // sinc-DVR: ψ(r_i) = c_i / √h for the odd combination (c_i/√2)(|i⟩ − |−i⟩) on the full line
    let sgn = 0;
    for (let i = 1; i <= N; i++) {
      const c = V.get(i - 1, col);
      if (sgn === 0 && Math.abs(c) > 1e-8) sgn = c > 0 ? 1 : -1;
      r[i] = i * h;
      psi[i] = c / Math.sqrt(2 * h);
    }
    if (sgn < 0) for (let i = 0; i <= N; i++) psi[i] = -psi[i]!;
  }
  return { levels, N, r, psi };
}

/**
 * A = 2 spinless fermions in the trap with pair interaction `p`, on a fine grid.
 * Throws {@link FermionInputError} for invalid interactions or options.
 */
export function solveTwoFermionGrid(p: PairInteraction, opts: GridOptions = {}): GridResult {
  validatePairInteraction(p);
  if (p.kind === 'harmonic' && !(1 + 2 * p.k > 0)) {
    throw new FermionInputError(`interaction.k: ${p.k} gives 1 + 2k ≤ 0 for A = 2 (unbound; need k > −1/2)`);
  }
  const h = opts.h ?? 0.04;
  const rMax = opts.rMax ?? 10;
  const nLevels = opts.nLevels ?? 5;
  if (!(h > 0) || !Number.isFinite(h)) throw new FermionInputError(`h: ${h} is not allowed (must be > 0)`);
  if (!(rMax > 4 * h) || !Number.isFinite(rMax)) throw new FermionInputError(`rMax: ${rMax} is not allowed (must be finite and > 4h)`);
  if (!Number.isInteger(nLevels) || nLevels < 1) throw new FermionInputError(`nLevels: ${nLevels} is not allowed (integer ≥ 1)`);
  const v = pairPotentialFn(p);
  const fine = oddLevels(v, h, rMax, nLevels, true);
  const coarse = oddLevels(v, 1.25 * h, rMax, nLevels, false);
  const box = oddLevels(v, h, 0.8 * rMax, nLevels, false);
  const e0 = fine.levels[0]!;
  const converged = Math.max(1e-10, Math.abs(e0 - coarse.levels[0]!) + Math.abs(e0 - box.levels[0]!));
  return { energy: 0.5 + e0, relativeLevels: fine.levels, converged, gridPoints: fine.N, r: fine.r, psi: fine.psi };
}

/**
 * One-body density n(x) of the A = 2 grid ground state (normalised to 2), from the relative
 * wavefunction and the centre-of-mass Gaussian: n(x) = 2∫|Φ₀(X)|²|ψ(r)|² δ(x − (X+r)/√2) dX dr.
 * Evaluated on `xs` by quadrature over r (trapezoid on the grid, ψ odd).
 */
export function twoFermionDensity(g: GridResult, xs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(xs.length);
  const h = g.r.length > 1 ? g.r[1]! - g.r[0]! : 1;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k]!;
    let s = 0;
    for (let i = 1; i < g.r.length; i++) {
      const r = g.r[i]!;
      const p2 = g.psi[i]! * g.psi[i]!;
      // X = √2 x − r for +r and √2 x + r for −r; |Φ₀(X)|² = e^{−X²}/√π; Jacobian √2 from δ
      const Xp = Math.SQRT2 * x - r;
      const Xm = Math.SQRT2 * x + r;
      s += p2 * (Math.exp(-Xp * Xp) + Math.exp(-Xm * Xm));
    }
    out[k] = (2 * Math.SQRT2 * h * s) / Math.sqrt(Math.PI);
  }
  return out;
}
