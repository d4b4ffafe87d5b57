import { describe, expect, it, beforeAll } from 'vitest';
import { initBackend, Rng, tf } from '@nqs/autodiff-core';
import { MetropolisSampler, disposeWalkers, readAcceptance, readWidth, walkersToJSON, SamplerInputError, type AsyncLogProbFn, type LogProbFn } from '../index.js';

// |ψ|² ∝ exp(−Σ_i (x_i − μ_i)²/s²): mean μ_i, variance s²/2 per coordinate.
const mu = [0.5, -1.0];
const s = 1.3;
const logProb: LogProbFn = (x) =>
  tf.tidy(() => tf.mul(-1 / (s * s), tf.sum(tf.square(tf.sub(x, tf.tensor1d(mu))), 1)) as tf.Tensor1D);

describe('MetropolisSampler', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('reproduces the moments of a known Gaussian |ψ|² within 4σ of the MC error', async () => {
    const rng = new Rng(1234);
    const B = 1000;
    const smp = new MetropolisSampler({ initialWidth: 0.3 });
    let st = smp.init(rng, B, 2, logProb, 2);
    const burned = smp.burnIn(st, logProb, rng, 100);
    disposeWalkers(st);
    st = burned;
    const width = await readWidth(st);
    expect(width).toBeGreaterThan(0.3); // adapted from the too-small start
    const T = 200;
    // per-walker time averages: walkers are independent chains, so their spread gives the error
    const m1 = new Float64Array(B * 2);
    const m2 = new Float64Array(B * 2);
    const before = tf.memory().numTensors;
    for (let t = 0; t < T; t++) {
      const next = smp.step(st, logProb, rng);
      disposeWalkers(st);
      st = next;
      const x = st.x.dataSync();
      for (let i = 0; i < B * 2; i++) {
        m1[i] += x[i]! / T;
        m2[i] += (x[i]! * x[i]!) / T;
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    const acc = await readAcceptance(st);
    expect(acc).toBeGreaterThan(0.4);
    expect(acc).toBeLessThan(0.6);
    for (let k = 0; k < 2; k++) {
      const a1: number[] = [];
      const a2: number[] = [];
      for (let b = 0; b < B; b++) {
        a1.push(m1[b * 2 + k]!);
        a2.push(m2[b * 2 + k]! - 2 * mu[k]! * m1[b * 2 + k]! + mu[k]! * mu[k]!); // ⟨(x−μ)²⟩
      }
      const mean = (a: number[]) => a.reduce((p, v) => p + v, 0) / a.length;
      const err = (a: number[]) => {
        const m = mean(a);
        return Math.sqrt(a.reduce((p, v) => p + (v - m) ** 2, 0) / (a.length - 1) / a.length);
      };
      expect(Math.abs(mean(a1) - mu[k]!)).toBeLessThan(4 * err(a1));
      expect(Math.abs(mean(a2) - (s * s) / 2)).toBeLessThan(4 * err(a2));
      expect(err(a2)).toBeLessThan(0.02); // the test has teeth
    }
    disposeWalkers(st);
  });

  it('is reproducible from the seed and round-trips through JSON; refresh recomputes logProb', async () => {
    const smp = new MetropolisSampler();
    const logProb: LogProbFn = (x) => tf.tidy(() => tf.neg(tf.sum(tf.square(x), 1)) as tf.Tensor1D);
    const run = (seed: number) => {
      const rng = new Rng(seed);
      const s0 = smp.init(rng, 16, 3, logProb);
      const s1 = smp.run(s0, logProb, rng, 5);
      disposeWalkers(s0);
      return s1;
    };
    const a = run(9);
    const b = run(9);
    expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
    const j = await walkersToJSON(a);
    const c = smp.fromJSON(JSON.parse(JSON.stringify(j)), logProb);
    expect(Array.from(c.x.dataSync())).toEqual(Array.from(a.x.dataSync()));
    expect(await readWidth(c)).toBe(await readWidth(a));
    const shifted: LogProbFn = (x) => tf.tidy(() => tf.add(logProb(x), 1) as tf.Tensor1D);
    const r = smp.refresh(a, shifted);
    const d = Array.from(r.logProb.dataSync()).map((v, i) => v - a.logProb.dataSync()[i]!);
    for (const v of d) expect(v).toBeCloseTo(1, 5);
    [a, b, c, r].forEach(disposeWalkers);
    expect(() => new MetropolisSampler({ initialWidth: 0 })).toThrow(SamplerInputError);
    expect(() => smp.init(new Rng(1), 0, 2, logProb)).toThrow(/walkers/);
  });

  it('async log p (stepAsync/runAsync/burnInAsync/refreshAsync): same chains as the sync path, no leaks', async () => {
    const smp = new MetropolisSampler({ initialWidth: 0.4 });
    // the same log p, evaluated after an async read-back (as the host-determinant path does)
    const asyncLp: AsyncLogProbFn = async (x) => {
      const t = logProb(x);
      const v = (await t.data()) as Float32Array;
      t.dispose();
      return tf.tensor1d(v);
    };
    const r1 = new Rng(77);
    const r2 = new Rng(77);
    const s0 = smp.init(r1, 64, 2, logProb);
    const t0 = smp.init(r2, 64, 2, logProb);
    const n0 = tf.memory().numTensors;
    const a = smp.burnIn(s0, logProb, r1, 7);
    const b = await smp.burnInAsync(t0, asyncLp, r2, 7);
    expect(Array.from(await b.x.data())).toEqual(Array.from(await a.x.data()));
    expect(Array.from(await b.logProb.data())).toEqual(Array.from(await a.logProb.data()));
    expect(await readWidth(b)).toBe(await readWidth(a));
    const a2 = smp.run(a, logProb, r1, 3);
    const b2 = await smp.runAsync(b, asyncLp, r2, 3);
    expect(await readAcceptance(b2)).toBe(await readAcceptance(a2));
    expect(Array.from(await b2.x.data())).toEqual(Array.from(await a2.x.data()));
    const bR = await smp.refreshAsync(b2, asyncLp);
    expect(Array.from(await bR.logProb.data())).toEqual(Array.from(await b2.logProb.data()));
    [a, b, a2, b2, bR].forEach(disposeWalkers);
    expect(tf.memory().numTensors).toBe(n0);
    // a failing log p leaves no proposal behind; fromPositionsAsync takes ownership of x
    const failing: AsyncLogProbFn = async () => {
      throw new Error('boom');
    };
    await expect(smp.stepAsync(t0, failing, r2)).rejects.toThrow('boom');
    await expect(smp.runAsync(t0, failing, r2, 2)).rejects.toThrow('boom');
    await expect(smp.fromPositionsAsync(tf.zeros([4, 2]) as tf.Tensor2D, 0.5, failing)).rejects.toThrow('boom');
    expect(tf.memory().numTensors).toBe(n0);
    const f = await smp.fromPositionsAsync(tf.zeros([4, 2]) as tf.Tensor2D, 0.5, asyncLp);
    expect(Array.from(await f.logProb.data())).toEqual(Array.from(await logProb(f.x).data()));
    [s0, t0, f].forEach(disposeWalkers);
  });
});
