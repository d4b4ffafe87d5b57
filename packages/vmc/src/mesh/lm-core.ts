/**
 * Shared internals of the two Levenberg–Marquardt loops ({@link gaussNewtonMinimize} in gauss-newton.ts and
 * {@link leastSquaresMinimize} in least-squares.ts): the damping metric, the Gram matrices of the parameter- and
 * state-space solves, the push-through back-map, the damped step-acceptance loop and the dense float64 solvers.
 * Internal to the mesh module (not exported from the package).
 */

/** Damping metric D = diag S + mean(diag S)·I (length P) from diag S; `mean` = tr S / P. */
export function dampingMetric(Sd: Float64Array): { Dg: Float64Array; mean: number } {
  const P = Sd.length;
  let tr = 0;
  for (let p = 0; p < P; p++) tr += Sd[p]!;
  const mean = tr / P;
  return { Dg: Float64Array.from(Sd, (v) => v + mean), mean };
}

/** Symmetric P × P product LᵀR (row-major; L, R row-major m × P, LᵀR assumed symmetric: upper half computed). */
export function gramParam(L: Float64Array, R: Float64Array, m: number, P: number): Float64Array {
  const A = new Float64Array(P * P);
  for (let a = 0; a < m; a++) {
    const oa = a * P;
    for (let p = 0; p < P; p++) {
      const jp = L[oa + p]!;
      if (jp === 0) continue;
      const op = p * P;
      for (let q = p; q < P; q++) A[op + q] += jp * R[oa + q]!;
    }
  }
  for (let p = 0; p < P; p++) for (let q = p + 1; q < P; q++) A[q * P + p] = A[p * P + q]!;
  return A;
}

/** m × m matrix J D⁻¹ Jᵀ (J row-major m × P, D = diag(Dg)). */
export function gramState(J: Float64Array, Dg: Float64Array, m: number, P: number): Float64Array {
  const JD = new Float64Array(m * P);
  for (let i = 0; i < m * P; i++) JD[i] = J[i]! / Dg[i % P]!;
  const K = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let s = 0;
      const oa = a * P, ob = b * P;
      for (let p = 0; p < P; p++) s += JD[oa + p]! * J[ob + p]!;
      K[a * m + b] = s;
      K[b * m + a] = s;
    }
  }
  return K;
}

/** Parameter step δ = D⁻¹Jᵀz from a state-space solution z (length m); J row-major m × P. */
export function backMap(J: Float64Array, Dg: Float64Array, z: Float64Array, m: number, P: number): Float64Array {
  const d = new Float64Array(P);
  for (let a = 0; a < m; a++) {
    const za = z[a]!, oa = a * P;
    for (let p = 0; p < P; p++) d[p] += J[oa + p]! * za;
  }
  for (let p = 0; p < P; p++) d[p] /= Dg[p]!;
  return d;
}

/** Result of {@link dampedStep}. */
export interface DampedStepResult {
  accepted: boolean;
  x: Float64Array<ArrayBuffer>;
  value: number;
  lambda: number;
}

/**
 * Levenberg–Marquardt step acceptance (at most 30 trials): `solve(λ)` returns the step δ or null when the damped
 * system cannot be solved (λ ×4); the step needs a finite predicted change `predict(δ)` < 0 (else λ ×4) and an actual
 * `evaluate(x + δ)` < `value` (else λ ×4); on acceptance λ /3 if actual/predicted > 0.75, ×3 if < 0.25.
 */
export function dampedStep(
  x: Float64Array<ArrayBuffer>,
  value: number,
  lambda: number,
  solve: (lam: number) => Float64Array | null,
  predict: (d: Float64Array) => number,
  evaluate: (xn: Float64Array) => number,
): DampedStepResult {
  let lam = lambda;
  for (let tries = 0; tries < 30; tries++) {
    const d = solve(lam);
    if (!d) { lam *= 4; continue; }
    const pred = predict(d);
    // the quadratic model must predict a decrease (the damped matrix may be indefinite)
    if (!(pred < 0) || !Number.isFinite(pred)) { lam *= 4; continue; }
    const xn = Float64Array.from(x, (v, i) => v + d[i]!);
    const vn = evaluate(xn);
    if (Number.isFinite(vn) && vn < value) {
      const ratio = (vn - value) / pred;
      if (ratio > 0.75) lam /= 3;
      else if (ratio < 0.25) lam *= 3;
      return { accepted: true, x: xn, value: vn, lambda: lam };
    }
    lam *= 4;
  }
  return { accepted: false, x, value, lambda: lam };
}

/** Result of {@link lmLoop} (the shape of both public result types). */
export interface LmLoopResult {
  x: Float64Array<ArrayBuffer>;
  value: number;
  iterations: number;
  lambda: number;
  reason: string;
}

/**
 * Outer Levenberg–Marquardt iteration shared by both minimisers: `iterate(x, λ)` linearises at x and returns a
 * {@link dampedStep} result, or `{ stop, value }` to end before stepping. Stops with 'noDecrease' (no accepted step),
 * 'callback' (`onIteration` returned true), 'tolerance' (value ≤ `tolerance` after a step) or 'maxIterations'.
 */
export function lmLoop(
  x0: Float64Array,
  opts: {
    maxIterations: number;
    lambda: number;
    tolerance?: number;
    onIteration?: ((it: { iteration: number; value: number; lambda: number; x: Float64Array }) => boolean | void) | undefined;
  },
  iterate: (x: Float64Array<ArrayBuffer>, lambda: number) => DampedStepResult | { stop: string; value: number },
): LmLoopResult {
  let lam = opts.lambda;
  let x = Float64Array.from(x0);
  let value = NaN;
  let it = 0;
  let reason = 'maxIterations';
  for (; it < opts.maxIterations; it++) {
    const s = iterate(x, lam);
    if ('stop' in s) { value = s.value; reason = s.stop; break; }
    x = s.x;
    value = s.value;
    lam = s.lambda;
    if (!s.accepted) { reason = 'noDecrease'; it++; break; }
    if (opts.onIteration?.({ iteration: it + 1, value, lambda: lam, x })) { it++; reason = 'callback'; break; }
    if (opts.tolerance !== undefined && value <= opts.tolerance) { it++; reason = 'tolerance'; break; }
  }
  return { x, value, iterations: it, lambda: lam, reason };
}

/** In-place lower Cholesky factor of a symmetric n × n matrix (row-major); false if not positive definite. */
export function choleskyInPlace(K: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const oj = j * n;
    let d = K[oj + j]!;
    for (let k = 0; k < j; k++) d -= K[oj + k]! * K[oj + k]!;
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    K[oj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const oi = i * n;
      let s = K[oi + j]!;
      for (let k = 0; k < j; k++) s -= K[oi + k]! * K[oj + k]!;
      K[oi + j] = s / ljj;
    }
  }
  return true;
}

/** Solve L Lᵀ x = b with the factor from {@link choleskyInPlace}. */
export function choleskySolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
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

/** Solve B x = b (row-major n × n, overwritten) by LU with partial pivoting; null if singular. */
export function luSolve(B: Float64Array, n: number, b: Float64Array): Float64Array | null {
  const x = Float64Array.from(b);
  for (let k = 0; k < n; k++) {
    let piv = k, best = Math.abs(B[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(B[i * n + k]!);
      if (v > best) { best = v; piv = i; }
    }
    if (!(best > 0) || !Number.isFinite(best)) return null;
    if (piv !== k) {
      for (let j = 0; j < n; j++) { const t = B[k * n + j]!; B[k * n + j] = B[piv * n + j]!; B[piv * n + j] = t; }
      const t = x[k]!; x[k] = x[piv]!; x[piv] = t;
    }
    const inv = 1 / B[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = B[i * n + k]! * inv;
      if (f === 0) continue;
      B[i * n + k] = f;
      for (let j = k + 1; j < n; j++) B[i * n + j] -= f * B[k * n + j]!;
      x[i] -= f * x[k]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let j = i + 1; j < n; j++) s -= B[i * n + j]! * x[j]!;
    x[i] = s / B[i * n + i]!;
  }
  return x;
}
