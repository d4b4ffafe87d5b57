/**
 * All-particle Gaussian random-walk Metropolis over many persistent walkers, in tfjs.
 *
 * Every sweep proposes x' = x + σ·ξ for all particles of every walker at once (ξ ~ N(0, 1)) and
 * accepts with probability min(1, p(x')/p(x)), p = |ψ|² given in the log domain (2 ln|ψ|).
 * Noise and accept draws are generated in JS from an explicit {@link Rng} and uploaded, so a run is
 * reproducible from its seed on every backend. The width is adapted after every sweep on the device,
 * σ ← σ·max(acc, accFloor)/target, so the sweep loop never reads data back synchronously; the
 * acceptance is accumulated in a device scalar and read asynchronously (e.g. once per epoch).
 * The `…Async` methods take a log p that may itself read back (e.g. determinants on the host); they
 * keep the chain on the host between sweeps, with the same draws and float32 arithmetic.
 */
import { tf, type Rng } from '@nqs/autodiff-core';

/** Bad sampler options (non-positive width, walkers < 1, …). */
export class SamplerInputError extends Error {
  override readonly name = 'SamplerInputError';
}

/** log p(x) per walker for walkers x [B, A] → [B] (for a wavefunction: 2 ln|ψ(x)|). */
export type LogProbFn = (x: tf.Tensor2D) => tf.Tensor1D;

/**
 * log p(x) per walker [B], computed asynchronously (e.g. part of it on the host after an async
 * read-back). Must not dispose `x`; the returned tensor is owned by the caller.
 */
export type AsyncLogProbFn = (x: tf.Tensor2D) => Promise<tf.Tensor1D>;

/**
 * The state of the chains. All tensors are owned by the state: dispose with {@link disposeWalkers}.
 * The sampler's functions never dispose their input state.
 */
export interface WalkerState {
  /** Positions [B, A] (oscillator lengths for the trap problems). */
  readonly x: tf.Tensor2D;
  /** log p at x, [B]. */
  readonly logProb: tf.Tensor1D;
  /** Proposal standard deviation σ (scalar, same units as x). */
  readonly width: tf.Scalar;
  /** Σ over sweeps since the last reset of the per-sweep acceptance fraction (scalar). */
  readonly acceptSum: tf.Scalar;
  /** Number of sweeps accumulated in `acceptSum`. */
  readonly sweeps: number;
}

/** Options of {@link MetropolisSampler}. */
export interface MetropolisOptions {
  /** Initial proposal width σ (> 0; default 1). */
  initialWidth?: number;
  /** Target acceptance of the width adaptation (in (0, 1); default 0.5). */
  targetAcceptance?: number;
  /** Floor on the acceptance used in the adaptation, so σ shrinks at most by this/target (default 0.05). */
  acceptanceFloor?: number;
  /** Adapt the width after every sweep (default true). */
  adapt?: boolean;
  /** Width is kept in [minWidth, maxWidth] (defaults 1e-4, 10). */
  minWidth?: number;
  maxWidth?: number;
}

/** Host copy of a {@link WalkerState} while {@link MetropolisSampler.runAsync} sweeps (float32 values). */
interface HostChain {
  b: number;
  a: number;
  x: Float32Array;
  logProb: Float32Array;
  width: number;
  acceptSum: number;
  sweeps: number;
}

/** Serialisable walker state (for checkpoints). */
export interface WalkerStateJSON {
  walkers: number;
  particles: number;
  /** Positions, row-major [B, A]. */
  x: number[];
  width: number;
}

function checkPositive(name: string, v: number): void {
  if (!Number.isFinite(v) || !(v > 0)) throw new SamplerInputError(`${name}: ${v} is not allowed (must be a finite number > 0)`);
}

/** Random-walk Metropolis sampler (see the module comment). Pure: all state is in {@link WalkerState}. */
export class MetropolisSampler {
  readonly initialWidth: number;
  readonly targetAcceptance: number;
  readonly acceptanceFloor: number;
  readonly adapt: boolean;
  readonly minWidth: number;
  readonly maxWidth: number;

  constructor(opts: MetropolisOptions = {}) {
    this.initialWidth = opts.initialWidth ?? 1;
    this.targetAcceptance = opts.targetAcceptance ?? 0.5;
    this.acceptanceFloor = opts.acceptanceFloor ?? 0.05;
    this.adapt = opts.adapt ?? true;
    this.minWidth = opts.minWidth ?? 1e-4;
    this.maxWidth = opts.maxWidth ?? 10;
    checkPositive('initialWidth', this.initialWidth);
    checkPositive('acceptanceFloor', this.acceptanceFloor);
    checkPositive('minWidth', this.minWidth);
    checkPositive('maxWidth', this.maxWidth);
    if (!(this.targetAcceptance > 0 && this.targetAcceptance < 1)) {
      throw new SamplerInputError(`targetAcceptance: ${this.targetAcceptance} is not allowed (must be in (0, 1))`);
    }
  }

  /**
   * New chains: x ~ N(0, initScale²) per coordinate, [walkers, particles]; logProb evaluated once.
   * @param initScale spread of the initial positions (default 1).
   */
  init(rng: Rng, walkers: number, particles: number, logProb: LogProbFn, initScale = 1): WalkerState {
    if (!Number.isInteger(walkers) || walkers < 1) throw new SamplerInputError(`walkers: ${walkers} is not allowed (must be an integer ≥ 1)`);
    if (!Number.isInteger(particles) || particles < 1) throw new SamplerInputError(`particles: ${particles} is not allowed (must be an integer ≥ 1)`);
    checkPositive('initScale', initScale);
    const x0 = rng.fillNormal(new Float32Array(walkers * particles), 0, initScale);
    return this.fromPositions(tf.tensor2d(x0, [walkers, particles]), this.initialWidth, logProb);
  }

  /** Chains at given positions (takes ownership of `x`) with width σ; logProb evaluated once. */
  fromPositions(x: tf.Tensor2D, width: number, logProb: LogProbFn): WalkerState {
    checkPositive('width', width);
    return {
      x,
      logProb: tf.tidy(() => logProb(x)),
      width: tf.scalar(width),
      acceptSum: tf.scalar(0),
      sweeps: 0,
    };
  }

  /**
   * One all-particle Metropolis sweep (and a width update when `adapt`). Returns a new state; the
   * input state is left intact (dispose it yourself). No data is read back from the device.
   */
  step(state: WalkerState, logProb: LogProbFn, rng: Rng): WalkerState {
    const { noise, u } = this.draws(state, rng);
    const out = tf.tidy(() => {
      const xNew = this.propose(state, noise);
      return this.accept(state, xNew, logProb(xNew), u);
    });
    return { ...out, sweeps: state.sweeps + 1 };
  }

  /**
   * {@link MetropolisSampler.step} with an asynchronous log p (e.g. determinants taken on the host
   * after an async read-back). The chain bookkeeping (proposal, accept/reject, width adaptation)
   * runs on the host in float32 arithmetic (Math.fround at every tfjs op boundary), so per sweep
   * the device only sees the upload of x' and the log p evaluation; the random draws are those of
   * `step`, in the same order. `logProb` is called outside tf.tidy: a synchronous one must clean
   * up its own intermediates (run them in tf.tidy).
   */
  async stepAsync(state: WalkerState, logProb: LogProbFn | AsyncLogProbFn, rng: Rng): Promise<WalkerState> {
    return this.runAsync(state, logProb, rng, 1);
  }

  /** Copy of a state on the host (async reads). */
  private async toHost(s: WalkerState): Promise<HostChain> {
    const [b, a] = s.x.shape;
    const [x, lp, w, acc] = await Promise.all([s.x.data(), s.logProb.data(), s.width.data(), s.acceptSum.data()]);
    return { b, a, x: Float32Array.from(x), logProb: Float32Array.from(lp), width: w[0]!, acceptSum: acc[0]!, sweeps: s.sweeps };
  }

  /**
   * One sweep of a host chain (in place). Float32 semantics of {@link MetropolisSampler.step}:
   * x' = x + σξ, accept iff log u < log p' − log p, σ ← clip(σ·max(acc, floor)/target).
   */
  private async hostSweep(h: HostChain, logProb: LogProbFn | AsyncLogProbFn, rng: Rng): Promise<void> {
    const { b, a } = h;
    const noise = rng.fillNormal(new Float32Array(b * a));
    const u = rng.fillUniform(new Float32Array(b));
    for (let i = 0; i < b; i++) if (u[i] === 0) u[i] = Number.MIN_VALUE;
    const f = Math.fround;
    const w = h.width;
    const xNew = new Float32Array(b * a);
    for (let i = 0; i < b * a; i++) xNew[i] = f(h.x[i]! + f(noise[i]! * w));
    const xt = tf.tensor2d(xNew, [b, a]);
    let lpT: tf.Tensor1D;
    try {
      lpT = await logProb(xt);
    } finally {
      xt.dispose();
    }
    let lpNew: Float32Array;
    try {
      lpNew = (await lpT.data()) as Float32Array;
    } finally {
      lpT.dispose();
    }
    let count = 0;
    for (let i = 0; i < b; i++) {
      // NaN (e.g. −∞ − −∞) rejects, as tf.less does
      if (f(Math.log(u[i]!)) < f(lpNew[i]! - h.logProb[i]!)) {
        count++;
        h.logProb[i] = lpNew[i]!;
        for (let k = 0; k < a; k++) h.x[i * a + k] = xNew[i * a + k]!;
      }
    }
    const acc = f(count / b);
    if (this.adapt) {
      const scaled = f(w * f(Math.max(acc, f(this.acceptanceFloor)) / f(this.targetAcceptance)));
      h.width = Math.min(f(this.maxWidth), Math.max(f(this.minWidth), scaled));
    }
    h.acceptSum = f(h.acceptSum + acc);
    h.sweeps += 1;
  }

  /** Proposal noise ξ [B·A] and accept draws u [B] (u > 0), in the order every step draws them. */
  private draws(state: WalkerState, rng: Rng): { noise: Float32Array; u: Float32Array } {
    const [b, a] = state.x.shape;
    const noise = rng.fillNormal(new Float32Array(b * a));
    const u = rng.fillUniform(new Float32Array(b));
    // u in [0,1): guard log(0) (probability 2^-53 per draw, but keep it finite).
    for (let i = 0; i < b; i++) if (u[i] === 0) u[i] = Number.MIN_VALUE;
    return { noise, u };
  }

  /** x' = x + σξ (call inside tf.tidy). */
  private propose(state: WalkerState, noise: Float32Array): tf.Tensor2D {
    const [b, a] = state.x.shape;
    return tf.add(state.x, tf.mul(tf.tensor2d(noise, [b, a]), state.width)) as tf.Tensor2D;
  }

  /** Accept/reject and width adaptation (call inside tf.tidy); `sweeps` is not counted here. */
  private accept(state: WalkerState, xNew: tf.Tensor2D, lpNew: tf.Tensor1D, u: Float32Array): Omit<WalkerState, 'sweeps'> {
    const accept = tf.less(tf.log(tf.tensor1d(u)), tf.sub(lpNew, state.logProb));
    const x = tf.where(tf.expandDims(accept, 1), xNew, state.x) as tf.Tensor2D;
    const lp = tf.where(accept, lpNew, state.logProb) as tf.Tensor1D;
    const acc = tf.mean(tf.cast(accept, 'float32')) as tf.Scalar;
    let width = state.width;
    if (this.adapt) {
      width = tf.clipByValue(
        tf.mul(state.width, tf.div(tf.maximum(acc, this.acceptanceFloor), this.targetAcceptance)),
        this.minWidth,
        this.maxWidth,
      ) as tf.Scalar;
    } else {
      width = tf.clone(state.width);
    }
    return { x, logProb: lp, width, acceptSum: tf.add(state.acceptSum, acc) as tf.Scalar };
  }

  /** `n` sweeps; intermediate states are disposed, the input state is not. */
  run(state: WalkerState, logProb: LogProbFn, rng: Rng, n: number): WalkerState {
    let s = state;
    for (let i = 0; i < n; i++) {
      const next = this.step(s, logProb, rng);
      if (s !== state) disposeWalkers(s);
      s = next;
    }
    return s === state ? cloneWalkers(state) : s;
  }

  /**
   * {@link MetropolisSampler.run} with an asynchronous log p (see {@link MetropolisSampler.stepAsync}):
   * the state is read once, the `n` sweeps run on a host copy, and a new state is returned (the
   * input state is left intact).
   */
  async runAsync(state: WalkerState, logProb: LogProbFn | AsyncLogProbFn, rng: Rng, n: number): Promise<WalkerState> {
    if (n <= 0) return cloneWalkers(state);
    const h = await this.toHost(state);
    for (let i = 0; i < n; i++) await this.hostSweep(h, logProb, rng);
    return {
      x: tf.tensor2d(h.x, [h.b, h.a]),
      logProb: tf.tensor1d(h.logProb),
      width: tf.scalar(h.width),
      acceptSum: tf.scalar(h.acceptSum),
      sweeps: h.sweeps,
    };
  }

  /** {@link MetropolisSampler.burnIn} with an asynchronous log p. */
  async burnInAsync(state: WalkerState, logProb: LogProbFn | AsyncLogProbFn, rng: Rng, n: number): Promise<WalkerState> {
    const s = await this.runAsync(state, logProb, rng, n);
    const r = resetAcceptance(s);
    disposeWalkers(s);
    return r;
  }

  /** Burn-in: `n` sweeps, then the acceptance counter is reset. */
  burnIn(state: WalkerState, logProb: LogProbFn, rng: Rng, n: number): WalkerState {
    const s = this.run(state, logProb, rng, n);
    const r = resetAcceptance(s);
    disposeWalkers(s);
    return r;
  }

  /** Recompute logProb at the current positions (after a parameter update). New state. */
  refresh(state: WalkerState, logProb: LogProbFn): WalkerState {
    return {
      x: tf.clone(state.x),
      logProb: tf.tidy(() => logProb(state.x)),
      width: tf.clone(state.width),
      acceptSum: tf.clone(state.acceptSum),
      sweeps: state.sweeps,
    };
  }

  /** {@link MetropolisSampler.refresh} with an asynchronous log p. */
  async refreshAsync(state: WalkerState, logProb: LogProbFn | AsyncLogProbFn): Promise<WalkerState> {
    const lp = await logProb(state.x);
    return { x: tf.clone(state.x), logProb: lp, width: tf.clone(state.width), acceptSum: tf.clone(state.acceptSum), sweeps: state.sweeps };
  }

  /** {@link MetropolisSampler.fromPositions} with an asynchronous log p (takes ownership of `x`). */
  async fromPositionsAsync(x: tf.Tensor2D, width: number, logProb: LogProbFn | AsyncLogProbFn): Promise<WalkerState> {
    checkPositive('width', width);
    let lp: tf.Tensor1D;
    try {
      lp = await logProb(x);
    } catch (e) {
      x.dispose();
      throw e;
    }
    return { x, logProb: lp, width: tf.scalar(width), acceptSum: tf.scalar(0), sweeps: 0 };
  }

  /** Rebuild a state from {@link walkersToJSON} output (logProb re-evaluated). */
  fromJSON(j: WalkerStateJSON, logProb: LogProbFn): WalkerState {
    if (!j || !Number.isInteger(j.walkers) || !Number.isInteger(j.particles) || !Array.isArray(j.x) || j.x.length !== j.walkers * j.particles) {
      throw new SamplerInputError('walker state: malformed (need integer walkers, particles and x of length walkers·particles)');
    }
    return this.fromPositions(tf.tensor2d(Float32Array.from(j.x), [j.walkers, j.particles]), j.width, logProb);
  }
}

/** Same tensors copied (the copy is owned by the caller). */
export function cloneWalkers(s: WalkerState): WalkerState {
  return { x: tf.clone(s.x), logProb: tf.clone(s.logProb), width: tf.clone(s.width), acceptSum: tf.clone(s.acceptSum), sweeps: s.sweeps };
}

/** A copy with the acceptance counter set to zero. */
export function resetAcceptance(s: WalkerState): WalkerState {
  return { x: tf.clone(s.x), logProb: tf.clone(s.logProb), width: tf.clone(s.width), acceptSum: tf.scalar(0), sweeps: 0 };
}

/** Free the tensors of a state. */
export function disposeWalkers(s: WalkerState): void {
  tf.dispose([s.x, s.logProb, s.width, s.acceptSum]);
}

/** Mean acceptance per sweep since the last reset (async read; NaN when no sweep was made). */
export async function readAcceptance(s: WalkerState): Promise<number> {
  if (s.sweeps === 0) return Number.NaN;
  const v = (await s.acceptSum.data())[0]!;
  return v / s.sweeps;
}

/** Current proposal width (async read). */
export async function readWidth(s: WalkerState): Promise<number> {
  return (await s.width.data())[0]!;
}

/** Serialise positions and width (async reads). Float32 values round-trip exactly through JSON. */
export async function walkersToJSON(s: WalkerState): Promise<WalkerStateJSON> {
  const [b, a] = s.x.shape;
  const x = Array.from(await s.x.data());
  return { walkers: b, particles: a, x, width: await readWidth(s) };
}
