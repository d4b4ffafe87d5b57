/// <reference lib="webworker" />
/**
 * The training worker. One worker runs one deuteron training (pre-training, then energy
 * minimisation) with the mesh state of @nqs/vmc and posts progress to the page. Stop = the page
 * terminates the worker (instantly, even inside a long synchronous L-BFGS run); Resume = a new
 * worker started from the parameters of the last progress message.
 *
 * The loop itself is thin: the objectives (energy Rayleigh quotient and pre-training overlap, both
 * float64), the hybrid float32/float64 gradient (`objectiveAndGrad`), L-BFGS and the first-order
 * optimisers all come from the published libraries. It exists instead of one `trainMesh` call so
 * that the page can show ψ_S, ψ_D at every iteration (a movie), which trainMesh's records lack.
 */
import { Rng, treeDispose, treeFromFlat, treeSpec, treeToFlat } from '@nqs/autodiff-core';
import type { ParamTree, TreeSpec } from '@nqs/autodiff-core';
import { deuteronNet } from '@nqs/ansatz';
import type { DeuteronActivation, DeuteronArch } from '@nqs/ansatz';
import { deuteronMeshHamiltonian, solveDeuteron } from '@nqs/benchmarks-exact';
import { getPotential } from '@nqs/hamiltonians';
import { adam, applyUpdates, disposeState, rmsprop, sgd } from '@nqs/optimizers';
import type { GradientTransform, OptState } from '@nqs/optimizers';
import { parseMeshSpec } from '@nqs/quadrature';
import {
  disposeMeshTensors,
  energyAndGradU,
  flatObjective,
  lbfgsMinimize,
  meshObservables,
  meshProblem,
  meshTensors,
  networkU,
  objectiveAndGrad,
  overlapLossAndGradU,
  pretrainTargets,
  toU,
} from '@nqs/vmc';
import type { MeshProblem, UObjective } from '@nqs/vmc';
import { chooseBackend } from './backend.js';
import type { DeuteronConfig, ExactInfo, FromWorker, ResumePoint, ToWorker, TrainRecord } from './protocol.js';

const post = (m: FromWorker): void => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

/** Minimum interval between progress messages (the page redraws on each). */
const FLUSH_MS = 100;

/** Normalise ψ like the exact solution (Σ w k² (ψ_S² + ψ_D²) = 1) and align its sign with it. */
function displayPsi(p: MeshProblem, psiS: Float64Array, psiD: Float64Array): { S: number[]; D: number[] } {
  let norm = 0, overlap = 0;
  for (let i = 0; i < p.n; i++) {
    const f = p.w[i]! * p.k[i]! * p.k[i]!;
    norm += f * (psiS[i]! ** 2 + psiD[i]! ** 2);
    overlap += f * (psiS[i]! * p.reference!.psiS[i]! + psiD[i]! * p.reference!.psiD[i]!);
  }
  const c = (overlap < 0 ? -1 : 1) / Math.sqrt(norm || 1);
  return { S: Array.from(psiS, (v) => v * c), D: Array.from(psiD, (v) => v * c) };
}

async function runDeuteron(cfg: DeuteronConfig, resume?: ResumePoint): Promise<void> {
  post({ type: 'backend', backend: await chooseBackend(cfg.backend) });

  // problem and exact solution (float64; errors name the bad field)
  const mesh = parseMeshSpec(cfg.mesh);
  const pot = getPotential(cfg.potential);
  const sol = solveDeuteron(pot, mesh);
  const problem = meshProblem(deuteronMeshHamiltonian(pot, mesh), { energyMeV: sol.energyMeV, psiS: sol.psiS, psiD: sol.psiD });
  const net = deuteronNet({ arch: cfg.arch as DeuteronArch, hidden: cfg.hidden, activation: cfg.activation as DeuteronActivation });
  const exact: ExactInfo = {
    potential: cfg.potential,
    mesh: cfg.mesh,
    k: Array.from(mesh.points),
    w: Array.from(mesh.weights),
    energyMeV: sol.energyMeV,
    pD: sol.pD,
    psiS: Array.from(sol.psiS),
    psiD: Array.from(sol.psiD),
    numParams: net.numParams,
  };
  post({ type: 'setup', exact });

  let params: ParamTree = net.init(new Rng(cfg.seed));
  const spec: TreeSpec = treeSpec(params);
  if (resume) {
    if (resume.params.length !== net.numParams) throw new Error(`resume: ${resume.params.length} parameters saved but the network has ${net.numParams}`);
    treeDispose(params);
    params = treeFromFlat(spec, resume.params);
  }

  const T = meshTensors(problem);
  const targets = pretrainTargets(problem.k);
  const tU = toU(problem, targets.S, targets.D);
  const objectives: Record<'pretrain' | 'energy', UObjective> = {
    pretrain: (u) => overlapLossAndGradU(u, tU, problem.n),
    energy: (u) => energyAndGradU(problem, u),
  };
  const t0 = performance.now() - 1000 * (resume?.seconds ?? 0);
  let iteration = resume?.iteration ?? 0;
  let pending: TrainRecord[] = [];
  let lastFlush = 0;

  /** Record one iteration from the network's u (and its flat parameters); post when due. */
  const report = (phase: 'pretrain' | 'energy', step: number, loss: number, u: Float64Array, x: Float64Array, force = false): void => {
    const n = problem.n;
    const psiS = new Float64Array(n), psiD = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      psiS[i] = u[i]! / problem.scale[i]!;
      psiD[i] = u[n + i]! / problem.scale[i]!;
    }
    const o = meshObservables(problem, psiS, psiD);
    const seconds = (performance.now() - t0) / 1000;
    pending.push({
      phase,
      iteration,
      step,
      loss,
      energyMeV: o.energyMeV,
      relativeError: o.relativeError!,
      infidelityS: 1 - o.fidelityS!,
      infidelityD: 1 - o.fidelityD!,
      pD: o.pD,
      seconds,
    });
    const now = performance.now();
    if (force || now - lastFlush >= FLUSH_MS) {
      lastFlush = now;
      const psi = displayPsi(problem, psiS, psiD);
      post({ type: 'progress', records: pending, psiS: psi.S, psiD: psi.D, resume: { params: Array.from(x), phase, step, iteration, seconds } });
      pending = [];
    }
  };

  /** u of the network at flat parameters x (when the line search did not keep it). */
  const uAt = (x: Float64Array): Float64Array => {
    const p = treeFromFlat(spec, x);
    const u = networkU(net, T, p).u;
    treeDispose(p);
    return u;
  };

  const firstOrder = cfg.optimizer !== 'lbfgs';
  let reason = 'epochs';

  const runPhase = (phase: 'pretrain' | 'energy', start: number, total: number): void => {
    if (start >= total) return;
    const obj = objectives[phase];
    if (!firstOrder) {
      const lastU = new WeakMap<Float64Array, Float64Array>();
      const f = flatObjective(net, T, spec, obj, { noiseFactor: 0, onU: (x, u) => lastU.set(x, u) });
      // float32 amplitudes make L-BFGS's line search give up now and then; restart it (fresh memory)
      // from where it stopped, so the run lasts the iterations the user asked for unless it stalls for good
      let x = treeToFlat(params);
      let done = 0;
      let best = Infinity;
      let stalls = 0;
      let res = { x, value: Infinity, iterations: 0, reason: 'maxIterations' } as { x: Float64Array; value: number; iterations: number; reason: string };
      while (done < total - start) {
        const offset = start + done;
        res = lbfgsMinimize(f, x, {
          maxIterations: total - start - done,
          memory: 50,
          onIteration: (it) => {
            iteration++;
            const u = lastU.get(it.x) ?? uAt(it.x);
            report(phase, offset + it.iteration, it.value, u, it.x);
          },
        });
        done += Math.max(1, res.iterations);
        x = res.x;
        if (res.reason !== 'lineSearch') break;
        if (res.value < best - 1e-12 * Math.abs(best)) stalls = 0;
        else if (++stalls >= 3) break;
        best = Math.min(best, res.value);
      }
      treeDispose(params);
      params = treeFromFlat(spec, res.x);
      const u = networkU(net, T, params).u;
      report(phase, start + done, obj(u).value, u, res.x, true);
      if (phase === 'energy') reason = res.reason === 'maxIterations' ? 'epochs' : res.reason;
      return;
    }
    const lr = cfg.learningRate;
    const tx: GradientTransform<any> = cfg.optimizer === 'adam' ? adam({ learningRate: lr }) : cfg.optimizer === 'rmsprop' ? rmsprop({ learningRate: lr, decay: 0.9, eps: 1e-8 }) : sgd({ learningRate: lr });
    let state: OptState = tx.init(params);
    for (let step = start; step < total; step++) {
      const r = objectiveAndGrad(net, T, params, obj);
      iteration++;
      report(phase, step, r.value, r.u, treeToFlat(params));
      const { updates, state: ns } = tx.update(r.grads, state, params);
      const np = applyUpdates(params, updates);
      treeDispose(r.grads);
      treeDispose(updates);
      treeDispose(params);
      disposeState(state);
      params = np;
      state = ns;
    }
    disposeState(state);
    const u = networkU(net, T, params).u;
    report(phase, total, obj(u).value, u, treeToFlat(params), true);
  };

  const preStart = resume ? (resume.phase === 'pretrain' ? resume.step : cfg.pretrainEpochs) : 0;
  runPhase('pretrain', preStart, cfg.pretrainEpochs);
  runPhase('energy', resume?.phase === 'energy' ? resume.step : 0, cfg.epochs);
  treeDispose(params);
  disposeMeshTensors(T);
  post({ type: 'done', reason });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type !== 'deuteron') return;
  runDeuteron(m.config, m.resume).catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', name: err.name, message: err.message });
  });
};

self.addEventListener('unhandledrejection', (ev) => {
  const err = (ev as PromiseRejectionEvent).reason;
  post({ type: 'error', name: err?.name ?? 'Error', message: err?.message ?? String(err) });
});
