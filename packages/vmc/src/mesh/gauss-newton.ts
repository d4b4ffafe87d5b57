/**
 * Damped Gauss–Newton (Levenberg–Marquardt) for a Rayleigh quotient E(θ) = uᵀHu/uᵀu, u = u(θ).
 *
 * With û = u/|u| and the projected, scaled Jacobian J̄ = (1 − ûûᵀ) J/|u|, the energy of the linearised
 * state û + J̄δ is E + gᵀδ + δᵀAδ + O(δ³) with g = 2J̄ᵀ(H − E)û and A = J̄ᵀ(H − E)J̄ (the network's
 * own curvature is dropped: Gauss–Newton). The step solves (2A + λ(diag S̄ + σ̄ I))δ = −g, S̄ = J̄ᵀJ̄,
 * σ̄ = tr S̄/P, with λ adapted from the ratio of actual to predicted decrease (Levenberg–Marquardt);
 * the solve runs in parameter space (P ≤ m) or in the m-dimensional state space (P > m). Float64 throughout (a
 * dense Cholesky on flat arrays; P ≲ 1000).
 */

import { backMap, choleskyInPlace, choleskySolve, dampedStep, dampingMetric, gramParam, gramState, lmLoop, luSolve } from './lm-core.js';

/** What the problem supplies at a parameter vector. */
export interface GaussNewtonModel {
  /** H (row-major m × m, symmetric) */
  H: Float64Array;
  /** u(θ) and its Jacobian (row-major m × P) */
  uAndJacobian(x: Float64Array): { u: Float64Array; J: Float64Array };
  /** E(θ) only (for trial steps) */
  energy(x: Float64Array): number;
}

/** Options of {@link gaussNewtonMinimize}. */
export interface GaussNewtonOptions {
  maxIterations?: number;
  /** initial damping λ (default 1) */
  lambda?: number;
  /** called after each iteration; return true to stop */
  onIteration?: (it: { iteration: number; value: number; lambda: number; x: Float64Array }) => boolean | void;
}

/** Result of {@link gaussNewtonMinimize}. */
export interface GaussNewtonResult {
  x: Float64Array;
  value: number;
  iterations: number;
  lambda: number;
  reason: string;
}

/** Minimise the Rayleigh quotient of `model` from `x0` by damped Gauss–Newton. */
export function gaussNewtonMinimize(model: GaussNewtonModel, x0: Float64Array, opts: GaussNewtonOptions = {}): GaussNewtonResult {
  const P = x0.length;
  const H = model.H;
  const loopOpts = { maxIterations: opts.maxIterations ?? 100, lambda: opts.lambda ?? 1, onIteration: opts.onIteration };
  return lmLoop(x0, loopOpts, (x, lam) => {
    const { u, J } = model.uAndJacobian(x);
    const m = u.length;
    let n2 = 0;
    for (const v of u) n2 += v * v;
    const nrm = Math.sqrt(n2);
    const uh = Float64Array.from(u, (v) => v / nrm);
    const Hu = new Float64Array(m);
    let E = 0;
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let b = 0; b < m; b++) s += H[a * m + b]! * uh[b]!;
      Hu[a] = s;
      E += uh[a]! * s;
    }
    // J̄ = (1 − ûûᵀ) J / |u|
    const uJ = new Float64Array(P);
    for (let a = 0; a < m; a++) for (let p = 0; p < P; p++) uJ[p] += uh[a]! * J[a * P + p]!;
    const Jb = new Float64Array(m * P);
    for (let a = 0; a < m; a++) for (let p = 0; p < P; p++) Jb[a * P + p] = (J[a * P + p]! - uh[a]! * uJ[p]!) / nrm;
    const rho = new Float64Array(m); // 2(H − E)û
    for (let a = 0; a < m; a++) rho[a] = 2 * (Hu[a]! - E * uh[a]!);
    const g = new Float64Array(P);
    const Sd = new Float64Array(P); // diag S̄ (all the damping needs)
    for (let a = 0; a < m; a++) {
      const oa = a * P;
      for (let p = 0; p < P; p++) {
        const j = Jb[oa + p]!;
        g[p] += j * rho[a]!;
        Sd[p] += j * j;
      }
    }
    const { Dg } = dampingMetric(Sd); // damping metric D
    const M = (a: number, b: number) => H[a * m + b]! - (a === b ? E : 0);
    // Two exact ways to solve (2A + λD)δ = −g, A = J̄ᵀ(H − E)J̄: in parameter space (P × P Cholesky)
    // when P ≤ m, else in the m-dimensional state space with δ = D⁻¹J̄ᵀz, (2(H − E)K + λ)z = −ρ,
    // K = J̄D⁻¹J̄ᵀ (cheaper for the over-parametrised nets: P = 240 > m = 128 on the paper mesh).
    const stateSpace = P > m;
    let A: Float64Array | null = null;
    let MK: Float64Array | null = null;
    if (!stateSpace) {
      const HJ = new Float64Array(m * P);
      for (let a = 0; a < m; a++) {
        for (let b = 0; b < m; b++) {
          const h = M(a, b);
          if (h === 0) continue;
          const ob = b * P, oa = a * P;
          for (let p = 0; p < P; p++) HJ[oa + p] += h * Jb[ob + p]!;
        }
      }
      A = gramParam(Jb, HJ, m, P);
    } else {
      const K = gramState(Jb, Dg, m, P);
      MK = new Float64Array(m * m);
      for (let a = 0; a < m; a++) {
        for (let c = 0; c < m; c++) {
          const h = M(a, c);
          if (h === 0) continue;
          const oc = c * m, oa = a * m;
          for (let b = 0; b < m; b++) MK[oa + b] += h * K[oc + b]!;
        }
      }
    }
    /** δᵀAδ = (J̄δ)ᵀ(H − E)(J̄δ) */
    const quad = (d: Float64Array) => {
      const v = new Float64Array(m);
      for (let a = 0; a < m; a++) {
        let s = 0;
        for (let p = 0; p < P; p++) s += Jb[a * P + p]! * d[p]!;
        v[a] = s;
      }
      let q = 0;
      for (let a = 0; a < m; a++) {
        let s = 0;
        for (let b = 0; b < m; b++) s += M(a, b) * v[b]!;
        q += v[a]! * s;
      }
      return q;
    };
    const solve = (lam: number): Float64Array | null => {
      if (!stateSpace) {
        const K = new Float64Array(P * P);
        for (let p = 0; p < P * P; p++) K[p] = 2 * A![p]!;
        for (let p = 0; p < P; p++) K[p * P + p] += lam * Dg[p]!;
        if (!choleskyInPlace(K, P)) return null;
        return choleskySolve(K, P, Float64Array.from(g, (v) => -v));
      }
      const B = new Float64Array(m * m);
      for (let i = 0; i < m * m; i++) B[i] = 2 * MK![i]!;
      for (let a = 0; a < m; a++) B[a * m + a] += lam;
      const z = luSolve(B, m, Float64Array.from(rho, (v) => -v));
      return z ? backMap(Jb, Dg, z, m, P) : null;
    };
    const predict = (d: Float64Array) => {
      let gd = 0;
      for (let p = 0; p < P; p++) gd += g[p]! * d[p]!;
      return gd + quad(d);
    };
    return dampedStep(x, E, lam, solve, predict, (xn) => model.energy(xn));
  });
}
