/**
 * Forward Laplacian: propagate value, gradient and Laplacian with respect to the walker
 * coordinates layer by layer with ordinary tfjs ops (DESIGN.md §3), instead of nested reverse mode.
 *
 * A {@link FLTriple} describes a feature tensor f(x) of a batch of walkers x [B, K] (K = number of
 * coordinates; for 1D particles K = A, the particle positions):
 * - `v` [B, ...S]     the value f,
 * - `g` [B, K, ...S]  ∂f/∂x_k for every coordinate k,
 * - `l` [B, ...S]     Δf = Σ_k ∂²f/∂x_k².
 * For the equivariant network, S = [A, H] (particles × features).
 *
 * Every function runs in `tf.tidy`, never disposes its inputs, and is built from ordinary
 * differentiable ops, so `tf.grad` with respect to parameters of anything computed from the triple
 * (e.g. the local energy) works. No synchronous reads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { slogdetInverse } from './slogdet.js';
import { plainTracer, type ParamTracer } from './jacobian.js';

/** Value, coordinate gradient and coordinate Laplacian of a feature tensor; shapes in the module doc. */
export type FLTriple = {
  /** value, [B, ...S] */
  v: tf.Tensor;
  /** gradient with respect to the K coordinates, [B, K, ...S] */
  g: tf.Tensor;
  /** Laplacian Σ_k ∂²/∂x_k², [B, ...S] */
  l: tf.Tensor;
};

/** log|ψ| (or log|det|) of each walker with its coordinate gradient and Laplacian. */
export type FLLogDet = {
  /** sign of ψ (±1; 0 only at an exact node), [B] */
  sign: tf.Tensor1D;
  /** ln|ψ|, [B] */
  logAbs: tf.Tensor1D;
  /** ∂ ln|ψ| / ∂x_k, [B, K] */
  grad: tf.Tensor2D;
  /** Δ ln|ψ| = Σ_k ∂² ln|ψ| / ∂x_k², [B] */
  lap: tf.Tensor1D;
};

/** Element-wise activations with known first and second derivatives. */
export type FLActivation = 'tanh' | 'sigmoid' | 'softplus' | 'identity';

/** Bad shapes or options passed to a forward-Laplacian function. */
export class ForwardLaplacianInputError extends Error {
  override readonly name = 'ForwardLaplacianInputError';
}

/** Σ_k of a g-shaped tensor over the coordinate axis (axis 1): [B, K, ...S] → [B, ...S]. */
function sumK(g: tf.Tensor): tf.Tensor {
  // reducing a 3-D view is about twice as fast on wasm as reducing axis 1 of a 4-D tensor
  const [B, K] = g.shape as [number, number];
  return tf.reshape(tf.sum(tf.reshape(g, [B, K, -1]), 1), [B, ...g.shape.slice(2)]);
}

/** Σ_k g_k² over the coordinate axis (axis 1): [B, K, ...S] → [B, ...S]. */
function sumSqK(g: tf.Tensor): tf.Tensor {
  return sumK(tf.square(g));
}

/**
 * Mean over the particle axis of v-shaped [B, A, H] and g-shaped [B, K, A, H] tensors, by a
 * (broadcast) batched matmul with `avg` [1, R, A] (R = 1: keep-dims mean; R = A: broadcast back).
 * Much faster on wasm than mean + broadcastTo.
 */
function particleAvg(t: tf.Tensor, avg: tf.Tensor3D): tf.Tensor {
  const [R, A] = [avg.shape[1], avg.shape[2]];
  const H = t.shape[t.rank - 1]!;
  const lead = t.shape.slice(0, -2);
  const flat = tf.reshape(t, [-1, A, H]);
  return tf.reshape(tf.matMul(avg, flat), [...lead, R, H]);
}

function avgMatrix(A: number, rows: number): tf.Tensor3D {
  return tf.fill([1, rows, A], 1 / A) as tf.Tensor3D;
}

/** Insert the coordinate axis into a value-shaped tensor so it broadcasts against g. */
function withK(t: tf.Tensor): tf.Tensor {
  return tf.expandDims(t, 1);
}

/**
 * Triple of the input coordinates of 1D particles: h⁽⁰⁾_i = x_i.
 *
 * @param x walker positions [B, A] (oscillator lengths).
 * @returns v [B, A, 1] = x, g [B, K=A, A, 1] = δ_{ki}, l [B, A, 1] = 0.
 */
export function flInput(x: tf.Tensor2D): FLTriple {
  if (x.rank !== 2) throw new ForwardLaplacianInputError(`flInput: x must have shape [B, A], got [${x.shape.join(', ')}]`);
  return tf.tidy(() => {
    const [B, A] = x.shape;
    const v = tf.reshape(x, [B, A, 1]);
    // ones × eye rather than broadcastTo (Tile is very slow on wasm)
    const g = tf.mul(tf.ones([B, 1, 1, 1]), tf.reshape(tf.eye(A), [1, A, A, 1]));
    const l = tf.zeros([B, A, 1]);
    return { v, g, l };
  });
}

/**
 * A triple whose value is `v` and which does not depend on the coordinates (g = 0, l = 0).
 *
 * @param v value [B, ...S]; @param K number of coordinates.
 */
export function flConstant(v: tf.Tensor, K: number): FLTriple {
  return tf.tidy(() => ({
    v: tf.clone(v),
    g: tf.zeros([v.shape[0]!, K, ...v.shape.slice(1)]),
    l: tf.zerosLike(v),
  }));
}

/** Options for {@link flDense} when per-sample parameter Jacobians are wanted. */
export interface FLDenseTrace {
  /** Tracer from {@link perSampleJacobian} (or {@link plainTracer}). */
  tracer: ParamTracer;
  /** ParamTree paths of the weight and (if any) the bias, e.g. `{ w: 'layers.0.w', b: 'layers.0.b' }`. */
  paths: { w: string; b?: string };
}

/**
 * Dense layer on the last (feature) axis: f' = f·W + b; linear, so g' = g·W and l' = l·W.
 *
 * @param t triple with last axis Hin.
 * @param w weights [Hin, Hout]; @param b bias [Hout] or null.
 * @param trace optional tracer and parameter paths so that {@link perSampleJacobian} sees every use
 *   of W (value, gradient and Laplacian paths) and of b (value path).
 * @returns triple with last axis Hout.
 */
export function flDense(t: FLTriple, w: tf.Tensor2D, b: tf.Tensor1D | null, trace?: FLDenseTrace): FLTriple {
  const hin = t.v.shape[t.v.rank - 1];
  if (w.rank !== 2 || w.shape[0] !== hin) {
    throw new ForwardLaplacianInputError(`flDense: w must have shape [${hin}, Hout], got [${w.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const tr = trace?.tracer ?? plainTracer;
    const paths = trace?.paths ?? { w: 'w', b: 'b' };
    return {
      v: tr.dense(t.v, w, b, paths),
      g: tr.dense(t.g, w, null, { w: paths.w }),
      l: tr.dense(t.l, w, null, { w: paths.w }),
    };
  });
}

/** Concatenate triples on the last (feature) axis; leading shapes must agree. */
export function flConcat(ts: readonly FLTriple[]): FLTriple {
  if (ts.length === 0) throw new ForwardLaplacianInputError('flConcat: need at least one triple');
  return tf.tidy(() => ({
    v: tf.concat(ts.map((t) => t.v), -1),
    g: tf.concat(ts.map((t) => t.g), -1),
    l: tf.concat(ts.map((t) => t.l), -1),
  }));
}

/**
 * Permutation-equivariant mean over particles, broadcast back: m_i = (1/A) Σ_j f_j for every i.
 * Linear, so the same map acts on g and l.
 *
 * @param t triple with v [B, A, H] (particle axis 1; axis 2 of g).
 * @returns triple with the same shapes as `t`.
 */
export function flMeanParticles(t: FLTriple): FLTriple {
  if (t.v.rank !== 3) throw new ForwardLaplacianInputError(`flMeanParticles: v must have shape [B, A, H], got [${t.v.shape.join(', ')}]`);
  return tf.tidy(() => {
    const avg = avgMatrix(t.v.shape[1]!, t.v.shape[1]!);
    return { v: particleAvg(t.v, avg), g: particleAvg(t.g, avg), l: particleAvg(t.l, avg) };
  });
}

/**
 * The mean-field equivariant dense layer of the paper: f'_i = [f_i, (1/A)Σ_j f_j]·W + b, computed
 * as f_i·W_top + mean·W_bot + b without materialising the concatenation (equal to
 * flDense(flConcat([t, flMeanParticles(t)]), w, b) but several times faster on wasm).
 *
 * @param t triple with v [B, A, Hin] (particle axis 1).
 * @param w weights [2·Hin, Hout] (rows 0..Hin−1 act on f_i, rows Hin..2Hin−1 on the mean).
 * @param b bias [Hout] or null.
 * @param trace optional tracer and parameter paths (see {@link flDense}).
 * @returns triple with v [B, A, Hout].
 */
export function flMeanFieldDense(t: FLTriple, w: tf.Tensor2D, b: tf.Tensor1D | null, trace?: FLDenseTrace): FLTriple {
  if (t.v.rank !== 3) throw new ForwardLaplacianInputError(`flMeanFieldDense: v must have shape [B, A, H], got [${t.v.shape.join(', ')}]`);
  const hin = t.v.shape[2]!;
  if (w.rank !== 2 || w.shape[0] !== 2 * hin) {
    throw new ForwardLaplacianInputError(`flMeanFieldDense: w must have shape [${2 * hin}, Hout] (2·Hin rows), got [${w.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const tr = trace?.tracer ?? plainTracer;
    const paths = trace?.paths ?? { w: 'w', b: 'b' };
    const avg = avgMatrix(t.v.shape[1]!, 1);
    return {
      v: tr.dense([t.v, particleAvg(t.v, avg)], w, b, paths),
      g: tr.dense([t.g, particleAvg(t.g, avg)], w, null, { w: paths.w }),
      l: tr.dense([t.l, particleAvg(t.l, avg)], w, null, { w: paths.w }),
    };
  });
}

/** Chain rule for an element-wise map with σ = s0(v), σ' = s1, σ'' = s2: g' = σ'g, l' = σ'l + σ''|g|². */
function elementwise(t: FLTriple, s0: tf.Tensor, s1: tf.Tensor, s2: tf.Tensor): FLTriple {
  return {
    v: s0,
    g: tf.mul(withK(s1), t.g),
    l: tf.add(tf.mul(s1, t.l), tf.mul(s2, sumSqK(t.g))),
  };
}

/**
 * Element-wise activation through the chain rule (σ' and σ'' in closed form).
 * tanh: σ' = 1 − t², σ'' = −2t(1 − t²); sigmoid s: σ' = s(1−s), σ'' = s(1−s)(1−2s);
 * softplus: σ' = sigmoid, σ'' = s(1−s); identity returns copies.
 */
export function flActivation(t: FLTriple, act: FLActivation): FLTriple {
  return tf.tidy(() => {
    switch (act) {
      case 'tanh': {
        const y = tf.tanh(t.v);
        const d1 = tf.sub(1, tf.square(y));
        return elementwise(t, y, d1, tf.mul(-2, tf.mul(y, d1)));
      }
      case 'sigmoid': {
        const s = tf.sigmoid(t.v);
        const d1 = tf.mul(s, tf.sub(1, s));
        return elementwise(t, s, d1, tf.mul(d1, tf.sub(1, tf.mul(2, s))));
      }
      case 'softplus': {
        const s = tf.sigmoid(t.v);
        return elementwise(t, tf.softplus(t.v), s, tf.mul(s, tf.sub(1, s)));
      }
      case 'identity':
        return { v: tf.clone(t.v), g: tf.clone(t.g), l: tf.clone(t.l) };
      default:
        throw new ForwardLaplacianInputError(`flActivation: unknown activation '${String(act)}' (allowed: tanh, sigmoid, softplus, identity)`);
    }
  });
}

/** tanh activation; see {@link flActivation}. */
export function flTanh(t: FLTriple): FLTriple {
  return flActivation(t, 'tanh');
}

/** Sum of two triples (residual connections); shapes broadcast like `tf.add`. */
export function flAdd(a: FLTriple, b: FLTriple): FLTriple {
  return tf.tidy(() => ({ v: tf.add(a.v, b.v), g: tf.add(a.g, b.g), l: tf.add(a.l, b.l) }));
}

/** Multiply a triple by a constant number. */
export function flScale(t: FLTriple, c: number): FLTriple {
  return tf.tidy(() => ({ v: tf.mul(t.v, c), g: tf.mul(t.g, c), l: tf.mul(t.l, c) }));
}

/**
 * Multiply by a coordinate-independent factor on the last axis (e.g. envelope widths κ_j).
 *
 * @param c shape [J] (shared by all walkers) or [Bc, J] with Bc ∈ {1, B} (per-walker, e.g. the
 *   output of `tracer.param`); J must broadcast against the triple's last axis.
 */
export function flScaleLast(t: FLTriple, c: tf.Tensor): FLTriple {
  if (c.rank !== 1 && c.rank !== 2) {
    throw new ForwardLaplacianInputError(`flScaleLast: c must have shape [J] or [B, J], got [${c.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    if (c.rank === 1) return { v: tf.mul(t.v, c), g: tf.mul(t.g, c), l: tf.mul(t.l, c) };
    const J = c.shape[1]!;
    const ones = (r: number) => new Array<number>(r - 2).fill(1);
    const cv = tf.reshape(c, [c.shape[0]!, ...ones(t.v.rank), J]);
    const cg = tf.reshape(c, [c.shape[0]!, ...ones(t.g.rank), J]);
    return { v: tf.mul(t.v, cv), g: tf.mul(t.g, cg), l: tf.mul(t.l, cv) };
  });
}

/**
 * Product of two triples: Δ(ab) = aΔb + bΔa + 2∇a·∇b. Shapes broadcast like `tf.mul`
 * (e.g. x-triple [B, A, 1] times [B, A, J]).
 */
export function flMul(a: FLTriple, b: FLTriple): FLTriple {
  return tf.tidy(() => ({
    v: tf.mul(a.v, b.v),
    g: tf.add(tf.mul(withK(a.v), b.g), tf.mul(withK(b.v), a.g)),
    l: tf.add(tf.add(tf.mul(a.v, b.l), tf.mul(b.v, a.l)), tf.mul(2, sumK(tf.mul(a.g, b.g)))),
  }));
}

/** Square of a triple: v², 2v g, 2v l + 2|g|². */
export function flSquare(t: FLTriple): FLTriple {
  return tf.tidy(() => ({
    v: tf.square(t.v),
    g: tf.mul(withK(tf.mul(2, t.v)), t.g),
    l: tf.add(tf.mul(tf.mul(2, t.v), t.l), tf.mul(2, sumSqK(t.g))),
  }));
}

/** Exponential of a triple: e^v, e^v g, e^v (l + |g|²). */
export function flExp(t: FLTriple): FLTriple {
  return tf.tidy(() => {
    const e = tf.exp(t.v);
    return { v: e, g: tf.mul(withK(e), t.g), l: tf.mul(e, tf.add(t.l, sumSqK(t.g))) };
  });
}

/**
 * Gaussian envelope of 1D particles, exp(−(κ_j x_i)²), as a triple of shape [B, A, J].
 * Same as flExp(flScale(flSquare(flScaleLast(flInput(x), κ)), −1)).
 *
 * @param x positions [B, A]; @param kappa widths [J] or [Bc, J] (Bc ∈ {1, B}).
 */
export function flGaussianEnvelope(x: tf.Tensor2D, kappa: tf.Tensor): FLTriple {
  return tf.tidy(() => flExp(flScale(flSquare(flScaleLast(flInput(x), kappa)), -1)));
}

/**
 * ln|det Φ| of a batch of orbital matrices with coordinate gradient and Laplacian:
 * ∂_k ln|det Φ| = tr(Φ⁻¹ ∂_kΦ), Δ ln|det Φ| = tr(Φ⁻¹ ΔΦ) − Σ_k tr((Φ⁻¹ ∂_kΦ)²).
 *
 * @param phi triple with v [B, A, A] (Φ_ij = orbital j at particle i), g [B, K, A, A], l [B, A, A].
 * @returns {sign [B], logAbs [B], grad [B, K], lap [B]}.
 */
export function flLogAbsDet(phi: FLTriple): FLLogDet {
  const s = phi.v.shape;
  if (phi.v.rank !== 3 || s[1] !== s[2] || phi.g.rank !== 4) {
    throw new ForwardLaplacianInputError(`flLogAbsDet: v must have shape [B, A, A] and g [B, K, A, A], got v [${s.join(', ')}], g [${phi.g.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const [B, A] = [s[0]!, s[1]!];
    const K = phi.g.shape[1]!;
    const { sign, logAbs, inv } = slogdetInverse(phi.v as tf.Tensor3D);
    const invT = tf.transpose(inv, [0, 2, 1]); // invT[b,i,j] = inv[b,j,i]
    const grad = tf.sum(tf.mul(phi.g, tf.expandDims(invT, 1)), [2, 3]) as tf.Tensor2D; // tr(Φ⁻¹∂_kΦ)
    const tr1 = tf.sum(tf.mul(phi.l, invT), [1, 2]);
    // Y[b,r,k,j] = Σ_i inv[b,r,i] ∂_kΦ[b,i,j]
    const gik = tf.reshape(tf.transpose(phi.g, [0, 2, 1, 3]), [B, A, K * A]);
    const Y = tf.reshape(tf.matMul(inv, gik), [B, A, K, A]);
    const tr2 = tf.sum(tf.mul(Y, tf.transpose(Y, [0, 3, 2, 1])), [1, 2, 3]); // Σ_k tr(Y_k²)
    return { sign, logAbs, grad, lap: tf.sub(tr1, tr2) as tf.Tensor1D };
  });
}

/**
 * Stable combination ψ = Σ_d ψ_d of several log-domain terms (e.g. determinants), with gradient
 * and Laplacian: with p_d = ψ_d/ψ, ∇ln|ψ| = Σ_d p_d ∇ln|ψ_d| and
 * Δln|ψ| = Σ_d p_d (Δln|ψ_d| + |∇ln|ψ_d||²) − |∇ln|ψ||². Uses log-sum-exp with signs.
 *
 * @param dets one {@link FLLogDet} per term, all [B]-batched with the same K.
 */
export function flLogSumDets(dets: readonly FLLogDet[]): FLLogDet {
  if (dets.length === 0) throw new ForwardLaplacianInputError('flLogSumDets: need at least one term');
  return tf.tidy(() => {
    if (dets.length === 1) {
      const d = dets[0]!;
      return { sign: tf.clone(d.sign), logAbs: tf.clone(d.logAbs), grad: tf.clone(d.grad), lap: tf.clone(d.lap) };
    }
    const L = tf.stack(dets.map((d) => d.logAbs), 1); // [B, D]
    const S = tf.stack(dets.map((d) => d.sign), 1);
    const G = tf.stack(dets.map((d) => d.grad), 1); // [B, D, K]
    const Lap = tf.stack(dets.map((d) => d.lap), 1);
    const lmax = tf.max(L, 1, true);
    const w = tf.mul(S, tf.exp(tf.sub(L, lmax))); // [B, D]
    const sum = tf.sum(w, 1, true); // [B, 1]
    const p = tf.div(w, sum); // ψ_d / ψ
    const grad = tf.sum(tf.mul(tf.expandDims(p, 2), G), 1) as tf.Tensor2D; // [B, K]
    const inner = tf.add(Lap, tf.sum(tf.square(G), 2)); // Δψ_d/ψ_d
    const lap = tf.sub(tf.sum(tf.mul(p, inner), 1), tf.sum(tf.square(grad), 1)) as tf.Tensor1D;
    const logAbs = tf.reshape(tf.add(lmax, tf.log(tf.abs(sum))), [-1]) as tf.Tensor1D;
    const sign = tf.reshape(tf.sign(sum), [-1]) as tf.Tensor1D;
    return { sign, logAbs, grad, lap };
  });
}

/**
 * ψ = Σ_d det Φ⁽ᵈ⁾ from an orbital triple holding D determinants side by side on the last axis:
 * Φ⁽ᵈ⁾_ij = orbitals[..., i, d·A + j].
 *
 * @param orbitals triple with v [B, A, D·A], g [B, K, A, D·A], l [B, A, D·A].
 * @param nDet D ≥ 1.
 */
export function flSlaterSum(orbitals: FLTriple, nDet: number): FLLogDet {
  const s = orbitals.v.shape;
  if (orbitals.v.rank !== 3 || !Number.isInteger(nDet) || nDet < 1 || s[2] !== nDet * s[1]!) {
    throw new ForwardLaplacianInputError(`flSlaterSum: need v [B, A, D·A] with D = nDet ≥ 1 an integer; got v [${s.join(', ')}], nDet = ${nDet}`);
  }
  return tf.tidy(() => {
    if (nDet === 1) return flLogAbsDet(orbitals);
    const A = s[1]!;
    const dets: FLLogDet[] = [];
    for (let d = 0; d < nDet; d++) {
      const sl = (t: tf.Tensor) => {
        const begin = new Array<number>(t.rank).fill(0);
        const size = new Array<number>(t.rank).fill(-1);
        begin[t.rank - 1] = d * A;
        size[t.rank - 1] = A;
        return tf.slice(t, begin, size);
      };
      dets.push(flLogAbsDet({ v: sl(orbitals.v), g: sl(orbitals.g), l: sl(orbitals.l) }));
    }
    return flLogSumDets(dets);
  });
}
