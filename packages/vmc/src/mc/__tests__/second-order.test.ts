import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@nqs/autodiff-core';
import { OptimizerInputError } from '@nqs/optimizers';
import { createFermionRun, disposeFermionRun, fermionCheckpoint, pretrainEpoch, restoreFermionRun, trainEpoch, type FermionRunConfig } from '../../index.js';
import { secondOrderOptimizer } from '../optimizer-config.js';

beforeAll(async () => {
  await initBackend();
});

const base: FermionRunConfig = {
  particles: 2,
  interaction: { kind: 'gaussian', V0: -2, sigma: 0.5 },
  walkers: 48,
  hidden: 6,
  sweepsPerEpoch: 2,
  burnIn: 10,
  seed: 3,
};

describe('second-order optimisers in the fermion training loop', () => {
  it('sr, ngd, kfac, qn-kfac and dgd take finite steps without leaking tensors; the state survives a checkpoint', async () => {
    const pre = createFermionRun(base);
    for (let i = 0; i < 3; i++) await pretrainEpoch(pre);
    const ck = await fermionCheckpoint(pre);
    disposeFermionRun(pre);
    for (const name of ['sr', 'ngd', 'kfac', 'qn-kfac', 'dgd'] as const) {
      const cfg = { ...base, optimizer: { name, secondOrder: { damping: 10, dampingInterval: 2, minresIterations: 5, maxIterations: 20, onWarning: undefined } } };
      const run = restoreFermionRun(ck, cfg);
      const before = JSON.stringify(run.params.orbitals.b.dataSync());
      await trainEpoch(run); // enters the energy phase
      const n0 = tf.memory().numTensors;
      for (let t = 0; t < 3; t++) {
        const r = await trainEpoch(run);
        expect(Number.isFinite(r.energy)).toBe(true);
      }
      expect(tf.memory().numTensors).toBe(n0);
      expect(JSON.stringify(run.params.orbitals.b.dataSync())).not.toBe(before);
      const opt = secondOrderOptimizer(run, run.config.optimizer, run.optState);
      expect(opt.stepCount).toBe(4);
      // one Levenberg–Marquardt update (at the third step, interval 2): λ ∈ {10ω², 10ω, 10, 10/ω}
      const w = Math.pow(0.95, 5);
      expect([10 * w * w, 10 * w, 10, 10 / w].some((v) => Math.abs(v - opt.damping) < 1e-9)).toBe(true);
      // checkpoint → restore: the optimiser state (steps, λ) is rebuilt from the serialised record
      const ck2 = JSON.parse(JSON.stringify(await fermionCheckpoint(run)));
      const run2 = restoreFermionRun(ck2, cfg);
      const opt2 = secondOrderOptimizer(run2, run2.config.optimizer, run2.optState);
      expect(opt2.stepCount).toBe(4);
      expect(opt2.damping).toBe(opt.damping);
      expect(opt2.kfacDamping).toBe(opt.kfacDamping);
      // the energy changes pooled for the next λ test and the error of the last energy survive too
      expect(opt2.getState().pool).toEqual(opt.getState().pool);
      expect(opt2.getState().prevEnergyError).toBe(opt.getState().prevEnergyError);
      disposeFermionRun(run2);
      disposeFermionRun(run);
    }
  });

  it('rejects unknown optimisers and bad hyper-parameters with OptimizerInputError', () => {
    expect(() => createFermionRun({ ...base, optimizer: { name: 'lbfgs' as never } })).toThrow(OptimizerInputError);
    expect(() => createFermionRun({ ...base, optimizer: { name: 'sr', secondOrder: { damping: 0 } } })).toThrow(/damping = 0/);
    expect(() => createFermionRun({ ...base, optimizer: { name: 'adam', secondOrder: { damping: 1 } } })).toThrow(/secondOrder applies only/);
  });
});
