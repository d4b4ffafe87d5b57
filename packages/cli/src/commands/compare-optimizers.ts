/**
 * `nqs compare-optimizers`: run several energy-phase optimisers (adam, rmsprop, sgd, sr, ngd, kfac,
 * qn-kfac, dgd) from the same pre-trained state and seed on the 1D trapped-fermion problem and
 * compare |E − E_exact| against step and wall time (the KFAC/NGD/DGD comparison of
 * arXiv:2401.17550, REFERENCE.md §3).
 */
import { readFileSync } from 'node:fs';
import { solveFermions } from '@nqs/benchmarks-exact';
import { linePlot } from '@nqs/plot';
import { OPTIMIZER_NAMES, type OptimizerName } from '@nqs/optimizers';
import {
  createFermionRun,
  disposeFermionRun,
  fermionCheckpoint,
  pretrainEpoch,
  restoreFermionRun,
  trainEpoch,
  FermionRunInputError,
  type FermionCheckpoint,
  type FermionRunConfig,
} from '@nqs/vmc';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { setupBackend } from '../backend.js';
import { info, prepareOutDir, Progress, toCsv, writeOutputs } from '../io.js';
import { fermionConfig, fermionSystemFlags } from './fermions.js';
import { optimizerConfig, secondOrderFlags } from '../optimizer-flags.js';

/** Per-optimiser summary. */
interface OptimizerSummary {
  optimizer: OptimizerName;
  steps: number;
  seconds: number;
  secondsPerStep: number;
  /** first step whose 5-step running mean is within the tolerance of E_exact (null: never) */
  stepsTo1e1: number | null;
  stepsTo1e2: number | null;
  stepsTo1e3: number | null;
  secondsTo1e2: number | null;
  secondsTo1e3: number | null;
  /** first step from which the 5-step running mean stays within the tolerance to the end (null: not within at the end) */
  stableFrom1e2: number | null;
  stableFrom1e3: number | null;
  /** mean energy of the last min(10, steps) steps and its spread-based error */
  finalEnergy: number;
  finalError: number;
}

/** Running means of the last `w` energies, from step w on (index i: step i + w). */
function runningMeans(energies: readonly number[], w: number): number[] {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < energies.length; i++) {
    s += energies[i]!;
    if (i >= w) s -= energies[i - w]!;
    if (i + 1 >= w) out.push(s / w);
  }
  return out;
}

/** First step (1-based) whose running mean of the last `w` energies is within tol of `exact` (null: never). */
export function firstWithin(energies: readonly number[], exact: number, tol: number, w = 5): number | null {
  const i = runningMeans(energies, w).findIndex((m) => Math.abs(m - exact) <= tol);
  return i < 0 ? null : i + w;
}

/** First step (1-based) from which the running mean of the last `w` energies stays within tol of `exact` to the end (null: not within at the last step). */
export function stableWithin(energies: readonly number[], exact: number, tol: number, w = 5): number | null {
  const m = runningMeans(energies, w);
  let i = m.length;
  while (i > 0 && Math.abs(m[i - 1]! - exact) <= tol) i--;
  return i === m.length ? null : i + w;
}

export const compareOptimizersCommand: Command = {
  path: ['compare-optimizers'],
  summary: 'compare energy-phase optimisers (adam, sr, ngd, kfac, qn-kfac, dgd, …) from one pre-trained state: |E − E_exact| vs step and time',
  usage:
    'nqs compare-optimizers --A 2 --V0 -10 --steps N --optimizers adam,sr,kfac,dgd [--walkers W] [--pretrain-epochs P | --from CHECKPOINT] ' +
    '[--exact E] [--damping 1e3 …] --out DIR [--json]',
  flags: {
    ...fermionSystemFlags,
    steps: { type: 'int', help: 'energy steps per optimiser', default: 200, min: 1 },
    optimizers: { type: 'list', help: 'optimisers to compare', choices: OPTIMIZER_NAMES, default: ['adam', 'sr', 'kfac', 'dgd'] },
    'pretrain-epochs': { type: 'int', help: 'pre-training epochs of the shared starting state', default: 1000, min: 0 },
    'pretrain-lr': { type: 'number', help: 'Adam learning rate of the pre-training', default: 1e-3, gt: 0 },
    from: { type: 'string', help: 'start from this checkpoint (e.g. DIR/checkpoint.json of `nqs fermions --epochs 0`) instead of pre-training' },
    exact: { type: 'number', help: 'exact energy (default: grid solution for A = 2)' },
    ...secondOrderFlags,
    out: { type: 'string', help: 'write compare.csv, summary.json, error-vs-step.svg, error-vs-time.svg into DIR' },
    quiet: { type: 'boolean', help: 'no progress output', default: false },
  },
  async run(args) {
    const outDir = typeof args.flags.out === 'string' ? prepareOutDir(args.flags.out) : undefined;
    const cfg: FermionRunConfig = { ...fermionConfig(args), pretrainLearningRate: args.flags['pretrain-lr'] as number };
    const names = [...new Set(args.flags.optimizers as OptimizerName[])];
    const steps = args.flags.steps as number;
    const quiet = (args.flags.quiet as boolean) || args.json;
    // validate every optimiser configuration before any work
    const configs = names.map((n) => ({ name: n, config: { ...cfg, optimizer: optimizerConfig(n, args) } }));
    let exact = args.flags.exact as number | undefined;
    if (exact === undefined) {
      if (cfg.particles !== 2 || cfg.interaction.kind !== 'gaussian') throw new UsageError('--exact E is required unless A = 2 with the Gaussian interaction (solved on a grid)');
      exact = solveFermions(2, cfg.interaction, { method: 'grid', estimateConvergence: false }).energy;
    }
    let start: unknown;
    if (typeof args.flags.from === 'string') {
      try {
        start = JSON.parse(readFileSync(args.flags.from, 'utf8'));
      } catch (e) {
        throw new FermionRunInputError(`--from ${args.flags.from}: cannot read a checkpoint (${(e as Error).message.split('\n')[0]})`);
      }
    }
    const backend = await setupBackend({ backend: args.flags.backend as string | undefined, quiet });
    if (!start) {
      const pre = createFermionRun(cfg);
      try {
        const n = args.flags['pretrain-epochs'] as number;
        const bar = new Progress(n, 'pretrain', quiet);
        for (let i = 0; i < n; i++) {
          const r = await pretrainEpoch(pre);
          bar.update(i + 1, `loss ${r.loss.toExponential(3)}`);
        }
        bar.done();
        start = await fermionCheckpoint(pre);
      } finally {
        disposeFermionRun(pre);
      }
    }
    const ck = start as FermionCheckpoint;
    info(`compare-optimizers: A = ${cfg.particles}, ${cfg.walkers} walkers, ${steps} steps, E_exact = ${exact.toFixed(6)}, backend ${backend.name}`);
    const rows: (number | string)[][] = [];
    const summaries: OptimizerSummary[] = [];
    const curves: { name: OptimizerName; step: number[]; time: number[]; err: number[] }[] = [];
    for (const { name, config } of configs) {
      const run = restoreFermionRun(ck, config);
      try {
        const bar = new Progress(steps, name, quiet);
        const t0 = performance.now();
        const es: number[] = [];
        const ts: number[] = [];
        for (let s = 0; s < steps; s++) {
          const rec = await trainEpoch(run);
          const t = (performance.now() - t0) / 1000;
          es.push(rec.energy);
          ts.push(t);
          const so = rec.secondOrder;
          rows.push([
            name, s + 1, t, rec.energy, rec.energyError, Math.abs(rec.energy - exact), rec.variance, rec.acceptance,
            so ? so.damping : '', so ? so.alpha : '', so ? so.mu : '', so?.rho ?? '', so ? so.iterations : '', so?.rhoError ?? '', so?.residual ?? '',
          ]);
          bar.update(s + 1, `E ${rec.energy.toFixed(5)}`);
        }
        bar.done();
        const seconds = ts[ts.length - 1] ?? 0;
        const s2 = firstWithin(es, exact, 1e-2);
        const s3 = firstWithin(es, exact, 1e-3);
        const tail = es.slice(-Math.min(10, es.length));
        const fm = tail.reduce((a, b) => a + b, 0) / tail.length;
        const fv = tail.reduce((a, b) => a + (b - fm) ** 2, 0) / Math.max(1, tail.length - 1);
        const sum: OptimizerSummary = {
          optimizer: name,
          steps,
          seconds,
          secondsPerStep: seconds / steps,
          stepsTo1e1: firstWithin(es, exact, 1e-1),
          stepsTo1e2: s2,
          stepsTo1e3: s3,
          secondsTo1e2: s2 ? ts[s2 - 1]! : null,
          secondsTo1e3: s3 ? ts[s3 - 1]! : null,
          stableFrom1e2: stableWithin(es, exact, 1e-2),
          stableFrom1e3: stableWithin(es, exact, 1e-3),
          finalEnergy: fm,
          finalError: Math.sqrt(fv / tail.length),
        };
        summaries.push(sum);
        curves.push({ name, step: es.map((_, i) => i + 1), time: ts, err: es.map((e) => Math.max(1e-6, Math.abs(e - exact!))) });
        info(
          `${name}: ${seconds.toFixed(1)} s (${sum.secondsPerStep.toFixed(2)} s/step), steps to 1e-1: ${sum.stepsTo1e1 ?? '—'}, to 1e-2: ${s2 ?? '—'}, to 1e-3: ${s3 ?? '—'} (within 1e-3 for good from ${sum.stableFrom1e3 ?? '—'}), ` +
            `final E = ${fm.toFixed(6)} ± ${sum.finalError.toExponential(1)}`,
        );
      } finally {
        disposeFermionRun(run);
      }
    }
    const result: Record<string, unknown> = {
      exactEnergy: exact,
      A: cfg.particles,
      interaction: cfg.interaction,
      walkers: cfg.walkers,
      steps,
      backend: backend.name,
      optimizers: summaries,
    };
    if (outDir) {
      const title = `A = ${cfg.particles}, ${cfg.walkers} walkers: |E − E_exact| (E_exact = ${exact.toFixed(6)})`;
      type Curve = (typeof curves)[number];
      const errorPlot = (xLabel: string, x: (c: Curve) => number[]): string =>
        linePlot(curves.map((c) => ({ label: c.name, x: x(c), y: c.err })), {
          title,
          xLabel,
          yLabel: '|E − E_exact| (ħω)',
          logY: true,
          hLines: [
            { y: 1e-2, label: '1e-2', color: '#999' },
            { y: 1e-3, label: '1e-3', color: '#555' },
          ],
        });
      writeOutputs(outDir, {
        'compare.csv': toCsv(['optimizer', 'step', 'seconds', 'energy', 'energyError', 'absError', 'variance', 'acceptance', 'damping', 'alpha', 'mu', 'rho', 'iterations', 'rhoError', 'residual'], rows),
        'summary.json': JSON.stringify(result, null, 2) + '\n',
        'error-vs-step.svg': errorPlot('step', (c) => c.step),
        'error-vs-time.svg': errorPlot('wall time (s)', (c) => c.time),
      });
    }
    return result;
  },
};
