import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf, treeToFlat } from '@nqs/autodiff-core';
import { HOSlater } from '@nqs/ansatz';
import { trappedFermionHamiltonian } from '@nqs/hamiltonians/tf';
import { MetropolisSampler, disposeWalkers } from '@nqs/sampler';
import {
  createFermionRun,
  disposeFermionRun,
  evaluateFermions,
  fermionCheckpoint,
  restoreFermionRun,
  runFermions,
  warmStartFermionRun,
  trainEpoch,
  clipLocalEnergies,
  FermionRunInputError,
  type FermionCheckpoint,
  type FermionRunConfig,
} from '../../index.js';

beforeAll(async () => {
  await initBackend();
});

describe('walker pipeline pieces', () => {
  it('HO Slater determinant sampled by Metropolis: E_L ≡ A²/2 with zero variance (free fermions)', async () => {
    for (const A of [2, 4]) {
      const psi = new HOSlater(A);
      const h = trappedFermionHamiltonian({ interaction: { kind: 'none' } });
      const smp = new MetropolisSampler();
      const lp = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(2, psi.apply({}, x).logAbs) as tf.Tensor1D);
      const rng = new Rng(A);
      const s0 = smp.init(rng, 512, A, lp);
      const s1 = smp.burnIn(s0, lp, rng, 50);
      const le = h.localEnergy(psi, {}, s1.x);
      const e = Array.from(await le.total.data());
      const m = e.reduce((a, v) => a + v, 0) / e.length;
      const v = e.reduce((a, x) => a + (x - m) ** 2, 0) / e.length;
      expect(Math.abs(m - (A * A) / 2)).toBeLessThan(1e-3 * A * A);
      expect(v).toBeLessThan(1e-4 * A * A);
      tf.dispose([le.total, le.logAbs, le.sign, ...Object.values(le.terms)]);
      [s0, s1].forEach(disposeWalkers);
    }
  });

  it('clips to median ± w·MAD', () => {
    const c = clipLocalEnergies([0, 1, 2, 3, 100], 1);
    // median 2, MAD = (2+1+0+1+98)/5 = 20.4
    expect(Array.from(c)).toEqual([0, 1, 2, 3, 22.4]);
  });
});

const tiny: FermionRunConfig = {
  particles: 2,
  interaction: { kind: 'gaussian', V0: -2, sigma: 0.5 },
  hidden: 8,
  walkers: 64,
  burnIn: 5,
  sweepsPerEpoch: 2,
  learningRate: 1e-3,
  seed: 17,
};

describe('fermion VMC run', () => {
  it('resumes exactly from a checkpoint (pre-training and energy phase) and rejects bad checkpoints', async () => {
    const cks: FermionCheckpoint[] = [];
    const full = createFermionRun(tiny);
    await runFermions(full, { pretrainEpochs: 4, epochs: 5, checkpointEvery: 3, onCheckpoint: (c) => void cks.push(JSON.parse(JSON.stringify(c))) });
    expect(cks.map((c) => [c.phase, c.pretrainEpochs, c.epochs])).toEqual([
      ['pretrain', 3, 0],
      ['train', 4, 3],
    ]);
    const finalParams = treeToFlat(full.params);
    for (const ck of cks) {
      const run = restoreFermionRun(ck, tiny);
      await runFermions(run, { pretrainEpochs: 4, epochs: 5 });
      expect(Array.from(treeToFlat(run.params))).toEqual(Array.from(finalParams));
      expect(run.history).toEqual(full.history);
      expect(run.rng.getState()).toEqual(full.rng.getState());
      disposeFermionRun(run);
    }
    expect(() => restoreFermionRun(cks[1], { ...tiny, particles: 3 })).toThrow(/particles/);
    expect(() => restoreFermionRun(cks[1], { ...tiny, seed: 18 })).toThrow(FermionRunInputError);
    const corrupt = JSON.parse(JSON.stringify(cks[1]));
    corrupt.params.values = corrupt.params.values.slice(1);
    expect(() => restoreFermionRun(corrupt, tiny)).toThrow(FermionRunInputError);
    expect(() => restoreFermionRun({ hello: 1 }, tiny)).toThrow(/not an nqs/);
    // tensors do not leak across an epoch
    const before = tf.memory().numTensors;
    await trainEpoch(full);
    expect(tf.memory().numTensors).toBe(before);
    disposeFermionRun(full);
  });

  it('free fermions: pre-training to HO orbitals gives E ≈ A²/2; observables are consistent', async () => {
    const cfg: FermionRunConfig = { particles: 2, interaction: { kind: 'none' }, hidden: 16, walkers: 256, burnIn: 20, sweepsPerEpoch: 4, pretrainLearningRate: 1e-2, seed: 3 };
    const run = createFermionRun(cfg);
    await runFermions(run, { pretrainEpochs: 150, epochs: 0 });
    expect(run.pretrainHistory.at(-1)!.loss).toBeLessThan(0.2 * run.pretrainHistory[0]!.loss);
    const ev = await evaluateFermions(run, { batches: 12, obdmBatches: 4 });
    // variational: E ≥ 2 (within MC noise) and close to it after pre-training
    expect(ev.energy).toBeGreaterThan(2 - 4 * ev.energyError - 1e-3);
    expect(ev.energy).toBeLessThan(2.1);
    expect(ev.acceptance).toBeGreaterThan(0.3);
    // ⟨x²⟩ per particle and the trap energy are the same samples: trap = (A/2)⟨x²⟩
    expect(ev.components.trap.value).toBeCloseTo(ev.x2.value, 4);
    expect(ev.components.pair.value).toBe(0);
    expect(ev.components.kinetic.value + ev.components.trap.value).toBeCloseTo(ev.energy, 4);
    // density integrates to A; pair distribution to A(A−1)
    const dx = ev.density.x[1]! - ev.density.x[0]!;
    expect(ev.density.n.reduce((a, v) => a + v, 0) * dx).toBeCloseTo(2, 2);
    const pdx = ev.pair.x[1]! - ev.pair.x[0]!;
    expect(ev.pair.g.flat().reduce((a, v) => a + v, 0) * pdx * pdx).toBeCloseTo(2, 2);
    // a single determinant of near-HO orbitals: two natural orbitals with occupation ≈ 1
    const occ = ev.obdm!.occupations;
    expect(Math.abs(occ[0]! - 1)).toBeLessThan(0.15);
    expect(Math.abs(occ[1]! - 1)).toBeLessThan(0.15);
    expect(Math.abs(occ[2]!)).toBeLessThan(0.1);
    expect(ev.rHat).toBeLessThan(1.2);
    // warm start from this state with other walkers and seed: the same parameters, fresh chains in
    // the energy phase, and the same energy within the statistical errors
    const ck = JSON.parse(JSON.stringify(await fermionCheckpoint(run)));
    const warm = warmStartFermionRun(ck, { ...cfg, walkers: 192, seed: 4 });
    expect(warm.phase).toBe('train');
    expect([warm.epochs, warm.pretrainEpochs]).toEqual([0, 0]);
    expect(warm.walkers.x.shape).toEqual([192, 2]);
    expect(Array.from(treeToFlat(warm.params))).toEqual(Array.from(treeToFlat(run.params)));
    const ev2 = await evaluateFermions(warm, { batches: 12 });
    expect(Math.abs(ev2.energy - ev.energy)).toBeLessThan(4 * Math.hypot(ev.energyError, ev2.energyError) + 2e-3);
    expect(ev2.energy).toBeLessThan(2.1);
    await runFermions(warm, { pretrainEpochs: 0, epochs: 2 });
    expect(warm.history).toHaveLength(2);
    expect(() => warmStartFermionRun(ck, { ...cfg, hidden: 8 })).toThrow(/hidden/);
    expect(() => warmStartFermionRun(ck, { ...cfg, particles: 3 })).toThrow(/particles/);
    expect(() => warmStartFermionRun({ format: 'x' }, cfg)).toThrow(FermionRunInputError);
    disposeFermionRun(warm);
    disposeFermionRun(run);
  });
});
