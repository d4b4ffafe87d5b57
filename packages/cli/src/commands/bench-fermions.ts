/**
 * `nqs bench fermions`: wall-clock seconds of one energy-minimisation epoch of the trapped-fermion
 * NQS (sweeps + local energies + gradient step), median over epochs after one warm-up epoch.
 * Wall times include waiting for the cores when the machine is shared; `epochCpuSeconds` does not
 * (it is the CPU time of the whole process, worker threads included). The warm-up epoch also
 * starts the worker pool (--workers) and burns the walkers in.
 */
import { closeWalkerPool, createFermionRun, disposeFermionRun, trainEpoch, type EpochTiming } from '@nqs/vmc';
import { median } from '@nqs/vmc';
import type { Command } from '../command.js';
import { setupBackend } from '../backend.js';
import { info } from '../io.js';
import { fermionConfig, fermionSystemFlags } from './fermions.js';

/** `nqs bench fermions`. */
export const benchFermionsCommand: Command = {
  path: ['bench', 'fermions'],
  summary: 'time one NQS epoch for trapped fermions (sweeps + local energies + Adam step)',
  usage: 'nqs bench fermions --A N [--V0 V | --interaction harmonic --k K | --interaction none] --walkers W --epochs E [--json]',
  flags: {
    ...fermionSystemFlags,
    interaction: { ...fermionSystemFlags.interaction!, default: 'none' },
    epochs: { type: 'int', help: 'timed epochs (after one warm-up epoch)', default: 5, min: 1 },
    'burn-in': { type: 'int', help: 'burn-in sweeps before timing', default: 20, min: 0 },
  },
  async run(args) {
    const cfg = { ...fermionConfig(args), burnIn: args.flags['burn-in'] as number };
    const epochs = args.flags.epochs as number;
    const backend = await setupBackend({ backend: args.flags.backend as string | undefined, quiet: args.json });
    const run = createFermionRun(cfg);
    try {
      const rows: EpochTiming[] = [];
      const total: number[] = [];
      const cpu: number[] = [];
      for (let e = 0; e <= epochs; e++) {
        const t: EpochTiming = { sweepSeconds: 0, localEnergySeconds: 0, stepSeconds: 0 };
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await trainEpoch(run, t);
        const dt = (performance.now() - t0) / 1000;
        const c = process.cpuUsage(c0);
        if (e > 0) {
          rows.push(t);
          total.push(dt);
          cpu.push((c.user + c.system) / 1e6);
        }
      }
      const result = {
        epochSeconds: median(total),
        sweepSeconds: median(rows.map((r) => r.sweepSeconds)),
        localEnergySeconds: median(rows.map((r) => r.localEnergySeconds)),
        stepSeconds: median(rows.map((r) => r.stepSeconds)),
        // CPU seconds of this process per epoch: close to the wall time on an idle machine, and a
        // load-independent figure when other processes share the cores
        epochCpuSeconds: median(cpu),
        backend: backend.name,
        A: cfg.particles,
        walkers: cfg.walkers,
        sweepsPerEpoch: cfg.sweepsPerEpoch,
        epochs,
        workers: run.pool ? run.pool.size : 1,
        parameters: run.net.parameterCount,
      };
      info(
 `A = ${cfg.particles}, ${cfg.walkers} walkers, ${backend.name}, ${result.workers} worker(s): ${result.epochSeconds.toFixed(3)} s/epoch, ${result.epochCpuSeconds.toFixed(3)} CPU s ` +
          `(sweeps ${result.sweepSeconds.toFixed(3)}, local energy ${result.localEnergySeconds.toFixed(3)}, step ${result.stepSeconds.toFixed(3)})`,
      );
      return result;
    } finally {
      await closeWalkerPool(run);
      disposeFermionRun(run);
    }
  },
};
