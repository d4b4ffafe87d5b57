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
  slogdetHost,
  logSumSignedExp,
  logSumSignedExpHost,
  logDetDerivativesHost,
  type HostSlogdet,
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
        const dy2 = tf.reshape(dy, [-1, nout]) as tf.Tensor2D;
        const da = tf.reshape(tf.matMul(dy2, tf.transpose(sw)), aa.shape);
        const dw = tf.matMul(tf.transpose(sa), dy2);
        // column sums as a [1, rows] × [rows, out] matmul: several times faster on wasm than Sum
        // over axis 0 (which transposes first)
        return b ? [da, dw, tf.reshape(tf.matMul(tf.ones([1, dy2.shape[0]]), dy2), [nout])] : [da, dw];
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

  /**
   * sign and ln|ψ| per walker ([B] each, float64 host arrays) for evaluation only, e.g. the
   * sampler's log|ψ|²: the orbital matrices Φ [B, D, A, A] are computed on the device, read back
   * once (async; no synchronous read, so it runs on WebGPU too) and their determinants taken by LU
   * in float64 on the host ({@link slogdetHost}). Much cheaper than the ~100 small device ops of
   * {@link SlaterNet.logAbsForward}, and at least as accurate (float64 elimination of the float32 Φ).
   */
  async logAbsHost(params: SlaterNetParams, x: tf.Tensor2D): Promise<HostSlogdet> {
    const phi = this.orbitalsForward(params, x); // [B, A, D·A]
    let data: Float32Array;
    try {
      data = (await phi.data()) as Float32Array;
    } finally {
      phi.dispose();
    }
    const [A, D] = [this.particles, this.determinants];
    if (D > 1) {
      // [B, A(i), D, A(j)] → [B, D, A(i), A(j)]
      const src = data;
      data = new Float32Array(src.length);
      const B = x.shape[0];
      for (let b = 0; b < B; b++)
        for (let i = 0; i < A; i++)
          for (let d = 0; d < D; d++)
            for (let j = 0; j < A; j++) data[((b * D + d) * A + i) * A + j] = src[((b * A + i) * D + d) * A + j]!;
    }
    return logSumSignedExpHost(slogdetHost(data, A), D);
  }

  /**
   * Orbital values [B, A, D·A] (column d·A + j is orbital j of determinant d) for evaluation only:
   * the same function as {@link SlaterNet.orbitals} with fewer passes over the [B, A, H] features.
   * tanh(z) = 2σ(2z) − 1 and every feature is kept as h = α·u + β with scalars α, β, so the
   * factor 2 and the affine maps fold into the (small) weights and biases: each layer is one
   * matmul (bias fused), one broadcast add of the mean-field part, one Sigmoid and (from the
   * second layer on) one residual add. Equal to `orbitals` up to float32 rounding.
   */
  orbitalsForward(params: SlaterNetParams, x: tf.Tensor2D): tf.Tensor3D {
    this.checkX(x);
    const [B, A] = x.shape;
    return tf.tidy(() => tf.reshape(this.foldedOrbitals(params, x), [B, A, this.determinants * A]) as tf.Tensor3D);
  }

  /**
   * Orbital values [B·A, D·A] in the folded form of {@link SlaterNet.orbitalsForward} (forward
   * only: plain and fused matmuls, the bias of each layer on the per-walker mean-field term).
   * (Tried for the score gradient with first-order dense gradients: no measurable gain over
   * {@link SlaterNet.features}, whose backward pass is dominated by the weight matmuls.)
   */
  private foldedOrbitals(params: SlaterNetParams, x: tf.Tensor2D): tf.Tensor2D {
    const [B, A] = x.shape;
    const H = this.hidden;
    const mm = (a: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor | null): tf.Tensor =>
      b ? tf.fused.matMul({ a: a as tf.Tensor2D, b: w, bias: b }) : tf.matMul(a as tf.Tensor2D, w);
    let u: tf.Tensor = tf.reshape(x, [B * A, 1]); // rows = (walker, particle)
    let alpha = 1;
    let beta = 0;
    for (let l = 0; l < this.layers; l++) {
      const p = params.layers[String(l)]!;
      const fin = p.ws.shape[0];
      // 2z = u·(2α ws) + mean(u)·(2α wm) + 2(b + β(Σ_f ws + Σ_f wm))
      const bias = tf.mul(tf.add(p.b, tf.mul(tf.add(tf.sum(p.ws, 0), tf.sum(p.wm, 0)), beta)), 2);
      const meanU = tf.mean(tf.reshape(u, [B, A, fin]), 1); // [B, fin]
      const mf = mm(meanU, tf.mul(p.wm, 2 * alpha) as tf.Tensor2D, bias); // [B, H]
      const self = mm(u, tf.mul(p.ws, 2 * alpha) as tf.Tensor2D, null); // [B·A, H]
      const z2 = tf.add(tf.reshape(self, [B, A, H]), tf.reshape(mf, [B, 1, H]));
      const sg = tf.reshape(tf.sigmoid(z2), [B * A, H]); // h' = 2σ − 1 (+ h)
      if (l === 0) {
        u = sg;
        alpha = 2;
        beta = -1;
      } else {
        // alpha = 2 here: h' = 2σ − 1 + 2u + β = 2(σ + u) + (β − 1)
        u = tf.add(sg, u);
        beta -= 1;
      }
    }
    const o = mm(u, tf.mul(params.orbitals.w, alpha) as tf.Tensor2D, tf.add(params.orbitals.b, tf.mul(tf.sum(params.orbitals.w, 0), beta))); // [B·A, D·A]
    const kx = tf.mul(tf.reshape(x, [B * A, 1]), params.orbitals.kappa);
    return tf.mul(o, tf.exp(tf.neg(tf.square(kx)))) as tf.Tensor2D;
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
    if (!tracer && this.layers <= 2) return this.derivativesStructured(params, x);
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
  /**
   * {@link SlaterNet.applyWithDerivatives} for L ≤ 2 layers without a tracer, using the structure of
   * the coordinate derivatives of 1D equivariant features instead of carrying ∂_k h_i as a dense
   * [B, K, A, H] tensor through every layer. With f_i the features of particle i:
   *
   *   layer 1:  ∂_k h_i = δ_ik D_i + E_i                         (D, E: [B, A, H])
   *   layer 2:  ∂_k z_i = δ_ik α_i + β_i + γ_k,  α = D·W_s, β_i = E_i·W_s + mean(E)·W_m,
   *             γ_k = D_k·W_m / A;  Σ_k (∂_k z_i)² = α_i² + 2α_i(β_i + γ_i) + Aβ_i² + 2β_iΣ_kγ_k + Σ_kγ_k²
   *             ∂_k h_i = δ_ik (σ'α + D)_i + (σ'β + E)_i + σ'_i ⊙ γ_k
   *
   * so every layer works on [B, A, H] tensors; only the orbital gradient ∂_k Φ [B, K, A, D·A] is
   * formed in full (the σ'_i ⊙ γ_k term through one [B·A·A, H] × [H, D·A] matmul). Same values as
   * the generic path up to float32 rounding (tested against it and against float64 differences).
   */
  private derivativesStructured(params: SlaterNetParams, x: tf.Tensor2D): LogPsiDerivatives {
    return tf.tidy(() => {
      const r = flSlaterSum(this.orbitalTripleStructured(params, x), this.determinants);
      return { sign: r.sign, logAbs: r.logAbs, gradX: r.grad, lapX: r.lap };
    });
  }

  /** The orbital triple of {@link SlaterNet.derivativesStructured} (L ≤ 2). */
  private orbitalTripleStructured(params: SlaterNetParams, x: tf.Tensor2D): FLTriple {
    return tf.tidy(() => {
      const [B, A] = x.shape;
      const H = this.hidden;
      const N = this.determinants * A;
      const act = (z: tf.Tensor) => {
        const y = fastTanh(z);
        const d1 = tf.sub(1, tf.square(y));
        return { y, d1, d2: tf.mul(-2, tf.mul(y, d1)) };
      };
      const rows = (t: tf.Tensor, w: tf.Tensor2D, out: number) => tf.reshape(tf.matMul(tf.reshape(t, [B * A, H]), w), [B, A, out]);
      // layer 1 (input x_i, one feature): z_i = x_i w_s + x̄ w_m + b, ∂_k z_i = δ_ik w_s + w_m/A, Δz = 0
      const p0 = params.layers['0']!;
      const ws0 = tf.reshape(p0.ws, [H]);
      const wmA = tf.div(tf.reshape(p0.wm, [H]), A);
      const x3 = tf.reshape(x, [B, A, 1]);
      const z0 = tf.add(tf.mul(x3, ws0), tf.add(tf.mul(tf.mean(x3, 1, true), tf.reshape(p0.wm, [H])), p0.b));
      const a0 = act(z0);
      const q0 = tf.add(tf.square(tf.add(ws0, wmA)), tf.mul(A - 1, tf.square(wmA))); // Σ_k (∂_k z_i)², [H]
      let h: tf.Tensor = a0.y;
      let dd: tf.Tensor = tf.mul(a0.d1, ws0); // δ_ik part
      let ee: tf.Tensor = tf.mul(a0.d1, wmA); // k-independent part
      let lap: tf.Tensor = tf.mul(a0.d2, q0);
      let uv: { u: tf.Tensor; v: tf.Tensor } | null = null; // u_i ⊙ v_k part
      if (this.layers === 2) {
        const p1 = params.layers['1']!;
        const mf = (t: tf.Tensor) => tf.reshape(tf.matMul(tf.reshape(tf.mean(t, 1), [B, H]), p1.wm), [B, 1, H]);
        const z1 = tf.add(tf.add(rows(h, p1.ws, H), mf(h)), p1.b);
        const lz = tf.add(rows(lap, p1.ws, H), mf(lap));
        const alpha = rows(dd, p1.ws, H);
        const beta = tf.add(rows(ee, p1.ws, H), mf(ee));
        const gamma = rows(dd, tf.div(p1.wm, A) as tf.Tensor2D, H);
        const sq = tf.add(
          tf.add(tf.mul(alpha, tf.add(alpha, tf.mul(2, tf.add(beta, gamma)))), tf.mul(beta, tf.add(tf.mul(A, beta), tf.mul(2, tf.sum(gamma, 1, true))))),
          tf.sum(tf.square(gamma), 1, true),
        ); // Σ_k (∂_k z_i)²
        const a1 = act(z1);
        h = tf.add(a1.y, h);
        lap = tf.add(tf.add(tf.mul(a1.d1, lz), tf.mul(a1.d2, sq)), lap);
        dd = tf.add(tf.mul(a1.d1, alpha), dd);
        ee = tf.add(tf.mul(a1.d1, beta), ee);
        uv = { u: a1.d1, v: gamma };
      }
      const wo = params.orbitals.w;
      const ov = tf.add(rows(h, wo, N), params.orbitals.b);
      const ol = rows(lap, wo, N);
      // ∂_k o_i = δ_ik (D·W_o)_i + (E·W_o)_i (+ (u_i ⊙ v_k)·W_o), [B, K, A, N]
      let og = tf.add(tf.mul(tf.reshape(tf.eye(A), [1, A, A, 1]), tf.expandDims(rows(dd, wo, N), 1)), tf.expandDims(rows(ee, wo, N), 1));
      if (uv) {
        const prod = tf.mul(tf.reshape(uv.v, [B, A, 1, H]), tf.reshape(uv.u, [B, 1, A, H])); // [B, K, A, H]
        og = tf.add(og, tf.reshape(tf.matMul(tf.reshape(prod, [B * A * A, H]), wo), [B, A, A, N]));
      }
      return flMul({ v: ov, g: og, l: ol }, flGaussianEnvelope(x, params.orbitals.kappa));
    });
  }

  /**
   * {@link SlaterNet.applyWithDerivatives} (no tracer) with the determinant part on the host: the
   * forward-Laplacian triple of the orbital matrices (Φ [B, A, D·A], ∂_kΦ, ΔΦ) is computed on the
   * device, read back once (async) and ln|ψ|, ∇ₓ ln|ψ|, Δₓ ln|ψ| are taken in float64
   * ({@link logDetDerivativesHost}). Returns new float32 tensors, as applyWithDerivatives does.
   * For evaluation (local energies); not differentiable with respect to the parameters. With
   * `phiGradient`, also ∂ ln|ψ| / ∂Φ [B, D, A, A] (host array) for {@link SlaterNet.orbitalContraction}.
   */
  async applyWithDerivativesHost(
    params: SlaterNetParams,
    x: tf.Tensor2D,
    opts: { phiGradient?: boolean } = {},
  ): Promise<LogPsiDerivatives & { phiGradient?: Float32Array }> {
    this.checkX(x);
    const t = this.orbitalTriple(params, x);
    let v: Float32Array, g: Float32Array, l: Float32Array;
    try {
      [v, g, l] = (await Promise.all([t.v.data(), t.g.data(), t.l.data()])) as Float32Array[];
    } finally {
      tf.dispose([t.v, t.g, t.l]);
    }
    const [B, A] = x.shape;
    const r = logDetDerivativesHost(v!, g!, l!, A, A, this.determinants, opts);
    return {
      sign: tf.tensor1d(Float32Array.from(r.sign)),
      logAbs: tf.tensor1d(Float32Array.from(r.logAbs)),
      gradX: tf.tensor2d(Float32Array.from(r.grad), [B, A]),
      lapX: tf.tensor1d(Float32Array.from(r.lap)),
      ...(r.phiGradient ? { phiGradient: r.phiGradient } : {}),
    };
  }

  /**
   * Σ_b Σ_dij C_bdij Φ⁽ᵈ⁾_bij for a constant cotangent C [B, D, A, A] (scalar). With
   * C = coef_b · ∂ ln|ψ_b| / ∂Φ (the `phiGradient` of {@link SlaterNet.applyWithDerivativesHost} at
   * the same walkers and parameters), its parameter gradient is Σ_b coef_b ∂θ ln|ψ_b| without any
   * determinant work on the device. Differentiable once (cheap first-order dense gradients).
   */
  orbitalContraction(params: SlaterNetParams, x: tf.Tensor2D, cotangent: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.sum(tf.mul(this.orbitals(params, x, plainTracer, true), cotangent)) as tf.Scalar);
  }

  /** Forward-Laplacian triple of the orbital matrices (v [B, A, D·A], g [B, K, A, D·A], l), no tracer. */
  private orbitalTriple(params: SlaterNetParams, x: tf.Tensor2D): FLTriple {
    if (this.layers <= 2) return this.orbitalTripleStructured(params, x);
    return tf.tidy(() => {
      let h: FLTriple = flInput(x);
      for (let l = 0; l < this.layers; l++) {
        const p = params.layers[String(l)]!;
        const t = flFastTanh(flAdd(flDense(h, p.ws, p.b), flDense(meanParticles(h), p.wm, null)));
        h = l >= 1 ? flAdd(t, h) : t;
      }
      const o = flDense(h, params.orbitals.w, params.orbitals.b);
      return flMul(o, flGaussianEnvelope(x, params.orbitals.kappa));
    });
  }
}
