import { beforeAll, describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { initBackend, Rng, tf } from '@nqs/autodiff-core';
import { HOSlater } from '@nqs/ansatz';
import { MetropolisSampler, disposeWalkers } from '@nqs/sampler';
import {
  accumulateGridObdm,
  createFermionRun,
  defaultObdmGrid,
  disposeFermionRun,
  evaluateFermions,
  gridObdmAccumulator,
  gridObdmResult,
  gridPoints,
  runFermions,
  ObdmInputError,
  type GridObdmAccumulator,
  type ObdmGrid,
} from '../../index.js';

beforeAll(async () => {
  await initBackend();
});

/** HO orbital φ_n from the physicists' Hermite recursion H_{n+1} = 2xH_n − 2nH_{n−1} (float64). */
function phi(n: number, x: number): number {
  let h0 = 1;
  let h1 = 2 * x;
  if (n === 0) h1 = h0;
  for (let k = 1; k < n; k++) [h0, h1] = [h1, 2 * x * h1 - 2 * k * h0];
  let fact = 1;
  for (let k = 2; k <= n; k++) fact *= k;
  return (n === 0 ? 1 : h1) * Math.exp(-0.5 * x * x) / Math.sqrt(2 ** n * fact * Math.sqrt(Math.PI));
}

/**
 * Exact ρ(x, x') = Σ_{n<A} φ_n(x)φ_n(x') of the A-particle HO Slater determinant, in the estimator's
 * discretisation: f_kg = ρ averaged over bin k in x at the grid point x'_g, then symmetrised with the
 * estimator's weights (the bin-averaged density n_k): (n_k f_kg + n_g f_gk)/(n_k + n_g).
 */
function exactGridObdm(A: number, grid: ObdmGrid): number[][] {
  const { x, dx } = gridPoints(grid);
  const G = x.length;
  const sub = 32;
  const avg: number[][] = []; // [n][k] bin average of φ_n (midpoint rule on `sub` sub-intervals)
  for (let n = 0; n < A; n++) {
    avg.push(x.map((c) => {
      let s = 0;
      for (let j = 0; j < sub; j++) s += phi(n, c - 0.5 * dx + ((j + 0.5) * dx) / sub);
      return s / sub;
    }));
  }
  const f = (k: number, g: number) => avg.reduce((s, a, n) => s + a[k]! * phi(n, x[g]!), 0);
  const dens = x.map((c) => {
    let s = 0;
    for (let j = 0; j < sub; j++) for (let n = 0; n < A; n++) s += phi(n, c - 0.5 * dx + ((j + 0.5) * dx) / sub) ** 2;
    return s / sub;
  });
  return Array.from({ length: G }, (_, k) => Array.from({ length: G }, (_, g) => (dens[k]! * f(k, g) + dens[g]! * f(g, k)) / (dens[k]! + dens[g]!)));
}

function eigenDesc(m: number[][], scale: number): number[] {
  const e = new EigenvalueDecomposition(new Matrix(m).mul(scale), { assumeSymmetric: true });
  return [...e.realEigenvalues].sort((p, q) => q - p);
}

describe('grid one-body density matrix', () => {
  it('HO Slater determinant (A = 3): matches Σ φ_n(x)φ_n(x′) within MC errors; occupations 1, 1, 1, 0, …', async () => {
    const A = 3;
    const psi = new HOSlater(A);
    const grid = defaultObdmGrid(A, 40);
    const G = grid.points;
    const lp = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(2, psi.apply({}, x).logAbs) as tf.Tensor1D);
    const smp = new MetropolisSampler();
    const rng = new Rng(2024);
    const groups = 32;
    const perGroup = 64;
    const batches = 4;
    let w = smp.burnIn(smp.init(rng, groups * perGroup, A, lp), lp, rng, 100);
    // independent walker groups → independent estimates → per-element errors from their spread
    const accs: GridObdmAccumulator[] = Array.from({ length: groups }, () => gridObdmAccumulator(grid));
    const before = tf.memory().numTensors;
    for (let t = 0; t < batches; t++) {
      if (t > 0) {
        const next = smp.run(w, lp, rng, 10);
        disposeWalkers(w);
        w = next;
      }
      const xData = await w.x.data();
      for (let q = 0; q < groups; q++) {
        const xs = tf.slice(w.x, [q * perGroup, 0], [perGroup, A]) as tf.Tensor2D;
        await accumulateGridObdm((z) => psi.apply({}, z), xs, accs[q]!, { xData: xData.subarray(q * perGroup * A, (q + 1) * perGroup * A), chunkRows: 8192 });
        xs.dispose();
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    disposeWalkers(w);
    // pooled estimate
    const all = gridObdmAccumulator(grid);
    for (const a of accs) {
      for (let i = 0; i < all.sums.length; i++) all.sums[i]! += a.sums[i]!;
      for (let i = 0; i < all.counts.length; i++) all.counts[i]! += a.counts[i]!;
      all.samples += a.samples;
      all.outside += a.outside;
    }
    const est = gridObdmResult(all);
    const parts = accs.map(gridObdmResult);
    const exact = exactGridObdm(A, grid);
    const dx = est.binWidth;
    let maxDev = 0;
    let maxZ = 0;
    let chi2 = 0;
    let nChi = 0;
    let maxTailDev = 0;
    for (let k = 0; k < G; k++) {
      for (let g = 0; g < G; g++) {
        // both bins (almost) never visited: the groups' spread is no error estimate there
        if (Math.max(all.counts[k]!, all.counts[g]!) < 100) {
          maxTailDev = Math.max(maxTailDev, Math.abs(est.matrix[k]![g]! - exact[k]![g]!));
          continue;
        }
        const vals = parts.map((p) => p.matrix[k]![g]!);
        const m = vals.reduce((s, v) => s + v, 0) / groups;
        const err = Math.sqrt(vals.reduce((s, v) => s + (v - m) ** 2, 0) / (groups - 1) / groups);
        const d = Math.abs(est.matrix[k]![g]! - exact[k]![g]!);
        maxDev = Math.max(maxDev, d);
        maxZ = Math.max(maxZ, d / err);
        chi2 += (d / err) ** 2;
        nChi++;
      }
    }
    // spread of the eigenvalues over the groups → error of the pooled ones
    const occErr = Array.from({ length: G }, (_, n) => {
      const v = parts.map((p) => p.naturalOccupations[n]!);
      const m = v.reduce((s, x) => s + x, 0) / groups;
      return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (groups - 1) / groups);
    });
    const exactOcc = eigenDesc(exact, dx);
    const traces = parts.map((p) => p.trace);
    const tm = traces.reduce((s, v) => s + v, 0) / groups;
    const traceErr = Math.sqrt(traces.reduce((s, v) => s + (v - tm) ** 2, 0) / (groups - 1) / groups);
    const exactTrace = exact.reduce((s, r, k) => s + r[k]! * dx, 0);
    const occ = est.naturalOccupations;
    console.log(
      `grid OBDM A=3, ${all.samples} walker samples × ${G} points: max |Δρ| ${maxDev.toFixed(4)} (never-visited corners ${maxTailDev.toFixed(4)}), ` +
        `max z ${maxZ.toFixed(2)}, χ²/n ${(chi2 / nChi).toFixed(2)} (n = ${nChi}), ` +
        `trace ${est.trace.toFixed(4)}±${traceErr.toFixed(4)} (exact-discretised ${exactTrace.toFixed(4)}), occupations ${occ.slice(0, 5).map((o, i) => `${o.toFixed(4)}±${occErr[i]!.toFixed(4)}`).join(' ')}, ` +
        `exact-discretised ${exactOcc.slice(0, 4).map((o) => o.toFixed(4)).join(' ')}, |rest| ≤ ${Math.max(...occ.slice(A).map(Math.abs)).toFixed(4)}`,
    );
    expect(nChi).toBeGreaterThan(0.75 * G * G);
    // measured over seeds 1, 2, 3, 2024: χ²/n 0.67–1.37, max z 2.6–3.7, max |Δρ| 0.028–0.046, corners ≤ 0.007
    expect(chi2 / nChi).toBeLessThan(1.8);
    expect(maxZ).toBeLessThan(6);
    expect(maxDev).toBeLessThan(0.07);
    expect(maxTailDev).toBeLessThan(0.02);
    expect(Math.abs(est.trace - exactTrace)).toBeLessThan(5 * traceErr);
    expect(Math.abs(est.trace - A)).toBeLessThan(0.02);
    for (let n = 0; n < A; n++) {
      expect(Math.abs(occ[n]! - exactOcc[n]!)).toBeLessThan(5 * occErr[n]! + 1e-3);
      expect(Math.abs(occ[n]! - 1)).toBeLessThan(0.03);
    }
    for (let n = A; n < G; n++) expect(Math.abs(occ[n]!)).toBeLessThan(0.03);
    expect(occ.reduce((s, v) => s + v, 0)).toBeCloseTo(est.trace, 10);
  });

  it('one random particle per walker estimates the same matrix; bad options are rejected', async () => {
    const A = 2;
    const psi = new HOSlater(A);
    const grid: ObdmGrid = { xMin: -4, xMax: 4, points: 32 };
    const lp = (x: tf.Tensor2D) => tf.tidy(() => tf.mul(2, psi.apply({}, x).logAbs) as tf.Tensor1D);
    const smp = new MetropolisSampler();
    const rng = new Rng(7);
    const w = smp.burnIn(smp.init(rng, 8192, A, lp), lp, rng, 100);
    const acc = gridObdmAccumulator(grid);
    await accumulateGridObdm((z) => psi.apply({}, z), w.x, acc, { particles: 'random', rng: rng.split() });
    const est = gridObdmResult(acc);
    const exact = exactGridObdm(A, grid);
    const exactOcc = eigenDesc(exact, est.binWidth);
    let maxDev = 0;
    for (let k = 0; k < 32; k++) for (let g = 0; g < 32; g++) maxDev = Math.max(maxDev, Math.abs(est.matrix[k]![g]! - exact[k]![g]!));
    const occ = est.naturalOccupations;
    console.log(
      `random-particle grid OBDM A=2: max |Δρ| ${maxDev.toFixed(4)}, occupations ${occ.slice(0, 3).map((o) => o.toFixed(4)).join(' ')} ` +
        `(exact-discretised ${exactOcc.slice(0, 3).map((o) => o.toFixed(4)).join(' ')}), trace ${est.trace.toFixed(4)}`,
    );
    // seeds 1, 2, 3, 4, 7: max |Δρ| 0.035–0.067; the degenerate pair splits by the noise (first order),
    // occupations 1.003–1.027 and 0.980–0.993
    expect(maxDev).toBeLessThan(0.1);
    expect(Math.abs(occ[0]! - exactOcc[0]!)).toBeLessThan(0.05);
    expect(Math.abs(occ[1]! - exactOcc[1]!)).toBeLessThan(0.05);
    expect(Math.abs(occ[2]!)).toBeLessThan(0.03);
    expect(Math.abs(est.trace - 2)).toBeLessThan(0.03);
    await expect(accumulateGridObdm((z) => psi.apply({}, z), w.x, acc, { particles: 'random' })).rejects.toThrow(ObdmInputError);
    expect(() => gridObdmAccumulator({ xMin: 1, xMax: -1, points: 10 })).toThrow(/grid range/);
    expect(() => gridObdmResult(gridObdmAccumulator(grid))).toThrow(/no walkers/);
    disposeWalkers(w);
  });

  it('evaluateFermions reports the grid OBDM next to the HO-basis one', async () => {
    const run = createFermionRun({ particles: 2, interaction: { kind: 'none' }, hidden: 8, walkers: 128, burnIn: 20, sweepsPerEpoch: 4, pretrainLearningRate: 1e-2, seed: 11 });
    await runFermions(run, { pretrainEpochs: 30, epochs: 0 });
    const ev = await evaluateFermions(run, { batches: 3, obdmBatches: 1, obdmGridPoints: 20 });
    const o = ev.obdmGrid!;
    expect(o.grid).toHaveLength(20);
    expect(o.matrix).toHaveLength(20);
    expect(o.samples).toBe(3 * 128);
    expect(o.matrix[3]![7]).toBe(o.matrix[7]![3]);
    expect(Math.abs(o.trace - 2)).toBeLessThan(0.1);
    expect(o.naturalOccupations.reduce((s, v) => s + v, 0)).toBeCloseTo(o.trace, 8);
    expect(ev.obdm).not.toBeNull();
    const off = await evaluateFermions(run, { batches: 1, obdmGridPoints: 0 });
    expect(off.obdmGrid).toBeNull();
    disposeFermionRun(run);
  });
});
