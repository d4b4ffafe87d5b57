/**
 * The deuteron networks of Keeble & Rios (PLB 2020) and Rozalén Sarmiento, Keeble & Rios (EPJ Plus
 * 2024): a momentum q (fm⁻¹) in, the two unnormalised partial-wave amplitudes ψ_S(q), ψ_D(q) out.
 *
 * - `1sc`: Linear(1→N, bias) → act → Linear(N→2, no bias)
 * - `2sc`: Linear(1→N/2, bias) → act → Linear(N/2→N/2, no bias) → act → Linear(N/2→2, no bias)
 * - `1sd`: two separate nets 1→N/2 (bias) → act → 1 (no bias), one per channel
 * - `2sd`: two separate nets 1→N/4 (bias) → act → N/4 (no bias) → act → 1 (no bias)
 *
 * N is the total number of hidden units. Initialisation (see {@link DeuteronInit}): the papers'
 * first-layer weights U(−1, 0), biases U(−1, 1), output weights U(0, 1) for 1sc/1sd. For 2sc/2sd with
 * sigmoid or softplus that init cannot train on a mesh up to 500 fm⁻¹: every first-layer unit tends
 * to 0 as q → ∞, the bias-free second layer then outputs act(0) ≠ 0 whatever its weights, and the
 * constant tail Σ W_out act(0) dominates Σ w k² ψ². The default (`auto`) therefore draws those nets
 * with a decreasing second layer whose units switch off at large q (`monotone`).
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
  /** Parameter initialisation (default 'auto'), see {@link DeuteronInit}. */
  init?: DeuteronInit;
}

/**
 * Initialisations. All draw first-layer biases b ~ U(−1, 1); for 1sc/1sd all but `authors` coincide
 * with the papers' W₁ ~ U(−1, 0), W_out ~ U(0, 1) (and `authors` too: the authors' code sets those).
 * - `reference`: REFERENCE.md §1 for every arch, W₁ ~ U(−1, 0), W_out ~ U(0, 1), hidden→hidden
 *   U(±1/√h). Two-layer sigmoid/softplus nets then start with the untrainable constant tail.
 * - `authors`: the authors' public PyTorch code (javier-rozalen/deuteron, modules/neural_networks.py):
 *   for 2sc/2sd only the first-layer bias is set explicitly, every weight keeps nn.Linear's default
 *   U(±1/√fan_in), i.e. W₁ ~ U(−1, 1), hidden→hidden and output U(±1/√h).
 * - `monotone`: 2sc/2sd with W₁ ~ U(−1, 1) (at least one unit of each sign), hidden→hidden
 *   W₂[i][j] = −sign(W₁[i])·m_ij with m_ij ~ U(0, 1) rescaled per column so that, for sigmoid inputs,
 *   the second-layer pre-activation c_j(q) decreases monotonically from c_j(0) = 0 to c_j(∞) = −Δ
 *   (Δ = 20); W_out ~ U(0, 1). Each unit starts as a smooth bump that switches off at large momentum
 *   (as the 1sc units do) and the network's tail starts at ≈ e^{−Δ} instead of act(0).
 * - `auto` (default): `monotone` for 2sc/2sd with sigmoid or softplus (act(0) ≠ 0, act(−∞) = 0);
 *   `reference` otherwise (relu and tanh have act(0) = 0, so the reference init has no tail).
 */
export const DEUTERON_INITS = ['auto', 'reference', 'authors', 'monotone'] as const;
export type DeuteronInit = (typeof DEUTERON_INITS)[number];

/** Target drop Δ of the second-layer pre-activations between q = 0 and q → ∞ (`monotone` init). */
const MONOTONE_DROP = 20;

/** A deuteron network: a {@link MeshAnsatz} over a {@link ParamTree} plus its Jacobian. */
export interface DeuteronNet extends MeshAnsatz<ParamTree> {
  readonly arch: DeuteronArch;
  readonly hidden: number;
  readonly activation: DeuteronActivation;
  /** The initialisation scheme actually used (`auto` resolved). */
  readonly initScheme: Exclude<DeuteronInit, 'auto'>;
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

function initMlp(rng: Rng, width: number, outputs: number, hiddenLayers: number, init: Exclude<DeuteronInit, 'auto'>, activation: DeuteronActivation): ParamTree {
  const bound = 1 / Math.sqrt(width);
  if (hiddenLayers === 1) {
    // the papers' (and the authors' code) init for 1sc/1sd
    return { l1: { w: uniformTensor(rng, [1, width], -1, 0), b: uniformTensor(rng, [width], -1, 1) }, out: { w: uniformTensor(rng, [width, outputs], 0, 1) } };
  }
  if (init === 'reference') {
    return {
      l1: { w: uniformTensor(rng, [1, width], -1, 0), b: uniformTensor(rng, [width], -1, 1) },
      l2: { w: uniformTensor(rng, [width, width], -bound, bound) },
      out: { w: uniformTensor(rng, [width, outputs], 0, 1) },
    };
  }
  const l1 = { w: uniformTensor(rng, [1, width], -1, 1), b: uniformTensor(rng, [width], -1, 1) };
  if (init === 'authors') return { l1, l2: { w: uniformTensor(rng, [width, width], -bound, bound) }, out: { w: uniformTensor(rng, [width, outputs], -bound, bound) } };
  // monotone: c_j(q) = Σ_i W₂[i][j] act(W₁[i] q + b_i) with W₂[i][j] = −sign(W₁[i])·m_ij, m_ij ≥ 0, decreases
  // in q. Per column j the magnitudes of the rising (W₁ ≥ 0) and falling (W₁ < 0) inputs are scaled
  // so that c_j(0) = 0 (the unit starts in its linear range) and c_j(∞) = −Δ (sigmoid: off at large q).
  const w1 = l1.w.dataSync() as Float32Array;
  // both kinds of input unit are needed (probability 2^{1−h} that all W₁ share a sign): flip one
  if (width > 1 && w1.every((v) => v < 0)) w1[0] = -w1[0]!;
  if (width > 1 && w1.every((v) => v >= 0)) w1[0] = -w1[0]! || -0.5;
  const b1 = l1.b.dataSync();
  // the input units at q = 0: act(b_i) (softplus: log(1 + e^b); the drop to q → ∞ uses the sigmoid limits)
  const sb = Array.from(b1, (b) => (activation === 'softplus' ? Math.log1p(Math.exp(b)) : 1 / (1 + Math.exp(-b))));
  const m = rng.fillUniform(new Float32Array(width * width), 0, 1);
  const w2 = new Float32Array(width * width);
  for (let j = 0; j < width; j++) {
    let A = 0, B = 0, C = 0; // Σ_falling m σ(b), Σ_rising m σ(b), Σ_rising m (1 − σ(b))
    for (let i = 0; i < width; i++) {
      const v = m[i * width + j]!;
      if (w1[i]! < 0) A += v * sb[i]!;
      else { B += v * sb[i]!; C += v * (1 - 1 / (1 + Math.exp(-b1[i]!))); }
    }
    // α A = β B (c(0) = 0), α A + β C = Δ (c(0) − c(∞) = Δ); one-signed W₁ (width 1): β = Δ/C or α = Δ/A
    const alpha = B > 0 && A > 0 ? MONOTONE_DROP / (A * (1 + C / B)) : A > 0 ? MONOTONE_DROP / A : 0;
    const beta = B > 0 && A > 0 ? (alpha * A) / B : C > 0 ? MONOTONE_DROP / C : 0;
    for (let i = 0; i < width; i++) w2[i * width + j] = w1[i]! < 0 ? alpha * m[i * width + j]! : -beta * m[i * width + j]!;
  }
  l1.w.dispose();
  l1.w = tf.tensor2d(w1, [1, width]);
  return { l1, l2: { w: tf.tensor2d(w2, [width, width]) }, out: { w: uniformTensor(rng, [width, outputs], 0, 1) } };
}

/**
 * Build one of the four deuteron networks. Throws {@link AnsatzInputError} on a bad arch, activation
 * or hidden-unit count.
 */
export function deuteronNet(opts: DeuteronNetOptions): DeuteronNet {
  const activation = opts.activation ?? 'sigmoid';
  validate(opts.arch, opts.hidden, activation);
  const initOpt = opts.init ?? 'auto';
  if (!(DEUTERON_INITS as readonly string[]).includes(initOpt)) throw new AnsatzInputError(`init: '${initOpt}' is not allowed (allowed: ${DEUTERON_INITS.join(', ')})`);
  const init: Exclude<DeuteronInit, 'auto'> = initOpt !== 'auto' ? initOpt : opts.arch[0] === '2' && (activation === 'sigmoid' || activation === 'softplus') ? 'monotone' : 'reference';
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
    initScheme: init,
    numParams: deuteronParamCount(arch, hidden),
    init(rng: Rng): ParamTree {
      if (!separate) return initMlp(rng, width, 2, layers, init, activation);
      const [rs, rd] = rng.splitN(2);
      return { S: initMlp(rs!, width, 1, layers, init, activation), D: initMlp(rd!, width, 1, layers, init, activation) };
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
