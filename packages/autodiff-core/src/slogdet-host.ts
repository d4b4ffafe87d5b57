/**
 * Batched sign/log|det| of small square matrices on the host, in float64 (LU with partial
 * pivoting). For forward-only evaluations whose matrices are read back anyway (the sampler's
 * log|ψ|²): one async read of [B, n, n] and a few hundred flops per matrix replace ~100 small
 * device ops of the unrolled elimination in {@link slogdet}. Not differentiable.
 */
import { LinalgInputError } from './slogdet.js';

/** Per-matrix sign and ln|det| of a batch, float64. */
export interface HostSlogdet {
  /** sign(det M_b) ∈ {−1, 0, +1}, [B]; 0 only for an exactly singular matrix. */
  sign: Float64Array;
  /** ln|det M_b|, [B]; −Infinity for an exactly singular matrix. */
  logAbs: Float64Array;
}

/**
 * In-place LU with partial pivoting of the row-major n×n matrix `a` (P a = L U; L's unit-diagonal
 * multipliers below the diagonal, U on and above), pivot = the largest |a_ik| among rows i ≥ k (the
 * first one on ties, like LAPACK). `perm` (optional, [n]) receives P as row indices. Returns
 * sign(det a) and ln|det a|: 0 and −Infinity for an exactly singular matrix, NaN for NaN input
 * (the elimination stops there).
 */
function luInPlace(a: Float64Array, n: number, perm?: Int32Array): { sign: number; logAbs: number } {
  if (perm) for (let i = 0; i < n; i++) perm[i] = i;
  let s = 1;
  let l = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > 0)) return best === 0 ? { sign: 0, logAbs: -Infinity } : { sign: Number.NaN, logAbs: Number.NaN };
    if (p !== k) {
      s = -s;
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j]!;
        a[k * n + j] = a[p * n + j]!;
        a[p * n + j] = t;
      }
      if (perm) {
        const t = perm[k]!;
        perm[k] = perm[p]!;
        perm[p] = t;
      }
    }
    const piv = a[k * n + k]!;
    if (piv < 0) s = -s;
    l += Math.log(best);
    for (let i = k + 1; i < n; i++) {
      const f = (a[i * n + k]! /= piv);
      if (f !== 0) for (let j = k + 1; j < n; j++) a[i * n + j]! -= f * a[k * n + j]!;
    }
  }
  return { sign: s, logAbs: l };
}

/**
 * sign and ln|det| of B row-major n×n matrices stored back to back (`data.length = B·n²`), by LU
 * with partial pivoting in float64 (the input is widened from float32 exactly).
 *
 * @param data matrices, row-major [B, n, n]; not modified.
 * @param n matrix size (≥ 1).
 * @returns {sign [B], logAbs [B]}; det M_b = sign_b · exp(logAbs_b).
 */
export function slogdetHost(data: ArrayLike<number>, n: number): HostSlogdet {
  if (!Number.isInteger(n) || n < 1) throw new LinalgInputError(`slogdetHost: matrix size n must be an integer ≥ 1, got ${n}`);
  const nn = n * n;
  if (data.length % nn !== 0) throw new LinalgInputError(`slogdetHost: data length ${data.length} is not a multiple of n² = ${nn}`);
  const B = data.length / nn;
  const sign = new Float64Array(B);
  const logAbs = new Float64Array(B);
  const a = new Float64Array(nn);
  for (let b = 0; b < B; b++) {
    const off = b * nn;
    for (let i = 0; i < nn; i++) a[i] = data[off + i]!;
    const r = luInPlace(a, n);
    sign[b] = r.sign;
    logAbs[b] = r.logAbs;
  }
  return { sign, logAbs };
}

/**
 * Stable signed sum over D log-domain terms per walker, in float64: ψ_b = Σ_d sign_bd e^{logAbs_bd}
 * for terms stored walker-major ([B, D] row-major, e.g. D determinants per walker).
 *
 * @returns {sign [B], logAbs [B]} of the sums (sign 0 and logAbs −Infinity where the sum vanishes).
 */
export function logSumSignedExpHost(t: HostSlogdet, D: number): HostSlogdet {
  if (!Number.isInteger(D) || D < 1 || t.sign.length % D !== 0) {
    throw new LinalgInputError(`logSumSignedExpHost: ${t.sign.length} terms do not split into groups of D = ${D}`);
  }
  if (D === 1) return { sign: t.sign.slice(), logAbs: t.logAbs.slice() };
  const B = t.sign.length / D;
  const sign = new Float64Array(B);
  const logAbs = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let d = 0; d < D; d++) if (t.sign[b * D + d] !== 0) m = Math.max(m, t.logAbs[b * D + d]!);
    if (m === -Infinity) {
      sign[b] = 0;
      logAbs[b] = -Infinity;
      continue;
    }
    let sum = 0;
    for (let d = 0; d < D; d++) sum += t.sign[b * D + d]! * Math.exp(t.logAbs[b * D + d]! - m);
    sign[b] = Math.sign(sum);
    logAbs[b] = m + Math.log(Math.abs(sum));
  }
  return { sign, logAbs };
}

/** {@link logDetDerivativesHost} output, float64. */
export interface HostLogDetDerivatives extends HostSlogdet {
  /** ∂ ln|ψ| / ∂x_k, [B, K] row-major */
  grad: Float64Array;
  /** Δ ln|ψ| = Σ_k ∂² ln|ψ| / ∂x_k², [B] */
  lap: Float64Array;
  /**
   * With `phiGradient`: ∂ ln|ψ_b| / ∂Φ⁽ᵈ⁾_ij = p_bd (Φ⁽ᵈ⁾⁻¹)_ji, [B, D, n, n] (p_bd = ψ_d/ψ; 0 where
   * ψ = 0): the cotangent that turns a backward pass through Φ into ∂θ ln|ψ|.
   */
  phiGradient?: Float32Array;
}

/**
 * ln|ψ|, ψ = Σ_d det Φ⁽ᵈ⁾, with its coordinate gradient and Laplacian from the forward-Laplacian
 * triple of the orbital matrices, on the host in float64 (the host counterpart of the
 * forward-Laplacian `flSlaterSum`): per determinant ∂_k ln|det Φ| = tr(Φ⁻¹∂_kΦ) and
 * Δ ln|det Φ| = tr(Φ⁻¹ΔΦ) − Σ_k tr((Φ⁻¹∂_kΦ)²); several determinants are combined with weights
 * p_d = ψ_d/ψ: ∇ln|ψ| = Σ_d p_d ∇ln|ψ_d|, Δln|ψ| = Σ_d p_d (Δln|ψ_d| + |∇ln|ψ_d||²) − |∇ln|ψ||².
 *
 * @param v orbital values, row-major [B, n, D·n] (Φ⁽ᵈ⁾_ij = v[b, i, d·n + j]).
 * @param g coordinate derivatives, [B, K, n, D·n].
 * @param l coordinate Laplacians, [B, n, D·n].
 * @param n matrix size (particles), @param K coordinates, @param D determinants.
 * @param opts.phiGradient also return ∂ ln|ψ| / ∂Φ (see {@link HostLogDetDerivatives.phiGradient}).
 * @returns float64 {sign, logAbs, grad [B·K], lap} per walker; grad and lap are NaN where ψ = 0.
 */
export function logDetDerivativesHost(
  v: ArrayLike<number>,
  g: ArrayLike<number>,
  l: ArrayLike<number>,
  n: number,
  K: number,
  D: number,
  opts: { phiGradient?: boolean } = {},
): HostLogDetDerivatives {
  for (const [name, val] of [['n', n], ['K', K], ['D', D]] as const) {
    if (!Number.isInteger(val) || val < 1) throw new LinalgInputError(`logDetDerivativesHost: ${name} must be an integer ≥ 1, got ${val}`);
  }
  const row = D * n;
  const per = n * row;
  if (v.length % per !== 0) throw new LinalgInputError(`logDetDerivativesHost: v length ${v.length} is not a multiple of n·D·n = ${per}`);
  const B = v.length / per;
  if (g.length !== B * K * per || l.length !== B * per) {
    throw new LinalgInputError(`logDetDerivativesHost: need g of length B·K·n·D·n = ${B * K * per} and l of length ${B * per}, got ${g.length} and ${l.length}`);
  }
  const sign = new Float64Array(B);
  const logAbs = new Float64Array(B);
  const grad = new Float64Array(B * K);
  const lap = new Float64Array(B);
  const nn = n * n;
  const lu = new Float64Array(nn);
  const perm = new Int32Array(n);
  const inv = new Float64Array(nn);
  const y = new Float64Array(K * nn); // Y_k = Φ⁻¹ ∂_kΦ
  const dSign = new Float64Array(D);
  const dLog = new Float64Array(D);
  const dGrad = new Float64Array(D * K);
  const dLap = new Float64Array(D);
  const phiGrad = opts.phiGradient ? new Float32Array(B * D * nn) : null;
  const dInvT = phiGrad ? new Float64Array(D * nn) : null; // (Φ⁽ᵈ⁾⁻¹)ᵀ of the current walker
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < D; d++) {
      // LU with partial pivoting of Φ⁽ᵈ⁾
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lu[i * n + j] = v[b * per + i * row + d * n + j]!;
      const { sign: s, logAbs: la } = luInPlace(lu, n, perm);
      dSign[d] = s;
      dLog[d] = la;
      if (!(s !== 0 && Number.isFinite(la))) {
        for (let k = 0; k < K; k++) dGrad[d * K + k] = Number.NaN;
        dLap[d] = Number.NaN;
        continue;
      }
      // Φ⁻¹ column by column: P Φ = L U, so Φ⁻¹ e_c solves L U z = P e_c
      for (let c = 0; c < n; c++) {
        for (let i = 0; i < n; i++) {
          let acc = perm[i] === c ? 1 : 0;
          for (let j = 0; j < i; j++) acc -= lu[i * n + j]! * inv[j * n + c]!;
          inv[i * n + c] = acc;
        }
        for (let i = n - 1; i >= 0; i--) {
          let acc = inv[i * n + c]!;
          for (let j = i + 1; j < n; j++) acc -= lu[i * n + j]! * inv[j * n + c]!;
          inv[i * n + c] = acc / lu[i * n + i]!;
        }
      }
      if (dInvT) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dInvT[d * nn + i * n + j] = inv[j * n + i]!;
      // tr(Φ⁻¹ΔΦ) and Y_k = Φ⁻¹ ∂_kΦ
      let tr1 = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) tr1 += inv[j * n + i]! * l[b * per + i * row + d * n + j]!;
      let tr2 = 0;
      for (let k = 0; k < K; k++) {
        const gk = (b * K + k) * per + d * n;
        const yk = k * nn;
        for (let r = 0; r < n; r++) {
          for (let j = 0; j < n; j++) {
            let acc = 0;
            for (let i = 0; i < n; i++) acc += inv[r * n + i]! * g[gk + i * row + j]!;
            y[yk + r * n + j] = acc;
          }
        }
        let tr = 0;
        let sq = 0;
        for (let r = 0; r < n; r++) {
          tr += y[yk + r * n + r]!;
          for (let c = 0; c < n; c++) sq += y[yk + r * n + c]! * y[yk + c * n + r]!;
        }
        dGrad[d * K + k] = tr;
        tr2 += sq;
      }
      dLap[d] = tr1 - tr2;
    }
    if (D === 1) {
      sign[b] = dSign[0]!;
      logAbs[b] = dLog[0]!;
      for (let k = 0; k < K; k++) grad[b * K + k] = dGrad[k]!;
      lap[b] = dLap[0]!;
      if (phiGrad && dSign[0] !== 0) for (let i = 0; i < nn; i++) phiGrad[b * nn + i] = dInvT![i]!;
      continue;
    }
    let m = -Infinity;
    for (let d = 0; d < D; d++) if (dSign[d] !== 0 && dLog[d]! > m) m = dLog[d]!;
    let sum = 0;
    for (let d = 0; d < D; d++) if (dSign[d] !== 0) sum += dSign[d]! * Math.exp(dLog[d]! - m);
    sign[b] = Math.sign(sum);
    logAbs[b] = m + Math.log(Math.abs(sum));
    let lp = 0;
    for (let k = 0; k < K; k++) grad[b * K + k] = 0;
    for (let d = 0; d < D; d++) {
      if (dSign[d] === 0) continue;
      const pd = (dSign[d]! * Math.exp(dLog[d]! - m)) / sum;
      if (phiGrad && sum !== 0) for (let i = 0; i < nn; i++) phiGrad[(b * D + d) * nn + i] = pd * dInvT![d * nn + i]!;
      let g2 = 0;
      for (let k = 0; k < K; k++) {
        const gd = dGrad[d * K + k]!;
        grad[b * K + k]! += pd * gd;
        g2 += gd * gd;
      }
      lp += pd * (dLap[d]! + g2);
    }
    let gg = 0;
    for (let k = 0; k < K; k++) gg += grad[b * K + k]! * grad[b * K + k]!;
    lap[b] = lp - gg;
  }
  return phiGrad ? { sign, logAbs, grad, lap, phiGradient: phiGrad } : { sign, logAbs, grad, lap };
}
