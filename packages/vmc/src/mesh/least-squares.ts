/**
 * Levenberg–Marquardt for a nonlinear least-squares problem ½|r(θ)|², r ∈ ℝᵐ, θ ∈ ℝᴾ (float64).
 *
 * The step solves (JᵀJ + λD)δ = −Jᵀr with D = diag(JᵀJ) + mean(diag JᵀJ)·I, in parameter space
 * (P × P Cholesky) when P ≤ m, else in residual space with the push-through identity
 * δ = D⁻¹Jᵀy, (JD⁻¹Jᵀ + λI)y = −r (m × m Cholesky; the two-layer deuteron nets have P ≫ m). λ follows
 * the ratio of actual to predicted decrease. Used for the pre-training of the mesh state, where the
 * residual is the distance between normalised network and target amplitudes.
 */

import { backMap, choleskyInPlace, choleskySolve, dampedStep, dampingMetric, gramParam, gramState, lmLoop } from './lm-core.js';

/** What the problem supplies at a parameter vector. */
export interface LeastSquaresModel {
  /** residuals r(θ) (length m) and their Jacobian ∂r/∂θ (row-major m × P) */
  residualAndJacobian(x: Float64Array): { r: Float64Array; J: Float64Array };
  /** residuals only (trial steps) */
  residual(x: Float64Array): Float64Array;
}

/** Options of {@link leastSquaresMinimize}. */
export interface LeastSquaresOptions {
  maxIterations?: number;
  /** initial damping λ (default 1e-2) */
  lambda?: number;
  /** stop when |r|² ≤ this (default 0: never) */
  tolerance?: number;
  /** called after each accepted iteration with the new ½|r|²·2 = |r|²; return true to stop */
  onIteration?: (it: { iteration: number; value: number; lambda: number; x: Float64Array }) => boolean | void;
}

/** Result of {@link leastSquaresMinimize}: `value` = |r|² at `x`. */
export interface LeastSquaresResult {
  x: Float64Array;
  value: number;
  iterations: number;
  lambda: number;
  /** 'maxIterations' | 'tolerance' | 'noDecrease' | 'callback' */
  reason: string;
}

const sq = (r: Float64Array) => r.reduce((s, v) => s + v * v, 0);

/** Minimise |r(θ)|² from `x0` by Levenberg–Marquardt. */
export function leastSquaresMinimize(model: LeastSquaresModel, x0: Float64Array, opts: LeastSquaresOptions = {}): LeastSquaresResult {
  const tol = opts.tolerance ?? 0;
  const P = x0.length;
  const loopOpts = { maxIterations: opts.maxIterations ?? 100, lambda: opts.lambda ?? 1e-2, tolerance: tol, onIteration: opts.onIteration };
  return lmLoop(x0, loopOpts, (x, lam) => {
    const { r, J } = model.residualAndJacobian(x);
    const m = r.length;
    const value = sq(r);
    if (value <= tol) return { stop: 'tolerance', value };
    const g = new Float64Array(P); // Jᵀr
    const Sd = new Float64Array(P); // diag JᵀJ
    for (let a = 0; a < m; a++) {
      const oa = a * P, ra = r[a]!;
      for (let p = 0; p < P; p++) {
        const j = J[oa + p]!;
        g[p] += j * ra;
        Sd[p] += j * j;
      }
    }
    const { Dg, mean } = dampingMetric(Sd);
    if (!(mean > 0)) return { stop: 'noDecrease', value };
    const stateSpace = P > m;
    // J D⁻¹ Jᵀ (m × m) in residual space, else JᵀJ (P × P)
    const base = stateSpace ? gramState(J, Dg, m, P) : gramParam(J, J, m, P);
    const dim = stateSpace ? m : P;
    const solve = (lam: number): Float64Array | null => {
      const K = Float64Array.from(base);
      for (let i = 0; i < dim; i++) K[i * dim + i] += stateSpace ? lam : lam * Dg[i]!;
      if (!choleskyInPlace(K, dim)) return null;
      if (stateSpace) return backMap(J, Dg, choleskySolve(K, dim, Float64Array.from(r, (v) => -v)), m, P);
      return choleskySolve(K, P, Float64Array.from(g, (v) => -v));
    };
    // predicted |r + Jδ|² − |r|²
    const predict = (d: Float64Array) => {
      let pred = 0;
      for (let a = 0; a < m; a++) {
        let s = 0;
        const oa = a * P;
        for (let p = 0; p < P; p++) s += J[oa + p]! * d[p]!;
        pred += s * (2 * r[a]! + s);
      }
      return pred;
    };
    return dampedStep(x, value, lam, solve, predict, (xn) => sq(model.residual(xn)));
  });
}
