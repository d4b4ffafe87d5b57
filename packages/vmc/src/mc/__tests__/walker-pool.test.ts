import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf, treeLeaves, treeToFlatTensor } from '@nqs/autodiff-core';
import { SlaterNet } from '@nqs/ansatz';
import { trappedFermionHamiltonian } from '@nqs/hamiltonians/tf';
import {
  WalkerPool,
  walkerSlices,
  createFermionRun,
  closeWalkerPool,
  disposeFermionRun,
  fermionCheckpoint,
  pretrainEpoch,
  restoreFermionRun,
  startEnergyPhase,
  trainEpoch,
  FermionRunInputError,
  type FermionRun,
  type FermionRunConfig,
} from '../../index.js';
import { localEnergyArrays, pretrainLoss, scoreGradient } from '../walker-ops.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', quiet: true });
});

const open: FermionRun[] = [];
afterAll(async () => {
  for (const r of open) {
    await closeWalkerPool(r);
    disposeFermionRun(r);
  }
});

const base: FermionRunConfig = {
  particles: 3,
  interaction: { kind: 'gaussian', V0: 2, sigma: 0.5 },
  hidden: 8,
  walkers: 96,
  burnIn: 5,
  sweepsPerEpoch: 2,
  learningRate: 1e-3,
  seed: 5,
};

function started(c: FermionRunConfig): FermionRun {
  const r = createFermionRun(c);
  startEnergyPhase(r);
  open.push(r);
  return r;
}

describe('walker slices', () => {
  it('partition the walkers into contiguous, nearly equal slices', () => {
    expect(walkerSlices(10, 3)).toEqual([
      [0, 4],
      [4, 7],
      [7, 10],
    ]);
    expect(walkerSlices(4096, 2)).toEqual([
      [0, 2048],
      [2048, 4096],
    ]);
  });
});

describe('walker pool (worker threads)', () => {
  it('local energies and the score gradient of a pool equal the single-thread ones on the same walkers', async () => {
    const A = 3;
    const B = 50;
    const net = new SlaterNet({ particles: A, hidden: 8, layers: 2, determinants: 1 });
    const params = net.init(new Rng(1));
    const xData = new Rng(2).fillNormal(new Float32Array(B * A));
    const x = tf.tensor2d(xData, [B, A]);
    const interaction = { kind: 'gaussian', V0: 2, sigma: 0.5 } as const;
    const h = trappedFermionHamiltonian({ interaction });
    const ref = await localEnergyArrays(h, net, params, x, { phiGradient: true });
    const coef = new Rng(3).fillNormal(new Float32Array(B));
    // the workers start the backward pass at Φ with the ∂ln|ψ|/∂Φ of their local energies
    const g = scoreGradient(net, params, x, coef, ref.phiGradient);
    const flatT = tf.concat(g.map((t) => t.reshape([-1])));
    const gRef = await flatT.data();
    // … which equals the gradient through net.apply up to the float32 rounding of the device
    // elimination, amplified at these random (partly near-nodal) walkers
    const gApply = scoreGradient(net, params, x, coef);
    const gApplyT = tf.concat(gApply.map((t) => t.reshape([-1])));
    const gApplyRef = await gApplyT.data();
    tf.dispose([gApplyT, ...gApply]);
    const pre = pretrainLoss(net, params, x, B);
    const preFlatT = tf.concat(pre.grads.map((t) => t.reshape([-1])));
    const preRef = { loss: (await pre.loss.data())[0]!, grad: await preFlatT.data() };
    const pT = treeToFlatTensor(params);
    const pFlat = (await pT.data()) as Float32Array;
    tf.dispose([x, flatT, pT, preFlatT, pre.loss, ...pre.grads, ...g, ...treeLeaves(params)]);

    const pool = await WalkerPool.create({
      workers: 2,
      walkers: B,
      particles: A,
      net: { particles: A, hidden: 8, layers: 2, determinants: 1 },
      interaction,
      sampler: { initialWidth: 0.5 },
      backend: 'wasm',
    });
    try {
      await pool.load(pFlat, xData, 0.5);
      const s = await pool.sample(0, [1, 2], 0.5, true); // no sweep: the loaded walkers
      expect(Array.from(s.x)).toEqual(Array.from(xData));
      for (let i = 0; i < B; i++) expect(s.total![i]).toBeCloseTo(ref.total[i]!, 4);
      for (const n of Object.keys(ref.terms)) for (let i = 0; i < B; i++) expect(s.terms![n]![i]).toBeCloseTo(ref.terms[n]![i]!, 4);
      const gp = await pool.gradient(coef);
      let scale = 0;
      for (const v of gRef) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < gp.length; i++) expect(Math.abs(gp[i]! - gRef[i]!)).toBeLessThan(1e-5 * scale);
      for (let i = 0; i < gp.length; i++) expect(Math.abs(gp[i]! - gApplyRef[i]!)).toBeLessThan(5e-3 * scale);
      const pp = await pool.pretrainGradient();
      expect(pp.loss).toBeCloseTo(preRef.loss, 4);
      scale = 0;
      for (const v of preRef.grad) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < pp.grad.length; i++) expect(Math.abs(pp.grad[i]! - preRef.grad[i]!)).toBeLessThan(1e-5 * scale);
      const before = await pool.tensorCounts();
      for (let k = 0; k < 3; k++) {
        await pool.sample(2, [k, k + 7], 0.5, true);
        await pool.gradient(coef);
        await pool.setParams(pFlat);
      }
      expect(await pool.tensorCounts()).toEqual(before); // no tensor leak in the workers
    } finally {
      await pool.close();
    }
    await expect(pool.gradient(coef)).rejects.toThrow(/closed/);
  }, 60_000);

  it('a run with 2 workers is reproducible, resumes exactly (pre-training and energy phase) and leaks no tensors', async () => {
    const c = { ...base, workers: 2 };
    const a = createFermionRun(c);
    const b = createFermionRun(c);
    open.push(a, b);
    const ea: number[] = [];
    const eb: number[] = [];
    for (let e = 0; e < 2; e++) ea.push((await pretrainEpoch(a)).loss);
    const ck0 = JSON.parse(JSON.stringify(await fermionCheckpoint(a)));
    ea.push((await pretrainEpoch(a)).loss);
    expect(ea[2]).toBeLessThan(ea[0]!);
    for (let e = 0; e < 2; e++) ea.push((await trainEpoch(a)).energy);
    const ck = JSON.parse(JSON.stringify(await fermionCheckpoint(a)));
    const n0 = tf.memory().numTensors;
    for (let e = 0; e < 2; e++) ea.push((await trainEpoch(a)).energy);
    expect(tf.memory().numTensors).toBe(n0);
    for (let e = 0; e < 3; e++) eb.push((await pretrainEpoch(b)).loss);
    for (let e = 0; e < 4; e++) eb.push((await trainEpoch(b)).energy);
    expect(eb).toEqual(ea);
    const r = restoreFermionRun(ck, c);
    open.push(r);
    const er = [(await trainEpoch(r)).energy, (await trainEpoch(r)).energy];
    expect(er).toEqual(ea.slice(5));
    const r0 = restoreFermionRun(ck0, c);
    open.push(r0);
    const er0 = [(await pretrainEpoch(r0)).loss, (await trainEpoch(r0)).energy];
    expect(er0).toEqual(ea.slice(2, 4));
    expect(ea.every(Number.isFinite)).toBe(true);
  }, 90_000);

  it('agrees statistically with the single-thread run (same parameters, independent chains)', async () => {
    // learning rate ~0: the parameters stay put, so both runs sample the same |ψ|²
    const c = { ...base, walkers: 256, learningRate: 1e-12, sweepsPerEpoch: 5, seed: 9 };
    const one = started({ ...c, workers: 1 });
    const two = started({ ...c, workers: 2 });
    const stats = async (r: FermionRun) => {
      const m: number[] = [];
      for (let e = 0; e < 12; e++) m.push((await trainEpoch(r)).energy);
      const mu = m.reduce((s, v) => s + v, 0) / m.length;
      const v = m.reduce((s, x) => s + (x - mu) ** 2, 0) / (m.length - 1);
      return { mu, err: Math.sqrt(v / m.length) };
    };
    const s1 = await stats(one);
    const s2 = await stats(two);
    expect(Math.abs(s1.mu - s2.mu)).toBeLessThan(4 * Math.hypot(s1.err, s2.err) + 1e-6);
    expect(s1.mu).not.toBe(s2.mu); // different chains, not a copy
  }, 90_000);

  it('second-order steps (SR) work with the pool: the Jacobian is taken on the gathered walkers', async () => {
    const r = started({ ...base, workers: 2, optimizer: { name: 'sr' } });
    for (let e = 0; e < 2; e++) {
      const rec = await trainEpoch(r);
      expect(Number.isFinite(rec.energy)).toBe(true);
      expect(rec.secondOrder).toBeDefined();
    }
  }, 60_000);

  it('rejects more workers than walkers', () => {
    expect(() => createFermionRun({ ...base, walkers: 4, workers: 8 })).toThrow(FermionRunInputError);
    expect(() => createFermionRun({ ...base, workers: 0 })).toThrow(/workers: 0/);
  });
});
