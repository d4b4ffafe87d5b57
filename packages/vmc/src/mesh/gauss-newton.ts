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
  const maxIt = opts.maxIterations ?? 100;
  let lam = opts.lambda ?? 1;
  let x = Float64Array.from(x0);
  const P = x.length;
  const H = model.H;
  let value = NaN;
  let it = 0;
  let reason = 'maxIterations';
  for (; it < maxIt; it++) {
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
    value = E;
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
    let trS = 0;
    for (let p = 0; p < P; p++) trS += Sd[p]!;
    const sbar = trS / P;
    const Dg = Float64Array.from(Sd, (v) => v + sbar); // damping metric D
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
      A = new Float64Array(P * P);
      for (let a = 0; a < m; a++) {
        const oa = a * P;
        for (let p = 0; p < P; p++) {
          const jp = Jb[oa + p]!;
          if (jp === 0) continue;
          const op = p * P;
          for (let q = p; q < P; q++) A[op + q] += jp * HJ[oa + q]!;
        }
      }
      for (let p = 0; p < P; p++) for (let q = p + 1; q < P; q++) A[q * P + p] = A[p * P + q]!;
    } else {
      const JD = new Float64Array(m * P);
      for (let i = 0; i < m * P; i++) JD[i] = Jb[i]! / Dg[i % P]!;
      const K = new Float64Array(m * m);
      for (let a = 0; a < m; a++) {
        for (let b = a; b < m; b++) {
          let s = 0;
          const oa = a * P, ob = b * P;
          for (let p = 0; p < P; p++) s += JD[oa + p]! * Jb[ob + p]!;
          K[a * m + b] = s;
          K[b * m + a] = s;
        }
      }
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
    let accepted = false;
    for (let tries = 0; tries < 30 && !accepted; tries++) {
      let d: Float64Array;
      if (!stateSpace) {
        const K = new Float64Array(P * P);
        for (let p = 0; p < P * P; p++) K[p] = 2 * A![p]!;
        for (let p = 0; p < P; p++) K[p * P + p] += lam * Dg[p]!;
        if (!choleskyInPlace(K, P)) { lam *= 4; continue; }
        d = choleskySolve(K, P, Float64Array.from(g, (v) => -v));
      } else {
        const B = new Float64Array(m * m);
        for (let i = 0; i < m * m; i++) B[i] = 2 * MK![i]!;
        for (let a = 0; a < m; a++) B[a * m + a] += lam;
        const z = luSolve(B, m, Float64Array.from(rho, (v) => -v));
        if (!z) { lam *= 4; continue; }
        d = new Float64Array(P);
        for (let a = 0; a < m; a++) {
          const za = z[a]!;
          for (let p = 0; p < P; p++) d[p] += Jb[a * P + p]! * za;
        }
        for (let p = 0; p < P; p++) d[p] /= Dg[p]!;
      }
      let gd = 0;
      for (let p = 0; p < P; p++) gd += g[p]! * d[p]!;
      const pred = gd + quad(d);
      // the quadratic model must predict a decrease (the damped matrix may be indefinite)
      if (!(pred < 0) || !Number.isFinite(pred)) { lam *= 4; continue; }
      const xn = Float64Array.from(x, (v, i) => v + d[i]!);
      const En = model.energy(xn);
      if (Number.isFinite(En) && En < E) {
        const ratio = (En - E) / pred;
        x = xn;
        value = En;
        accepted = true;
        if (ratio > 0.75) lam /= 3;
        else if (ratio < 0.25) lam *= 3;
      } else lam *= 4;
    }
    if (!accepted) { reason = 'noDecrease'; it++; break; }
    if (opts.onIteration?.({ iteration: it + 1, value, lambda: lam, x })) { it++; reason = 'callback'; break; }
  }
  return { x, value, iterations: it, lambda: lam, reason };
}

/** In-place lower Cholesky factor of a symmetric P × P matrix (row-major); false if not positive definite. */
function choleskyInPlace(K: Float64Array, P: number): boolean {
  for (let j = 0; j < P; j++) {
    const oj = j * P;
    let d = K[oj + j]!;
    for (let k = 0; k < j; k++) d -= K[oj + k]! * K[oj + k]!;
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    K[oj + j] = ljj;
    for (let i = j + 1; i < P; i++) {
      const oi = i * P;
      let s = K[oi + j]!;
      for (let k = 0; k < j; k++) s -= K[oi + k]! * K[oj + k]!;
      K[oi + j] = s / ljj;
    }
  }
  return true;
}

/** Solve L Lᵀ x = b with the factor from {@link choleskyInPlace}. */
function choleskySolve(L: Float64Array, P: number, b: Float64Array): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < P; i++) {
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= L[i * P + k]! * y[k]!;
    y[i] = s / L[i * P + i]!;
  }
  for (let i = P - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < P; k++) s -= L[k * P + i]! * y[k]!;
    y[i] = s / L[i * P + i]!;
  }
  return y;
}

/** Solve B x = b (row-major n × n, overwritten) by LU with partial pivoting; null if singular. */
function luSolve(B: Float64Array, n: number, b: Float64Array): Float64Array | null {
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
