/**
 * `nqs fermions`: the equivariant Slater network for A spinless fermions in a 1D harmonic trap
 * (REFERENCE.md §2): pre-training, energy minimisation, final evaluation and observables.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { solveFermions } from '@nqs/benchmarks-exact';
import { harmonicModelEnergy, freeFermionEnergy, type PairInteraction } from '@nqs/hamiltonians';
import { heatmap, linePlot } from '@nqs/plot';
import {
  createFermionRun,
  disposeFermionRun,
  closeWalkerPool,
  evaluateFermions,
  fermionCheckpoint,
  restoreFermionRun,
  runFermions,
  warmStartFermionRun,
  FermionRunInputError,
  type FermionCheckpoint,
  type FermionRun,
  type FermionRunConfig,
  type FermionEvaluation,
} from '@nqs/vmc';
import { UsageError, type FlagSpecs, type Parsed } from '../args.js';
import type { Command } from '../command.js';
import { setupBackend } from '../backend.js';
import { ensureDir, info, prepareOutDir, Progress, toCsv, writeFileAtomic, writeOutputs } from '../io.js';
import { optimizerConfig, optimizerFlags } from '../optimizer-flags.js';
import { interactionFlags, interactionFromFlags } from '../interaction-flags.js';
import type { OptimizerName } from '@nqs/optimizers';

/** Flags shared by `nqs fermions` and `nqs bench fermions`. */
export const fermionSystemFlags: FlagSpecs = {
  A: { type: 'int', help: 'number of fermions (≥ 1)' },
  ...interactionFlags,
  walkers: { type: 'int', help: 'Monte Carlo walkers (≥ 1)', default: 4096 },
  hidden: { type: 'int', help: 'network width H', default: 64, min: 1 },
  layers: { type: 'int', help: 'equivariant layers L', default: 2, min: 1 },
  dets: { type: 'int', help: 'determinants D', default: 1, min: 1 },
  sweeps: { type: 'int', help: 'Metropolis sweeps per epoch', default: 10, min: 1 },
  lr: { type: 'number', help: 'Adam learning rate of the energy minimisation', default: 1e-4, gt: 0 },
  seed: { type: 'int', help: 'random seed', default: 1 },
  backend: { type: 'string', help: 'compute backend (default: automatic / NQS_BACKEND)', choices: ['webgpu', 'tensorflow', 'wasm', 'cpu'] },
  workers: {
    type: 'string',
    help: 'worker threads sharing the walkers (wasm/cpu): N ≥ 1 or auto (= CPU cores, at most 8); a run is reproducible for a given seed and worker count',
    default: 'auto',
  },
};

/** --workers: 'auto' → the machine's cores (≤ 8, ≤ walkers), else an integer ≥ 1. */
export function workerCount(args: Parsed, walkers: number): number {
  const v = String(args.flags.workers ?? 'auto');
  if (v === 'auto') return Math.max(1, Math.min(8, availableParallelism(), walkers));
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--workers: ${v} is not allowed (must be an integer ≥ 1 or auto)`);
  if (n > walkers) throw new UsageError(`--workers: ${n} is not allowed (more workers than the ${walkers} walkers)`);
  return n;
}

/** The pair interaction from --interaction/--V0/--sigma/--k (UsageError for inconsistent flags). */
export function fermionInteraction(args: Parsed): PairInteraction {
  return interactionFromFlags(args, args.given.has('V0') ? (args.flags.V0 as number) : undefined, {
    missingV0: '--V0 is required for the Gaussian interaction (or use --interaction harmonic --k K, or --interaction none)',
    checkSigma: true,
  });
}

/** The run configuration from the shared flags (validated: A ≥ 1, walkers ≥ 1, …). */
export function fermionConfig(args: Parsed): FermionRunConfig {
  if (!args.given.has('A')) throw new UsageError('--A is required (number of fermions, integer ≥ 1)');
  const A = args.flags.A as number;
  if (A < 1) throw new UsageError(`--A: ${A} is not allowed (must be ≥ 1)`);
  const walkers = args.flags.walkers as number;
  if (walkers < 1) throw new UsageError(`--walkers: ${walkers} is not allowed (must be ≥ 1)`);
  const cfg: FermionRunConfig = {
    particles: A,
    interaction: fermionInteraction(args),
    hidden: args.flags.hidden as number,
    layers: args.flags.layers as number,
    determinants: args.flags.dets as number,
    walkers,
    sweepsPerEpoch: args.flags.sweeps as number,
    learningRate: args.flags.lr as number,
    seed: args.flags.seed as number,
    workers: workerCount(args, walkers),
  };
  return cfg;
}

function describe(p: PairInteraction): string {
  if (p.kind === 'gaussian') return `gaussian V0 = ${p.V0}, σ = ${p.sigma}`;
  if (p.kind === 'harmonic') return `harmonic k = ${p.k}`;
  return 'free';
}

/** Exact and HF reference energies where cheap (for the plot lines); never throws. */
function referenceLines(A: number, p: PairInteraction): { y: number; label: string; color: string }[] {
  const lines: { y: number; label: string; color: string }[] = [];
  try {
    if (p.kind === 'none' || (p.kind === 'gaussian' && p.V0 === 0)) lines.push({ y: freeFermionEnergy(A), label: 'exact', color: '#2ca02c' });
    else if (p.kind === 'harmonic') lines.push({ y: harmonicModelEnergy(A, p.k), label: 'exact', color: '#2ca02c' });
    else if (A === 2) lines.push({ y: solveFermions(2, p, { method: 'grid', estimateConvergence: false }).energy, label: 'exact (grid)', color: '#2ca02c' });
  } catch {
    /* no exact line */
  }
  try {
    if (p.kind === 'gaussian' && p.V0 !== 0 && A >= 2) {
      lines.push({ y: solveFermions(A, p, { method: 'hf', estimateConvergence: false }).energy, label: 'HF', color: '#d62728' });
    }
  } catch {
    /* no HF line */
  }
  return lines;
}

function outputs(run: FermionRun, ev: FermionEvaluation, result: Record<string, unknown>): Record<string, string> {
  const A = run.config.particles;
  const files: Record<string, string> = {};
  files['result.json'] = JSON.stringify(result, null, 2) + '\n';
  files['history.csv'] = toCsv(
    ['epoch', 'energy', 'energyError', 'variance', 'clippedEnergy', 'kinetic', 'trap', 'pair', 'acceptance', 'width'],
    run.history.map((h) => [h.epoch, h.energy, h.energyError, h.variance, h.clippedEnergy, h.kinetic, h.trap, h.pair, h.acceptance, h.width]),
  );
  files['pretrain.csv'] = toCsv(['epoch', 'loss'], run.pretrainHistory.map((h) => [h.epoch, h.loss]));
  files['density.csv'] = toCsv(['x', 'n'], ev.density.x.map((x, i) => [x, ev.density.n[i]!]));
  const og = ev.obdmGrid;
  files['observables.json'] = JSON.stringify(
    {
      energy: ev.energy,
      energyError: ev.energyError,
      variance: ev.variance,
      tauCorr: ev.tauCorr,
      rHat: ev.rHat,
      components: ev.components,
      x2: ev.x2,
      density: ev.density,
      pair: ev.pair,
      obdm: ev.obdm,
      // the grid one-body density matrix ρ(x, x') (the HO-basis one stays under `obdm`)
      ...(og ? { obdmGrid: { grid: og.grid, binWidth: og.binWidth, matrix: og.matrix, trace: og.trace, samples: og.samples }, naturalOccupations: og.naturalOccupations } : {}),
    },
    null,
    1,
  ) + '\n';
  const refs = referenceLines(A, run.config.interaction);
  if (run.history.length > 0) {
    const ys = run.history.map((h) => h.energy);
    const tail = ys.slice(Math.floor(ys.length / 2));
    const lo = Math.min(...tail, ...refs.map((r) => r.y));
    const hi = Math.max(...tail, ...refs.map((r) => r.y));
    const pad = Math.max(1e-3, 0.5 * (hi - lo));
    files['energy.svg'] = linePlot([{ label: 'E (epoch mean)', x: run.history.map((h) => h.epoch), y: ys }], {
      title: `A = ${A}, ${describe(run.config.interaction)}: E = ${ev.energy.toFixed(6)} ± ${ev.energyError.toExponential(1)}`,
      xLabel: 'epoch',
      yLabel: 'energy (ħω)',
      hLines: refs,
      yMin: lo - pad,
      yMax: hi + pad,
    });
  }
  files['density.svg'] = linePlot([{ label: 'NQS n(x)', x: ev.density.x, y: ev.density.n }], {
    title: `density, A = ${A}, ${describe(run.config.interaction)}`,
    xLabel: 'x (osc. lengths)',
    yLabel: 'n(x)',
  });
  const ext = ev.pair.x[ev.pair.x.length - 1]! + 0.5 * (ev.pair.x[1]! - ev.pair.x[0]!);
  files['pair.svg'] = heatmap(ev.pair.g, {
    title: `pair distribution g(x₁, x₂), A = ${A}`,
    xLabel: 'x₁',
    yLabel: 'x₂',
    diverging: false,
    xRange: [-ext, ext],
    yRange: [-ext, ext],
  });
  if (ev.obdm) {
    files['occupations.csv'] = toCsv(['k', 'occupation'], ev.obdm.occupations.map((o, i) => [i, o]));
  }
  if (og) {
    // rows: x (bin centres), columns: x' (grid points); first column and header carry the grid
    files['obdm.csv'] = toCsv(['x', ...og.grid.map((g) => g.toPrecision(8))], og.matrix.map((row, k) => [og.grid[k]!, ...row]));
    const half = 0.5 * og.binWidth;
    const range: [number, number] = [og.grid[0]! - half, og.grid[og.grid.length - 1]! + half];
    files['obdm.svg'] = heatmap(og.matrix, {
      title: `ρ(x, x′), A = ${A}, occupations ${og.naturalOccupations.slice(0, A + 1).map((o) => o.toFixed(3)).join(', ')}`,
      xLabel: 'x′',
      yLabel: 'x',
      diverging: true,
      xRange: range,
      yRange: range,
    });
  }
  return files;
}

/** `nqs fermions`. */
export const fermionsCommand: Command = {
  path: ['fermions'],
  summary: 'NQS (equivariant Slater network) for A fermions in a 1D trap: pre-train, minimise, evaluate',
  usage:
    'nqs fermions --A N (--V0 V [--sigma S] | --interaction harmonic --k K | --interaction none) --walkers W ' +
    '--epochs E --pretrain-epochs P --seed S [--resume | --init CHECKPOINT] [--out DIR] [--json]',
  flags: {
    ...fermionSystemFlags,
    ...optimizerFlags,
    epochs: { type: 'int', help: 'energy-minimisation epochs', default: 1000, min: 0 },
    'pretrain-epochs': { type: 'int', help: 'pre-training epochs (orbitals → HO orbitals)', default: 500, min: 0 },
    'pretrain-lr': { type: 'number', help: 'Adam learning rate of the pre-training', default: 1e-3, gt: 0 },
    'eval-batches': { type: 'int', help: 'batches of the final evaluation (each: --sweeps sweeps, all walkers)', default: 100, min: 1 },
    'checkpoint-every': { type: 'int', help: 'write DIR/checkpoint.json every N epochs (needs --out; 0 = only at the end)', default: 100, min: 0 },
    resume: { type: 'boolean', help: 'continue from DIR/checkpoint.json (same settings and seed)', default: false },
    init: {
      type: 'string',
      help: 'warm start from the parameters of this checkpoint (same A and network sizes; walkers, seed, interaction and optimiser may differ): pre-training is skipped, walkers are burnt in afresh, epochs count from 0',
    },
    'obdm-points': { type: 'int', help: 'grid points of the one-body density matrix ρ(x, x′) (0 = off)', default: 40, min: 0 },
    'obdm-range': { type: 'number', help: 'ρ(x, x′) grid on [−L, L] (default max(4.5, √(2A−1) + 2.5) osc. lengths)', gt: 0 },
    'obdm-batches': { type: 'int', help: 'evaluation batches that feed ρ(x, x′) (default min(eval-batches, 5))', min: 1 },
    out: { type: 'string', help: 'write result.json, history.csv, pretrain.csv, density.csv, observables.json, occupations.csv, obdm.csv, energy/density/pair/obdm SVGs and checkpoint.json into DIR' },
    quiet: { type: 'boolean', help: 'no progress output', default: false },
  },
  async run(args) {
    const outDir = typeof args.flags.out === 'string' ? prepareOutDir(args.flags.out) : undefined;
    const cfg: FermionRunConfig = {
      ...fermionConfig(args),
      pretrainLearningRate: args.flags['pretrain-lr'] as number,
      optimizer: optimizerConfig(args.flags.optimizer as OptimizerName, args),
    };
    const epochs = args.flags.epochs as number;
    const pretrainEpochs = args.flags['pretrain-epochs'] as number;
    const resume = args.flags.resume as boolean;
    const quiet = args.flags.quiet as boolean;
    if (resume && !outDir) throw new UsageError('--resume needs --out DIR (the checkpoint is DIR/checkpoint.json)');
    const initPath = typeof args.flags.init === 'string' ? args.flags.init : undefined;
    if (initPath !== undefined && resume) throw new UsageError('--init and --resume exclude each other (--resume continues DIR/checkpoint.json, --init starts a new run from another checkpoint)');
    const ckPath = outDir ? join(outDir, 'checkpoint.json') : undefined;
    let ckJson: unknown;
    if (resume) {
      if (!existsSync(ckPath!)) throw new UsageError(`--resume: no checkpoint at ${ckPath}`);
      try {
        ckJson = JSON.parse(readFileSync(ckPath!, 'utf8'));
      } catch (e) {
        throw new FermionRunInputError(`checkpoint ${ckPath} is corrupt (${(e as Error).message.split('\n')[0]})`);
      }
    }
    let initJson: unknown;
    if (initPath !== undefined) {
      if (!existsSync(initPath)) throw new UsageError(`--init: no checkpoint at ${initPath}`);
      try {
        initJson = JSON.parse(readFileSync(initPath, 'utf8'));
      } catch (e) {
        throw new FermionRunInputError(`--init: checkpoint ${initPath} is corrupt (${(e as Error).message.split('\n')[0]})`);
      }
    }
    const backend = await setupBackend({ backend: args.flags.backend as string | undefined, quiet: quiet || args.json });
    const t0 = performance.now();
    const run = resume ? restoreFermionRun(ckJson, cfg) : initPath !== undefined ? warmStartFermionRun(initJson, cfg) : createFermionRun(cfg);
    try {
      info(`A = ${cfg.particles}, ${describe(cfg.interaction)}, ${cfg.walkers} walkers, ${run.net.parameterCount} parameters, ${cfg.workers} worker${cfg.workers === 1 ? '' : 's'}${resume ? `, resumed at pre-training ${run.pretrainEpochs}, epoch ${run.epochs}` : ''}${initPath !== undefined ? `, warm start from ${initPath}` : ''}`);
      const every = args.flags['checkpoint-every'] as number;
      const writeCk = (ck: FermionCheckpoint) => {
        if (!ckPath) return;
        ensureDir(outDir!);
        writeFileAtomic(ckPath, JSON.stringify(ck));
      };
      const preBar = new Progress(Math.max(0, pretrainEpochs - run.pretrainEpochs), 'pretrain', quiet || run.phase !== 'pretrain');
      const pre0 = run.pretrainEpochs;
      const bar = new Progress(Math.max(0, epochs - run.epochs), 'epochs', quiet);
      const e0 = run.epochs;
      await runFermions(run, {
        pretrainEpochs,
        epochs,
        checkpointEvery: ckPath ? every : 0,
        onCheckpoint: writeCk,
        onPretrainEpoch: (r) => preBar.update(r.epoch - pre0, `loss ${r.loss.toExponential(3)}`),
        onEpoch: (r) => bar.update(r.epoch - e0, `E ${r.energy.toFixed(5)} acc ${r.acceptance.toFixed(2)}`),
      });
      preBar.done();
      bar.done();
      // the end-of-training state (before the evaluation moves the chains) is what --resume continues
      if (ckPath) writeCk(await fermionCheckpoint(run));
      const trainSeconds = (performance.now() - t0) / 1000;
      const evBatches = args.flags['eval-batches'] as number;
      const evBar = new Progress(evBatches, 'evaluate', quiet);
      const obdmRange = args.flags['obdm-range'] as number | undefined;
      const ev = await evaluateFermions(run, {
        batches: evBatches,
        obdmGridPoints: args.flags['obdm-points'] as number,
        ...(obdmRange !== undefined ? { obdmGridRange: [-obdmRange, obdmRange] as const } : {}),
        ...(args.flags['obdm-batches'] !== undefined ? { obdmGridBatches: args.flags['obdm-batches'] as number } : {}),
        onBatch: (d) => evBar.update(d),
      });
      evBar.done();
      const seconds = (performance.now() - t0) / 1000;
      const result: Record<string, unknown> = {
        energy: ev.energy,
        energyError: ev.energyError,
        variance: ev.variance,
        acceptance: ev.acceptance,
        rHat: ev.rHat,
        tauCorr: ev.tauCorr,
        epochs: run.epochs,
        pretrainEpochs: run.pretrainEpochs,
        seconds,
        trainSeconds,
        backend: backend.name,
        A: cfg.particles,
        interaction: cfg.interaction,
        walkers: cfg.walkers,
        workers: run.pool ? run.pool.size : 1,
        parameters: run.net.parameterCount,
        components: { kinetic: ev.components.kinetic.value, trap: ev.components.trap.value, pair: ev.components.pair.value },
        x2: ev.x2.value,
        ...(initPath !== undefined ? { initFrom: initPath } : {}),
        ...(ev.obdmGrid ? { naturalOccupations: ev.obdmGrid.naturalOccupations } : {}),
      };
      info(
        `E = ${ev.energy.toFixed(6)} ± ${ev.energyError.toExponential(2)} (variance ${ev.variance.toExponential(2)}, τ ${ev.tauCorr.toFixed(2)}, R̂ ${ev.rHat.toFixed(3)}, ` +
          `acceptance ${ev.acceptance.toFixed(2)}) [${seconds.toFixed(1)} s]`,
      );
      if (outDir) {
        writeOutputs(outDir, outputs(run, ev, result));
      }
      return result;
    } finally {
      await closeWalkerPool(run);
      disposeFermionRun(run);
    }
  },
};
