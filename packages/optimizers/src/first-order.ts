/**
 * First-order optimisers as pure, optax-style gradient transforms over parameter trees.
 *
 * A transform maps gradients to *updates* (the minus sign is already included), so a step is
 * `params ← applyUpdates(params, updates)`. Transforms never dispose their inputs: after a step the
 * caller disposes the old params, the old state ({@link disposeState}) and the updates.
 * Every `update` runs inside `tf.tidy`, so intermediates never leak.
 */
import { tf, treeLeaves, treeMap, treeZipMap } from '@nqs/autodiff-core';
import type { ParamTree } from '@nqs/autodiff-core';

/** Bad optimiser hyper-parameters (non-positive learning rate, decay outside [0,1), …). */
export class OptimizerInputError extends Error {
  override readonly name = 'OptimizerInputError';
}

/**
 * Optimiser state: nested records/arrays whose leaves are numbers (step counters) or tensors.
 * Serialisable with {@link stateToJSON} / {@link stateFromJSON}.
 */
export type OptState = number | tf.Tensor | OptStateRecord | OptState[];
/** A record node of {@link OptState}. */
export interface OptStateRecord {
  [key: string]: OptState;
}

/** The optax interface: `init` builds the state for a parameter tree, `update` maps gradients to updates. */
export interface GradientTransform<S extends OptState = OptState> {
  /** State for parameters `p` (tensors are new; `p` is not retained). */
  init(p: ParamTree): S;
  /**
   * Map gradients `g` (same tree structure as the params) to updates (already signed: add them to
   * the params). `p` is the current params (used by some transforms, may be omitted by others).
   * Inputs are never disposed; the returned state holds only new tensors.
   */
  update(g: ParamTree, s: S, p?: ParamTree): { updates: ParamTree; state: S };
}

/** A learning-rate schedule: step (0-based count of previous updates) → value. */
export type Schedule = (step: number) => number;

function checkFinite(name: string, v: number, cond: (v: number) => boolean, allowed: string): void {
  if (!Number.isFinite(v) || !cond(v)) throw new OptimizerInputError(`${name} = ${v} is invalid (allowed: ${allowed})`);
}

/** Constant schedule. */
export function constantSchedule(value: number): Schedule {
  checkFinite('value', value, () => true, 'a finite number');
  return () => value;
}

/**
 * Exponential decay: `init · decayRate^(step/transitionSteps)` (floor of the exponent when
 * `staircase`), bounded below by `endValue` when decayRate < 1 (above when > 1).
 */
export function exponentialDecay(o: { init: number; decayRate: number; transitionSteps: number; staircase?: boolean; endValue?: number; transitionBegin?: number }): Schedule {
  checkFinite('decayRate', o.decayRate, (v) => v > 0, '> 0');
  checkFinite('transitionSteps', o.transitionSteps, (v) => v > 0, '> 0');
  const begin = o.transitionBegin ?? 0;
  return (step) => {
    const t = Math.max(0, step - begin);
    const e = o.staircase ? Math.floor(t / o.transitionSteps) : t / o.transitionSteps;
    let v = o.init * Math.pow(o.decayRate, e);
    if (o.endValue !== undefined) v = o.decayRate < 1 ? Math.max(v, o.endValue) : Math.min(v, o.endValue);
    return v;
  };
}

/** Cosine decay from `init` to `init·alpha` over `decaySteps`, constant afterwards. */
export function cosineDecay(o: { init: number; decaySteps: number; alpha?: number }): Schedule {
  checkFinite('decaySteps', o.decaySteps, (v) => v > 0, '> 0');
  const alpha = o.alpha ?? 0;
  return (step) => {
    const t = Math.min(step, o.decaySteps) / o.decaySteps;
    return o.init * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
  };
}

/** Linear warm-up from `init` (default 0) to `peak` over `warmupSteps`, then `after(step − warmupSteps)` (default: constant peak). */
export function warmupSchedule(o: { peak: number; warmupSteps: number; init?: number; after?: Schedule }): Schedule {
  checkFinite('warmupSteps', o.warmupSteps, (v) => v >= 0, '>= 0');
  const init = o.init ?? 0;
  return (step) => {
    if (step < o.warmupSteps) return init + ((o.peak - init) * step) / o.warmupSteps;
    return o.after ? o.after(step - o.warmupSteps) : o.peak;
  };
}

function asSchedule(lr: number | Schedule, name = 'learningRate'): Schedule {
  if (typeof lr === 'function') return lr;
  checkFinite(name, lr, (v) => v > 0, '> 0');
  return () => lr;
}

const zerosLike = (p: ParamTree): ParamTree => treeMap(p, (t) => tf.zerosLike(t));

// ---------------------------------------------------------------------------------------------
// Building blocks

/** Multiply updates by `−lr(step)` (the sign that turns a direction into a descent step). */
export function scaleByLearningRate(learningRate: number | Schedule): GradientTransform<{ count: number }> {
  const sched = asSchedule(learningRate);
  return {
    init: () => ({ count: 0 }),
    update: (g, s) =>
      tf.tidy(() => {
        const lr = sched(s.count);
        return { updates: treeMap(g, (t) => t.mul(-lr)), state: { count: s.count + 1 } };
      }),
  };
}

/** Multiply updates by a constant factor. */
export function scale(factor: number): GradientTransform<OptStateRecord> {
  return { init: () => ({}), update: (g) => tf.tidy(() => ({ updates: treeMap(g, (t) => t.mul(factor)), state: {} })) };
}

/**
 * Momentum (heavy ball, PyTorch/optax `trace`): `buf ← μ·buf + g`; output `buf`, or `g + μ·buf`
 * with Nesterov.
 */
export function trace(o: { momentum: number; nesterov?: boolean }): GradientTransform<{ trace: ParamTree }> {
  checkFinite('momentum', o.momentum, (v) => v >= 0 && v < 1, '[0, 1)');
  return {
    init: (p) => ({ trace: zerosLike(p) }),
    update: (g, s) =>
      tf.tidy(() => {
        const buf = treeZipMap([s.trace as ParamTree, g], ([b, gi]) => b!.mul(o.momentum).add(gi!));
        const updates = o.nesterov ? treeZipMap([g, buf], ([gi, b]) => gi!.add(b!.mul(o.momentum))) : treeMap(buf, (t) => t.clone());
        return { updates, state: { trace: buf } };
      }),
  };
}

/**
 * RMS scaling (PyTorch convention, eps outside the root): `ν ← d·ν + (1−d)·g²`,
 * output `g / (√(ν − m²) + eps)` where `m ← d·m + (1−d)·g` only when `centered`.
 */
export function scaleByRms(o: { decay?: number; eps?: number; centered?: boolean } = {}): GradientTransform<{ nu: ParamTree; mu?: ParamTree }> {
  const d = o.decay ?? 0.9;
  const eps = o.eps ?? 1e-8;
  checkFinite('decay', d, (v) => v >= 0 && v < 1, '[0, 1)');
  checkFinite('eps', eps, (v) => v >= 0, '>= 0');
  return {
    init: (p) => (o.centered ? { nu: zerosLike(p), mu: zerosLike(p) } : { nu: zerosLike(p) }),
    update: (g, s) =>
      tf.tidy(() => {
        const nu = treeZipMap([s.nu, g], ([n, gi]) => n!.mul(d).add(gi!.square().mul(1 - d)));
        if (o.centered) {
          const mu = treeZipMap([s.mu!, g], ([m, gi]) => m!.mul(d).add(gi!.mul(1 - d)));
          const updates = treeZipMap([g, nu, mu], ([gi, n, m]) => gi!.div(n!.sub(m!.square()).relu().sqrt().add(eps)));
          return { updates, state: { nu, mu } };
        }
        const updates = treeZipMap([g, nu], ([gi, n]) => gi!.div(n!.sqrt().add(eps)));
        return { updates, state: { nu } };
      }),
  };
}

/**
 * Adam moments with bias correction: `m ← b1·m + (1−b1)g`, `v ← b2·v + (1−b2)g²`,
 * output `m̂ / (√v̂ + eps)` with `m̂ = m/(1−b1^t)`, `v̂ = v/(1−b2^t)`.
 */
export function scaleByAdam(o: { b1?: number; b2?: number; eps?: number } = {}): GradientTransform<{ count: number; m: ParamTree; v: ParamTree }> {
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  checkFinite('b1', b1, (v) => v >= 0 && v < 1, '[0, 1)');
  checkFinite('b2', b2, (v) => v >= 0 && v < 1, '[0, 1)');
  checkFinite('eps', eps, (v) => v >= 0, '>= 0');
  return {
    init: (p) => ({ count: 0, m: zerosLike(p), v: zerosLike(p) }),
    update: (g, s) =>
      tf.tidy(() => {
        const t = s.count + 1;
        const m = treeZipMap([s.m, g], ([mi, gi]) => mi!.mul(b1).add(gi!.mul(1 - b1)));
        const v = treeZipMap([s.v, g], ([vi, gi]) => vi!.mul(b2).add(gi!.square().mul(1 - b2)));
        const c1 = 1 / (1 - Math.pow(b1, t));
        const c2 = 1 / (1 - Math.pow(b2, t));
        const updates = treeZipMap([m, v], ([mi, vi]) => mi!.mul(c1).div(vi!.mul(c2).sqrt().add(eps)));
        return { updates, state: { count: t, m, v } };
      }),
  };
}

/**
 * Rescale all updates jointly so that their global L2 norm is at most `maxNorm`
 * (computed on the device, no synchronous read).
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransform<OptStateRecord> {
  checkFinite('maxNorm', maxNorm, (v) => v > 0, '> 0');
  return {
    init: () => ({}),
    update: (g) =>
      tf.tidy(() => {
        const sq = tf.addN(treeLeaves(g).map((t) => t.square().sum()));
        const factor = tf.minimum(tf.scalar(1), tf.scalar(maxNorm).div(sq.sqrt().add(1e-30)));
        return { updates: treeMap(g, (t) => t.mul(factor)), state: {} };
      }),
  };
}

/** Compose transforms left to right; the state is the array of the parts' states. */
export function chain(...parts: GradientTransform<any>[]): GradientTransform<OptState[]> {
  return {
    init: (p) => parts.map((t) => t.init(p)),
    update: (g, s, p) =>
      tf.tidy(() => {
        let u = g;
        const state: OptState[] = [];
        parts.forEach((t, i) => {
          const r = t.update(u, s[i], p);
          u = r.updates;
          state.push(r.state);
        });
        // the input gradients must not be returned as updates (the caller disposes both)
        if (u === g) u = treeMap(g, (t) => t.clone());
        return { updates: u, state };
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Optimisers

/** Options of {@link sgd}. */
export interface SgdOptions {
  learningRate: number | Schedule;
  /** Heavy-ball momentum μ ∈ [0,1) (0 = plain SGD). */
  momentum?: number;
  nesterov?: boolean;
}

/** SGD: `Δ = −lr·g`, or with momentum `buf ← μ buf + g`, `Δ = −lr·buf` (Nesterov: `−lr(g + μ buf)`). */
export function sgd(o: SgdOptions): GradientTransform<OptState[]> {
  const parts: GradientTransform<any>[] = [];
  if (o.momentum) parts.push(trace({ momentum: o.momentum, nesterov: o.nesterov }));
  parts.push(scaleByLearningRate(o.learningRate));
  return chain(...parts);
}

/** Options of {@link rmsprop}. Defaults follow PyTorch (the papers' deuteron runs): decay 0.9, eps 1e-8. */
export interface RmspropOptions {
  learningRate: number | Schedule;
  decay?: number;
  eps?: number;
  momentum?: number;
  centered?: boolean;
}

/** RMSprop (PyTorch convention): `Δ = −lr·g/(√ν + eps)`; with momentum the scaled gradient is accumulated first. */
export function rmsprop(o: RmspropOptions): GradientTransform<OptState[]> {
  const parts: GradientTransform<any>[] = [scaleByRms({ decay: o.decay, eps: o.eps, centered: o.centered })];
  if (o.momentum) parts.push(trace({ momentum: o.momentum }));
  parts.push(scaleByLearningRate(o.learningRate));
  return chain(...parts);
}

/** Options of {@link adam}. */
export interface AdamOptions {
  learningRate: number | Schedule;
  b1?: number;
  b2?: number;
  eps?: number;
}

/** Adam (Kingma & Ba) with bias correction, eps outside the root. */
export function adam(o: AdamOptions): GradientTransform<OptState[]> {
  return chain(scaleByAdam({ b1: o.b1, b2: o.b2, eps: o.eps }), scaleByLearningRate(o.learningRate));
}

/** `params + updates` as a new tree (inputs are not disposed). */
export function applyUpdates(params: ParamTree, updates: ParamTree): ParamTree {
  return tf.tidy(() => treeZipMap([params, updates], ([p, u]) => p!.add(u!)) as ParamTree);
}

// ---------------------------------------------------------------------------------------------
// State lifetime and checkpoints

/** Dispose every tensor in an optimiser state. */
export function disposeState(s: OptState): void {
  if (typeof s === 'number') return;
  if (s instanceof tf.Tensor) s.dispose();
  else if (Array.isArray(s)) s.forEach(disposeState);
  else Object.values(s).forEach(disposeState);
}

/** JSON form of a state: tensors become `{ $tensor: { shape, values } }` (float32 values as numbers). */
export type SerializedState = number | { $tensor: { shape: number[]; values: number[] } } | SerializedState[] | { [k: string]: SerializedState };

/** Serialise an optimiser state (synchronous tensor reads). Exact for float32 values. */
export function stateToJSON(s: OptState): SerializedState {
  if (typeof s === 'number') return s;
  if (s instanceof tf.Tensor) return { $tensor: { shape: s.shape.slice(), values: Array.from(s.dataSync()) } };
  if (Array.isArray(s)) return s.map(stateToJSON);
  const out: { [k: string]: SerializedState } = {};
  for (const [k, v] of Object.entries(s)) out[k] = stateToJSON(v);
  return out;
}

/** Rebuild a state from {@link stateToJSON} output (new float32 tensors). */
export function stateFromJSON(j: SerializedState): OptState {
  if (typeof j === 'number') return j;
  if (j === null || typeof j !== 'object') throw new OptimizerInputError(`serialized optimiser state: unexpected value ${JSON.stringify(j)}`);
  if (Array.isArray(j)) return j.map(stateFromJSON);
  if ('$tensor' in j && j.$tensor && typeof j.$tensor === 'object' && !Array.isArray(j.$tensor)) {
    const t = j.$tensor as { shape: number[]; values: number[] };
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (!Array.isArray(t.values) || t.values.length !== n) throw new OptimizerInputError(`serialized optimiser state: tensor of shape [${t.shape}] has ${t.values?.length} values`);
    return tf.tensor(Float32Array.from(t.values), t.shape, 'float32');
  }
  const out: OptStateRecord = {};
  for (const [k, v] of Object.entries(j as { [k: string]: SerializedState })) out[k] = stateFromJSON(v);
  return out;
}
