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

/** The stock tfjs configs of the kernels in {@link NESTED_SAFE_GRADIENTS}, captured before overriding (for tests and comparisons). */
export const STOCK_GRADIENTS: readonly GradConfig[] = NESTED_SAFE_GRADIENTS.map((c) => tf.getGradient(c.kernelName)).filter((c): c is GradConfig => c != null);

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

/** Install the nested-safe gradients (idempotent; runs on import of `@nqs/autodiff-core`). */
export function installNestedSafeGradients(): void {
  for (const c of NESTED_SAFE_GRADIENTS) tf.registerGradient(c);
  for (const k of ZERO_GRADIENT_KERNELS) if (!tf.getGradient(k)) tf.registerGradient(zeroGradient(k));
}

/**
 * Run `fn` with the given gradient configs registered, then restore the configs that were registered
 * before. Used by tests to reproduce stock tfjs behaviour (`withGradients(STOCK_GRADIENTS, …)`).
 */
export function withGradients<T>(configs: readonly GradConfig[], fn: () => T): T {
  const previous = configs.map((c) => tf.getGradient(c.kernelName));
  for (const c of configs) tf.registerGradient(c);
  try {
    return fn();
  } finally {
    previous.forEach((p) => p && tf.registerGradient(p));
  }
}

installNestedSafeGradients();
