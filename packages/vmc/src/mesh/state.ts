/**
 * The mesh (full-sum) state of a deuteron network: energy functional in tfjs, float64-accurate
 * gradients, pre-training, and a training loop with first-order optimisers, L-BFGS or Gauss–Newton.
 *
 * Precision: the network runs in float32. The energy is a difference of ~20 MeV terms while
 * ħ²k²/M reaches 1e7 MeV at k = 500 fm⁻¹, so the optimisers use the *hybrid* gradient: the amplitudes
 * are downloaded, E and ∂E/∂u are formed in float64, and only the vector–Jacobian product uᵀc runs in
 * tfjs. Reported energies are always float64 Rayleigh quotients of the downloaded amplitudes.
 */
import { tf, treeFromFlat, treeLeaves, treeSpec, treeToFlat, treeDispose } from '@nqs/autodiff-core';
import type { ParamTree, TreeSpec } from '@nqs/autodiff-core';
import { adam, applyUpdates, disposeState, rmsprop, sgd } from '@nqs/optimizers';
import type { GradientTransform, OptState } from '@nqs/optimizers';
import type { DeuteronAmplitudes } from '@nqs/ansatz';
import { energyAndGradU, meshObservables, overlapLossAndGradU, pretrainResidual, pretrainTargets, toU } from './problem.js';
import type { MeshObservables, MeshProblem } from './problem.js';
import { lbfgsMinimize } from './lbfgs.js';
import { gaussNewtonMinimize } from './gauss-newton.js';
import { leastSquaresMinimize } from './least-squares.js';

/** The network interface the mesh state needs (satisfied by `deuteronNet` of @nqs/ansatz). */
export interface MeshNet {
  amplitudes(params: ParamTree, k: tf.Tensor1D): DeuteronAmplitudes;
  /** optional: amplitudes and the [2N, P] Jacobian (needed by the Gauss–Newton optimiser) */
  amplitudesWithJacobian?(params: ParamTree, k: tf.Tensor1D): DeuteronAmplitudes & { J: tf.Tensor2D };
}

/** Bad training options. */
export class MeshTrainInputError extends Error {
  override readonly name = 'MeshTrainInputError';
}

/** float32 tensors of a mesh problem (dispose with {@link disposeMeshTensors}). */
export interface MeshTensors {
  /** k_i [N] in fm⁻¹ */
  k: tf.Tensor1D;
  /** √w_i k_i [N] */
  scale: tf.Tensor1D;
  /** weighted symmetric H [2N, 2N] in MeV */
  H: tf.Tensor2D;
  /** √w_i k_i in float64 (u is formed in float64 from the float32 amplitudes) */
  scale64: Float64Array;
}

/** Upload the mesh problem to tfjs (float32). */
export function meshTensors(p: MeshProblem): MeshTensors {
  return {
    k: tf.tensor1d(Float32Array.from(p.k)),
    scale: tf.tensor1d(Float32Array.from(p.scale)),
    H: tf.tensor2d(Float32Array.from(p.H), [2 * p.n, 2 * p.n]),
    scale64: Float64Array.from(p.scale),
  };
}

export function disposeMeshTensors(t: MeshTensors): void {
  tf.dispose([t.k, t.scale, t.H]);
}

/**
 * The energy functional of REFERENCE.md §1 computed entirely in tfjs (float32, differentiable):
 * E = uᵀHu/uᵀu with u = [√w k ψ_S, √w k ψ_D]. Scalar tensor in MeV; runs in tf.tidy.
 */
export function meshEnergyTf(t: MeshTensors, amps: DeuteronAmplitudes): tf.Scalar {
  return tf.tidy(() => {
    const u = tf.concat([amps.S.mul(t.scale), amps.D.mul(t.scale)]).reshape([-1, 1]);
    const uHu = u.transpose().matMul(t.H.matMul(u)).reshape([]);
    return uHu.div(u.square().sum()) as tf.Scalar;
  });
}

/** Unit roundoff of float32. */
const FLOAT32_EPS = 2 ** -24;

/** A float64 objective of u (value and ∂/∂u). */
export type UObjective = (u: Float64Array) => { value: number; dU: Float64Array };

/** Rebuild a tree with the structure of `like` from leaves in traversal order. */
function treeLike(like: ParamTree, leaves: tf.Tensor[]): ParamTree {
  let i = 0;
  const walk = (t: ParamTree): ParamTree => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v instanceof tf.Tensor ? leaves[i++]! : walk(v)]));
  return walk(like);
}

/**
 * Value and gradient (as a tree of new tensors) of a float64 objective of u through the network:
 * forward in tfjs, u downloaded, objective and c = ∂obj/∂u in float64, then the VJP Σ c·u in tfjs.
 * Also returns u. Does not dispose `params`.
 */
export function objectiveAndGrad(net: MeshNet, t: MeshTensors, params: ParamTree, obj: UObjective): { value: number; u: Float64Array; grads: ParamTree; noise: number } {
  let value = NaN;
  let noise = 0;
  let uOut = new Float64Array(0);
  const leaves = treeLeaves(params);
  const grads = tf.tidy(() => {
    const g = tf.grads((...ls: tf.Tensor[]) => {
      const amps = net.amplitudes(treeLike(params, ls), t.k);
      const psi = tf.concat([amps.S, amps.D]);
      const pv = psi.dataSync();
      const n = t.scale64.length;
      uOut = new Float64Array(2 * n);
      for (let a = 0; a < 2 * n; a++) uOut[a] = t.scale64[a % n]! * pv[a]!;
      const r = obj(uOut);
      value = r.value;
      // first-order effect of float32 rounding of u on the value: Σ |∂f/∂u_a| |u_a| 2⁻²⁴
      for (let a = 0; a < uOut.length; a++) noise += Math.abs(r.dU[a]! * uOut[a]!);
      noise *= FLOAT32_EPS;
      // VJP Σ_a (∂f/∂u_a · s_a) ψ_a with the product formed in float64
      const c = new Float32Array(2 * n);
      for (let a = 0; a < 2 * n; a++) c[a] = r.dU[a]! * t.scale64[a % n]!;
      return psi.mul(tf.tensor1d(c)).sum();
    })(leaves);
    return g;
  });
  return { value, u: uOut, grads: treeLike(params, grads), noise };
}

/**
 * {@link objectiveAndGrad} over a flat float64 parameter vector (in the order of `spec`), as the
 * quasi-Newton optimisers want it. `onU(x, u)` receives the amplitudes u computed at x (e.g. to
 * report them without another forward pass). The returned `noise` is `noiseFactor` × the float32
 * rounding estimate of the value.
 */
export function flatObjective(
  net: MeshNet,
  t: MeshTensors,
  spec: TreeSpec,
  obj: UObjective,
  opts: { noiseFactor?: number; onU?: (x: Float64Array, u: Float64Array) => void } = {},
): (x: Float64Array) => { value: number; grad: Float64Array; noise: number } {
  const noiseFactor = opts.noiseFactor ?? 1;
  return (x) => {
    const p = treeFromFlat(spec, x);
    const r = objectiveAndGrad(net, t, p, obj);
    const grad = new Float64Array(x.length);
    let o = 0;
    for (const g of treeLeaves(r.grads)) {
      grad.set(g.dataSync() as Float32Array, o);
      o += g.size;
    }
    treeDispose(r.grads);
    treeDispose(p);
    opts.onU?.(x, r.u);
    return { value: r.value, grad, noise: noiseFactor * r.noise };
  };
}

/** u = [√w k ψ_S, √w k ψ_D] of the network (float64 copy of the float32 amplitudes). */
export function networkU(net: MeshNet, t: MeshTensors, params: ParamTree): { u: Float64Array; psiS: Float64Array; psiD: Float64Array } {
  const amps = net.amplitudes(params, t.k);
  const psiS = Float64Array.from(amps.S.dataSync());
  const psiD = Float64Array.from(amps.D.dataSync());
  tf.dispose([amps.S, amps.D]);
  const sc = t.scale64;
  const n = psiS.length;
  const u = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    u[i] = sc[i]! * psiS[i]!;
    u[n + i] = sc[i]! * psiD[i]!;
  }
  return { u, psiS, psiD };
}

/**
 * Optimisers of the mesh state: `gn` damped Gauss–Newton (needs the network Jacobian), `lbfgs`,
 * `lbfgs-gn` (L-BFGS for the cheap early progress, then Gauss–Newton; see `lbfgsWarmup`), and the
 * first-order transforms `adam`, `rmsprop`, `sgd`.
 */
export const MESH_OPTIMIZERS = ['lbfgs-gn', 'gn', 'lbfgs', 'adam', 'rmsprop', 'sgd'] as const;
export type MeshOptimizer = (typeof MESH_OPTIMIZERS)[number];

/** One row of the training history. */
export interface MeshHistoryRecord {
  phase: 'pretrain' | 'energy';
  /** step within the phase (1-based) */
  epoch: number;
  /** objective: pre-training loss or energy (float64) */
  loss: number;
  /** float64 Rayleigh quotient in MeV */
  energyMeV: number;
  /** D-state probability (fraction) */
  pD: number;
  relativeError?: number;
  fidelityS?: number;
  fidelityD?: number;
  /** wall time since training started */
  seconds: number;
}

/** Options of {@link trainMesh}. */
export interface TrainMeshOptions {
  /** default 'lbfgs-gn' */
  optimizer?: MeshOptimizer;
  /** for 'lbfgs-gn': L-BFGS iterations before switching to Gauss–Newton (default 400; fewer if L-BFGS stalls) */
  lbfgsWarmup?: number;
  /** energy steps (iterations for lbfgs/gn, updates for first-order); ≥ 0 */
  epochs: number;
  /** first-order learning rate (default 1e-2, the papers' RMSprop) */
  learningRate?: number;
  /** pre-training steps towards ψ₀, ψ₂ (default 200 for lbfgs/gn, 2000 for first-order) */
  pretrainEpochs?: number;
  /** Gaussian width b of the pre-training targets in fm (default 1.5) */
  pretrainWidth?: number;
  /**
   * Pre-training method for the non-first-order optimisers: `lbfgs` (default) minimises
   * (K_S − 1)² + (K_D − 1)² directly; `lm` (needs amplitudesWithJacobian; the CLI's choice for
   * 2sc/2sd, see DEUTERON_DEFAULTS.pretrainMethodTwoLayer) runs Levenberg–Marquardt on the residual s_L û_L − t̂_L between normalised network and
   * target amplitudes (see {@link pretrainResidual}), which does not stall where the network is
   * orthogonal to the target. First-order optimisers pre-train with themselves on (K_S − 1)² + (K_D − 1)², like the papers.
   */
  pretrainMethod?: 'lm' | 'lbfgs';
  /** L-BFGS history size (default 50) */
  lbfgsMemory?: number;
  /**
   * Multiple of the first-order float32 rounding estimate Σ|∂E/∂u||u|2⁻²⁴ that the L-BFGS line
   * search tolerates as noise (default 4; 0 = exact Armijo test).
   */
  noiseFactor?: number;
  /** record every n-th step in the history (default: ~200 records per phase) */
  historyEvery?: number;
  /** called for every recorded step; return true to stop the phase */
  onRecord?: (r: MeshHistoryRecord) => boolean | void;
  /** called after every step with the phase and step count (cheap: progress bars) */
  onStep?: (phase: 'pretrain' | 'energy', step: number, total: number) => void;
  /** stop the energy phase early when this returns true for a record */
  stopWhen?: (r: MeshHistoryRecord) => boolean;
}

/** Result of {@link trainMesh}. */
export interface TrainMeshResult {
  params: ParamTree;
  history: MeshHistoryRecord[];
  /** float64 observables of the final amplitudes */
  final: MeshObservables;
  psiS: Float64Array;
  psiD: Float64Array;
  pretrainEpochs: number;
  epochs: number;
  seconds: number;
  /** why the energy phase stopped */
  reason: string;
}

/**
 * Pre-train then minimise the energy of a mesh network. `params` is not disposed; the result holds
 * new parameters. With `problem.reference` the history carries relative errors and fidelities.
 */
export function trainMesh(net: MeshNet, problem: MeshProblem, params0: ParamTree, opts: TrainMeshOptions): TrainMeshResult {
  const optimizer = opts.optimizer ?? 'lbfgs-gn';
  if (!(MESH_OPTIMIZERS as readonly string[]).includes(optimizer)) throw new MeshTrainInputError(`optimizer: '${optimizer}' is not allowed (allowed: ${MESH_OPTIMIZERS.join(', ')})`);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new MeshTrainInputError(`epochs: ${opts.epochs} is not allowed (must be an integer ≥ 0)`);
  const firstOrder = optimizer === 'adam' || optimizer === 'rmsprop' || optimizer === 'sgd';
  const preEpochs = opts.pretrainEpochs ?? (firstOrder ? 2000 : 200);
  if (!Number.isInteger(preEpochs) || preEpochs < 0) throw new MeshTrainInputError(`pretrainEpochs: ${preEpochs} is not allowed (must be an integer ≥ 0)`);
  if ((optimizer === 'gn' || optimizer === 'lbfgs-gn') && !net.amplitudesWithJacobian) throw new MeshTrainInputError(`optimizer: '${optimizer}' needs a network with amplitudesWithJacobian`);
  const lr = opts.learningRate ?? 1e-2;
  if (!(lr > 0)) throw new MeshTrainInputError(`learningRate: ${lr} is not allowed (must be > 0)`);

  const noiseFactor = opts.noiseFactor ?? 4;
  const t0 = performance.now();
  const T = meshTensors(problem);
  const spec: TreeSpec = treeSpec(params0);
  const history: MeshHistoryRecord[] = [];
  const targets = pretrainTargets(problem.k, opts.pretrainWidth ?? 1.5);
  const tU = toU(problem, targets.S, targets.D);
  const objectives: Record<'pretrain' | 'energy', UObjective> = {
    pretrain: (u: Float64Array) => overlapLossAndGradU(u, tU, problem.n),
    energy: (u: Float64Array) => energyAndGradU(problem, u),
  };

  const record = (phase: 'pretrain' | 'energy', epoch: number, loss: number, u: Float64Array): boolean => {
    const n = problem.n;
    const psiS = new Float64Array(n), psiD = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      psiS[i] = u[i]! / problem.scale[i]!;
      psiD[i] = u[n + i]! / problem.scale[i]!;
    }
    const o = meshObservables(problem, psiS, psiD);
    const r: MeshHistoryRecord = { phase, epoch, loss, energyMeV: o.energyMeV, pD: o.pD, seconds: (performance.now() - t0) / 1000 };
    if (o.relativeError !== undefined) {
      r.relativeError = o.relativeError;
      r.fidelityS = o.fidelityS!;
      r.fidelityD = o.fidelityD!;
    }
    history.push(r);
    let stop = opts.onRecord?.(r) === true;
    if (phase === 'energy' && opts.stopWhen?.(r)) stop = true;
    return stop;
  };
  const everyFor = (total: number) => opts.historyEvery ?? Math.max(1, Math.ceil(total / 200));

  // flat float64 objective for the quasi-Newton optimisers
  const lastU = new WeakMap<Float64Array, Float64Array>();
  const flatObjectiveOf = (obj: UObjective) => flatObjective(net, T, spec, obj, { noiseFactor, onU: (x, u) => lastU.set(x, u) });

  /** u(θ) and ∂u/∂θ (row-major 2N × P) in float64 from the network's float32 Jacobian */
  const uAndJacobian = (x: Float64Array): { u: Float64Array; J: Float64Array } => {
    const p = treeFromFlat(spec, x);
    const r = net.amplitudesWithJacobian!(p, T.k);
    const S = r.S.dataSync(), D = r.D.dataSync(), Jt = r.J.dataSync();
    const n = problem.n, P = x.length;
    const u = new Float64Array(2 * n), J = new Float64Array(2 * n * P);
    for (let a = 0; a < 2 * n; a++) {
      const s = problem.scale[a % n]!;
      u[a] = s * (a < n ? S[a]! : D[a - n]!);
      for (let q = 0; q < P; q++) J[a * P + q] = s * Jt[a * P + q]!;
    }
    tf.dispose([r.S, r.D, r.J]);
    treeDispose(p);
    return { u, J };
  };
  const uAt = (x: Float64Array): Float64Array => {
    const p = treeFromFlat(spec, x);
    const { u } = networkU(net, T, p);
    treeDispose(p);
    return u;
  };

  let params: ParamTree = treeFromFlat(spec, treeToFlat(params0));
  let reason = 'epochs';
  let energySteps = 0;

  const runPhase = (phase: 'pretrain' | 'energy', steps: number, method: MeshOptimizer | 'lm', offset = 0): void => {
    if (steps === 0) return;
    const every = everyFor(steps);
    const obj = objectives[phase];
    if (method === 'lbfgs-gn') {
      const warm = Math.min(steps, opts.lbfgsWarmup ?? 400);
      runPhase(phase, warm, 'lbfgs', offset);
      if (reason === 'callback') return;
      const done = energySteps;
      runPhase(phase, steps - done, 'gn', offset + done);
      energySteps += done;
      return;
    }
    if (phase === 'pretrain' && method === 'lm') {
      // Levenberg–Marquardt on the normalised-amplitude residual; signs fixed at the start
      const x0 = treeToFlat(params);
      const u0 = uAt(x0);
      const n = problem.n;
      const dot = (off: number) => {
        let d = 0;
        for (let i = off; i < off + n; i++) d += u0[i]! * tU[i]!;
        return d;
      };
      const signs: [number, number] = [dot(0) < 0 ? -1 : 1, dot(n) < 0 ? -1 : 1];
      const res = leastSquaresMinimize(
        {
          residualAndJacobian: (x) => {
            const { u, J } = uAndJacobian(x);
            const r = pretrainResidual(u, tU, n, signs, J);
            return { r: r.r, J: r.J! };
          },
          residual: (x) => pretrainResidual(uAt(x), tU, n, signs).r,
        },
        x0,
        {
          maxIterations: steps,
          onIteration: (it) => {
            opts.onStep?.(phase, offset + it.iteration, offset + steps);
            if (it.iteration % every === 0 || it.iteration === steps) {
              const u = uAt(it.x);
              return record(phase, offset + it.iteration, obj(u).value, u);
            }
            return false;
          },
        },
      );
      treeDispose(params);
      params = treeFromFlat(spec, res.x);
      const last = history[history.length - 1];
      if (!last || last.phase !== 'pretrain' || last.epoch !== offset + res.iterations) {
        const u = uAt(res.x);
        record(phase, offset + res.iterations, obj(u).value, u);
      }
      return;
    }
    if (method === 'lbfgs' || (method === 'gn' && phase === 'pretrain')) {
      const res = lbfgsMinimize(flatObjectiveOf(obj), treeToFlat(params), {
        maxIterations: steps,
        memory: opts.lbfgsMemory ?? 50,
        // inside 'lbfgs-gn' a stalled line search hands over to Gauss–Newton at once
        ...(method !== optimizer ? { maxLineSearchFailures: 1 } : {}),
        onIteration: (it) => {
          opts.onStep?.(phase, offset + it.iteration, offset + steps);
          if (it.iteration % every === 0 || it.iteration === steps) {
            const u = lastU.get(it.x);
            if (u && record(phase, offset + it.iteration, it.value, u)) return true;
          }
          return false;
        },
      });
      treeDispose(params);
      params = treeFromFlat(spec, res.x);
      if (phase === 'energy') {
        energySteps = res.iterations;
        reason = res.reason === 'maxIterations' ? 'epochs' : res.reason;
        const last = history[history.length - 1];
        if (!last || last.phase !== 'energy' || last.epoch !== offset + res.iterations) record(phase, offset + res.iterations, res.value, networkU(net, T, params).u);
      }
      return;
    }
    if (method === 'gn') {
      const res = gaussNewtonMinimize(
        {
          H: problem.H,
          uAndJacobian,
          energy: (x) => {
            const p = treeFromFlat(spec, x);
            const { u } = networkU(net, T, p);
            treeDispose(p);
            return energyAndGradU(problem, u).value;
          },
        },
        treeToFlat(params),
        {
          maxIterations: steps,
          onIteration: (it) => {
            opts.onStep?.(phase, offset + it.iteration, offset + steps);
            if (it.iteration % every === 0 || it.iteration === steps) {
              const p = treeFromFlat(spec, it.x);
              const u = networkU(net, T, p).u;
              treeDispose(p);
              return record(phase, offset + it.iteration, it.value, u);
            }
            return false;
          },
        },
      );
      treeDispose(params);
      params = treeFromFlat(spec, res.x);
      energySteps = res.iterations;
      reason = res.reason === 'maxIterations' ? 'epochs' : res.reason;
      return;
    }
    // first-order transforms
    const tx: GradientTransform<any> = method === 'adam' ? adam({ learningRate: lr }) : method === 'rmsprop' ? rmsprop({ learningRate: lr, decay: 0.9, eps: 1e-8 }) : sgd({ learningRate: lr });
    let state: OptState = tx.init(params);
    let step = 0;
    for (; step < steps; step++) {
      const r = objectiveAndGrad(net, T, params, obj);
      const { updates, state: ns } = tx.update(r.grads, state, params);
      const np = applyUpdates(params, updates);
      treeDispose(r.grads);
      treeDispose(updates);
      treeDispose(params);
      disposeState(state);
      params = np;
      state = ns;
      opts.onStep?.(phase, step + 1, steps);
      // the record describes the parameters the gradient was taken at (before this update)
      if (step % every === 0 && record(phase, step, r.value, r.u)) {
        step++;
        if (phase === 'energy') reason = 'callback';
        break;
      }
    }
    if (phase === 'energy') energySteps = step;
    const u = networkU(net, T, params).u;
    record(phase, step, obj(u).value, u);
    disposeState(state);
  };

  const preMethod = opts.pretrainMethod ?? 'lbfgs';
  if (preMethod !== 'lm' && preMethod !== 'lbfgs') throw new MeshTrainInputError(`pretrainMethod: '${String(preMethod)}' is not allowed (allowed: lm, lbfgs)`);
  if (preMethod === 'lm' && !firstOrder && !net.amplitudesWithJacobian) throw new MeshTrainInputError(`pretrainMethod: 'lm' needs a network with amplitudesWithJacobian`);
  runPhase('pretrain', preEpochs, firstOrder ? optimizer : preMethod);
  energySteps = 0;
  runPhase('energy', opts.epochs, optimizer);

  const { psiS, psiD } = networkU(net, T, params);
  disposeMeshTensors(T);
  const final = meshObservables(problem, psiS, psiD);
  return { params, history, final, psiS, psiD, pretrainEpochs: preEpochs, epochs: energySteps, seconds: (performance.now() - t0) / 1000, reason };
}

