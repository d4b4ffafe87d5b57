/**
 * Levenberg–Marquardt for a nonlinear least-squares problem ½|r(θ)|², r ∈ ℝᵐ, θ ∈ ℝᴾ (float64).
 *
 * The step solves (JᵀJ + λD)δ = −Jᵀr with D = diag(JᵀJ) + mean(diag JᵀJ)·I, in parameter space
 * (P × P Cholesky) when P ≤ m, else in residual space with the push-through identity
 * δ = D⁻¹Jᵀy, (JD⁻¹Jᵀ + λI)y = −r (m × m Cholesky; the two-layer deuteron nets have P ≫ m). λ follows
 * the ratio of actual to predicted decrease. Used for the pre-training of the mesh state, where the
 * residual is the distance between normalised network and target amplitudes.
 */

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
  const maxIt = opts.maxIterations ?? 100;
  const tol = opts.tolerance ?? 0;
  let lam = opts.lambda ?? 1e-2;
  let x = Float64Array.from(x0);
  const P = x.length;
  let value = NaN;
  let it = 0;
  let reason = 'maxIterations';
  for (; it < maxIt; it++) {
    const { r, J } = model.residualAndJacobian(x);
    const m = r.length;
    value = sq(r);
    if (value <= tol) { reason = 'tolerance'; break; }
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
    const mean = Sd.reduce((s, v) => s + v, 0) / P;
    if (!(mean > 0)) { reason = 'noDecrease'; break; }
    const Dg = Float64Array.from(Sd, (v) => v + mean);
    const stateSpace = P > m;
    let base: Float64Array;
    if (stateSpace) {
      base = new Float64Array(m * m); // J D⁻¹ Jᵀ
      const JD = new Float64Array(m * P);
      for (let i = 0; i < m * P; i++) JD[i] = J[i]! / Dg[i % P]!;
      for (let a = 0; a < m; a++) {
        for (let b = a; b < m; b++) {
          let s = 0;
          const oa = a * P, ob = b * P;
          for (let p = 0; p < P; p++) s += JD[oa + p]! * J[ob + p]!;
          base[a * m + b] = s;
          base[b * m + a] = s;
        }
      }
    } else {
      base = new Float64Array(P * P); // JᵀJ
      for (let a = 0; a < m; a++) {
        const oa = a * P;
        for (let p = 0; p < P; p++) {
          const jp = J[oa + p]!;
          if (jp === 0) continue;
          const op = p * P;
          for (let q = p; q < P; q++) base[op + q] += jp * J[oa + q]!;
        }
      }
      for (let p = 0; p < P; p++) for (let q = p + 1; q < P; q++) base[q * P + p] = base[p * P + q]!;
    }
    const dim = stateSpace ? m : P;
    let accepted = false;
    for (let tries = 0; tries < 30 && !accepted; tries++) {
      const K = Float64Array.from(base);
      for (let i = 0; i < dim; i++) K[i * dim + i] += stateSpace ? lam : lam * Dg[i]!;
      if (!cholesky(K, dim)) { lam *= 4; continue; }
      let d: Float64Array;
      if (stateSpace) {
        const y = cholSolve(K, dim, Float64Array.from(r, (v) => -v));
        d = new Float64Array(P);
        for (let a = 0; a < m; a++) {
          const ya = y[a]!, oa = a * P;
          for (let p = 0; p < P; p++) d[p] += J[oa + p]! * ya;
        }
        for (let p = 0; p < P; p++) d[p] /= Dg[p]!;
      } else d = cholSolve(K, P, Float64Array.from(g, (v) => -v));
      // predicted |r + Jδ|² − |r|²
      let pred = 0;
      for (let a = 0; a < m; a++) {
        let s = 0;
        const oa = a * P;
        for (let p = 0; p < P; p++) s += J[oa + p]! * d[p]!;
        pred += s * (2 * r[a]! + s);
      }
      if (!(pred < 0) || !Number.isFinite(pred)) { lam *= 4; continue; }
      const xn = Float64Array.from(x, (v, i) => v + d[i]!);
      const vn = sq(model.residual(xn));
      if (Number.isFinite(vn) && vn < value) {
        const ratio = (vn - value) / pred;
        x = xn;
        value = vn;
        accepted = true;
        if (ratio > 0.75) lam /= 3;
        else if (ratio < 0.25) lam *= 3;
      } else lam *= 4;
    }
    if (!accepted) { reason = 'noDecrease'; it++; break; }
    if (opts.onIteration?.({ iteration: it + 1, value, lambda: lam, x })) { it++; reason = 'callback'; break; }
    if (value <= tol) { it++; reason = 'tolerance'; break; }
  }
  return { x, value, iterations: it, lambda: lam, reason };
}

/** In-place lower Cholesky factor (row-major n × n); false if not positive definite. */
function cholesky(K: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const oj = j * n;
    let d = K[oj + j]!;
    for (let k = 0; k < j; k++) d -= K[oj + k]! * K[oj + k]!;
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const l = Math.sqrt(d);
    K[oj + j] = l;
    for (let i = j + 1; i < n; i++) {
      const oi = i * n;
      let s = K[oi + j]!;
      for (let k = 0; k < j; k++) s -= K[oi + k]! * K[oj + k]!;
      K[oi + j] = s / l;
    }
  }
  return true;
}

function cholSolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
    y[i] = s / L[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * y[k]!;
    y[i] = s / L[i * n + i]!;
  }
  return y;
}
