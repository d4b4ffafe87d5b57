/**
 * Row operators over per-sample Jacobians: J [N, P] (N samples, P parameters) given either as a
 * tfjs float32 tensor (products on the device, read back to float64) or as a float64 row-major
 * array. Optionally centred over the samples (Ō = O − ⟨O⟩) without materialising Ō.
 *
 * Products are J v [N] and Jᵀ u [P]; the Gram matrices J Jᵀ [N, N] (sample space) and Jᵀ J [P, P]
 * (parameter space) are formed only on request, by the solver that needs them.
 */
import { tf } from '@nqs/autodiff-core';
import { OptimizerInputError } from '../first-order.js';

/** A per-sample Jacobian as plain float64 data: row-major [rows, cols]. */
export interface DenseJacobian {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** A per-sample Jacobian [N, P]: a tfjs 2-D tensor (not disposed by the optimisers) or float64 data. */
export type JacobianInput = tf.Tensor2D | DenseJacobian;

/** Linear map ℝᴾ → ℝᴺ given by the rows of a (possibly centred) Jacobian. */
export interface RowOperator {
  readonly rows: number;
  readonly cols: number;
  /** J v, [N] */
  mul(v: Float64Array): Promise<Float64Array>;
  /** Jᵀ u, [P] */
  tmul(u: Float64Array): Promise<Float64Array>;
  /** J Jᵀ, row-major [N, N] */
  gram(): Promise<Float64Array>;
  /** Jᵀ J, row-major [P, P] */
  cross(): Promise<Float64Array>;
  /** diag(Jᵀ J), [P] */
  colSquares(): Promise<Float64Array>;
  /** free device memory held by the operator (not the Jacobian itself) */
  dispose(): void;
  /** the (centred) rows as a new float32 tensor [N, P], when the operator is tensor-backed */
  rowsTensor?(): tf.Tensor2D;
  /** the operator restricted to the columns `idx` (a copy; dispose it separately) */
  columns(idx: readonly number[]): Promise<RowOperator>;
}

function isTensor(j: JacobianInput): j is tf.Tensor2D {
  return j instanceof tf.Tensor;
}

/** Shape of a Jacobian input. */
export function jacobianShape(j: JacobianInput): [number, number] {
  if (isTensor(j)) {
    if (j.rank !== 2) throw new OptimizerInputError(`jacobian: shape [${j.shape.join(', ')}] is not allowed (must be [samples, parameters])`);
    return [j.shape[0], j.shape[1]];
  }
  if (!(j.data instanceof Float64Array) || j.data.length !== j.rows * j.cols) {
    throw new OptimizerInputError(`jacobian: data has ${j.data?.length} entries, rows × cols = ${j.rows}×${j.cols} needed`);
  }
  return [j.rows, j.cols];
}

/** Jacobian as a row operator; `center` subtracts the column means ⟨O⟩ (over the rows). */
export async function jacobianOperator(j: JacobianInput, center: boolean): Promise<RowOperator> {
  const [N, P] = jacobianShape(j);
  return isTensor(j) ? await tensorOperator(j, N, P, center) : denseOperator(j, N, P, center);
}

function denseOperator(j: DenseJacobian, N: number, P: number, center: boolean): RowOperator {
  const d = j.data;
  const mean = new Float64Array(P);
  if (center) {
    for (let r = 0; r < N; r++) for (let c = 0; c < P; c++) mean[c]! += d[r * P + c]!;
    for (let c = 0; c < P; c++) mean[c]! /= N;
  }
  const at = (r: number, c: number) => d[r * P + c]! - mean[c]!;
  return {
    rows: N,
    cols: P,
    async mul(v) {
      const out = new Float64Array(N);
      for (let r = 0; r < N; r++) {
        let s = 0;
        for (let c = 0; c < P; c++) s += at(r, c) * v[c]!;
        out[r] = s;
      }
      return out;
    },
    async tmul(u) {
      const out = new Float64Array(P);
      for (let r = 0; r < N; r++) {
        const ur = u[r]!;
        for (let c = 0; c < P; c++) out[c]! += at(r, c) * ur;
      }
      return out;
    },
    async gram() {
      const out = new Float64Array(N * N);
      for (let a = 0; a < N; a++)
        for (let b = a; b < N; b++) {
          let s = 0;
          for (let c = 0; c < P; c++) s += at(a, c) * at(b, c);
          out[a * N + b] = s;
          out[b * N + a] = s;
        }
      return out;
    },
    async cross() {
      const out = new Float64Array(P * P);
      for (let r = 0; r < N; r++)
        for (let a = 0; a < P; a++) {
          const x = at(r, a);
          if (x === 0) continue;
          for (let b = 0; b < P; b++) out[a * P + b]! += x * at(r, b);
        }
      return out;
    },
    async colSquares() {
      const out = new Float64Array(P);
      for (let r = 0; r < N; r++) for (let c = 0; c < P; c++) out[c]! += at(r, c) ** 2;
      return out;
    },
    dispose() {},
    async columns(idx) {
      const K = idx.length;
      const sub = new Float64Array(N * K);
      for (let r = 0; r < N; r++) for (let c = 0; c < K; c++) sub[r * K + c] = d[r * P + idx[c]!]!;
      return denseOperator({ data: sub, rows: N, cols: K }, N, K, center);
    },
  };
}

async function tensorOperator(j: tf.Tensor2D, N: number, P: number, center: boolean): Promise<RowOperator> {
  const meanT = center ? tf.tidy(() => tf.mean(j, 0, true)) : null;
  const mean = meanT ? Float64Array.from(await meanT.data()) : new Float64Array(P);
  const centred = <T>(f: (jc: tf.Tensor2D) => T): T => {
    if (!meanT) return f(j);
    return f(tf.sub(j, meanT) as tf.Tensor2D);
  };
  const read = async (t: tf.Tensor): Promise<Float64Array> => {
    const out = Float64Array.from(await t.data());
    t.dispose();
    return out;
  };
  // Products use the uncentred J and correct with the means: Ō v = O v − (ō·v)1, Ōᵀu = Oᵀu − ō Σu.
  return {
    rows: N,
    cols: P,
    async mul(v) {
      const out = await read(tf.tidy(() => tf.reshape(tf.matMul(j, tf.tensor2d(Float32Array.from(v), [P, 1])), [N])));
      if (center) {
        let m = 0;
        for (let c = 0; c < P; c++) m += mean[c]! * v[c]!;
        for (let r = 0; r < N; r++) out[r]! -= m;
      }
      return out;
    },
    async tmul(u) {
      const out = await read(tf.tidy(() => tf.reshape(tf.matMul(tf.tensor2d(Float32Array.from(u), [1, N]), j), [P])));
      if (center) {
        let su = 0;
        for (let r = 0; r < N; r++) su += u[r]!;
        for (let c = 0; c < P; c++) out[c]! -= mean[c]! * su;
      }
      return out;
    },
    // explicit transposes: tfjs-wasm's MatMul with transposeA/B is several times slower
    gram: () => read(tf.tidy(() => centred((jc) => tf.matMul(jc, tf.transpose(jc))))),
    cross: () => read(tf.tidy(() => centred((jc) => tf.matMul(tf.transpose(jc), jc)))),
    rowsTensor: () => tf.tidy(() => centred((jc) => (jc === j ? tf.clone(j) : jc))),
    colSquares: () => read(tf.tidy(() => centred((jc) => tf.sum(tf.square(jc), 0)))),
    dispose: () => meanT?.dispose(),
    async columns(idx) {
      const sub = tf.tidy(() => tf.gather(j, tf.tensor1d(Int32Array.from(idx), 'int32'), 1)) as tf.Tensor2D;
      const op = await tensorOperator(sub, N, idx.length, center);
      return { ...op, dispose: () => (op.dispose(), sub.dispose()) };
    },
  };
}

/**
 * Vertical stack of row operators with the same P: J = [J₁; J₂; …] (e.g. the mixed derivatives
 * ∂θ∂x_k ln|ψ| for k = 1..K, giving Σ_k J_kᵀ J_k = Jᵀ J).
 */
export function stackOperators(ops: readonly RowOperator[]): RowOperator {
  if (ops.length === 0) throw new OptimizerInputError('stackOperators: need at least one operator');
  const P = ops[0]!.cols;
  if (ops.some((o) => o.cols !== P)) throw new OptimizerInputError(`stackOperators: all Jacobians need the same number of parameters (${ops.map((o) => o.cols).join(', ')})`);
  if (ops.length === 1) return ops[0]!;
  const offs: number[] = [];
  let N = 0;
  for (const o of ops) {
    offs.push(N);
    N += o.rows;
  }
  return {
    rows: N,
    cols: P,
    async mul(v) {
      const out = new Float64Array(N);
      const parts = await Promise.all(ops.map((o) => o.mul(v)));
      parts.forEach((p, i) => out.set(p, offs[i]!));
      return out;
    },
    async tmul(u) {
      const out = new Float64Array(P);
      const parts = await Promise.all(ops.map((o, i) => o.tmul(u.subarray(offs[i]!, offs[i]! + o.rows))));
      for (const part of parts) for (let c = 0; c < P; c++) out[c]! += part[c]!;
      return out;
    },
    async gram() {
      if (ops.every((o) => o.rowsTensor)) {
        const g = tf.tidy(() => {
          const all = tf.concat(ops.map((o) => o.rowsTensor!()), 0);
          return tf.matMul(all, tf.transpose(all));
        });
        const out = Float64Array.from(await g.data());
        g.dispose();
        return out;
      }
      // float64 rows: columns of J Jᵀ from products
      const out = new Float64Array(N * N);
      for (let r = 0; r < N; r++) {
        const e = new Float64Array(N);
        e[r] = 1;
        const col = await this.mul(await this.tmul(e));
        for (let q = 0; q < N; q++) out[q * N + r] = col[q]!;
      }
      return out;
    },
    async cross() {
      const out = new Float64Array(P * P);
      for (const o of ops) {
        const c = await o.cross();
        for (let i = 0; i < P * P; i++) out[i]! += c[i]!;
      }
      return out;
    },
    async colSquares() {
      const out = new Float64Array(P);
      for (const o of ops) {
        const c = await o.colSquares();
        for (let i = 0; i < P; i++) out[i]! += c[i]!;
      }
      return out;
    },
    dispose: () => ops.forEach((o) => o.dispose()),
    columns: async (idx) => stackOperators(await Promise.all(ops.map((o) => o.columns(idx)))),
  };
}
