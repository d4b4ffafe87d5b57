/**
 * Monte Carlo VMC for A spinless fermions in a 1D harmonic trap (REFERENCE.md §2):
 * pre-training of the Slater network's orbitals to the lowest A HO orbitals, energy minimisation
 * with the clipped score-function gradient and Adam, checkpoints with exact resume.
 *
 * A run is a mutable record of data (params, optimiser state, walkers, Rng, history); the step
 * functions replace its tensors and dispose the old ones. Per epoch there is exactly one
 * asynchronous read of device data (local energies and acceptance); statistics are float64.
 */
import {
  tf,
  Rng,
  treeEntries,
  treeFromFlat,
  treeLeaves,
  treeDispose,
  treeToFlatTensor,
  treeSpec,
  treeToJSON,
  treeFromJSON,
  type ParamTree,
  type RngState,
  type SerializedTree,
} from '@nqs/autodiff-core';
import { SlaterNet, HOSlater, type SlaterNetParams } from '@nqs/ansatz';
import { trappedFermionHamiltonian, type WalkerHamiltonian } from '@nqs/hamiltonians/tf';
import { validateFermionSystem, type PairInteraction } from '@nqs/hamiltonians';
import {
  MetropolisSampler,
  disposeWalkers,
  readAcceptance,
  readWidth,
  resetAcceptance,
  walkersToJSON,
  type LogProbFn,
  type WalkerState,
  type WalkerStateJSON,
} from '@nqs/sampler';
import {
  adam,
  applyUpdates,
  disposeState,
  stateFromJSON,
  stateToJSON,
  type GradientTransform,
  type OptState,
  type SerializedState,
} from '@nqs/optimizers';
import { mean, median, variance } from '../stats/index.js';
import { energyTransform, resolveOptimizerConfig, secondOrderUpdate, usesSecondOrder, type FermionOptimizerConfig } from './optimizer-config.js';
import { localEnergyArrays, netLogProb, netLogProbAsync, pretrainLoss, scoreGradient, withLeaves } from './walker-ops.js';
import { WalkerPool, type SamplingTarget } from './walker-pool.js';

export { netLogProb } from './walker-ops.js';

/** Bad run options or a corrupt / mismatched checkpoint. */
export class FermionRunInputError extends Error {
  override readonly name = 'FermionRunInputError';
}

/** Options of a trapped-fermion VMC run (all energies in ħω, lengths in oscillator lengths). */
export interface FermionRunConfig {
  /** Number of particles A ≥ 1. */
  particles: number;
  /** Pair interaction (gaussian V0/σ, harmonic k or none). */
  interaction: PairInteraction;
  /** Network width H (default 64), layers L (2), determinants D (1). */
  hidden?: number;
  layers?: number;
  determinants?: number;
  /** Walkers (default 4096). */
  walkers?: number;
  /** Metropolis sweeps per epoch (default 10). */
  sweepsPerEpoch?: number;
  /** Burn-in sweeps after pre-training (and for the pre-training walkers), default 100. */
  burnIn?: number;
  /** Adam learning rate of the energy minimisation (default 1e-4, the paper's). */
  learningRate?: number;
  /** Adam learning rate of the pre-training (default 1e-3). */
  pretrainLearningRate?: number;
  /** Local energies are clipped to median ± clipWidth × mean absolute deviation (default 5). */
  clipWidth?: number;
  /** Seed of the run's Rng. */
  seed: number;
  /** Optimiser of the energy phase (default adam with `learningRate`; second-order: sr, ngd, kfac, qn-kfac, dgd). */
  optimizer?: FermionOptimizerConfig;
  /**
   * Worker threads of the energy phase (default 1 = everything on the calling thread). With W > 1
   * the walkers are split into W slices, each sampled and differentiated in its own worker with its
   * own wasm/cpu backend; a run is reproducible for a given seed and worker count. GPU backends
   * ignore it (one device).
   */
  workers?: number;
}

/** Fully resolved configuration (what a checkpoint stores and compares). */
export type ResolvedFermionConfig = Required<FermionRunConfig>;

/** One energy-minimisation epoch. */
export interface FermionEpochRecord {
  epoch: number;
  /** mean local energy (unclipped), ħω */
  energy: number;
  /** error of the mean assuming independent walkers */
  energyError: number;
  /** variance of the local energy */
  variance: number;
  /** mean of the clipped local energies (what the gradient uses) */
  clippedEnergy: number;
  /** means of the Hamiltonian terms (kinetic, trap, pair) */
  kinetic: number;
  trap: number;
  pair: number;
  /** mean Metropolis acceptance over the epoch's sweeps */
  acceptance: number;
  /** proposal width after the epoch */
  width: number;
  /** diagnostics of a second-order step (λ, α*, μ*, predicted change M(δ) − M(0), ρ of the previous step) */
  secondOrder?: {
    damping: number;
    alpha: number;
    mu: number;
    predicted: number;
    rho?: number;
    /** standard error of ρ from the Monte Carlo error of the measured change */
    rhoError?: number;
    iterations: number;
    /** relative residual of the iterative metric solve */
    residual?: number;
  };
}

/** One pre-training epoch. */
export interface PretrainRecord {
  epoch: number;
  /** ⟨Σ_dij (Φ_ij − φ_j(x_i))²⟩ before the update */
  loss: number;
}

/** The mutable state of a run. */
export interface FermionRun {
  readonly config: ResolvedFermionConfig;
  readonly net: SlaterNet;
  readonly hamiltonian: WalkerHamiltonian;
  readonly sampler: MetropolisSampler;
  params: SlaterNetParams;
  /** 'pretrain' (pretrainer state in optState/walkers), then 'train'. */
  phase: 'pretrain' | 'train';
  optState: OptState;
  /** Walkers of the current phase (pre-training: sampling |ψ_HO|²; training: |ψ_θ|²). */
  walkers: WalkerState;
  rng: Rng;
  /** Completed epochs of each phase. */
  pretrainEpochs: number;
  epochs: number;
  history: FermionEpochRecord[];
  pretrainHistory: PretrainRecord[];
  /** Worker pool of the energy phase (created on the first epoch when config.workers > 1). */
  pool?: WalkerPool | null;
  /** The params/walkers the pool holds (the pool is reloaded when either was replaced). */
  poolSync?: { params: SlaterNetParams; walkers: WalkerState; target: SamplingTarget } | null;
  /** Why the pool is not used although config.workers > 1 (e.g. a GPU backend). */
  poolUnavailable?: string;
}

function resolve(c: FermionRunConfig): ResolvedFermionConfig {
  const r: ResolvedFermionConfig = {
    particles: c.particles,
    interaction: c.interaction,
    hidden: c.hidden ?? 64,
    layers: c.layers ?? 2,
    determinants: c.determinants ?? 1,
    walkers: c.walkers ?? 4096,
    sweepsPerEpoch: c.sweepsPerEpoch ?? 10,
    burnIn: c.burnIn ?? 100,
    learningRate: c.learningRate ?? 1e-4,
    pretrainLearningRate: c.pretrainLearningRate ?? 1e-3,
    clipWidth: c.clipWidth ?? 5,
    seed: c.seed,
    optimizer: resolveOptimizerConfig(c.optimizer),
    workers: c.workers ?? 1,
  };
  try {
    validateFermionSystem(r.particles, r.interaction);
  } catch (e) {
    throw new FermionRunInputError((e as Error).message);
  }
  const ints: [string, number, number][] = [
    ['walkers', r.walkers, 1],
    ['sweepsPerEpoch', r.sweepsPerEpoch, 1],
    ['burnIn', r.burnIn, 0],
    ['hidden', r.hidden, 1],
    ['layers', r.layers, 1],
    ['determinants', r.determinants, 1],
    ['workers', r.workers, 1],
  ];
  for (const [name, v, min] of ints) {
    if (!Number.isInteger(v) || v < min) throw new FermionRunInputError(`${name}: ${v} is not allowed (must be an integer ≥ ${min})`);
  }
  for (const [name, v] of [
    ['learningRate', r.learningRate],
    ['pretrainLearningRate', r.pretrainLearningRate],
    ['clipWidth', r.clipWidth],
  ] as [string, number][]) {
    if (!Number.isFinite(v) || !(v > 0)) throw new FermionRunInputError(`${name}: ${v} is not allowed (must be a finite number > 0)`);
  }
  if (r.workers > r.walkers) throw new FermionRunInputError(`workers: ${r.workers} is not allowed (more workers than the ${r.walkers} walkers)`);
  if (!Number.isFinite(r.seed)) throw new FermionRunInputError(`seed: ${r.seed} is not allowed (must be a finite number)`);
  return r;
}

function hoLogProb(A: number): LogProbFn {
  const ho = new HOSlater(A);
  return (x) => tf.tidy(() => tf.mul(2, ho.apply({}, x).logAbs) as tf.Tensor1D);
}

/**
 * New run: parameters from the seed, pre-training walkers sampled from |ψ_HO|² (burn-in included).
 * Throws {@link FermionRunInputError} on bad options.
 */
export function createFermionRun(config: FermionRunConfig): FermionRun {
  const c = resolve(config);
  const rng = new Rng(c.seed);
  const net = new SlaterNet({ particles: c.particles, hidden: c.hidden, layers: c.layers, determinants: c.determinants });
  const params = net.init(rng.split());
  return freshRun(c, net, params, rng, 'pretrain', hoLogProb(c.particles), c.burnIn);
}

/**
 * A run at epoch 0 of `phase`: walkers drawn from a Gaussian and burnt in for `burnIn` sweeps under
 * `lp` with `rng`, and a fresh optimiser of that phase.
 */
function freshRun(c: ResolvedFermionConfig, net: SlaterNet, params: SlaterNetParams, rng: Rng, phase: 'pretrain' | 'train', lp: LogProbFn, burnIn: number): FermionRun {
  const sampler = new MetropolisSampler({ initialWidth: 0.5 });
  const w0 = sampler.init(rng, c.walkers, c.particles, lp, 1);
  const walkers = sampler.burnIn(w0, lp, rng, burnIn);
  disposeWalkers(w0);
  return {
    config: c,
    net,
    hamiltonian: trappedFermionHamiltonian({ interaction: c.interaction }),
    sampler,
    params,
    phase,
    optState: (phase === 'pretrain' ? pretrainOptimizer(c) : trainOptimizer(c)).init(params),
    walkers,
    rng,
    pretrainEpochs: 0,
    epochs: 0,
    history: [],
    pretrainHistory: [],
  };
}

function pretrainOptimizer(c: ResolvedFermionConfig): GradientTransform<OptState[]> {
  return adam({ learningRate: c.pretrainLearningRate });
}

function trainOptimizer(c: ResolvedFermionConfig): GradientTransform<OptState[]> {
  return energyTransform(c.optimizer, c.learningRate);
}

/** Free every tensor of the run and stop its worker pool (see {@link closeWalkerPool} to await that). */
export function disposeFermionRun(run: FermionRun): void {
  treeDispose(run.params);
  disposeState(run.optState);
  disposeWalkers(run.walkers);
  if (run.pool) void run.pool.close();
  run.pool = null;
  run.poolSync = null;
}

/** Stop the run's worker pool (if any) and wait until its threads have exited. */
export async function closeWalkerPool(run: FermionRun): Promise<void> {
  const p = run.pool;
  run.pool = null;
  run.poolSync = null;
  if (p) await p.close();
}

/** The run's worker pool, started on first use; null when the run works on the calling thread. */
async function walkerPool(run: FermionRun): Promise<WalkerPool | null> {
  const c = run.config;
  if (c.workers <= 1) return null;
  if (run.pool) return run.pool;
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    run.poolUnavailable = `backend ${backend} runs on one device; workers apply to wasm and cpu`;
    return null;
  }
  run.pool = await WalkerPool.create({
    workers: c.workers,
    walkers: c.walkers,
    particles: c.particles,
    net: { particles: c.particles, hidden: c.hidden, layers: c.layers, determinants: c.determinants },
    interaction: c.interaction,
    sampler: { initialWidth: 0.5 },
    backend,
  });
  run.poolSync = null;
  return run.pool;
}

async function flatParams(p: SlaterNetParams): Promise<Float32Array> {
  const t = treeToFlatTensor(p);
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

/** Load the run's params and walkers into the pool unless it already holds these very objects. */
async function syncPool(run: FermionRun, pool: WalkerPool, target: SamplingTarget): Promise<void> {
  const ps = run.poolSync;
  if (ps && ps.params === run.params && ps.walkers === run.walkers && ps.target === target) return;
  const [params, x, width] = await Promise.all([flatParams(run.params), run.walkers.x.data() as Promise<Float32Array>, readWidth(run.walkers)]);
  await pool.load(params, x, width, target);
  run.poolSync = { params: run.params, walkers: run.walkers, target };
}

/** Apply an optimiser step to run.params from gradients (disposes the gradients and old state). */
function optimiserStep(run: FermionRun, opt: GradientTransform<OptState[]>, grads: ParamTree): void {
  const { updates, state } = opt.update(grads, run.optState as OptState[], run.params);
  const next = applyUpdates(run.params, updates) as SlaterNetParams;
  treeDispose(updates);
  treeDispose(grads);
  disposeState(run.optState);
  treeDispose(run.params);
  run.params = next;
  run.optState = state;
}

/**
 * One pre-training epoch: `sweepsPerEpoch` sweeps of the walkers in |ψ_HO|², then one Adam step on
 * L = ⟨Σ_dij (Φ⁽ᵈ⁾_ij − φ_j(x_i))²⟩. Returns the loss before the step. With `config.workers > 1`
 * the sweeps and the loss gradient run in the worker pool.
 */
export async function pretrainEpoch(run: FermionRun): Promise<PretrainRecord> {
  if (run.phase !== 'pretrain') throw new FermionRunInputError('pretrainEpoch: the run has left the pre-training phase');
  const pool = await walkerPool(run);
  let loss: number;
  if (pool) {
    await syncPool(run, pool, 'ho');
    const seeds = Array.from({ length: pool.size }, () => run.rng.nextUint32());
    const s = await pool.sample(run.config.sweepsPerEpoch, seeds, await readWidth(run.walkers), false);
    const g = await pool.pretrainGradient();
    loss = g.loss;
    optimiserStep(run, pretrainOptimizer(run.config), treeFromFlat(treeSpec(run.params), g.grad));
    // the HO walkers do not depend on the parameters: only the workers' copy of θ changes
    await pool.setParams(await flatParams(run.params));
    disposeWalkers(run.walkers);
    run.walkers = { x: tf.tensor2d(s.x, [run.config.walkers, run.config.particles]), logProb: tf.tensor1d(s.logProb), width: tf.scalar(s.width), acceptSum: tf.scalar(0), sweeps: 0 };
    run.poolSync = { params: run.params, walkers: run.walkers, target: 'ho' };
  } else {
    const w = run.sampler.run(run.walkers, hoLogProb(run.config.particles), run.rng, run.config.sweepsPerEpoch);
    disposeWalkers(run.walkers);
    run.walkers = w;
    const { loss: value, grads } = pretrainLoss(run.net, run.params, w.x, run.config.walkers);
    optimiserStep(run, pretrainOptimizer(run.config), withLeaves(run.params, grads));
    loss = (await value.data())[0]!;
    value.dispose();
  }
  run.pretrainEpochs += 1;
  const rec = { epoch: run.pretrainEpochs, loss };
  run.pretrainHistory.push(rec);
  return rec;
}

/**
 * Leave pre-training: the walkers are kept, re-weighted under |ψ_θ|² and burnt in; the optimiser
 * state is replaced by a fresh energy-minimisation optimiser.
 */
export function startEnergyPhase(run: FermionRun): void {
  if (run.phase === 'train') return;
  const lp = netLogProb(run.net, run.params);
  const w0 = run.sampler.fromPositions(tf.clone(run.walkers.x), 0.5, lp);
  const w1 = run.sampler.burnIn(w0, lp, run.rng, run.config.burnIn);
  disposeWalkers(w0);
  disposeWalkers(run.walkers);
  run.walkers = w1;
  disposeState(run.optState);
  run.optState = trainOptimizer(run.config).init(run.params);
  run.phase = 'train';
}

/** {@link startEnergyPhase}, with the burn-in in the worker pool when the run has one. */
async function enterEnergyPhase(run: FermionRun): Promise<void> {
  if (run.phase === 'train') return;
  const pool = await walkerPool(run);
  if (!pool) {
    // startEnergyPhase with the host-determinant log p of the sweeps (same draws, faster burn-in)
    const lp = netLogProbAsync(run.net, run.params);
    const w0 = await run.sampler.fromPositionsAsync(tf.clone(run.walkers.x), 0.5, lp);
    const w1 = await run.sampler.burnInAsync(w0, lp, run.rng, run.config.burnIn);
    disposeWalkers(w0);
    disposeWalkers(run.walkers);
    run.walkers = w1;
    hostLogProb.add(w1);
    disposeState(run.optState);
    run.optState = trainOptimizer(run.config).init(run.params);
    run.phase = 'train';
    return;
  }
  const x = (await run.walkers.x.data()) as Float32Array;
  await pool.load(await flatParams(run.params), x, 0.5, 'net');
  const seeds = Array.from({ length: pool.size }, () => run.rng.nextUint32());
  const s = await pool.sample(run.config.burnIn, seeds, 0.5, false);
  disposeWalkers(run.walkers);
  run.walkers = { x: tf.tensor2d(s.x, [run.config.walkers, run.config.particles]), logProb: tf.tensor1d(s.logProb), width: tf.scalar(s.width), acceptSum: tf.scalar(0), sweeps: 0 };
  run.poolSync = { params: run.params, walkers: run.walkers, target: 'net' };
  disposeState(run.optState);
  run.optState = trainOptimizer(run.config).init(run.params);
  run.phase = 'train';
}

/** Clip to median ± width × mean absolute deviation (from the median). */
export function clipLocalEnergies(e: ArrayLike<number>, width: number): Float64Array {
  const med = median(e);
  let mad = 0;
  for (let i = 0; i < e.length; i++) mad += Math.abs(e[i]! - med);
  mad /= e.length;
  const lo = med - width * mad;
  const hi = med + width * mad;
  return Float64Array.from(e, (v) => Math.min(hi, Math.max(lo, v)));
}

/** Local energies of the current walkers: total and per term (float32 → float64 arrays). */
export async function localEnergies(run: FermionRun, x: tf.Tensor2D = run.walkers.x): Promise<{ total: Float64Array; terms: Record<string, Float64Array> }> {
  return localEnergyArrays(run.hamiltonian, run.net, run.params, x);
}

/** Wall-clock split of one epoch (filled by {@link trainEpoch} when passed; adds device syncs). */
export interface EpochTiming {
  /** the epoch's Metropolis sweeps */
  sweepSeconds: number;
  /** local energies (forward Laplacian) and their read-back */
  localEnergySeconds: number;
  /** gradient, Adam step and walker refresh */
  stepSeconds: number;
}

/**
 * Walker states of energy-phase runs whose logProb came from the host-determinant path
 * ({@link netLogProbAsync}, what the sweeps use); others are recomputed before sampling.
 */
const hostLogProb = new WeakSet<WalkerState>();

/** ∂ ln|ψ| / ∂Φ at a walker state's positions under the given parameters (from its local energies). */
const phiGradients = new WeakMap<WalkerState, { params: SlaterNetParams; phiGradient: Float32Array }>();

/** Local energies of freshly sampled walkers (see {@link sampleEnergies}). */
export interface SampledEnergies {
  /** local energies [B] (float64) and their terms */
  total: Float64Array;
  terms: Record<string, Float64Array>;
  /** mean Metropolis acceptance of the sweeps */
  acceptance: number;
}

/**
 * `sweeps` Metropolis sweeps of the run's walkers under |ψ_θ|² (in the worker pool when the run has
 * one), then their local energies; run.walkers holds the new walkers with the acceptance counter
 * reset. What the training epochs and the final evaluation use.
 */
export async function sampleEnergies(run: FermionRun, sweeps: number, timing?: EpochTiming): Promise<SampledEnergies> {
  if (run.phase !== 'train') throw new FermionRunInputError('sampleEnergies: the run is still pre-training');
  const pool = await walkerPool(run);
  let t0 = performance.now();
  if (pool) {
    await syncPool(run, pool, 'net');
    const seeds = Array.from({ length: pool.size }, () => run.rng.nextUint32());
    const s = await pool.sample(sweeps, seeds, await readWidth(run.walkers), true);
    if (timing) {
      timing.sweepSeconds = s.sweepSeconds;
      timing.localEnergySeconds = Math.max(0, (performance.now() - t0) / 1000 - s.sweepSeconds);
    }
    disposeWalkers(run.walkers);
    const { walkers, particles } = run.config;
    run.walkers = { x: tf.tensor2d(s.x, [walkers, particles]), logProb: tf.tensor1d(s.logProb), width: tf.scalar(s.width), acceptSum: tf.scalar(0), sweeps: 0 };
    run.poolSync = { params: run.params, walkers: run.walkers, target: 'net' };
    return { total: s.total!, terms: s.terms!, acceptance: s.acceptance };
  }
  const lp = netLogProbAsync(run.net, run.params);
  if (!hostLogProb.has(run.walkers)) {
    // log p from the device elimination (burn-in, restore): recompute it the way the sweeps do, so
    // that a resumed run makes exactly the accept decisions of the uninterrupted one
    const r = await run.sampler.refreshAsync(run.walkers, lp);
    disposeWalkers(run.walkers);
    run.walkers = r;
  }
  const w = await run.sampler.runAsync(run.walkers, lp, run.rng, sweeps);
  disposeWalkers(run.walkers);
  run.walkers = w;
  if (timing) {
    await w.logProb.data(); // wait for the device before reading the clock
    timing.sweepSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
  }
  const { total, terms, phiGradient } = await localEnergyArrays(run.hamiltonian, run.net, run.params, w.x, { phiGradient: true });
  if (timing) timing.localEnergySeconds = (performance.now() - t0) / 1000;
  const acceptance = await readAcceptance(w);
  run.walkers = resetAcceptance(w);
  hostLogProb.add(run.walkers);
  if (phiGradient) phiGradients.set(run.walkers, { params: run.params, phiGradient });
  disposeWalkers(w);
  return { total, terms, acceptance };
}

/**
 * One energy-minimisation epoch: `sweepsPerEpoch` Metropolis sweeps, local energies, the gradient
 * 2⟨(E_L − ⟨E_L⟩) ∂θ ln|ψ|⟩ with E_L clipped to median ± clipWidth·MAD, one optimiser step and a
 * refresh of the walkers' log-probabilities. With `config.workers > 1` the sweeps, local energies
 * and gradients run in a pool of worker threads (see walker-pool.ts); the step is the same.
 */
export async function trainEpoch(run: FermionRun, timing?: EpochTiming): Promise<FermionEpochRecord> {
  if (run.phase !== 'train') await enterEnergyPhase(run);
  const c = run.config;
  const smp = await sampleEnergies(run, c.sweepsPerEpoch, timing);
  const pool = await walkerPool(run);
  const t0 = performance.now();
  const { total, terms } = smp;
  const x = run.walkers.x;
  const B = total.length;
  const clipped = clipLocalEnergies(total, c.clipWidth);
  const mc = mean(clipped);
  const coef = Float32Array.from(clipped, (v) => (2 * (v - mc)) / B);
  let soInfo: FermionEpochRecord['secondOrder'];
  {
    if (usesSecondOrder(c.optimizer)) {
      // second-order step (SR/NGD/KFAC/QN-KFAC/DGD) from per-walker Jacobians; see optimizer-config.ts
      const r = await secondOrderUpdate(run, c.optimizer, run.optState, {
        net: run.net,
        params: run.params,
        x,
        localEnergies: clipped,
        logAbs: Float64Array.from(await run.walkers.logProb.data(), (v) => v / 2), // the sampler's log p = 2 ln|ψ|
        energyAt: async (p, xx) => {
          const le = run.hamiltonian.localEnergy(run.net, p, xx);
          const [e, l] = await Promise.all([le.total.data(), le.logAbs.data()]);
          tf.dispose([le.total, le.logAbs, le.sign, ...Object.values(le.terms)]);
          return { energies: clipLocalEnergies(e, c.clipWidth), logAbs: Float64Array.from(l) };
        },
      });
      treeDispose(run.params);
      disposeState(run.optState);
      run.params = r.params;
      run.optState = r.optState;
      const i = r.info;
      soInfo = { damping: i.damping, alpha: i.alpha, mu: i.mu, predicted: i.predicted, ...(i.rho !== undefined ? { rho: i.rho } : {}),
        ...(i.rhoError !== undefined ? { rhoError: i.rhoError } : {}),
        iterations: i.iterations,
        ...(i.residual !== undefined ? { residual: i.residual } : {}),
      };
    } else {
      const pg = phiGradients.get(run.walkers);
      const grads = pool
        ? treeLeaves(treeFromFlat(treeSpec(run.params), await pool.gradient(coef)))
        : scoreGradient(run.net, run.params, x, coef, pg && pg.params === run.params ? pg.phiGradient : undefined);
      optimiserStep(run, trainOptimizer(c), withLeaves(run.params, grads));
    }
  }
  // log|ψ|² of the walkers under the new parameters
  const old = run.walkers;
  if (pool) {
    const logProb = await pool.setParams(await flatParams(run.params));
    run.walkers = { x: tf.clone(old.x), logProb: tf.tensor1d(logProb), width: tf.clone(old.width), acceptSum: tf.scalar(0), sweeps: 0 };
    run.poolSync = { params: run.params, walkers: run.walkers, target: 'net' };
  } else {
    run.walkers = await run.sampler.refreshAsync(old, netLogProbAsync(run.net, run.params));
    hostLogProb.add(run.walkers);
  }
  disposeWalkers(old);
  const width = await readWidth(run.walkers);
  if (timing) timing.stepSeconds = (performance.now() - t0) / 1000;
  run.epochs += 1;
  const v = variance(total);
  const rec: FermionEpochRecord = {
    epoch: run.epochs,
    energy: mean(total),
    energyError: Math.sqrt(v / B),
    variance: v,
    clippedEnergy: mc,
    kinetic: mean(terms.kinetic!),
    trap: mean(terms.trap!),
    pair: mean(terms.pair!),
    acceptance: smp.acceptance,
    width,
    ...(soInfo ? { secondOrder: soInfo } : {}),
  };
  run.history.push(rec);
  return rec;
}

/** Options of {@link runFermions}. */
export interface RunFermionsOptions {
  /** Total pre-training epochs (the run continues from its counters). */
  pretrainEpochs: number;
  /** Total energy epochs. */
  epochs: number;
  /** Call `onCheckpoint` every this many epochs of either phase (0 = never). */
  checkpointEvery?: number;
  onCheckpoint?: (checkpoint: FermionCheckpoint) => void | Promise<void>;
  onPretrainEpoch?: (r: PretrainRecord) => void;
  onEpoch?: (r: FermionEpochRecord) => void;
}

/** Continue a run until it has the requested numbers of pre-training and energy epochs. */
export async function runFermions(run: FermionRun, o: RunFermionsOptions): Promise<void> {
  const every = o.checkpointEvery ?? 0;
  while (run.phase === 'pretrain' && run.pretrainEpochs < o.pretrainEpochs) {
    const r = await pretrainEpoch(run);
    o.onPretrainEpoch?.(r);
    if (every > 0 && o.onCheckpoint && run.pretrainEpochs % every === 0) await o.onCheckpoint(await fermionCheckpoint(run));
  }
  while (run.epochs < o.epochs) {
    const r = await trainEpoch(run);
    o.onEpoch?.(r);
    if (every > 0 && o.onCheckpoint && run.epochs % every === 0) await o.onCheckpoint(await fermionCheckpoint(run));
  }
  if (run.phase === 'pretrain') await enterEnergyPhase(run);
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

/** JSON checkpoint of a run (exact: float32 values round-trip through JSON numbers). */
export interface FermionCheckpoint {
  format: 'nqs-fermions-checkpoint';
  version: 1;
  config: ResolvedFermionConfig;
  phase: 'pretrain' | 'train';
  pretrainEpochs: number;
  epochs: number;
  params: SerializedTree;
  optState: SerializedState;
  walkers: WalkerStateJSON;
  rng: RngState;
  history: FermionEpochRecord[];
  pretrainHistory: PretrainRecord[];
}

/** Snapshot of a run (async reads of the walkers). */
export async function fermionCheckpoint(run: FermionRun): Promise<FermionCheckpoint> {
  return {
    format: 'nqs-fermions-checkpoint',
    version: 1,
    config: run.config,
    phase: run.phase,
    pretrainEpochs: run.pretrainEpochs,
    epochs: run.epochs,
    params: treeToJSON(run.params),
    optState: stateToJSON(run.optState),
    walkers: await walkersToJSON(run.walkers),
    rng: run.rng.getState(),
    history: run.history.map((h) => ({ ...h })),
    pretrainHistory: run.pretrainHistory.map((h) => ({ ...h })),
  };
}

/** The network parameters stored in a checkpoint, in the model's key order (throws on a mismatch). */
function checkpointParams(net: SlaterNet, stored: SerializedTree): SlaterNetParams {
  const probe = net.init(new Rng(0));
  const spec = treeSpec(probe);
  treeDispose(probe);
  const params = treeFromJSON(stored, spec) as SlaterNetParams;
  // rebuild in the model's key order (treeFromFlat nests by path)
  const names = treeEntries(params).map(([p]) => p);
  if (names.join(',') !== spec.paths.join(',')) {
    treeDispose(params);
    throw new Error('parameter order differs');
  }
  return params;
}

/** Network settings a warm start must share with the checkpoint it starts from. */
const WARM_MATCH: (keyof ResolvedFermionConfig)[] = ['particles', 'hidden', 'layers', 'determinants'];

/**
 * Warm start: a new run in the energy phase whose parameters are those of a checkpoint (any phase,
 * walker count, seed or interaction), e.g. to continue a converged state with more walkers or a
 * smaller learning rate, or to follow a state to a neighbouring V₀. Everything else is new and
 * comes from `config`: the walkers are drawn from a Gaussian and burnt in under |ψ_θ|² for
 * max(burnIn, 200) sweeps with the config's seed, the optimiser starts fresh, and the epoch
 * counters start at 0 (pre-training is skipped). The network sizes and A must match; throws
 * {@link FermionRunInputError} otherwise or for a corrupt checkpoint.
 */
export function warmStartFermionRun(ck: unknown, config: FermionRunConfig): FermionRun {
  const c = ck as FermionCheckpoint;
  if (!c || typeof c !== 'object' || c.format !== 'nqs-fermions-checkpoint' || c.version !== 1 || !c.config) {
    throw new FermionRunInputError('warm start: not an nqs fermions checkpoint (format/version missing)');
  }
  const want = resolve(config);
  for (const k of WARM_MATCH) {
    if (JSON.stringify(want[k]) !== JSON.stringify(c.config[k])) {
      throw new FermionRunInputError(`warm start: ${k} is ${JSON.stringify(c.config[k])} in the checkpoint but ${JSON.stringify(want[k])} was requested`);
    }
  }
  const net = new SlaterNet({ particles: want.particles, hidden: want.hidden, layers: want.layers, determinants: want.determinants });
  let params: SlaterNetParams;
  try {
    params = checkpointParams(net, c.params);
  } catch (e) {
    throw new FermionRunInputError(`warm start: the checkpoint's parameters are corrupt (${(e as Error).message})`);
  }
  return freshRun(want, net, params, new Rng(want.seed), 'train', netLogProb(net, params), Math.max(want.burnIn, 200));
}

/** Config fields that must agree between a checkpoint and the requested run. */
const MUST_MATCH: (keyof ResolvedFermionConfig)[] = ['particles', 'interaction', 'hidden', 'layers', 'determinants', 'walkers', 'seed'];

/**
 * Restore a run from {@link fermionCheckpoint} output. When `expected` is given, the structural
 * settings (particles, interaction, network sizes, walkers, seed) must match; the rest (learning
 * rates, sweeps, clipping) is taken from `expected` too. Throws {@link FermionRunInputError} for a
 * corrupt or mismatched checkpoint.
 */
export function restoreFermionRun(ck: unknown, expected?: FermionRunConfig): FermionRun {
  const c = ck as FermionCheckpoint;
  if (!c || typeof c !== 'object' || c.format !== 'nqs-fermions-checkpoint' || c.version !== 1) {
    throw new FermionRunInputError('checkpoint: not an nqs fermions checkpoint (format/version missing)');
  }
  let config: ResolvedFermionConfig;
  try {
    config = resolve(c.config);
  } catch (e) {
    throw new FermionRunInputError(`checkpoint: invalid config (${(e as Error).message})`);
  }
  if (expected) {
    const want = resolve(expected);
    for (const k of MUST_MATCH) {
      if (JSON.stringify(want[k]) !== JSON.stringify(config[k])) {
        throw new FermionRunInputError(`checkpoint: ${k} is ${JSON.stringify(config[k])} in the checkpoint but ${JSON.stringify(want[k])} was requested`);
      }
    }
    config = want;
  }
  if (c.phase !== 'pretrain' && c.phase !== 'train') throw new FermionRunInputError(`checkpoint: phase '${String(c.phase)}' is unknown`);
  if (!Number.isInteger(c.epochs) || !Number.isInteger(c.pretrainEpochs)) throw new FermionRunInputError('checkpoint: epoch counters missing');
  if (!c.rng || !Array.isArray(c.rng.s) || c.rng.s.length !== 4) throw new FermionRunInputError('checkpoint: Rng state missing');
  const net = new SlaterNet({ particles: config.particles, hidden: config.hidden, layers: config.layers, determinants: config.determinants });
  const sampler = new MetropolisSampler({ initialWidth: 0.5 });
  let params: SlaterNetParams;
  let optState: OptState;
  try {
    params = checkpointParams(net, c.params);
    optState = stateFromJSON(c.optState);
  } catch (e) {
    throw new FermionRunInputError(`checkpoint: parameters or optimiser state are corrupt (${(e as Error).message})`);
  }
  if (!c.walkers || c.walkers.walkers !== config.walkers || c.walkers.particles !== config.particles) {
    treeDispose(params);
    disposeState(optState);
    throw new FermionRunInputError('checkpoint: walker state does not match the walkers/particles of the run');
  }
  const lp = c.phase === 'pretrain' ? hoLogProb(config.particles) : netLogProb(net, params);
  let walkers: WalkerState;
  try {
    walkers = sampler.fromJSON(c.walkers, lp);
  } catch (e) {
    treeDispose(params);
    disposeState(optState);
    throw new FermionRunInputError(`checkpoint: ${(e as Error).message}`);
  }
  return {
    config,
    net,
    hamiltonian: trappedFermionHamiltonian({ interaction: config.interaction }),
    sampler,
    params,
    phase: c.phase,
    optState,
    walkers,
    rng: Rng.fromState(c.rng),
    pretrainEpochs: c.pretrainEpochs,
    epochs: c.epochs,
    history: Array.isArray(c.history) ? c.history.map((h) => ({ ...h })) : [],
    pretrainHistory: Array.isArray(c.pretrainHistory) ? c.pretrainHistory.map((h) => ({ ...h })) : [],
  };
}
