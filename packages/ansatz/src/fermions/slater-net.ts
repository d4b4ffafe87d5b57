/**
 * The permutation-equivariant Slater network of Keeble & Rios for 1D spinless fermions
 * (PRA 108, 063320 (2023); REFERENCE.md §2):
 *
 *   h_i⁽⁰⁾ = x_i,
 *   h_i⁽ˡ⁺¹⁾ = tanh(W_s⁽ˡ⁾ h_i⁽ˡ⁾ + W_m⁽ˡ⁾ (1/A)Σ_j h_j⁽ˡ⁾ + b⁽ˡ⁾)  (+ h_i⁽ˡ⁾ from the second layer on),
 *   Φ⁽ᵈ⁾_ij = (w_j⁽ᵈ⁾·h_i⁽ᴸ⁾ + b_j⁽ᵈ⁾) · exp(−(κ_j⁽ᵈ⁾ x_i)²),
 *   ψ(x) = Σ_d det Φ⁽ᵈ⁾.
 *
 * Swapping two particles swaps two rows of every Φ⁽ᵈ⁾ (the layers are equivariant), so ψ is
 * antisymmetric. [W_s; W_m] is the paper's W⁽ˡ⁾ acting on the concatenation [h_i, mean h], so the
 * parameter count is that of the paper: 2H + H + L−1 times (2H² + H), plus D·A(H + 2) for the
 * orbitals (8448 + 66A for H = 64, L = 2, D = 1).
 *
 * Units: x in oscillator lengths. Shapes: x [B, A]; every output is per walker.
 */
import {
  tf,
  Rng,
  uniformTensor,
  treeSize,
  slogdet,
  slogdetInverse,
  logSumSignedExp,
  flInput,
  flDense,
  flAdd,
  flMul,
  flGaussianEnvelope,
  flSlaterSum,
  plainTracer,
  type FLTriple,
  type ParamTracer,
  type ParamTree,
} from '@nqs/autodiff-core';

/** Bad network options (non-integer sizes, …). */
export class SlaterNetInputError extends Error {
  override readonly name = 'SlaterNetInputError';
}

/** Options of {@link SlaterNet}. */
export interface SlaterNetOptions {
  /** Number of particles A (≥ 1). */
  particles: number;
  /** Hidden width H (default 64). */
  hidden?: number;
  /** Number of equivariant layers L (default 2). */
  layers?: number;
  /** Number of determinants D (default 1). */
  determinants?: number;
  /** Initial envelope width κ (default √0.5, i.e. exp(−x²/2)). */
  kappaInit?: number;
}

/** Parameters of one equivariant layer: h' = tanh(h·ws + mean(h)·wm + b). */
export interface SlaterLayerParams extends ParamTree {
  /** [F_in, H] (self part) */
  ws: tf.Tensor2D;
  /** [F_in, H] (mean-field part) */
  wm: tf.Tensor2D;
  /** [H] */
  b: tf.Tensor1D;
}

/** Parameters of the Slater network (a ParamTree; plain data, no tf.Variable). */
export interface SlaterNetParams extends ParamTree {
  layers: { readonly [l: string]: SlaterLayerParams };
  orbitals: {
    /** [H, D·A]; column d·A + j is orbital j of determinant d */
    w: tf.Tensor2D;
    /** [D·A] */
    b: tf.Tensor1D;
    /** [D·A], envelope widths */
    kappa: tf.Tensor1D;
  };
}

/** Per-walker wavefunction value in the log domain: ψ = sign·exp(logAbs), each [B]. */
export type LogPsi = {
  sign: tf.Tensor1D;
  logAbs: tf.Tensor1D;
};

/** {@link LogPsi} with ∇ₓ ln|ψ| [B, A] and Δₓ ln|ψ| [B]. */
export type LogPsiDerivatives = LogPsi & {
  gradX: tf.Tensor2D;
  lapX: tf.Tensor1D;
};

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new SlaterNetInputError(`${name}: ${v} is not allowed (must be an integer ≥ ${min})`);
}

/**
 * tanh(z) = 2σ(2z) − 1: tfjs-wasm's Tanh kernel is ~10× slower than its Sigmoid kernel, and the
 * nested-safe Sigmoid gradient is cheap too.
 */
function fastTanh(z: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1);
}

/** Forward-Laplacian tanh via {@link fastTanh}: y' = 1 − y², y'' = −2y(1 − y²). */
function flFastTanh(t: FLTriple): FLTriple {
  return tf.tidy(() => {
    const y = fastTanh(t.v);
    const d1 = tf.sub(1, tf.square(y));
    const d2 = tf.mul(-2, tf.mul(y, d1));
    return {
      v: y,
      g: tf.mul(tf.expandDims(d1, 1), t.g),
      l: tf.add(tf.mul(d1, t.l), tf.mul(d2, tf.sum(tf.square(t.g), 1))),
    };
  });
}

/**
 * sign and ln|det M| ([B] each) of M [B, n, n] with a first-order custom gradient
 * ∂ ln|det M|/∂M = M⁻ᵀ (the inverse comes from the same elimination). Much cheaper to differentiate
 * than back-propagating through the elimination; not differentiable twice (use `slogdet` for that).
 */
function slogdetFirstOrder(m: tf.Tensor3D): { sign: tf.Tensor1D; logAbs: tf.Tensor1D } {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const mm = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const r = slogdetInverse(mm as tf.Tensor3D);
    save([r.inv]);
    return {
      value: tf.stack([r.logAbs, r.sign]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [B, n] = [mm.shape[0]!, mm.shape[1]!];
        const dl = tf.reshape(tf.slice(dy, [0, 0], [1, B]), [B, 1, 1]);
        return [tf.mul(dl, tf.transpose(saved[0]!, [0, 2, 1]))].map((t) => tf.reshape(t, [B, n, n]));
      },
    };
  });
  return tf.tidy(() => {
    const out = f(m) as tf.Tensor2D;
    const B = m.shape[0];
    return {
      logAbs: tf.reshape(tf.slice(out, [0, 0], [1, B]), [B]) as tf.Tensor1D,
      sign: tf.reshape(tf.slice(out, [1, 0], [1, B]), [B]) as tf.Tensor1D,
    };
  });
}

/**
 * Dense map on the last axis, a [..., in] → a·w + b [..., out], with a custom first-order gradient
 * that transposes explicitly: tfjs-wasm's MatMul with transposeA/transposeB (what the stock MatMul
 * gradient uses) is ~6× slower than a transpose followed by a plain MatMul.
 */
function fastDense(a: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor {
  const [nin, nout] = w.shape;
  const lead = a.shape.slice(0, -1);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const aa = args[0] as tf.Tensor;
    const ww = args[1] as tf.Tensor2D;
    const a2 = tf.reshape(aa, [-1, nin]);
    let z = tf.matMul(a2, ww);
    if (b) z = tf.add(z, args[2] as tf.Tensor);
    save([a2, ww]);
    return {
      value: tf.reshape(z, [...lead, nout]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = tf.reshape(dy, [-1, nout]);
        const da = tf.reshape(tf.matMul(dy2, tf.transpose(sw)), aa.shape);
        const dw = tf.matMul(tf.transpose(sa), dy2);
        return b ? [da, dw, tf.sum(dy2, 0)] : [da, dw];
      },
    };
  });
  return b ? f(a, w, b) : f(a, w);
}

/** Mean over particles with the particle axis kept (size 1), for broadcasting: v,l axis 1; g axis 2. */
function meanParticles(t: FLTriple): FLTriple {
  return tf.tidy(() => ({ v: tf.mean(t.v, 1, true), g: tf.mean(t.g, 2, true), l: tf.mean(t.l, 1, true) }));
}

/** The equivariant Slater network (see the module comment). */
export class SlaterNet {
  readonly particles: number;
  readonly hidden: number;
  readonly layers: number;
  readonly determinants: number;
  readonly kappaInit: number;

  constructor(opts: SlaterNetOptions) {
    this.particles = opts.particles;
    this.hidden = opts.hidden ?? 64;
    this.layers = opts.layers ?? 2;
    this.determinants = opts.determinants ?? 1;
    this.kappaInit = opts.kappaInit ?? Math.SQRT1_2;
    checkInt('particles', this.particles, 1);
    checkInt('hidden', this.hidden, 1);
    checkInt('layers', this.layers, 1);
    checkInt('determinants', this.determinants, 1);
    if (!(this.kappaInit > 0)) throw new SlaterNetInputError(`kappaInit: ${this.kappaInit} is not allowed (must be > 0)`);
  }

  /** Number of parameters: 3H + (L−1)(2H² + H) + D·A(H + 2). */
  get parameterCount(): number {
    const H = this.hidden;
    return 3 * H + (this.layers - 1) * (2 * H * H + H) + this.determinants * this.particles * (H + 2);
  }

  /**
   * Fresh parameters: weights and biases U(−1/√fan_in, 1/√fan_in) (fan_in = 2F_in for the mixing
   * layers, H for the orbitals), κ = kappaInit.
   */
  init(rng: Rng): SlaterNetParams {
    const H = this.hidden;
    const layers: Record<string, SlaterLayerParams> = {};
    for (let l = 0; l < this.layers; l++) {
      const fin = l === 0 ? 1 : H;
      const bound = 1 / Math.sqrt(2 * fin);
      layers[String(l)] = {
        ws: uniformTensor(rng, [fin, H], -bound, bound) as tf.Tensor2D,
        wm: uniformTensor(rng, [fin, H], -bound, bound) as tf.Tensor2D,
        b: uniformTensor(rng, [H], -bound, bound) as tf.Tensor1D,
      };
    }
    const n = this.determinants * this.particles;
    const bo = 1 / Math.sqrt(H);
    const params: SlaterNetParams = {
      layers,
      orbitals: {
        w: uniformTensor(rng, [H, n], -bo, bo) as tf.Tensor2D,
        b: uniformTensor(rng, [n], -bo, bo) as tf.Tensor1D,
        kappa: tf.fill([n], this.kappaInit) as tf.Tensor1D,
      },
    };
    if (treeSize(params) !== this.parameterCount) throw new Error('SlaterNet.init: parameter count mismatch (bug)');
    return params;
  }

  private checkX(x: tf.Tensor): void {
    if (x.rank !== 2 || x.shape[1] !== this.particles) {
      throw new SlaterNetInputError(`x: shape [${x.shape.join(', ')}] is not allowed (must be [B, ${this.particles}])`);
    }
  }

  /**
   * Features h⁽ᴸ⁾ [B, A, H] (value only), through `tracer` (default: plain forward pass). With
   * `fast` (and the plain tracer) dense maps use a cheaper first-order-only gradient.
   */
  features(params: SlaterNetParams, x: tf.Tensor2D, tracer: ParamTracer = plainTracer, fast = false): tf.Tensor3D {
    this.checkX(x);
    const useFast = fast && tracer === plainTracer;
    const dense = (a: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D | null, paths: { w: string; b?: string }) =>
      useFast ? fastDense(a, w, b) : tracer.dense(a, w, b, paths);
    return tf.tidy(() => {
      const [B, A] = x.shape;
      let h: tf.Tensor = tf.reshape(x, [B, A, 1]);
      for (let l = 0; l < this.layers; l++) {
        const p = params.layers[String(l)]!;
        const path = `layers.${l}`;
        const z = tf.add(
          dense(h, p.ws, p.b, { w: `${path}.ws`, b: `${path}.b` }),
          dense(tf.mean(h, 1, true), p.wm, null, { w: `${path}.wm` }),
        );
        const t = fastTanh(z);
        h = l >= 1 ? tf.add(t, h) : t;
      }
      return h as tf.Tensor3D;
    });
  }

  /**
   * Orbital matrices Φ⁽ᵈ⁾_ij, [B, D, A, A] (row i = particle, column j = orbital).
   */
  orbitals(params: SlaterNetParams, x: tf.Tensor2D, tracer: ParamTracer = plainTracer, fast = false): tf.Tensor4D {
    return tf.tidy(() => {
      const [B, A] = x.shape;
      const D = this.determinants;
      const h = this.features(params, x, tracer, fast);
      const o =
        fast && tracer === plainTracer
          ? fastDense(h, params.orbitals.w, params.orbitals.b)
          : tracer.dense(h, params.orbitals.w, params.orbitals.b, { w: 'orbitals.w', b: 'orbitals.b' }); // [B, A, DA]
      const kappa = tracer.param(params.orbitals.kappa, 'orbitals.kappa'); // [1|B, DA]
      const kx = tf.mul(tf.reshape(x, [B, A, 1]), tf.expandDims(kappa, 1)); // [B, A, DA]
      const phi = tf.mul(o, tf.exp(tf.neg(tf.square(kx))));
      return tf.transpose(tf.reshape(phi, [B, A, D, A]), [0, 2, 1, 3]) as tf.Tensor4D;
    });
  }

  /**
   * sign and ln|ψ| per walker, [B] each. Differentiable once with respect to the parameters and x
   * (the determinant has a custom first-order gradient); for higher derivatives use
   * {@link SlaterNet.applyNestable}.
   */
  apply(params: SlaterNetParams, x: tf.Tensor2D): LogPsi {
    return tf.tidy(() => this.applyTraced(params, x, plainTracer, false));
  }

  /**
   * sign and ln|ψ| per walker, [B] each, for evaluation only (e.g. the sampler's log|ψ|²): the
   * determinant comes from elimination on M alone (no inverse, no custom gradient), about half the
   * work of {@link SlaterNet.apply}. Gradients through it are correct but slow: differentiate
   * {@link SlaterNet.apply} instead.
   */
  logAbsForward(params: SlaterNetParams, x: tf.Tensor2D): LogPsi {
    return tf.tidy(() => this.applyTraced(params, x, plainTracer, false, true));
  }

  /** As {@link SlaterNet.apply} but differentiable to every order (slower; a test oracle). */
  applyNestable(params: SlaterNetParams, x: tf.Tensor2D): LogPsi {
    return tf.tidy(() => this.applyTraced(params, x, plainTracer, true));
  }

  /** ln|ψ| per walker [B] through a tracer (the {@link perSampleJacobian} protocol). */
  logAbsTraced(params: SlaterNetParams, x: tf.Tensor2D, tracer: ParamTracer): tf.Tensor1D {
    return tf.tidy(() => this.applyTraced(params, x, tracer, true).logAbs);
  }

  private applyTraced(params: SlaterNetParams, x: tf.Tensor2D, tracer: ParamTracer, nestable: boolean, forwardOnly = false): LogPsi {
    const [B, A] = x.shape;
    const D = this.determinants;
    const phi = this.orbitals(params, x, tracer, !nestable);
    const flat = tf.reshape(phi, [B * D, A, A]) as tf.Tensor3D;
    const sd = nestable || forwardOnly ? slogdet(flat) : slogdetFirstOrder(flat);
    if (D === 1) return { sign: sd.sign, logAbs: sd.logAbs };
    const s2 = tf.reshape(sd.sign, [B, D]);
    const l2 = tf.reshape(sd.logAbs, [B, D]);
    const terms = Array.from({ length: D }, (_, d) => ({
      sign: tf.reshape(tf.slice(s2, [0, d], [B, 1]), [B]) as tf.Tensor1D,
      logAbs: tf.reshape(tf.slice(l2, [0, d], [B, 1]), [B]) as tf.Tensor1D,
    }));
    return logSumSignedExp(terms);
  }

  /**
   * sign, ln|ψ|, ∇ₓ ln|ψ| [B, A] and Δₓ ln|ψ| [B] by the forward Laplacian (value, gradient and
   * Laplacian with respect to all A coordinates carried through every layer).
   * With a `tracer` every parameter use is routed through it, so {@link perSampleJacobian} can
   * differentiate any output (e.g. gradX[:, k] or lapX) per walker with respect to the parameters.
   */
  applyWithDerivatives(params: SlaterNetParams, x: tf.Tensor2D, tracer?: ParamTracer): LogPsiDerivatives {
    this.checkX(x);
    return tf.tidy(() => {
      let h: FLTriple = flInput(x); // v [B, A, 1], g [B, K, A, 1], l [B, A, 1]
      for (let l = 0; l < this.layers; l++) {
        const p = params.layers[String(l)]!;
        // mean-field part on the particle-mean (size-1 particle axis), broadcast in the add
        const path = `layers.${l}`;
        const z = flAdd(
          flDense(h, p.ws, p.b, tracer && { tracer, paths: { w: `${path}.ws`, b: `${path}.b` } }),
          flDense(meanParticles(h), p.wm, null, tracer && { tracer, paths: { w: `${path}.wm` } }),
        );
        const t = flFastTanh(z);
        h = l >= 1 ? flAdd(t, h) : t;
      }
      const o = flDense(h, params.orbitals.w, params.orbitals.b, tracer && { tracer, paths: { w: 'orbitals.w', b: 'orbitals.b' } }); // [B, A, DA]
      const kappa = tracer ? tracer.param(params.orbitals.kappa, 'orbitals.kappa') : params.orbitals.kappa; // [J] or [1|B, J]
      const env = flGaussianEnvelope(x, kappa); // [B, A, DA]
      const r = flSlaterSum(flMul(o, env), this.determinants);
      return { sign: r.sign, logAbs: r.logAbs, gradX: r.grad, lapX: r.lap };
    });
  }
}
