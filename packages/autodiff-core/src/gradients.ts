/**
 * Gradients that survive nesting.
 *
 * Several stock tfjs gradients read the op's saved OUTPUT (Tanh: 1 − y², Sigmoid: y(1 − y), Exp: y,
 * Elu, Softmax, LogSoftmax, Pow's exponent branch). Inside an outer `tf.grad` that saved output is a
 * constant to the outer tape, so the second derivative misses the y-dependence, e.g.
 * d²/dx² Σ tanh(1.7x)² at x = 0.1 comes out 5.4569 instead of 5.1384. Here those gradients are
 * re-registered to recompute the needed values from the op's INPUTS with differentiable ops, so nested
 * `tf.grad` (Hessians, Laplacians by reverse-over-reverse, gradients of gradients) is exact.
 *
 * The BatchMatMul (tf.matMul) gradient is also replaced, for speed: on tfjs-wasm a MatMul with
 * transpose flags (which the stock gradient uses) is several times slower than an explicit transpose
 * followed by a plain MatMul ({@link FAST_MATMUL_GRADIENTS}).
 *
 * This module has a side effect (registration); `./tf.ts` imports it once, after `@tensorflow/tfjs`
 * has registered the stock gradients. First derivatives are unchanged up to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';

type GradConfig = tf.GradConfig;

/** Sum `t` over broadcast axes so that it has `shape` (the reverse of broadcasting). */
function sumToShape(t: tf.Tensor, shape: number[]): tf.Tensor {
  const extra = t.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < t.rank; i++) if (i < extra || (shape[i - extra] === 1 && t.shape[i] !== 1)) axes.push(i);
  return (axes.length ? t.sum(axes) : t).reshape(shape);
}

/** The nested-safe gradient configs nqs installs (kernel name → config). */
export const NESTED_SAFE_GRADIENTS: readonly GradConfig[] = [
  {
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(x!)))) };
    },
  },
  {
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      return {
        x: () => {
          const s = tf.sigmoid(x!);
          return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s)));
        },
      };
    },
  },
  {
    kernelName: 'Exp',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => tf.mul(dy as tf.Tensor, tf.exp(x!)) };
    },
  },
  {
    kernelName: 'Elu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => tf.where(tf.greater(x!, 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, tf.exp(tf.minimum(x!, 0)))) };
    },
  },
  {
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, saved, attrs) => {
      const [logits] = saved as tf.Tensor[];
      const dim = (attrs as { dim: number }).dim;
      return {
        logits: () => {
          const y = tf.softmax(logits!, dim);
          const dyY = tf.mul(dy as tf.Tensor, y);
          return tf.sub(dyY, tf.mul(tf.sum(dyY, [dim], true), y));
        },
      };
    },
  },
  {
    kernelName: 'LogSoftmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, saved, attrs) => {
      const [logits] = saved as tf.Tensor[];
      const axis = (attrs as { axis: number }).axis;
      return { logits: () => tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), tf.softmax(logits!, axis))) };
    },
  },
  {
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as tf.Tensor[];
      const d = dy as tf.Tensor;
      return {
        a: () => {
          const bf = tf.cast(b!, 'float32');
          return sumToShape(tf.mul(d, tf.mul(bf, tf.pow(a!, tf.sub(bf, 1)))), a!.shape);
        },
        b: () => {
          const logA = tf.where(tf.greater(a!, 0), tf.log(a!), tf.zerosLike(a!));
          return sumToShape(tf.mul(d, tf.mul(tf.pow(a!, b!), logA)), b!.shape);
        },
      };
    },
  },
];

/**
 * Backends on which a MatMul with transpose flags is slower than an explicit `tf.transpose`
 * followed by a plain MatMul, so that the BatchMatMul gradient transposes explicitly there
 * (measured with `bench/matmul-grad.ts`). Elsewhere (e.g. webgpu, cpu) the flags are kept.
 */
export const EXPLICIT_TRANSPOSE_BACKENDS: readonly string[] = ['wasm'];

/** Swap the last two axes of a tensor of rank ≥ 2 (a differentiable `tf.transpose`). */
function swapLast(t: tf.Tensor): tf.Tensor {
  const r = t.rank;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(t, perm);
}

/** Product of the batch (all but the last two) dimensions. */
const batchSize = (shape: number[]) => shape.slice(0, -2).reduce((p, d) => p * d, 1);

/**
 * The gradient of one input of C = op_a(a)·op_b(b) (op = transpose or identity), given the
 * other input: each case is a product of `dy` and the other input with transpose flags `tx`, `ty`.
 * `mm` applies the flags either as MatMul attributes or as explicit transposes.
 */
function matMulInputGrad(
  mm: (x: tf.Tensor, y: tf.Tensor, tx: boolean, ty: boolean) => tf.Tensor,
  which: 'a' | 'b',
  dy: tf.Tensor,
  a: tf.Tensor,
  b: tf.Tensor,
  tA: boolean,
  tB: boolean,
): tf.Tensor {
  const target = which === 'a' ? a : b;
  const other = which === 'a' ? b : a;
  // A batch-1 input against a batched other: contract the batch axis inside one 2-D product
  // (Σ_n X_nᵀ Y_n = [X_1; …; X_N]ᵀ[Y_1; …; Y_N]) instead of a batched product summed afterwards.
  if (batchSize(target.shape) === 1 && batchSize(other.shape) > 1) {
    if (which === 'b') {
      // op_b(b)' = Σ_n op_a(a_n)ᵀ dy_n: rows of op_a(a) [.., M, K] against rows of dy [.., M, P]
      const aa = tA ? swapLast(a) : a;
      const x = tf.reshape(aa, [-1, aa.shape[aa.rank - 1]!]);
      const y = tf.reshape(dy, [-1, dy.shape[dy.rank - 1]!]);
      return tf.reshape(tB ? mm(y, x, true, false) : mm(x, y, true, false), b.shape);
    }
    // op_a(a)' = Σ_n dy_n op_b(b_n)ᵀ: columns of dy [.., M, P] against columns of op_b(b) [.., K, P]
    const bt = tB ? b : swapLast(b); // op_b(b)ᵀ, [.., P, K]
    const x = tf.reshape(swapLast(dy), [-1, dy.shape[dy.rank - 2]!]);
    const y = tf.reshape(bt, [-1, bt.shape[bt.rank - 1]!]);
    return tf.reshape(tA ? mm(y, x, true, false) : mm(x, y, true, false), a.shape);
  }
  let g: tf.Tensor;
  if (which === 'a') {
    if (!tA && !tB) g = mm(dy, b, false, true);
    else if (!tA && tB) g = mm(dy, b, false, false);
    else if (tA && !tB) g = mm(b, dy, false, true);
    else g = mm(b, dy, true, true);
  } else {
    if (!tA && !tB) g = mm(a, dy, true, false);
    else if (!tA && tB) g = mm(dy, a, true, false);
    else if (tA && !tB) g = mm(a, dy, false, false);
    else g = mm(dy, a, true, true);
  }
  // remaining broadcast batch dimensions (e.g. [1, M, K]·[K, P], or [2, 1, M, K]·[1, 3, K, P] where a
  // backend supports it) are summed back to the input's shape
  return sumToShape(g, target.shape);
}

/**
 * The BatchMatMul (tf.matMul) gradient. Same products as tfjs's stock gradient, but
 * - on {@link EXPLICIT_TRANSPOSE_BACKENDS} (checked with `tf.getBackend()` when the gradient is
 *   built) a product whose right factor is a single matrix (batch size 1, e.g. the [B·A, H]·[H, H]
 *   dense layers) gets explicit `tf.transpose`s and a plain MatMul instead of transpose flags:
 *   tfjs-wasm's flagged MatMul is 7–28× slower there (bench/matmul-grad.ts). Products with a
 *   batched right factor keep the flags (the same speed or faster for [B, A, A]-sized blocks);
 * - broadcast batch dimensions are reduced back to each input's shape (the stock gradient returns
 *   the broadcast shape and fails, e.g. for [N, M, K]·[K, P]).
 * It is built from differentiable ops only (matMul, transpose, reshape, sum), so nested `tf.grad`
 * through it (second derivatives) is exact.
 */
export const FAST_MATMUL_GRADIENTS: readonly GradConfig[] = [
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as tf.Tensor[];
      const d = dy as tf.Tensor;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const explicit = EXPLICIT_TRANSPOSE_BACKENDS.includes(tf.getBackend());
      // explicit transposes only where the right factor is one matrix (batch size 1): that is
      // tfjs-wasm's fast (XNNPACK) path; with a batched right factor both forms take the same slow
      // loop and the extra transpose only costs (measured in bench/matmul-grad.ts)
      const mm = (x: tf.Tensor, y: tf.Tensor, tx: boolean, ty: boolean) =>
        explicit && (tx || ty) && batchSize(y.shape) === 1 ? tf.matMul(tx ? swapLast(x) : x, ty ? swapLast(y) : y) : tf.matMul(x, y, tx, ty);
      return {
        a: () => matMulInputGrad(mm, 'a', d, a!, b!, transposeA, transposeB),
        b: () => matMulInputGrad(mm, 'b', d, a!, b!, transposeA, transposeB),
      };
    },
  },
];

/** Every gradient config nqs installs: {@link NESTED_SAFE_GRADIENTS} then {@link FAST_MATMUL_GRADIENTS}. */
export const INSTALLED_GRADIENTS: readonly GradConfig[] = [...NESTED_SAFE_GRADIENTS, ...FAST_MATMUL_GRADIENTS];

/** The stock tfjs configs of the kernels in {@link INSTALLED_GRADIENTS}, captured before overriding (for tests and comparisons). */
export const STOCK_GRADIENTS: readonly GradConfig[] = INSTALLED_GRADIENTS.map((c) => tf.getGradient(c.kernelName)).filter((c): c is GradConfig => c != null);

/** The stock tfjs BatchMatMul gradient config (transpose flags, no broadcast reduction), captured before overriding. */
export const STOCK_MATMUL_GRADIENTS: readonly GradConfig[] = FAST_MATMUL_GRADIENTS.map((c) => tf.getGradient(c.kernelName)).filter((c): c is GradConfig => c != null);

/**
 * Comparison kernels have no registered gradient in tfjs, so a nested `tf.grad` through a gradient
 * that builds a mask (`where(greater(x, 0), …)`, e.g. Elu, LeakyRelu, Prelu) throws "gradient function
 * not found for Greater". Their derivative is zero almost everywhere; register that where missing.
 */
export const ZERO_GRADIENT_KERNELS: readonly string[] = ['Greater', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr', 'LogicalNot'];

function zeroGradient(kernelName: string): GradConfig {
  const inputs = kernelName === 'LogicalNot' ? ['x'] : ['a', 'b'];
  return {
    kernelName,
    inputsToSave: inputs,
    gradFunc: (_dy, saved) => Object.fromEntries(inputs.map((name, i) => [name, () => tf.zerosLike((saved as tf.Tensor[])[i]!)])),
  };
}

/** Install the nested-safe and the fast matmul gradients (idempotent; runs on import of `@nqs/autodiff-core`). */
export function installNestedSafeGradients(): void {
  for (const c of INSTALLED_GRADIENTS) tf.registerGradient(c);
  for (const k of ZERO_GRADIENT_KERNELS) if (!tf.getGradient(k)) tf.registerGradient(zeroGradient(k));
}

/**
 * Run `fn` with the given gradient configs registered, then restore the configs that were registered
 * before (after the returned promise settles when `fn` is async). Used by tests to reproduce stock tfjs behaviour (`withGradients(STOCK_GRADIENTS, …)`).
 */
export function withGradients<T>(configs: readonly GradConfig[], fn: () => T): T {
  const previous = configs.map((c) => tf.getGradient(c.kernelName));
  for (const c of configs) tf.registerGradient(c);
  const restore = () => previous.forEach((p) => p && tf.registerGradient(p));
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  // an async `fn` keeps the configs until its promise settles
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

installNestedSafeGradients();
