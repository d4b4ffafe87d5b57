/**
 * Worker of the walker pool ({@link ./walker-pool.ts}): owns a slice of the walkers, its own tfjs
 * backend instance (wasm runs one thread per instance) and a copy of the parameters. It answers
 * one request at a time; every reply carries the request id, and failures come back as messages.
 */
import { parentPort } from 'node:worker_threads';
import { tf, Rng, initBackend, treeDispose, treeFromFlat, treeSpec, type TreeSpec } from '@nqs/autodiff-core';
import { HOSlater, SlaterNet, type SlaterNetParams } from '@nqs/ansatz';
import { trappedFermionHamiltonian, type WalkerHamiltonian } from '@nqs/hamiltonians/tf';
import { MetropolisSampler, disposeWalkers, readAcceptance, readWidth, type AsyncLogProbFn, type LogProbFn, type WalkerState } from '@nqs/sampler';
import { localEnergyArrays, netLogProbAsync, pretrainLoss, scoreGradient } from './walker-ops.js';
import type { PoolReplyBody, PoolRequest, SamplingTarget } from './walker-pool.js';

interface WorkerModel {
  net: SlaterNet;
  spec: TreeSpec;
  hamiltonian: WalkerHamiltonian;
  sampler: MetropolisSampler;
  ho: HOSlater;
  params: SlaterNetParams | null;
  walkers: WalkerState | null;
  target: SamplingTarget;
  /** ∂ ln|ψ| / ∂Φ at the current walkers and parameters (from the last local energies), or null */
  phiGradient: Float32Array | null;
}

let model: WorkerModel | null = null;

function need<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`walker-pool worker: ${what} not loaded yet`);
  return v;
}

/** log p of the sampling target; the network's determinants are taken on the host (async). */
function logProbOf(m: WorkerModel): LogProbFn | AsyncLogProbFn {
  if (m.target === 'ho') return (x) => tf.tidy(() => tf.mul(2, m.ho.apply({}, x).logAbs) as tf.Tensor1D);
  return netLogProbAsync(m.net, need(m.params, 'parameters'));
}

function setParams(m: WorkerModel, flat: Float32Array): void {
  if (m.params) treeDispose(m.params);
  m.params = treeFromFlat(m.spec, flat) as SlaterNetParams;
}

async function handle(req: PoolRequest): Promise<{ reply: PoolReplyBody; transfer: ArrayBuffer[] }> {
  switch (req.op) {
    case 'init': {
      const b = await initBackend({ backend: req.backend, quiet: true });
      const net = new SlaterNet(req.net);
      const probe = net.init(new Rng(0));
      const spec = treeSpec(probe);
      treeDispose(probe);
      model = {
        net,
        spec,
        hamiltonian: trappedFermionHamiltonian({ interaction: req.interaction }),
        sampler: new MetropolisSampler(req.sampler),
        ho: new HOSlater(req.net.particles),
        params: null,
        walkers: null,
        target: 'net',
        phiGradient: null,
      };
      return { reply: { op: 'init', backend: b.name }, transfer: [] };
    }
    case 'load': {
      const m = need(model, 'model');
      m.phiGradient = null;
      setParams(m, req.params);
      m.target = req.target;
      if (m.walkers) disposeWalkers(m.walkers);
      m.walkers = null;
      const x = tf.tensor2d(req.x, [req.walkers, req.particles]);
      m.walkers = await m.sampler.fromPositionsAsync(x, req.width, logProbOf(m));
      return { reply: { op: 'load' }, transfer: [] };
    }
    case 'params': {
      const m = need(model, 'model');
      const w = need(m.walkers, 'walkers');
      m.phiGradient = null;
      setParams(m, req.params);
      const r = await m.sampler.refreshAsync(w, logProbOf(m));
      disposeWalkers(w);
      m.walkers = r;
      const logProb = (await r.logProb.data()) as Float32Array;
      return { reply: { op: 'params', logProb }, transfer: [logProb.buffer as ArrayBuffer] };
    }
    case 'sample': {
      const m = need(model, 'model');
      const w0 = need(m.walkers, 'walkers');
      m.phiGradient = null;
      // the epoch starts from the pool's common width and a fresh acceptance counter
      const start: WalkerState = { x: w0.x, logProb: w0.logProb, width: tf.scalar(req.width), acceptSum: tf.scalar(0), sweeps: 0 };
      let t = performance.now();
      const w = await m.sampler.runAsync(start, logProbOf(m), new Rng(req.seed), req.sweeps);
      tf.dispose([start.width, start.acceptSum, w0.width, w0.acceptSum]);
      tf.dispose([w0.x, w0.logProb]);
      m.walkers = w;
      await w.logProb.data();
      const sweepSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      const le = req.energies ? await localEnergyArrays(m.hamiltonian, m.net, need(m.params, 'parameters'), w.x, { phiGradient: m.target === 'net' }) : null;
      // kept for the score gradient of these walkers (the next 'grad' request)
      m.phiGradient = le?.phiGradient ?? null;
      const localEnergySeconds = (performance.now() - t) / 1000;
      const x = (await w.x.data()) as Float32Array;
      const logProb = (await w.logProb.data()) as Float32Array;
      const acceptance = await readAcceptance(w);
      const width = await readWidth(w);
      const transfer = [x.buffer as ArrayBuffer, logProb.buffer as ArrayBuffer];
      if (le) transfer.push(le.total.buffer as ArrayBuffer, ...Object.values(le.terms).map((a) => a.buffer as ArrayBuffer));
      return {
        reply: { op: 'sample', x, logProb, acceptance, width, sweepSeconds, localEnergySeconds, ...(le ? { total: le.total, terms: le.terms } : {}) },
        transfer,
      };
    }
    case 'grad': {
      const m = need(model, 'model');
      const w = need(m.walkers, 'walkers');
      const grads = scoreGradient(m.net, need(m.params, 'parameters'), w.x, req.coef, m.phiGradient ?? undefined);
      const flat = tf.tidy(() => tf.concat(grads.map((g) => tf.reshape(g, [-1])), 0));
      tf.dispose(grads);
      const g = (await flat.data()) as Float32Array;
      flat.dispose();
      return { reply: { op: 'grad', grad: g }, transfer: [g.buffer as ArrayBuffer] };
    }
    case 'pretrain': {
      const m = need(model, 'model');
      const w = need(m.walkers, 'walkers');
      const { loss, grads } = pretrainLoss(m.net, need(m.params, 'parameters'), w.x, req.totalWalkers);
      const flat = tf.tidy(() => tf.concat(grads.map((g) => tf.reshape(g, [-1])), 0));
      tf.dispose(grads);
      const g = (await flat.data()) as Float32Array;
      const l = (await loss.data())[0]!;
      tf.dispose([flat, loss]);
      return { reply: { op: 'pretrain', loss: l, grad: g }, transfer: [g.buffer as ArrayBuffer] };
    }
    case 'memory':
      return { reply: { op: 'memory', numTensors: tf.memory().numTensors }, transfer: [] };
    case 'close': {
      if (model?.params) treeDispose(model.params);
      if (model?.walkers) disposeWalkers(model.walkers);
      model = null;
      return { reply: { op: 'close' }, transfer: [] };
    }
  }
}

const port = parentPort;
if (!port) throw new Error('fermion-worker.ts must run in a worker thread');
// requests are handled strictly one after another (the pool sends one at a time per worker)
let queue: Promise<void> = Promise.resolve();
port.on('message', (req: PoolRequest) => {
  queue = queue.then(async () => {
    try {
      const { reply, transfer } = await handle(req);
      port.postMessage({ ...reply, id: req.id }, transfer);
    } catch (e) {
      port.postMessage({ op: 'error', id: req.id, message: (e as Error).message ?? String(e) });
    }
  });
});
