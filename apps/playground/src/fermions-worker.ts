/// <reference lib="webworker" />
/**
 * Training worker for A spinless fermions in a 1D harmonic trap: the Monte Carlo state of @nqs/vmc
 * (equivariant Slater network, Metropolis walkers, clipped-gradient Adam). The library's epochs are
 * asynchronous, so this worker yields between epochs and handles Stop / Resume messages itself:
 * a resumed run continues the same trajectory (same walkers, Rng and optimiser state).
 */
import { createFermionRun, fermionCheckpoint, pretrainEpoch, trainEpoch } from '@nqs/vmc';
import type { FermionRun } from '@nqs/vmc';
import { gaussianInteraction } from '@nqs/hamiltonians';
import { chooseBackend } from './backend.js';
import type { FermionsConfig, FermionsRecord, FromFermionsWorker, ToFermionsWorker } from './protocol.js';

const post = (m: FromFermionsWorker): void => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

const FLUSH_MS = 150;
/** Histogram ranges (oscillator lengths) of the density and the pair distribution. */
const X_MAX = 4.5;
const BINS = 72;
const PAIR_BINS = 36;

/** Weight of the newest epoch in the running average of the histograms. */
const EMA = 0.1;

let run: FermionRun | null = null;
let avg: ReturnType<typeof histograms> | null = null;
let avgPhase = '';
let cfg: FermionsConfig | null = null;
let stopRequested = false;
let running = false;
let t0 = 0;
let secondsBefore = 0;

/** Let queued messages (Stop) in: a macrotask turn without the 4 ms timer clamp. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(null);
  });
}

/** Density n(x) (∫n = A) and pair distribution g(x₁,x₂) (∫∫g = A(A−1)) from walker positions. */
function histograms(x: Float32Array, A: number): { density: { x: number[]; n: number[] }; pair: { x: number[]; g: number[][] } } {
  const B = x.length / A;
  const dx = (2 * X_MAX) / BINS, dp = (2 * X_MAX) / PAIR_BINS;
  const counts = new Float64Array(BINS);
  const pc = Array.from({ length: PAIR_BINS }, () => new Float64Array(PAIR_BINS));
  const bin = (v: number, d: number) => Math.floor((v + X_MAX) / d);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < A; i++) {
      const xi = x[b * A + i]!;
      const k = bin(xi, dx);
      if (k >= 0 && k < BINS) counts[k]! += 1;
      const ki = bin(xi, dp);
      if (ki < 0 || ki >= PAIR_BINS) continue;
      for (let j = 0; j < A; j++) {
        if (j === i) continue;
        const kj = bin(x[b * A + j]!, dp);
        if (kj >= 0 && kj < PAIR_BINS) pc[kj]![ki]! += 1; // rows: x₂ (row 0 = lowest, drawn at the bottom), columns: x₁
      }
    }
  }
  return {
    density: { x: Array.from({ length: BINS }, (_, k) => -X_MAX + (k + 0.5) * dx), n: Array.from(counts, (c) => c / (B * dx)) },
    pair: { x: Array.from({ length: PAIR_BINS }, (_, k) => -X_MAX + (k + 0.5) * dp), g: pc.map((row) => Array.from(row, (c) => c / (B * dp * dp))) },
  };
}

async function loop(): Promise<void> {
  if (!run || !cfg || running) return;
  running = true;
  stopRequested = false;
  t0 = performance.now();
  let pending: FermionsRecord[] = [];
  let lastFlush = 0;
  const seconds = () => secondsBefore + (performance.now() - t0) / 1000;
  const flush = async (force: boolean) => {
    // histograms of every epoch's walkers, averaged over ~1/EMA epochs (reset when the phase changes)
    const h = histograms((await run!.walkers.x.data()) as Float32Array, cfg!.particles);
    if (!avg || avgPhase !== run!.phase) {
      avg = h;
      avgPhase = run!.phase;
    } else {
      const a = avg;
      a.density.n = a.density.n.map((v, i) => (1 - EMA) * v + EMA * h.density.n[i]!);
      a.pair.g = a.pair.g.map((row, r) => row.map((v, c) => (1 - EMA) * v + EMA * h.pair.g[r]![c]!));
    }
    const now = performance.now();
    if (!force && now - lastFlush < FLUSH_MS) return;
    lastFlush = now;
    post({ type: 'progress', records: pending, density: avg.density, pair: avg.pair });
    pending = [];
  };
  try {
    while (!stopRequested && run.phase === 'pretrain' && run.pretrainEpochs < cfg.pretrainEpochs) {
      const r = await pretrainEpoch(run);
      pending.push({ phase: 'pretrain', epoch: r.epoch, value: r.loss, seconds: seconds() });
      await flush(false);
      await yieldToMessages();
    }
    while (!stopRequested && run.epochs < cfg.epochs) {
      const r = await trainEpoch(run);
      pending.push({ phase: 'train', epoch: r.epoch, value: r.energy, energyError: r.energyError, variance: r.variance, acceptance: r.acceptance, seconds: seconds() });
      await flush(false);
      await yieldToMessages();
    }
    await flush(true);
    secondsBefore = seconds();
    const checkpoint = await fermionCheckpoint(run);
    post(stopRequested ? { type: 'paused', checkpoint } : { type: 'done', checkpoint });
  } finally {
    running = false;
  }
}

async function start(c: FermionsConfig): Promise<void> {
  post({ type: 'backend', backend: await chooseBackend(c.backend) });
  cfg = c;
  secondsBefore = 0;
  avg = null;
  run = createFermionRun({
    particles: c.particles,
    interaction: gaussianInteraction(c.V0, c.sigma),
    hidden: c.hidden,
    walkers: c.walkers,
    learningRate: c.learningRate,
    seed: c.seed,
    burnIn: 50,
  });
  await loop();
}

function report(e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  post({ type: 'error', name: err.name, message: err.message });
}

self.onmessage = (ev: MessageEvent<ToFermionsWorker>) => {
  const m = ev.data;
  if (m.type === 'start') start(m.config).catch(report);
  else if (m.type === 'stop') stopRequested = true;
  else if (m.type === 'resume') loop().catch(report);
};
