/**
 * Per-sample parameter Jacobians by the probe trick (DESIGN.md §3).
 *
 * ## Protocol
 * A network that wants per-sample gradients writes its forward pass as a {@link TracedFunction}:
 * `(params, x, tracer) → y [B]`, and routes every use of a parameter through the tracer:
 * - `tracer.dense(a, W, b, {w: 'path.to.W', b: 'path.to.b'})` for a dense map on the last axis,
 *   a [B, ..., in] → a·W + b [B, ..., out] (the "..." axes, e.g. particles, share W: per-particle
 *   dense layers of an equivariant net; the same W may be used several times, e.g. on the value,
 *   gradient and Laplacian of a forward-Laplacian triple — pass `b = null` for uses without bias);
 * - `tracer.param(θ, 'path')` for any other parameter; it returns θ with a leading sample axis,
 *   [1, ...θ.shape] normally and [B, ...θ.shape] when probed, so the network must broadcast over it.
 * With {@link plainTracer} this is just the ordinary forward pass.
 *
 * {@link perSampleJacobian} runs the function once with zero "probe" tensors added to every dense
 * output (pre-activation) and every `param` use, and differentiates Σ_b y_b with respect to the
 * probes in one backward pass. Because y_b depends only on walker b, the probe gradient of a dense
 * use is δ_{b,n} = ∂y_b/∂z_{b,n} [B, N, out] and the per-sample weight gradient is
 * Σ_n a_{b,n} ⊗ δ_{b,n}; the bias gradient is Σ_n δ_{b,n}; a `param` probe gradient is the
 * per-sample gradient itself. Functions must not mix walkers (no batch statistics).
 *
 * Probe shapes are learned from a one-walker pass of the same function, cached per function,
 * per-walker input shape and parameter shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { treeEntries, treeSpec, type ParamTree } from './params.js';

/** Routes parameter uses of a forward pass; see the module doc for the protocol. */
export interface ParamTracer {
  /**
   * Dense map on the last axis.
   * @param a inputs [B, ..., in], or row blocks of W: pieces a_p [B, ..., in_p] with Σ in_p = in,
   *   giving Σ_p a_p·W[rows of p] + b; the pieces' middle axes broadcast against each other (e.g. a
   *   particle mean [B, 1, H] next to per-particle features [B, A, H]: the mean-field layer
   *   [h_i, mean_j h_j]·W without materialising the concatenation).
   * @param w weights [in, out]; @param b bias [out] or null.
   * @param paths ParamTree paths of w and (when b is given) b.
   * @returns a·w + b, [B, ..., out].
   */
  dense(a: tf.Tensor | readonly tf.Tensor[], w: tf.Tensor2D, b: tf.Tensor1D | null, paths: { w: string; b?: string }): tf.Tensor;
  /**
   * Any other parameter use.
   * @returns θ with a leading sample axis: [1, ...θ.shape], or [B, ...θ.shape] under probing.
   */
  param(theta: tf.Tensor, path: string): tf.Tensor;
}

function pieces(a: tf.Tensor | readonly tf.Tensor[]): readonly tf.Tensor[] {
  return a instanceof tf.Tensor ? [a] : a;
}

/** Broadcast shape of the pieces' axes between the walker axis and the feature axis. */
function midShape(ps: readonly tf.Tensor[]): number[] {
  const r = ps[0]!.rank;
  const out: number[] = [];
  for (let i = 1; i < r - 1; i++) out.push(Math.max(...ps.map((p) => p.shape[i]!)));
  return out;
}

function denseOp(a: tf.Tensor | readonly tf.Tensor[], w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor {
  const ps = pieces(a);
  const [inDim, out] = w.shape;
  const total = ps.reduce((s, p) => s + p.shape[p.rank - 1]!, 0);
  if (ps.length === 0 || total !== inDim || ps.some((p) => p.rank !== ps[0]!.rank || p.rank < 2)) {
    throw new JacobianInputError(`dense: inputs with last axes [${ps.map((p) => p.shape[p.rank - 1]).join(', ')}] (ranks ${ps.map((p) => p.rank).join(', ')}) do not match w [${w.shape.join(', ')}]; need equal ranks ≥ 2 and Σ in_p = ${inDim}`);
  }
  let z: tf.Tensor | null = null;
  let row = 0;
  for (const p of ps) {
    const k = p.shape[p.rank - 1]!;
    const wp = ps.length === 1 ? w : tf.slice(w, [row, 0], [k, out]);
    row += k;
    const zp = tf.reshape(tf.matMul(tf.reshape(p, [-1, k]), wp), [...p.shape.slice(0, -1), out]);
    z = z ? tf.add(z, zp) : zp;
  }
  return b ? tf.add(z!, b) : z!;
}

/** The tracer of an ordinary forward pass: dense = a·W + b, param = θ[None]. */
export const plainTracer: ParamTracer = {
  dense: (a, w, b) => tf.tidy(() => denseOp(a, w, b)),
  param: (theta) => tf.tidy(() => tf.expandDims(theta, 0)),
};

/** A forward pass written against the tracer protocol; returns one scalar per walker, [B]. */
export type TracedFunction<P extends ParamTree = ParamTree> = (params: P, x: tf.Tensor, tracer: ParamTracer) => tf.Tensor1D;

/** Bad arguments or a function that breaks the tracer protocol. */
export class JacobianInputError extends Error {
  override readonly name = 'JacobianInputError';
}

/** One dense use with its per-sample factors (what KFAC needs). */
export type DenseFactors = {
  /** path of W */
  w: string;
  /** path of b, when this use added the bias */
  b?: string;
  /** layer inputs a, [B, N, in] (N = product of the axes between walker and feature axes, ≥ 1;
   *  row-block pieces are broadcast and concatenated) */
  a: tf.Tensor3D;
  /** back-propagated δ = ∂y_b/∂(a·W + b), [B, N, out] */
  delta: tf.Tensor3D;
};

/** Result of {@link perSampleJacobian}. */
export type PerSampleJacobian = {
  /** y, [B] */
  value: tf.Tensor1D;
  /** O_{b,p} = ∂y_b/∂θ_p, [B, P], columns in `treeEntries`/`treeToFlat` order of the params */
  jacobian: tf.Tensor2D;
  /** per dense use, in call order; only when `factors: true` */
  factors?: DenseFactors[];
};

interface ProbeUse {
  kind: 'dense' | 'param';
  paths: { w: string; b?: string } | string;
  /** probe shape without the walker axis */
  shape: number[];
}

const planCache = new WeakMap<object, Map<string, ProbeUse[]>>();

function recordPlan<P extends ParamTree>(f: TracedFunction<P>, params: P, x: tf.Tensor): ProbeUse[] {
  const key = `${x.shape.slice(1).join('x')}|${treeSpec(params).shapes.map((s) => s.join('x')).join(',')}|${treeSpec(params).paths.join(',')}`;
  let byKey = planCache.get(f);
  if (!byKey) planCache.set(f, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const uses: ProbeUse[] = [];
  const recorder: ParamTracer = {
    dense: (a, w, b, paths) => {
      uses.push({ kind: 'dense', paths: { ...paths }, shape: [...midShape(pieces(a)), w.shape[1]] });
      return denseOp(a, w, b);
    },
    param: (theta, path) => {
      uses.push({ kind: 'param', paths: path, shape: theta.shape.slice() });
      return tf.expandDims(theta, 0);
    },
  };
  tf.tidy(() => {
    const one = tf.slice(x, 0, 1);
    f(params, one, recorder);
  });
  byKey.set(key, uses);
  return uses;
}

/**
 * Per-sample gradients O [B, P] of y_b = f(params, x, tracer)_b for every walker in one forward
 * and one backward pass (probe trick; see the module doc for the protocol f must follow).
 *
 * @param f forward pass written against {@link ParamTracer}; must return [B].
 * @param params parameter tree; the column order of O is `treeEntries(params)` order (the order of
 *   `treeToFlat`), each leaf flattened row-major. Leaves that f never routes through the tracer get
 *   zero columns.
 * @param x walkers, [B, ...] (first axis = walkers).
 * @param opts.factors also return the per-use layer inputs and deltas (KFAC); the caller owns them.
 * @param opts.jacobian set false to skip forming O (then `jacobian` is an empty [B, 0] tensor):
 *   KFAC needs only the factors, and the per-walker outer products dominate the cost on wasm.
 */
export function perSampleJacobian<P extends ParamTree>(f: TracedFunction<P>, params: P, x: tf.Tensor, opts: { factors?: boolean; jacobian?: boolean } = {}): PerSampleJacobian {
  const wantJac = opts.jacobian ?? true;
  const entries = treeEntries(params);
  const index = new Map(entries.map(([p, t], i) => [p, { i, t }]));
  const plan = recordPlan(f, params, x);
  for (const u of plan) {
    const ps = typeof u.paths === 'string' ? [u.paths] : [u.paths.w, ...(u.paths.b ? [u.paths.b] : [])];
    for (const p of ps) if (!index.has(p)) throw new JacobianInputError(`perSampleJacobian: f uses parameter path '${p}', which is not a leaf of params (leaves: ${entries.map(([q]) => q).join(', ')})`);
  }
  const B = x.shape[0]!;
  const recorded: tf.Tensor[][] = [];
  const kept: tf.Tensor[] = [];
  let ok = false;
  try {
    return tf.tidy(() => {
      const probes = plan.map((u) => tf.zeros([B, ...u.shape]));
      const fn = (...ps: tf.Tensor[]): tf.Scalar => {
        let c = 0;
        const next = (kind: ProbeUse['kind'], shape: number[], what: string) => {
          const u = plan[c];
          if (!u || u.kind !== kind || u.shape.join('x') !== shape.join('x')) {
            throw new JacobianInputError(`perSampleJacobian: use #${c} (${kind} ${what}, shape [${shape.join(', ')}]) differs from the one-walker pass; f must make the same tracer calls for every batch size`);
          }
          return ps[c++]!;
        };
        const tracer: ParamTracer = {
          dense: (a, w, b, paths) => {
            const ps = pieces(a);
            const probe = next('dense', [...midShape(ps), w.shape[1]], paths.w);
            // keep the inputs (the engine's forward tidy would dispose them) for the outer products
            recorded.push(ps.map((p) => tf.keep(tf.clone(p))));
            return tf.add(denseOp(ps, w, b), probe);
          },
          param: (theta, path) => tf.add(tf.expandDims(theta, 0), next('param', theta.shape.slice(), path)),
        };
        const y = f(params, x, tracer);
        if (y.rank !== 1 || y.shape[0] !== B) throw new JacobianInputError(`perSampleJacobian: f must return [B] = [${B}], got [${y.shape.join(', ')}]`);
        if (c !== plan.length) throw new JacobianInputError(`perSampleJacobian: f made ${c} tracer calls, the one-walker pass made ${plan.length}`);
        // the engine's forward tidy would dispose y; keep a copy (disposed in finally if we fail)
        kept.push(tf.keep(tf.clone(y)));
        return tf.sum(y);
      };
      const { grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => fn(...ps))(probes);
      const cols: tf.Tensor[][] = entries.map(() => []);
      const factors: DenseFactors[] = [];
      let d = 0;
      plan.forEach((u, k) => {
        const gk = grads[k]!;
        if (u.kind === 'param') {
          cols[index.get(u.paths as string)!.i]!.push(tf.reshape(gk, [B, -1]));
          return;
        }
        const paths = u.paths as { w: string; b?: string };
        const ps = recorded[d++]!;
        const out = u.shape[u.shape.length - 1]!;
        const mid = u.shape.slice(0, -1);
        // per piece: sum δ over the axes the piece broadcasts along, then Σ_n a_{b,n} ⊗ δ_{b,n}
        const wBlocks = !wantJac ? [] : ps.map((p) => {
          const axes: number[] = [];
          mid.forEach((m, i) => {
            if (p.shape[i + 1] === 1 && m !== 1) axes.push(i + 1);
          });
          const dp = axes.length ? tf.sum(gk, axes, true) : gk;
          const k = p.shape[p.rank - 1]!;
          const n = p.size / (B * k);
          // one row per walker (e.g. the particle mean): a broadcast outer product is ~3× faster on wasm
          if (n === 1) return tf.mul(tf.reshape(p, [B, k, 1]), tf.reshape(dp, [B, 1, out]));
          return tf.matMul(tf.reshape(p, [B, -1, k]), tf.reshape(dp, [B, -1, out]), true, false); // [B, k, out]
        });
        const delta = tf.reshape(gk, [B, -1, out]) as tf.Tensor3D;
        if (wantJac) {
          const wGrad = wBlocks.length === 1 ? wBlocks[0]! : tf.concat(wBlocks, 1);
          cols[index.get(paths.w)!.i]!.push(tf.reshape(wGrad, [B, -1]));
          if (paths.b) cols[index.get(paths.b)!.i]!.push(tf.sum(delta, 1));
        }
        if (opts.factors) {
          const N = delta.shape[1];
          const full = ps.map((p) => {
            const k = p.shape[p.rank - 1]!;
            const bc = tf.mul(p, tf.ones([B, ...mid, 1])); // materialise broadcast axes
            return tf.reshape(bc, [B, N, k]);
          });
          const a = (full.length === 1 ? full[0]! : tf.concat(full, 2)) as tf.Tensor3D;
          factors.push({ w: paths.w, ...(paths.b ? { b: paths.b } : {}), a, delta });
        }
      });
      const blocks = !wantJac ? [tf.zeros([B, 0])] : entries.map(([, t], i) => {
        const c = cols[i]!;
        if (c.length === 0) return tf.zeros([B, t.size]);
        return c.length === 1 ? c[0]! : tf.addN(c);
      });
      const jacobian = tf.concat(blocks, 1) as tf.Tensor2D;
      const value = kept[kept.length - 1] as tf.Tensor1D;
      ok = true;
      return { value, jacobian, ...(opts.factors ? { factors } : {}) };
    });
  } finally {
    for (const r of recorded) tf.dispose(r);
    if (!ok) for (const k of kept) k.dispose();
  }
}
