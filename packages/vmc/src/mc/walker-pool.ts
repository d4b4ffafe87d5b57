/**
 * A pool of worker threads that share the walkers of a trapped-fermion run. tfjs-wasm runs one
 * thread per instance in Node, so each worker gets its own backend and a contiguous slice of the
 * walkers; the main thread keeps the parameters, the optimiser and the Rng, and combines what the
 * workers return (local energies in walker order, gradients summed in worker order).
 *
 * Reproducibility: each epoch draws one 32-bit seed per worker from the run's Rng, and the slices
 * are fixed by (walkers, workers), so a run is reproducible for a given seed and worker count.
 */
import type { Worker } from 'node:worker_threads';
import type { BackendName } from '@nqs/autodiff-core';
import type { SlaterNetOptions } from '@nqs/ansatz';
import type { PairInteraction } from '@nqs/hamiltonians';
import type { MetropolisOptions } from '@nqs/sampler';

/** A worker failed or was used wrongly (message from the worker included). */
export class WalkerPoolError extends Error {
  override readonly name = 'WalkerPoolError';
}

/** What the walkers sample: |ψ_θ|² of the network, or |ψ_HO|² (pre-training). */
export type SamplingTarget = 'net' | 'ho';

/** Requests to a worker (internal protocol; `id` is added by the pool). */
export type PoolRequest = { id: number } & (
  | { op: 'init'; backend: BackendName; net: SlaterNetOptions; interaction: PairInteraction; sampler: MetropolisOptions }
  | { op: 'load'; params: Float32Array; x: Float32Array; walkers: number; particles: number; width: number; target: SamplingTarget }
  | { op: 'params'; params: Float32Array }
  | { op: 'sample'; sweeps: number; seed: number; width: number; energies: boolean }
  | { op: 'grad'; coef: Float32Array }
  | { op: 'pretrain'; totalWalkers: number }
  | { op: 'memory' }
  | { op: 'close' }
);

/** Replies of a worker. */
export type PoolReply = { id: number } & (
  | { op: 'init'; backend: string }
  | { op: 'load' }
  | { op: 'params'; logProb: Float32Array }
  | {
      op: 'sample';
      x: Float32Array;
      logProb: Float32Array;
      acceptance: number;
      width: number;
      sweepSeconds: number;
      localEnergySeconds: number;
      total?: Float64Array;
      terms?: Record<string, Float64Array>;
    }
  | { op: 'grad'; grad: Float32Array }
  | { op: 'pretrain'; loss: number; grad: Float32Array }
  | { op: 'memory'; numTensors: number }
  | { op: 'close' }
  | { op: 'error'; message: string }
);

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Reply<O extends PoolReply['op']> = Extract<PoolReply, { op: O }>;
type Req = WithoutId<PoolRequest>;
/** A reply before the pool's request id is attached (what a worker computes). */
export type PoolReplyBody = WithoutId<PoolReply>;

/** What a pool is built for. */
export interface WalkerPoolOptions {
  /** Number of worker threads (≥ 1). */
  workers: number;
  /** Total walkers (split into contiguous slices, the first `walkers % workers` slices one larger). */
  walkers: number;
  particles: number;
  net: SlaterNetOptions;
  interaction: PairInteraction;
  sampler: MetropolisOptions;
  /** Backend of every worker (wasm or cpu: GPU backends share one device and gain nothing). */
  backend: BackendName;
}

/** Result of {@link WalkerPool.sample}: everything in walker order. */
export interface PoolSample {
  x: Float32Array;
  logProb: Float32Array;
  /** walker-weighted mean acceptance of the sweeps */
  acceptance: number;
  /** walker-weighted mean of the workers' adapted widths */
  width: number;
  total?: Float64Array;
  terms?: Record<string, Float64Array>;
  /** slowest worker's sweep and local-energy time */
  sweepSeconds: number;
  localEnergySeconds: number;
}

/** node:worker_threads, loaded on demand so that browser bundles of @nqs/vmc never touch it. */
async function workerThreads(): Promise<typeof import('node:worker_threads')> {
  const specifier = 'node:worker_threads';
  try {
    return (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  } catch (e) {
    throw new WalkerPoolError(`worker threads are not available here (${(e as Error).message}); use workers: 1`);
  }
}

function spawnWorker({ Worker }: typeof import('node:worker_threads')): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // running from TypeScript source (tests, `pnpm nqs`): load the worker through tsx
    const file = new URL('./fermion-worker.ts', here).href;
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file)}); })`;
    return new Worker(boot, { eval: true, execArgv: ['--conditions=source'] });
  }
  return new Worker(new URL('./fermion-worker.js', here));
}

/** Walker slices [start, end) of `walkers` over `workers`. */
export function walkerSlices(walkers: number, workers: number): [number, number][] {
  const out: [number, number][] = [];
  const base = Math.floor(walkers / workers);
  const extra = walkers % workers;
  let s = 0;
  for (let k = 0; k < workers; k++) {
    const n = base + (k < extra ? 1 : 0);
    out.push([s, s + n]);
    s += n;
  }
  return out;
}

/** The pool. Create with {@link WalkerPool.create}; call {@link WalkerPool.close} when done. */
export class WalkerPool {
  readonly slices: [number, number][];
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: PoolReply) => void; reject: (e: Error) => void }>();
  private closed = false;

  private constructor(
    readonly options: WalkerPoolOptions,
    private readonly workers: Worker[],
  ) {
    this.slices = walkerSlices(options.walkers, options.workers);
    for (const w of workers) {
      w.on('message', (r: PoolReply) => {
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        if (r.op === 'error') p.reject(new WalkerPoolError(`worker: ${r.message}`));
        else p.resolve(r);
      });
      w.on('error', (e) => this.failAll(new WalkerPoolError(`worker crashed: ${e.message}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.failAll(new WalkerPoolError(`worker exited with code ${code}`));
      });
    }
  }

  /** Start `options.workers` workers and initialise their backends and models. */
  static async create(options: WalkerPoolOptions): Promise<WalkerPool> {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new WalkerPoolError(`workers: ${options.workers} is not allowed (must be an integer ≥ 1)`);
    }
    if (options.workers > options.walkers) {
      throw new WalkerPoolError(`workers: ${options.workers} is not allowed (more workers than the ${options.walkers} walkers)`);
    }
    const wt = await workerThreads();
    const ws: Worker[] = [];
    for (let k = 0; k < options.workers; k++) ws.push(spawnWorker(wt));
    const pool = new WalkerPool(options, ws);
    try {
      await pool.all(() => ({ op: 'init', backend: options.backend, net: options.net, interaction: options.interaction, sampler: options.sampler }));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private request<O extends PoolReply['op']>(k: number, req: Req, transfer: ArrayBuffer[] = []): Promise<Reply<O>> {
    if (this.closed) return Promise.reject(new WalkerPoolError('the walker pool is closed'));
    const id = this.nextId++;
    return new Promise<PoolReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[k]!.postMessage({ ...req, id }, transfer);
    }) as Promise<Reply<O>>;
  }

  private all<O extends PoolReply['op']>(make: (k: number) => Req, transfer?: (k: number) => ArrayBuffer[]): Promise<Reply<O>[]> {
    return Promise.all(this.workers.map((_, k) => this.request<O>(k, make(k), transfer?.(k))));
  }

  /**
   * Give every worker the parameters and its slice of the walkers x [walkers·particles], sampling
   * `target` (log p recomputed by each worker on its slice).
   */
  async load(params: Float32Array, x: Float32Array, width: number, target: SamplingTarget = 'net'): Promise<void> {
    const A = this.options.particles;
    await this.all<'load'>((k) => {
      const [s, e] = this.slices[k]!;
      return { op: 'load', params: params.slice(), x: x.slice(s * A, e * A), walkers: e - s, particles: A, width, target };
    });
  }

  /**
   * Pre-training loss L = (1/B) Σ_walkers Σ_dij (Φ⁽ᵈ⁾_ij − φ_j(x_i))² and its gradient over all
   * walkers (each worker sums its slice; the pool adds them in worker order).
   */
  async pretrainGradient(): Promise<{ loss: number; grad: Float32Array }> {
    const r = await this.all<'pretrain'>(() => ({ op: 'pretrain', totalWalkers: this.options.walkers }));
    return { loss: r.reduce((s, q) => s + q.loss, 0), grad: sumInOrder(r.map((q) => q.grad)) };
  }

  /** New parameters; the workers recompute log p of their walkers (returned in walker order). */
  async setParams(params: Float32Array): Promise<Float32Array> {
    const r = await this.all<'params'>(() => ({ op: 'params', params: params.slice() }));
    return concatF32(r.map((q) => q.logProb));
  }

  /**
   * `sweeps` Metropolis sweeps in every worker from the common `width`, each worker with its own
   * seed (one per worker, in order), then (when `energies`) the local energies.
   */
  async sample(sweeps: number, seeds: readonly number[], width: number, energies: boolean): Promise<PoolSample> {
    if (seeds.length !== this.size) throw new WalkerPoolError(`sample: ${seeds.length} seeds for ${this.size} workers`);
    const r = await this.all<'sample'>((k) => ({ op: 'sample', sweeps, seed: seeds[k]!, width, energies }));
    const n = this.slices.map(([s, e]) => e - s);
    const B = this.options.walkers;
    const wmean = (f: (q: Reply<'sample'>) => number) => r.reduce((s, q, k) => s + f(q) * n[k]!, 0) / B;
    const out: PoolSample = {
      x: concatF32(r.map((q) => q.x)),
      logProb: concatF32(r.map((q) => q.logProb)),
      acceptance: wmean((q) => q.acceptance),
      width: wmean((q) => q.width),
      sweepSeconds: Math.max(...r.map((q) => q.sweepSeconds)),
      localEnergySeconds: Math.max(...r.map((q) => q.localEnergySeconds)),
    };
    if (energies) {
      out.total = concatF64(r.map((q) => q.total!));
      out.terms = {};
      for (const name of Object.keys(r[0]!.terms!)) out.terms[name] = concatF64(r.map((q) => q.terms![name]!));
    }
    return out;
  }

  /** Σ_i coef_i ∂θ ln|ψ(x_i)| over all walkers (coef in walker order), summed in worker order. */
  async gradient(coef: Float32Array): Promise<Float32Array> {
    const r = await this.all<'grad'>((k) => {
      const [s, e] = this.slices[k]!;
      return { op: 'grad', coef: coef.slice(s, e) };
    });
    return sumInOrder(r.map((q) => q.grad));
  }

  /** tf.memory().numTensors of every worker (leak checks). */
  async tensorCounts(): Promise<number[]> {
    return (await this.all<'memory'>(() => ({ op: 'memory' }))).map((q) => q.numTensors);
  }

  /** Free the workers' tensors and terminate them (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await Promise.race([this.all<'close'>(() => ({ op: 'close' })), new Promise((r) => setTimeout(r, 2000))]);
    } catch {
      // a crashed worker cannot free anything: terminate below
    }
    this.closed = true;
    this.failAll(new WalkerPoolError('the walker pool is closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function sumInOrder(parts: Float32Array[]): Float32Array {
  const g = new Float32Array(parts[0]!.length);
  for (let i = 0; i < g.length; i++) {
    let acc = 0;
    for (const p of parts) acc += p[i]!;
    g[i] = acc;
  }
  return g;
}

function concatF32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function concatF64(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
