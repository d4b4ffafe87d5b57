/**
 * Batched sign/log-determinant and inverse of small square matrices (n ≤ ~12), built only from
 * ordinary differentiable tfjs ops (partial-pivoted elimination unrolled over n). tfjs has no
 * det/LU/inverse; because everything is ordinary ops, first and higher derivatives with respect to
 * the matrix come from tfjs autodiff (d logAbs/dM = M⁻ᵀ, d M⁻¹ = −M⁻¹ dM M⁻¹), and nested `tf.grad`
 * works as far as the ops used (abs, log, div, mul, matMul, slice, where) nest correctly.
 *
 * No synchronous reads: pivots are chosen on the device (argMax → oneHot), so the same code runs
 * on WebGPU. Pivot selection is piecewise constant and carries no gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Input of the wrong rank or a non-square matrix. */
export class LinalgInputError extends Error {
  override readonly name = 'LinalgInputError';
}

/** Per-matrix sign and log|det| of a batch. */
export type SlogdetResult = {
  /** sign(det M_b) ∈ {−1, 0, +1}, shape [B]. 0 only for an exactly singular matrix. */
  sign: tf.Tensor1D;
  /** ln|det M_b|, shape [B]; −Infinity for an exactly singular matrix. */
  logAbs: tf.Tensor1D;
};

/** {@link SlogdetResult} plus the inverse from the same elimination. */
export type SlogdetInverseResult = SlogdetResult & {
  /** M_b⁻¹, shape [B, n, n]. Not finite/meaningful where sign = 0. */
  inv: tf.Tensor3D;
};

function checkSquare(m: tf.Tensor, fn: string): number {
  if (m.rank !== 3 || m.shape[1] !== m.shape[2]) {
    throw new LinalgInputError(`${fn}: m must have shape [B, n, n], got [${m.shape.join(', ')}]`);
  }
  const n = m.shape[1]!;
  if (n < 1) throw new LinalgInputError(`${fn}: matrix size n must be ≥ 1, got ${n}`);
  return n;
}

/**
 * Divisor that equals `p` except where p = 0 exactly (then 1): keeps elimination finite for singular
 * input. Written as p + 1 − sign(|p|) (float ops only; `tf.where` breaks nested gradients).
 */
function safeDivisor(p: tf.Tensor): tf.Tensor {
  return tf.sub(tf.add(p, 1), tf.sign(tf.abs(p)));
}

/** sign and logAbs from the list of pivots [B] and the row-swap sign factors [B]. */
function finish(pivots: tf.Tensor[], swaps: tf.Tensor[]): SlogdetResult {
  const logAbs = (pivots.length === 1 ? tf.log(tf.abs(pivots[0]!)) : tf.addN(pivots.map((p) => tf.log(tf.abs(p))))) as tf.Tensor1D;
  // a chain of multiplies, not tf.prod: Prod's gradient uses Cumprod, which has no gradient, so a
  // nested tf.grad through anything that multiplies by the sign would fail
  let sign = tf.sign(pivots[0]!);
  for (let i = 1; i < pivots.length; i++) sign = tf.mul(sign, tf.sign(pivots[i]!));
  for (const s of swaps) sign = tf.mul(sign, s);
  return { sign: sign as tf.Tensor1D, logAbs };
}

/**
 * Gauss–Jordan elimination with partial pivoting on a [B, n, w] matrix whose first n columns are
 * the matrix M (w = n: determinant only; w = 2n with [M | I]: also the inverse). Only matmuls and
 * element-wise ops: no slice, concat or broadcastTo, which are very slow on wasm. Returns the
 * pivots (= U_kk of LU with partial pivoting), the row-swap signs and the reduced matrix [I | M⁻¹].
 */
function gaussJordan(a0: tf.Tensor3D): { pivots: tf.Tensor[]; swaps: tf.Tensor[]; a: tf.Tensor3D } {
  const [B, n, w] = a0.shape;
  let a = a0;
  const pivots: tf.Tensor[] = [];
  const swaps: tf.Tensor[] = [];
  for (let k = 0; k < n; k++) {
    const ek = new Float32Array(n);
    ek[k] = 1;
    const ekT = tf.tensor1d(ek); // [n]
    const colSel = new Float32Array(w);
    colSel[k] = 1;
    // column k of every matrix, [B, n], by a 2-D matmul
    let col = tf.reshape(tf.matMul(tf.reshape(a, [B * n, w]), tf.tensor2d(colSel, [w, 1])), [B, n]);
    if (k < n - 1) {
      // partial pivoting among rows ≥ k; rows above k are set to −1 (below every |entry|)
      let cand = tf.abs(col);
      if (k > 0) {
        const keep = new Float32Array(n).fill(1);
        for (let i = 0; i < k; i++) keep[i] = 0;
        const keepT = tf.tensor1d(keep);
        cand = tf.add(tf.mul(cand, keepT), tf.sub(keepT, 1));
      }
      // int32 oneHot then cast: the wasm OneHot kernel returns zeros when asked for float32 directly
      const oh = tf.cast(tf.oneHot(tf.argMax(cand, 1), n), 'float32'); // [B, n]
      const u = tf.sub(ekT, oh); // e_k − e_p (0 when p = k)
      // swap rows k and p: A ← A − u (uᵀA); the same for the extracted column
      const uA = tf.matMul(tf.reshape(u, [B, 1, n]), a); // [B, 1, w]
      a = tf.sub(a, tf.mul(tf.reshape(u, [B, n, 1]), uA)) as tf.Tensor3D;
      col = tf.sub(col, tf.mul(u, tf.sum(tf.mul(u, col), 1, true)));
      swaps.push(tf.sub(1, tf.mul(2, tf.sum(tf.mul(u, ekT), 1)))); // −1 if swapped
    }
    const piv = tf.sum(tf.mul(col, ekT), 1); // [B]
    pivots.push(piv);
    if (w === n && k === n - 1) break; // determinant only: the last row operation is not needed
    const rowK = tf.div(tf.matMul(tf.tensor3d(ek, [1, 1, n]), a), tf.reshape(safeDivisor(piv), [B, 1, 1])); // [B, 1, w]
    // A ← A − (c − e_k) ⊗ row_k/pivot: eliminates column k in every other row and normalises row k
    a = tf.sub(a, tf.mul(tf.reshape(tf.sub(col, ekT), [B, n, 1]), rowK)) as tf.Tensor3D;
  }
  return { pivots, swaps, a };
}

/**
 * Batched sign and log|det| of square matrices by elimination with partial pivoting (the pivots
 * are those of LU with partial pivoting).
 *
 * @param m matrices, shape [B, n, n] (float32); not disposed.
 * @returns `{sign [B], logAbs [B]}`; det M_b = sign_b · exp(logAbs_b).
 *
 * Differentiable with respect to `m` to any order through ordinary ops (∂ logAbs/∂M = M⁻ᵀ).
 */
export function slogdet(m: tf.Tensor3D): SlogdetResult {
  checkSquare(m, 'slogdet');
  return tf.tidy(() => {
    const { pivots, swaps } = gaussJordan(m);
    return finish(pivots, swaps);
  });
}

/**
 * Batched sign, log|det| and inverse in one Gauss–Jordan elimination with partial pivoting on the
 * augmented matrix [M | I].
 *
 * @param m matrices, shape [B, n, n] (float32); not disposed.
 * @returns `{sign [B], logAbs [B], inv [B, n, n]}`.
 *
 * Differentiable with respect to `m` to any order through ordinary ops. This is what the forward
 * Laplacian of log|det| uses (it needs M⁻¹ and the log-determinant together).
 */
export function slogdetInverse(m: tf.Tensor3D): SlogdetInverseResult {
  const n = checkSquare(m, 'slogdetInverse');
  return tf.tidy(() => {
    const B = m.shape[0];
    // [M | I] as M·[I 0] + [0 I] (a matmul and a broadcast add)
    const left = new Float32Array(n * 2 * n);
    const right = new Float32Array(n * 2 * n);
    for (let i = 0; i < n; i++) {
      left[i * 2 * n + i] = 1;
      right[i * 2 * n + n + i] = 1;
    }
    const mLeft = tf.reshape(tf.matMul(tf.reshape(m, [B * n, n]), tf.tensor2d(left, [n, 2 * n])), [B, n, 2 * n]);
    const aug = tf.add(mLeft, tf.tensor3d(right, [1, n, 2 * n])) as tf.Tensor3D;
    const { pivots, swaps, a } = gaussJordan(aug);
    const { sign, logAbs } = finish(pivots, swaps);
    // right half by a matmul with [0; I]
    const sel = new Float32Array(2 * n * n);
    for (let i = 0; i < n; i++) sel[(n + i) * n + i] = 1;
    const inv = tf.reshape(tf.matMul(tf.reshape(a, [B * n, 2 * n]), tf.tensor2d(sel, [2 * n, n])), [B, n, n]) as tf.Tensor3D;
    return { sign, logAbs, inv };
  });
}

/**
 * Batched inverse of square matrices (Gauss–Jordan with partial pivoting), differentiable.
 *
 * @param m matrices, shape [B, n, n] (float32); not disposed.
 * @returns M⁻¹, shape [B, n, n]; not finite/meaningful for exactly singular matrices.
 */
export function inverse(m: tf.Tensor3D): tf.Tensor3D {
  checkSquare(m, 'inverse');
  return tf.tidy(() => slogdetInverse(m).inv);
}

/**
 * Stable signed sum of log-domain terms: ψ = Σ_d sign_d · exp(logAbs_d) (e.g. several
 * determinants), computed as max_d logAbs_d + ln|Σ_d sign_d e^{logAbs_d − max}|.
 *
 * @param terms D ≥ 1 results with [B] tensors each.
 * @returns {sign [B], logAbs [B]} of the sum.
 */
export function logSumSignedExp(terms: readonly SlogdetResult[]): SlogdetResult {
  if (terms.length === 0) throw new LinalgInputError('logSumSignedExp: need at least one term');
  return tf.tidy(() => {
    if (terms.length === 1) return { sign: tf.clone(terms[0]!.sign), logAbs: tf.clone(terms[0]!.logAbs) };
    const L = tf.stack(terms.map((t) => t.logAbs), 1);
    const S = tf.stack(terms.map((t) => t.sign), 1);
    const lmax = tf.max(L, 1, true);
    const sum = tf.sum(tf.mul(S, tf.exp(tf.sub(L, lmax))), 1, true);
    return {
      sign: tf.reshape(tf.sign(sum), [-1]) as tf.Tensor1D,
      logAbs: tf.reshape(tf.add(lmax, tf.log(tf.abs(sum))), [-1]) as tf.Tensor1D,
    };
  });
}
