import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf, treeDispose, treeLeaves } from '@nqs/autodiff-core';
import { deuteronNet } from '@nqs/ansatz';
import { deuteronMeshHamiltonian, solveDeuteron } from '@nqs/benchmarks-exact';
import { getPotential } from '@nqs/hamiltonians';
import { paperMesh } from '@nqs/quadrature';
import {
  channelFidelity,
  energyAndGradU,
  gaussNewtonMinimize,
  lbfgsMinimize,
  meshEnergyTf,
  meshGroundState,
  meshObservables,
  meshProblem,
  meshTensors,
  disposeMeshTensors,
  MeshTrainInputError,
  networkU,
  objectiveAndGrad,
  overlapLossAndGradU,
  pretrainResidual,
  leastSquaresMinimize,
  pretrainTargets,
  toU,
  trainMesh,
} from '../index.js';
import type { MeshProblem } from '../index.js';

let lo500: MeshProblem;
let exactE = 0;
let exactPD = 0;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  const pot = getPotential('lo500');
  const mesh = paperMesh(64, 500);
  const sol = solveDeuteron(pot, mesh);
  exactE = sol.energyMeV;
  exactPD = sol.pD;
  lo500 = meshProblem(deuteronMeshHamiltonian(pot, mesh), sol);
});

describe('mesh problem (float64)', () => {
  it('the dense ground state of the weighted matrix reproduces solveDeuteron and the paper-mesh LO500 energy', () => {
    const g = meshGroundState(lo500);
    expect(g.energyMeV).toBeCloseTo(-2.22427, 4); // REFERENCE.md: LO500 on the paper's 64-point mesh
    expect(Math.abs(g.energyMeV - exactE)).toBeLessThan(1e-8);
    const o = meshObservables(lo500, g.psiS, g.psiD);
    expect(Math.abs(o.energyMeV - exactE)).toBeLessThan(1e-8);
    expect(Math.abs(o.pD - exactPD)).toBeLessThan(1e-8);
    expect(1 - o.fidelityS!).toBeLessThan(1e-12);
    expect(1 - o.fidelityD!).toBeLessThan(1e-12);
    expect(o.relativeError!).toBeLessThan(1e-8);
  });

  it('∂E/∂u and the pre-training loss gradient match float64 finite differences', () => {
    const rng = new Rng(5);
    const n = lo500.n;
    const targets = pretrainTargets(lo500.k);
    const u = toU(lo500, targets.S.map((v) => v * (1 + 0.1 * rng.normal())), targets.D.map((v) => v * (1 + 0.1 * rng.normal())));
    const tU = toU(lo500, targets.S, targets.D);
    const dir = Float64Array.from(u, (v) => v * rng.normal());
    for (const f of [(x: Float64Array) => energyAndGradU(lo500, x), (x: Float64Array) => overlapLossAndGradU(x, tU, n)]) {
      const { dU } = f(u);
      const h = 1e-6;
      const up = Float64Array.from(u, (v, i) => v + h * dir[i]!), um = Float64Array.from(u, (v, i) => v - h * dir[i]!);
      const fd = (f(up).value - f(um).value) / (2 * h);
      const an = dU.reduce((s, v, i) => s + v * dir[i]!, 0);
      expect(Math.abs(fd - an)).toBeLessThan(1e-6 * Math.max(1, Math.abs(an)));
    }
    // overlap loss is zero at the target and the fidelity of a vector with itself is 1
    expect(overlapLossAndGradU(tU, tU, n).value).toBeLessThan(1e-28);
    expect(channelFidelity(lo500.k, lo500.w, targets.S, targets.S)).toBeCloseTo(1, 14);
  });
});

describe('mesh state (tfjs)', () => {
  it('the tfjs energy functional equals the float64 Rayleigh quotient of the same amplitudes', () => {
    const T = meshTensors(lo500);
    for (const arch of ['1sc', '2sd'] as const) {
      const net = deuteronNet({ arch, hidden: 20 });
      const p = net.init(new Rng(2));
      const amps = net.amplitudes(p, T.k);
      const eTf = meshEnergyTf(T, amps);
      const e64 = meshObservables(lo500, amps.S.dataSync(), amps.D.dataSync()).energyMeV;
      expect(Math.abs(eTf.dataSync()[0]! - e64) / Math.abs(e64)).toBeLessThan(1e-4);
      tf.dispose([amps.S, amps.D, eTf]);
      treeDispose(p);
    }
    disposeMeshTensors(T);
  });

  it('the hybrid gradient matches float64 finite differences of the network energy (and beats the all-float32 tf.grad)', () => {
    const T = meshTensors(lo500);
    const net = deuteronNet({ arch: '1sc', hidden: 12, activation: 'softplus' });
    const p = net.init(new Rng(4));
    const hybrid = objectiveAndGrad(net, T, p, (u) => energyAndGradU(lo500, u));
    const leaves = treeLeaves(p);
    const tfGrads = tf.grads((...ls: tf.Tensor[]) => meshEnergyTf(T, net.amplitudes({ l1: { w: ls[0]!, b: ls[1]! }, out: { w: ls[2]! } }, T.k)))(leaves);
    // float64 reference: the same 1sc softplus network evaluated in JS, central differences
    const theta = leaves.map((t) => Array.from(t.dataSync()));
    const sp = (z: number) => (z > 30 ? z : Math.log1p(Math.exp(z)));
    const e64 = (th: number[][]) => {
      const [w1, b1, w2] = th as [number[], number[], number[]];
      const psiS = Array.from(lo500.k, (q) => w1.reduce((s, w, j) => s + sp(w * q + b1[j]!) * w2[2 * j]!, 0));
      const psiD = Array.from(lo500.k, (q) => w1.reduce((s, w, j) => s + sp(w * q + b1[j]!) * w2[2 * j + 1]!, 0));
      return meshObservables(lo500, psiS, psiD).energyMeV;
    };
    const ref: number[] = [];
    theta.forEach((leaf, li) => leaf.forEach((v, j) => {
      const h = 1e-6 * Math.max(1, Math.abs(v));
      const plus = theta.map((l) => l.slice()), minus = theta.map((l) => l.slice());
      plus[li]![j] = v + h;
      minus[li]![j] = v - h;
      ref.push((e64(plus) - e64(minus)) / (2 * h));
    }));
    const a = treeLeaves(hybrid.grads).flatMap((t) => Array.from(t.dataSync()));
    const b = tfGrads.flatMap((t) => Array.from(t.dataSync()));
    const norm = Math.hypot(...ref);
    const errHybrid = Math.hypot(...a.map((v, i) => v - ref[i]!)) / norm;
    const errTf = Math.hypot(...b.map((v, i) => v - ref[i]!)) / norm;
    expect(errHybrid).toBeLessThan(1e-4);
    expect(errHybrid).toBeLessThanOrEqual(errTf);
    // the value is the float64 Rayleigh quotient of the downloaded amplitudes
    const { psiS, psiD } = networkU(net, T, p);
    expect(hybrid.value).toBe(meshObservables(lo500, psiS, psiD).energyMeV);
    tf.dispose(tfGrads);
    treeDispose(hybrid.grads);
    treeDispose(p);
    disposeMeshTensors(T);
  });

  it('L-BFGS pre-training and energy minimisation approach the exact LO500 deuteron; no tensor leak', () => {
    const net = deuteronNet({ arch: '1sc', hidden: 10 });
    const p = net.init(new Rng(1));
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const res = trainMesh(net, lo500, p, {
      optimizer: 'lbfgs',
      epochs: 300,
      pretrainEpochs: 100,
      historyEvery: 25,
      onRecord: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    const pre = res.history.filter((r) => r.phase === 'pretrain');
    expect(pre[pre.length - 1]!.loss).toBeLessThan(1e-4);
    const energy = res.history.filter((r) => r.phase === 'energy');
    expect(energy[energy.length - 1]!.energyMeV).toBeLessThan(pre[pre.length - 1]!.energyMeV);
    // a variational bound: never below the exact mesh energy; close to it after 300 iterations
    expect(res.final.energyMeV).toBeGreaterThanOrEqual(exactE - 1e-9);
    expect(res.final.relativeError!).toBeLessThan(1e-2);
    expect(res.final.fidelityS!).toBeGreaterThan(0.99);
    expect(Math.abs(res.final.pD - exactPD)).toBeLessThan(0.01);
    // the reported energy is the float64 Rayleigh quotient of the returned amplitudes
    expect(res.final.energyMeV).toBe(meshObservables(lo500, res.psiS, res.psiD).energyMeV);
    // tensors: only the returned parameters remain; the count is flat across records
    expect(tf.memory().numTensors - before).toBe(treeLeaves(res.params).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBe(0);
    treeDispose(res.params);
    treeDispose(p);
  });

  it('first-order optimisers (Adam, RMSprop) lower the energy with a flat tensor count across epochs', () => {
    for (const optimizer of ['adam', 'rmsprop'] as const) {
      const net = deuteronNet({ arch: '1sd', hidden: 8 });
      const p = net.init(new Rng(3));
      const counts: number[] = [];
      const res = trainMesh(net, lo500, p, { optimizer, epochs: 60, pretrainEpochs: 20, learningRate: 1e-2, historyEvery: 10, onRecord: () => { counts.push(tf.memory().numTensors); } });
      const e = res.history.filter((r) => r.phase === 'energy');
      expect(e[e.length - 1]!.energyMeV, optimizer).toBeLessThan(e[0]!.energyMeV);
      expect(Math.max(...counts) - Math.min(...counts), optimizer).toBe(0);
      expect(res.epochs).toBe(60);
      treeDispose(res.params);
      treeDispose(p);
    }
  });

  it('Gauss–Newton steps lower the energy of a network', () => {
    const net = deuteronNet({ arch: '1sc', hidden: 8 });
    const p = net.init(new Rng(6));
    const res = trainMesh(net, lo500, p, { optimizer: 'gn', epochs: 8, pretrainEpochs: 50, historyEvery: 1 });
    const e = res.history.filter((r) => r.phase === 'energy');
    const pre = res.history.filter((r) => r.phase === 'pretrain');
    expect(e[e.length - 1]!.energyMeV).toBeLessThan(pre[pre.length - 1]!.energyMeV);
    for (let i = 1; i < e.length; i++) expect(e[i]!.energyMeV).toBeLessThanOrEqual(e[i - 1]!.energyMeV + 1e-6);
    treeDispose(res.params);
    treeDispose(p);
  });

  it('lbfgs-gn hands over from L-BFGS to Gauss–Newton with continuous step numbers', () => {
    const net = deuteronNet({ arch: '1sc', hidden: 8 });
    const p = net.init(new Rng(2));
    const res = trainMesh(net, lo500, p, { optimizer: 'lbfgs-gn', lbfgsWarmup: 30, epochs: 36, pretrainEpochs: 50, historyEvery: 1 });
    const e = res.history.filter((r) => r.phase === 'energy');
    for (let i = 1; i < e.length; i++) expect(e[i]!.epoch).toBeGreaterThan(e[i - 1]!.epoch);
    expect(e[e.length - 1]!.epoch).toBe(res.epochs);
    expect(res.epochs).toBeLessThanOrEqual(36);
    expect(res.epochs).toBeGreaterThan(30);
    expect(e[e.length - 1]!.energyMeV).toBeLessThan(e[0]!.energyMeV);
    treeDispose(res.params);
    treeDispose(p);
  });

  it('pre-training of 2sc and 2sd (sigmoid, default init, Levenberg–Marquardt) reaches K_S, K_D > 0.999 for every seed', () => {
    const K = (r: { loss: number }) => r.loss; // (K_S − 1)² + (K_D − 1)² < 1e-6 ⇒ K_S, K_D > 0.999
    for (const arch of ['2sc', '2sd'] as const) {
      for (const seed of [1, 2, 3]) {
        const net = deuteronNet({ arch, hidden: 20 });
        const p = net.init(new Rng(seed));
        const res = trainMesh(net, lo500, p, { optimizer: 'gn', epochs: 0, pretrainEpochs: 60, pretrainMethod: 'lm', historyEvery: 10 });
        const pre = res.history.filter((r) => r.phase === 'pretrain');
        expect(K(pre[pre.length - 1]!), `${arch} seed ${seed}`).toBeLessThan(1e-6);
        treeDispose(res.params);
        treeDispose(p);
      }
    }
    // the reference init (W₁ ∈ U(−1,0)) starts on the constant-tail plateau and stays there
    const net = deuteronNet({ arch: '2sc', hidden: 20, init: 'reference' });
    const p = net.init(new Rng(1));
    const res = trainMesh(net, lo500, p, { optimizer: 'gn', epochs: 0, pretrainEpochs: 60, pretrainMethod: 'lm', historyEvery: 10 });
    expect(res.history[res.history.length - 1]!.loss).toBeGreaterThan(0.1);
    treeDispose(res.params);
    treeDispose(p);
  });

  it('2sc and 2sd (N = 20, sigmoid, default init) train to the LO500 deuteron: energy within 1e-3, fidelities > 0.999', () => {
    for (const arch of ['2sc', '2sd'] as const) {
      const net = deuteronNet({ arch, hidden: 20 });
      const p = net.init(new Rng(1));
      const res = trainMesh(net, lo500, p, { optimizer: 'gn', epochs: 40, pretrainEpochs: 60, pretrainMethod: 'lm' });
      expect(res.final.energyMeV, arch).toBeGreaterThanOrEqual(exactE - 1e-9);
      expect(res.final.relativeError!, arch).toBeLessThan(1e-3);
      expect(res.final.fidelityS!, arch).toBeGreaterThan(0.999);
      expect(res.final.fidelityD!, arch).toBeGreaterThan(0.999);
      treeDispose(res.params);
      treeDispose(p);
    }
  });

  it('rejects bad options', () => {
    const net = deuteronNet({ arch: '1sc', hidden: 4 });
    const p = net.init(new Rng(1));
    expect(() => trainMesh(net, lo500, p, { optimizer: 'newton' as 'lbfgs', epochs: 1 })).toThrow(MeshTrainInputError);
    expect(() => trainMesh(net, lo500, p, { epochs: -1 })).toThrow(/epochs: -1/);
    expect(() => trainMesh(net, lo500, p, { epochs: 1, pretrainMethod: 'adam' as 'lm' })).toThrow(/pretrainMethod: 'adam'/);
    expect(() => trainMesh({ amplitudes: net.amplitudes }, lo500, p, { optimizer: 'lbfgs', epochs: 1, pretrainMethod: 'lm' })).toThrow(/amplitudesWithJacobian/);
    treeDispose(p);
  });
});

describe('float64 optimisers', () => {
  it('the pre-training residual: |r_L|² = 2(1 − √K_L) and its Jacobian matches finite differences', () => {
    const rng = new Rng(12);
    const n = 5, P = 4;
    const A = Float64Array.from({ length: 2 * n * P }, () => rng.normal()); // u(θ) = A θ + c
    const c = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const t = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const uOf = (th: Float64Array) => Float64Array.from(c, (v, a) => v + th.reduce((s, x, q) => s + A[a * P + q]! * x, 0));
    const th = Float64Array.from({ length: P }, () => rng.normal());
    const u = uOf(th);
    const signs: [number, number] = [1, -1];
    const { r, J } = pretrainResidual(u, t, n, signs, A);
    for (const [ch, off] of [[0, 0], [1, n]] as const) {
      let ut = 0, uu = 0, tt = 0, rr = 0;
      for (let i = off; i < off + n; i++) { ut += u[i]! * t[i]!; uu += u[i]! ** 2; tt += t[i]! ** 2; rr += r[i]! ** 2; }
      expect(rr).toBeCloseTo(2 * (1 - (signs[ch] * ut) / Math.sqrt(uu * tt)), 12);
    }
    const h = 1e-6;
    for (let q = 0; q < P; q++) {
      const tp = Float64Array.from(th), tm = Float64Array.from(th);
      tp[q] += h;
      tm[q] -= h;
      const rp = pretrainResidual(uOf(tp), t, n, signs).r, rm = pretrainResidual(uOf(tm), t, n, signs).r;
      for (let a = 0; a < 2 * n; a++) expect(J![a * P + q]!).toBeCloseTo((rp[a]! - rm[a]!) / (2 * h), 7);
    }
  });

  it('Levenberg–Marquardt solves the Rosenbrock least-squares problem and an under-determined one (P > m)', () => {
    const ros = {
      residual: (x: Float64Array) => Float64Array.of(10 * (x[1]! - x[0]! ** 2), 1 - x[0]!),
      residualAndJacobian: (x: Float64Array) => ({ r: ros.residual(x), J: Float64Array.of(-20 * x[0]!, 10, -1, 0) }),
    };
    const a = leastSquaresMinimize(ros, Float64Array.of(-1.2, 1), { maxIterations: 200, tolerance: 1e-24 });
    expect(a.x[0]).toBeCloseTo(1, 8);
    expect(a.x[1]).toBeCloseTo(1, 8);
    // 2 residuals, 5 parameters: r = [Σx − 3, x₀x₁ − 2]; any zero is a solution
    const und = {
      residual: (x: Float64Array) => Float64Array.of(x.reduce((s, v) => s + v, 0) - 3, x[0]! * x[1]! - 2),
      residualAndJacobian: (x: Float64Array) => ({ r: und.residual(x), J: Float64Array.of(1, 1, 1, 1, 1, x[1]!, x[0]!, 0, 0, 0) }),
    };
    const b = leastSquaresMinimize(und, Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5), { maxIterations: 100, tolerance: 1e-24 });
    const rb = und.residual(b.x);
    expect(Math.hypot(rb[0]!, rb[1]!)).toBeLessThan(1e-10);
  });

  it('L-BFGS minimises the Rosenbrock function', () => {
    const f = (x: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      return { value: (1 - a) ** 2 + 100 * (b - a * a) ** 2, grad: Float64Array.of(-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)) };
    };
    const r = lbfgsMinimize(f, Float64Array.of(-1.2, 1), { maxIterations: 200, gradTol: 1e-10 });
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
    expect(r.iterations).toBeLessThan(100);
  });

  it('Gauss–Newton on u(θ) = θ finds the lowest eigenvalue of a symmetric matrix', () => {
    const m = 6;
    const rng = new Rng(9);
    const H = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = i; j < m; j++) H[i * m + j] = H[j * m + i] = rng.normal() + (i === j ? i : 0);
    const p: MeshProblem = { n: m / 2, k: new Float64Array(m / 2).fill(1), w: new Float64Array(m / 2).fill(1), scale: new Float64Array(m / 2).fill(1), H };
    const lowest = meshGroundState(p).energyMeV;
    const id = new Float64Array(m * m);
    for (let i = 0; i < m; i++) id[i * m + i] = 1;
    const r = gaussNewtonMinimize({ H, uAndJacobian: (x) => ({ u: Float64Array.from(x), J: id }), energy: (x) => energyAndGradU(p, Float64Array.from(x)).value }, Float64Array.from({ length: m }, () => rng.normal()), { maxIterations: 50 });
    expect(Math.abs(r.value - lowest)).toBeLessThan(1e-9);
    // over-parametrised: u(θ) = Jθ with J of shape m × 2m (the state-space solve) reaches it too
    const P = 2 * m;
    const J = Float64Array.from({ length: m * P }, () => rng.normal());
    const lin = (x: Float64Array) => {
      const u = new Float64Array(m);
      for (let a = 0; a < m; a++) for (let q = 0; q < P; q++) u[a] += J[a * P + q]! * x[q]!;
      return u;
    };
    const r2 = gaussNewtonMinimize({ H, uAndJacobian: (x) => ({ u: lin(x), J }), energy: (x) => energyAndGradU(p, lin(x)).value }, Float64Array.from({ length: P }, () => rng.normal()), { maxIterations: 60 });
    expect(Math.abs(r2.value - lowest)).toBeLessThan(1e-9);
  });
});
