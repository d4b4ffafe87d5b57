/**
 * The deuteron networks of Keeble & Rios (PLB 2020) and Rozalén Sarmiento, Keeble & Rios (EPJ Plus
 * 2024): a momentum q (fm⁻¹) in, the two unnormalised partial-wave amplitudes ψ_S(q), ψ_D(q) out.
 *
 * - `1sc`: Linear(1→N, bias) → act → Linear(N→2, no bias)
 * - `2sc`: Linear(1→N/2, bias) → act → Linear(N/2→N/2, no bias) → act → Linear(N/2→2, no bias)
 * - `1sd`: two separate nets 1→N/2 (bias) → act → 1 (no bias), one per channel
 * - `2sd`: two separate nets 1→N/4 (bias) → act → N/4 (no bias) → act → 1 (no bias)
 *
 * N is the total number of hidden units. Initialisation of the papers: first-layer weights
 * U(−1, 0), biases U(−1, 1), output weights U(0, 1); the hidden→hidden weights of 2sc/2sd are
 * U(−1/√fan_in, 1/√fan_in) (PyTorch's nn.Linear default, as in the authors' public code).
 */
import { tf, treeEntries, uniformTensor } from '@nqs/autodiff-core';
import type { ParamTree, Rng } from '@nqs/autodiff-core';

/** Bad network options (unknown architecture or activation, hidden units not allowed). */
export class AnsatzInputError extends Error {
  override readonly name = 'AnsatzInputError';
}

/** The four architectures of the papers. */
export const DEUTERON_ARCHS = ['1sc', '2sc', '1sd', '2sd'] as const;
export type DeuteronArch = (typeof DEUTERON_ARCHS)[number];

/** Activations offered (sigmoid is the EPJ Plus default, softplus the PLB one). */
export const DEUTERON_ACTIVATIONS = ['sigmoid', 'softplus', 'relu', 'tanh'] as const;
export type DeuteronActivation = (typeof DEUTERON_ACTIVATIONS)[number];

/** The two outputs on a momentum grid: unnormalised ψ_S(k_i), ψ_D(k_i), each [n]. */
export interface DeuteronAmplitudes {
  S: tf.Tensor1D;
  D: tf.Tensor1D;
}

/** A wavefunction evaluated on a fixed momentum mesh (DESIGN.md §4). */
export interface MeshAnsatz<P> {
  /** Fresh parameters drawn from `rng` (pure: same rng state → same parameters). */
  init(rng: Rng): P;
  /** ψ_S, ψ_D at momenta `k` [n] (fm⁻¹); runs in tf.tidy, does not dispose its inputs. */
  amplitudes(params: P, k: tf.Tensor1D): DeuteronAmplitudes;
}

/** Options of {@link deuteronNet}. */
export interface DeuteronNetOptions {
  arch: DeuteronArch;
  /** Total hidden units N (> 0; even for 2sc and 1sd, a multiple of 4 for 2sd). */
  hidden: number;
  /** Default 'sigmoid'. */
  activation?: DeuteronActivation;
}

/** A deuteron network: a {@link MeshAnsatz} over a {@link ParamTree} plus its Jacobian. */
export interface DeuteronNet extends MeshAnsatz<ParamTree> {
  readonly arch: DeuteronArch;
  readonly hidden: number;
  readonly activation: DeuteronActivation;
  /** Number of scalar parameters. */
  readonly numParams: number;
  /**
   * Amplitudes and their Jacobian with respect to the parameters: `J` is [2n, P], rows
   * [∂ψ_S(k_0..k_{n−1}), ∂ψ_D(k_0..k_{n−1})], columns in `treeToFlat(params)` order. Computed with
   * per-sample copies of the parameters (two backward passes). Runs in tf.tidy.
   */
  amplitudesWithJacobian(params: ParamTree, k: tf.Tensor1D): DeuteronAmplitudes & { J: tf.Tensor2D };
}

/** Number of parameters of an architecture with `hidden` units in total (validates the pair). */
export function deuteronParamCount(arch: DeuteronArch, hidden: number): number {
  validate(arch, hidden, 'sigmoid');
  switch (arch) {
    case '1sc':
      return 4 * hidden; // w1 N + b1 N + w2 2N
    case '2sc': {
      const h = hidden / 2;
      return h * h + 4 * h; // w1 h + b1 h + w2 h² + w3 2h
    }
    case '1sd':
      return 3 * hidden; // 2 × (h + h + h), h = N/2
    case '2sd': {
      const q = hidden / 4;
      return 2 * (q * q + 3 * q); // 2 × (q + q + q² + q)
    }
  }
}

function validate(arch: string, hidden: number, activation: string): void {
  if (!(DEUTERON_ARCHS as readonly string[]).includes(arch)) throw new AnsatzInputError(`arch: '${arch}' is not allowed (allowed: ${DEUTERON_ARCHS.join(', ')})`);
  if (!(DEUTERON_ACTIVATIONS as readonly string[]).includes(activation)) throw new AnsatzInputError(`activation: '${activation}' is not allowed (allowed: ${DEUTERON_ACTIVATIONS.join(', ')})`);
  if (!Number.isInteger(hidden) || hidden <= 0) throw new AnsatzInputError(`hidden: ${hidden} is not allowed (must be an integer > 0)`);
  if ((arch === '2sc' || arch === '1sd') && hidden % 2 !== 0) throw new AnsatzInputError(`hidden: ${hidden} is not allowed for ${arch} (must be even: N/2 units per layer or per channel)`);
  if (arch === '2sd' && hidden % 4 !== 0) throw new AnsatzInputError(`hidden: ${hidden} is not allowed for 2sd (must be a multiple of 4: N/4 units per layer and channel)`);
}

const ACT: Record<DeuteronActivation, (x: tf.Tensor) => tf.Tensor> = {
  sigmoid: (x) => tf.sigmoid(x),
  softplus: (x) => tf.softplus(x),
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
};

/** First layer: x [n,1] → x·w + b with w [1,h] (or per-sample [n,1,h]) and b [h] (or [n,h]). */
function inputLayer(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const h = w.shape[w.rank - 1]!;
  return x.mul(w.reshape([-1, h])).add(b);
}

/** Dense without bias: h [n,a] times w [a,b] (shared) or [n,a,b] (per-sample). */
function dense(h: tf.Tensor, w: tf.Tensor): tf.Tensor {
  return w.rank === 2 ? h.matMul(w as tf.Tensor2D) : h.expandDims(2).mul(w).sum(1);
}

type Tree = { [k: string]: tf.Tensor | Tree };

/** One MLP: input layer (bias) then bias-free layers; returns [n, outputs]. */
function mlp(p: Tree, x: tf.Tensor, act: (t: tf.Tensor) => tf.Tensor, hiddenLayers: number): tf.Tensor {
  const l1 = p.l1 as Tree;
  let h = act(inputLayer(x, l1.w as tf.Tensor, l1.b as tf.Tensor));
  if (hiddenLayers === 2) h = act(dense(h, (p.l2 as Tree).w as tf.Tensor));
  return dense(h, (p.out as Tree).w as tf.Tensor);
}

function initMlp(rng: Rng, width: number, outputs: number, hiddenLayers: number): ParamTree {
  const t: Record<string, ParamTree> = {
    l1: { w: uniformTensor(rng, [1, width], -1, 0), b: uniformTensor(rng, [width], -1, 1) },
  };
  // The papers give U(0,1) for the output weights only; a hidden→hidden layer drawn from U(0,1) saturates
  // the second activation (sums of ~N/2 positive terms) and pre-training stalls. Like the authors' public
  // PyTorch code (nn.Linear default), it is drawn from U(−1/√fan_in, 1/√fan_in).
  if (hiddenLayers === 2) t.l2 = { w: uniformTensor(rng, [width, width], -1 / Math.sqrt(width), 1 / Math.sqrt(width)) };
  t.out = { w: uniformTensor(rng, [width, outputs], 0, 1) };
  return t;
}

/**
 * Build one of the four deuteron networks. Throws {@link AnsatzInputError} on a bad arch, activation
 * or hidden-unit count.
 */
export function deuteronNet(opts: DeuteronNetOptions): DeuteronNet {
  const activation = opts.activation ?? 'sigmoid';
  validate(opts.arch, opts.hidden, activation);
  const arch = opts.arch;
  const hidden = opts.hidden;
  const act = ACT[activation];
  const layers = arch[0] === '2' ? 2 : 1;
  const separate = arch.endsWith('sd');
  const width = separate ? hidden / (2 * layers) : hidden / layers;

  /** Network outputs [n,2] from params whose leaves may carry a leading per-sample axis. */
  const forward = (p: Tree, k: tf.Tensor): { S: tf.Tensor; D: tf.Tensor } => {
    const x = k.reshape([-1, 1]);
    if (!separate) {
      const out = mlp(p, x, act, layers);
      const [S, D] = tf.split(out, 2, 1);
      return { S: S!.reshape([-1]), D: D!.reshape([-1]) };
    }
    return { S: mlp(p.S as Tree, x, act, layers).reshape([-1]), D: mlp(p.D as Tree, x, act, layers).reshape([-1]) };
  };

  const net: DeuteronNet = {
    arch,
    hidden,
    activation,
    numParams: deuteronParamCount(arch, hidden),
    init(rng: Rng): ParamTree {
      if (!separate) return initMlp(rng, width, 2, layers);
      const [rs, rd] = rng.splitN(2);
      return { S: initMlp(rs!, width, 1, layers), D: initMlp(rd!, width, 1, layers) };
    },
    amplitudes(params: ParamTree, k: tf.Tensor1D): DeuteronAmplitudes {
      return tf.tidy(() => {
        const { S, D } = forward(params as Tree, k);
        return { S: S as tf.Tensor1D, D: D as tf.Tensor1D };
      });
    },
    amplitudesWithJacobian(params: ParamTree, k: tf.Tensor1D) {
      return tf.tidy(() => {
        const n = k.shape[0];
        const entries = treeEntries(params);
        const tiled = entries.map(([, t]) => tf.tile(t.expandDims(0), [n, ...t.shape.map(() => 1)]));
        const rebuild = (leaves: tf.Tensor[]): Tree => {
          const root: Tree = {};
          entries.forEach(([path], i) => {
            const keys = path.split('.');
            let node = root;
            for (let j = 0; j < keys.length - 1; j++) node = (node[keys[j]!] ??= {}) as Tree;
            node[keys[keys.length - 1]!] = leaves[i]!;
          });
          return root;
        };
        const channel = (c: 'S' | 'D') => {
          // the other channel's leaves of 1sd/2sd do not reach this output; a zero term keeps tf.grads happy
          const g = tf.grads((...leaves: tf.Tensor[]) => forward(rebuild(leaves), k)[c].sum().add(tf.addN(leaves.map((l) => l.sum())).mul(0)))(tiled);
          return tf.concat(g.map((t) => t.reshape([n, -1])), 1);
        };
        const { S, D } = forward(params as Tree, k);
        const J = tf.concat([channel('S'), channel('D')], 0) as tf.Tensor2D;
        return { S: S as tf.Tensor1D, D: D as tf.Tensor1D, J };
      });
    },
  };
  return net;
}
