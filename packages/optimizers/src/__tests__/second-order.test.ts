import { beforeAll, describe, expect, it } from 'vitest';
import { Matrix, solve } from 'ml-matrix';
import { initBackend, perSampleJacobian, Rng, tf, treeSpec, treeFromFlat, treeToFlat, type ParamTracer, type ParamTree } from '@nqs/autodiff-core';
import {
  OptimizerInputError,
  SecondOrderOptimizer,
  adaptDamping,
  applyDampingMove,
  applyUpdates,
  conjugateGradient,
  dampingMove,
  jacobianOperator,
  kfacAverage,
  kfacDecay,
  kfacFactors,
  kfacPi,
  kfacPrecondition,
  layerGroups,
  minres,
  optimalStep,
  parseOptimizerName,
  quasiHessianProduct,
  sgd,
  solveDamped,
  solveModel2x2,
  stackOperators,
  type DenseJacobian,
  type SolveMethod,
} from '../index.js';

beforeAll(async () => {
  await initBackend();
});

// ---------------------------------------------------------------------------------------------
// helpers: a small traced network y = w2·tanh(x W1 + b1) + b2 + s·Σx, x [B, 3]

const IN = 3;
const H = 4;

function initSmall(rng: Rng): ParamTree {
  const r = (shape: number[], sc: number) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => sc * rng.normal()), shape);
  return { l1: { w: r([IN, H], 0.8), b: r([H], 0.3) }, l2: { w: r([H, 1], 0.8), b: r([1], 0.3) }, s: r([1], 0.5) };
}

type SmallP = { l1: { w: tf.Tensor2D; b: tf.Tensor1D }; l2: { w: tf.Tensor2D; b: tf.Tensor1D }; s: tf.Tensor1D };

function smallNet(p: ParamTree, x: tf.Tensor, tr: ParamTracer): tf.Tensor1D {
  const q = p as unknown as SmallP;
  const B = x.shape[0]!;
  const h = tf.tanh(tr.dense(x, q.l1.w, q.l1.b, { w: 'l1.w', b: 'l1.b' }));
  const y = tf.reshape(tr.dense(h, q.l2.w, q.l2.b, { w: 'l2.w', b: 'l2.b' }), [B]);
  const s = tf.reshape(tr.param(q.s, 's'), [-1]); // [1] or [B]
  return tf.add(y, tf.mul(s, tf.sum(x, 1))) as tf.Tensor1D;
}

/** ∂y/∂x_k of the small network, written against the tracer (for the mixed derivatives of DGD). */
function smallNetDx(k: number) {
  return (p: ParamTree, x: tf.Tensor, tr: ParamTracer): tf.Tensor1D => {
    const q = p as unknown as SmallP;
    const B = x.shape[0]!;
    const h = tf.tanh(tr.dense(x, q.l1.w, q.l1.b, { w: 'l1.w', b: 'l1.b' }));
    const d = tf.sub(1, tf.square(h)); // [B, H]
    const w1 = tr.param(q.l1.w, 'l1.w'); // [1|B, IN, H]
    const w1k = tf.reshape(tf.slice(w1, [0, k, 0], [-1, 1, H]), [-1, H]);
    const w2 = tf.reshape(tr.param(q.l2.w, 'l2.w'), [-1, H]);
    const s = tf.reshape(tr.param(q.s, 's'), [-1]);
    return tf.add(tf.sum(tf.mul(tf.mul(d, w1k), w2), 1), tf.mul(s, tf.ones([B]))) as tf.Tensor1D;
  };
}

function sampleX(rng: Rng, B: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from({ length: B * IN }, () => rng.normal()), [B, IN]);
}

function toDense(t: tf.Tensor2D): DenseJacobian {
  return { data: Float64Array.from(t.dataSync()), rows: t.shape[0], cols: t.shape[1] };
}

/** float64 reference: (scale·JᵀJ + λI) x = g with J optionally centred, formed and solved densely. */
function denseReference(J: DenseJacobian, center: boolean, scale: number, lambda: number, g: Float64Array): Float64Array {
  const { rows: N, cols: P, data } = J;
  const mean = new Float64Array(P);
  if (center) for (let r = 0; r < N; r++) for (let c = 0; c < P; c++) mean[c]! += data[r * P + c]! / N;
  const M = new Matrix(P, P);
  for (let a = 0; a < P; a++)
    for (let b = 0; b < P; b++) {
      let s = 0;
      for (let r = 0; r < N; r++) s += (data[r * P + a]! - mean[a]!) * (data[r * P + b]! - mean[b]!);
      M.set(a, b, scale * s + (a === b ? lambda : 0));
    }
  return Float64Array.from(solve(M, Matrix.columnVector(Array.from(g))).getColumn(0));
}

function energyGradient(J: DenseJacobian, e: Float64Array): Float64Array {
  const { rows: N, cols: P, data } = J;
  const m = e.reduce((s, v) => s + v, 0) / N;
  const g = new Float64Array(P);
  for (let r = 0; r < N; r++) for (let c = 0; c < P; c++) g[c]! += (2 * (e[r]! - m) * data[r * P + c]!) / N;
  return g;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

function randomDense(rng: Rng, rows: number, cols: number, sc = 1): DenseJacobian {
  return { data: Float64Array.from({ length: rows * cols }, () => sc * rng.normal()), rows, cols };
}

// ---------------------------------------------------------------------------------------------

describe('metric solves against a dense float64 reference (small network)', () => {
  const P = IN * H + H + H + 1 + 1; // 22
  for (const B of [9, 64]) {
    it(`SR and NGD, B = ${B}, P = ${P}: dense / sample / cg / minres, tensor and float64 Jacobians`, async () => {
      const rng = new Rng(11 + B);
      const params = initSmall(rng);
      const x = sampleX(rng, B);
      const { value, jacobian } = perSampleJacobian(smallNet, params, x);
      expect(jacobian.shape).toEqual([B, P]);
      const Jd = toDense(jacobian);
      const e = Float64Array.from({ length: B }, () => rng.normal());
      const g = energyGradient(Jd, e);
      const lambda = 0.05;
      const coef = Float64Array.from(e, (v) => (2 * (v - e.reduce((s, u) => s + u, 0) / B)) / B);
      for (const [scale, name] of [[1 / B, 'sr'], [4 / B, 'ngd']] as const) {
        const ref = denseReference(Jd, true, scale, lambda, g);
        const methods: SolveMethod[] = ['dense', 'sample', 'cg', 'minres'];
        for (const input of [jacobian, Jd]) {
          const op = await jacobianOperator(input, true);
          for (const method of methods) {
            const r = await solveDamped({ op, scale }, g, lambda, { method, maxIterations: 400, tol: 1e-12 });
            const tol = input === Jd ? 1e-8 : 2e-4;
            expect(relErr(r.x, ref), `${name} ${method} ${input === Jd ? 'f64' : 'tf'}`).toBeLessThan(tol);
          }
          // MinSR form with g = Ōᵀc
          const r = await solveDamped({ op, scale }, g, lambda, { method: 'sample', rowCoefficients: coef });
          expect(relErr(r.x, ref)).toBeLessThan(input === Jd ? 1e-8 : 2e-4);
          op.dispose();
        }
      }
      tf.dispose([value, jacobian, x]);
      tf.dispose(Object.values(params).flatMap((v) => (v instanceof tf.Tensor ? [v] : Object.values(v as Record<string, tf.Tensor>))));
    });
  }

  it('DGD metric G = Σ_k ⟨M_k M_kᵀ⟩ (not centred) from the mixed derivatives ∂θ∂x_k y', async () => {
    const B = 12;
    const rng = new Rng(5);
    const params = initSmall(rng);
    const x = sampleX(rng, B);
    const Ms = [0, 1, 2].map((k) => perSampleJacobian(smallNetDx(k), params, x));
    // the mixed derivative is the x-derivative of the per-sample Jacobian: check one entry by finite differences
    const O = (xx: tf.Tensor2D) => perSampleJacobian(smallNet, params, xx).jacobian;
    const h = 1e-2;
    const xp = tf.add(x, tf.mul(h, tf.oneHot([1], IN).reshape([1, IN]))) as tf.Tensor2D;
    const xm = tf.sub(x, tf.mul(h, tf.oneHot([1], IN).reshape([1, IN]))) as tf.Tensor2D;
    const fd = tf.div(tf.sub(O(xp), O(xm)), 2 * h).dataSync();
    const m1 = Ms[1]!.jacobian.dataSync();
    expect(relErr(m1, fd)).toBeLessThan(5e-3);
    // stacked metric against the dense reference
    const dense = Ms.map((m) => toDense(m.jacobian));
    const stacked: DenseJacobian = { rows: 3 * B, cols: dense[0]!.cols, data: new Float64Array(3 * B * dense[0]!.cols) };
    dense.forEach((d, i) => stacked.data.set(d.data, i * d.data.length));
    const g = Float64Array.from({ length: stacked.cols }, () => rng.normal());
    const lambda = 0.1;
    const ref = denseReference(stacked, false, 1 / B, lambda, g);
    for (const ms of [Ms.map((m) => m.jacobian), dense]) {
      const op = stackOperators(await Promise.all(ms.map((m) => jacobianOperator(m, false))));
      for (const method of ['dense', 'sample', 'cg'] as const) {
        const r = await solveDamped({ op, scale: 1 / B }, g, lambda, { method, maxIterations: 500, tol: 1e-12 });
        expect(relErr(r.x, ref), `dgd ${method}`).toBeLessThan(ms === dense ? 1e-8 : 2e-4);
      }
      op.dispose();
    }
  });

  it('with S = I, SR is SGD: Δ = g/(1+λ) and the model step is −η g/(1+λ) (SGD with lr η/(1+λ))', async () => {
    const P = 5;
    const B = 2 * P;
    // O = √(B/2)·[I; −I]: mean 0, ŌᵀŌ/B = I
    const data = new Float64Array(B * P);
    const c = Math.sqrt(B / 2);
    for (let i = 0; i < P; i++) {
      data[i * P + i] = c;
      data[(P + i) * P + i] = -c;
    }
    const J: DenseJacobian = { data, rows: B, cols: P };
    const g = Float64Array.from([0.3, -1.2, 0.7, 0.05, 2]);
    const lambda = 0.4;
    const r = await solveDamped({ op: await jacobianOperator(J, true), scale: 1 / B }, g, lambda, { method: 'dense' });
    r.x.forEach((v, i) => expect(v).toBeCloseTo(g[i]! / (1 + lambda), 12));
    // local energies with 2⟨(E−Ē)Ō⟩ = g: E_L = B/(4c)·(±g_i) on the ±rows
    const e = new Float64Array(B);
    for (let i = 0; i < P; i++) {
      e[i] = (B * g[i]!) / (4 * c);
      e[P + i] = -(B * g[i]!) / (4 * c);
    }
    const eta = 0.3;
    const opt = new SecondOrderOptimizer({ kind: 'sr', damping: lambda, momentum: false, learningRate: eta, adaptDamping: false });
    const { update, info } = await opt.step({ jacobian: J, localEnergies: e });
    expect(info.gradNorm).toBeCloseTo(Math.hypot(...g), 10);
    // C = S + λI = (1+λ)I, so α* = −1 and δ = −ηg/(1+λ): the step of first-order SGD with lr η/(1+λ)
    expect(info.alpha).toBeCloseTo(-eta, 10);
    const tree = { p: tf.tensor1d(Array.from(g)) };
    const tx = sgd({ learningRate: eta / (1 + lambda) });
    const s0 = tx.init(tree);
    const u = tx.update(tree, s0, tree).updates;
    const sgdStep = treeToFlat(u);
    update.forEach((v, i) => expect(v).toBeCloseTo(sgdStep[i]!, 5));
  });
});

describe('KFAC', () => {
  it('factors equal the exact block covariances for a single layer (δ the same for every sample)', async () => {
    const B = 40;
    const rng = new Rng(3);
    const W = tf.tensor2d(Float32Array.from({ length: IN * 2 }, () => rng.normal()), [IN, 2]);
    const b = tf.tensor1d([0.1, -0.2]);
    const u = tf.tensor1d([0.7, -1.3]);
    const f = (p: ParamTree, x: tf.Tensor, tr: ParamTracer) => {
      const q = p as unknown as { w: tf.Tensor2D; b: tf.Tensor1D };
      return tf.sum(tf.mul(tr.dense(x, q.w, q.b, { w: 'w', b: 'b' }), u), 1) as tf.Tensor1D;
    };
    const params = { w: W, b };
    const x = sampleX(rng, B);
    const r = perSampleJacobian(f, params, x, { factors: true });
    const [blk] = await kfacFactors(r.factors!);
    expect(blk!.dimA).toBe(IN + 1);
    expect(blk!.dimG).toBe(2);
    // exact non-centred block ⟨O Oᵀ⟩ over the columns of [W; b] in the (i, j) ↦ i·out + j order
    const O = toDense(r.jacobian);
    const P = O.cols; // W (IN·2) then b (2) in treeToFlat order
    const col = (i: number, j: number) => (i < IN ? i * 2 + j : IN * 2 + j);
    for (let i1 = 0; i1 <= IN; i1++)
      for (let j1 = 0; j1 < 2; j1++)
        for (let i2 = 0; i2 <= IN; i2++)
          for (let j2 = 0; j2 < 2; j2++) {
            let s = 0;
            for (let n = 0; n < B; n++) s += O.data[n * P + col(i1, j1)]! * O.data[n * P + col(i2, j2)]!;
            const kron = blk!.A[i1 * (IN + 1) + i2]! * blk!.G[j1 * 2 + j2]!;
            expect(kron).toBeCloseTo(s / B, 4);
          }
    // G = u uᵀ exactly, A = ⟨ā āᵀ⟩ with the bias entry 1
    const uu = u.dataSync();
    expect(blk!.G[0]).toBeCloseTo(uu[0]! * uu[0]!, 5);
    expect(blk!.G[1]).toBeCloseTo(uu[0]! * uu[1]!, 5);
    expect(blk!.A[(IN + 1) * (IN + 1) - 1]).toBeCloseTo(1, 6);
    // damped KFAC inverse against the dense Kronecker solve
    const g = Float64Array.from({ length: P }, () => rng.normal());
    const gamma = 0.3;
    const pi = kfacPi(blk!);
    const Ad = new Matrix(IN + 1, IN + 1);
    for (let i = 0; i <= IN; i++) for (let k = 0; k <= IN; k++) Ad.set(i, k, blk!.A[i * (IN + 1) + k]! + (i === k ? gamma * pi : 0));
    const K = new Matrix(P, P);
    for (let i1 = 0; i1 <= IN; i1++)
      for (let j1 = 0; j1 < 2; j1++)
        for (let i2 = 0; i2 <= IN; i2++)
          for (let j2 = 0; j2 < 2; j2++) K.set(col(i1, j1), col(i2, j2), Ad.get(i1, i2) * (blk!.G[j1 * 2 + j2]! + (j1 === j2 ? gamma / pi : 0)));
    const ref = solve(K, Matrix.columnVector(Array.from(g))).getColumn(0);
    const got = kfacPrecondition([blk!], treeSpec(params), g, new Float64Array(P), gamma);
    expect(relErr(got, ref)).toBeLessThan(1e-10);
    tf.dispose([W, b, u, x, r.value, r.jacobian]);
    for (const fct of r.factors!) tf.dispose([fct.a, fct.delta]);
  });

  it('weight sharing over positions: A = Σ āāᵀ/(BN), G = Σ δδᵀ/B; EMA weights min(1 − 1/(t+1), 0.95)', async () => {
    const [B, N, din, dout] = [5, 3, 2, 3];
    const rng = new Rng(9);
    const a = Float32Array.from({ length: B * N * din }, () => rng.normal());
    const d = Float32Array.from({ length: B * N * dout }, () => rng.normal());
    const [blk] = await kfacFactors([{ w: 'w', b: 'b', a: tf.tensor3d(a, [B, N, din]), delta: tf.tensor3d(d, [B, N, dout]) }]);
    for (let i = 0; i <= din; i++)
      for (let k = 0; k <= din; k++) {
        let s = 0;
        for (let r = 0; r < B * N; r++) s += (i < din ? a[r * din + i]! : 1) * (k < din ? a[r * din + k]! : 1);
        expect(blk!.A[i * (din + 1) + k]).toBeCloseTo(s / (B * N), 5);
      }
    for (let i = 0; i < dout; i++)
      for (let k = 0; k < dout; k++) {
        let s = 0;
        for (let r = 0; r < B * N; r++) s += d[r * dout + i]! * d[r * dout + k]!;
        expect(blk!.G[i * dout + k]).toBeCloseTo(s / B, 4);
      }
    [0, 0.5, 2 / 3, 0.95, 0.95].forEach((v, i) => expect(kfacDecay([0, 1, 2, 19, 100][i]!)).toBeCloseTo(v, 14));
    const twice = kfacAverage(kfacAverage(null, [blk!], 0), [{ ...blk!, A: blk!.A.map((v) => 2 * v), G: blk!.G.map((v) => 3 * v) }], 1);
    expect(twice[0]!.A[0]).toBeCloseTo(1.5 * blk!.A[0]!, 10);
    expect(twice[0]!.G[0]).toBeCloseTo(2 * blk!.G[0]!, 10);
  });

  it('kfac and qn-kfac steps on the small network descend the model (gᵀδ < 0, M(δ) < 0)', async () => {
    const B = 64;
    const rng = new Rng(21);
    const params = initSmall(rng);
    const x = sampleX(rng, B);
    const r = perSampleJacobian(smallNet, params, x, { factors: true });
    const e = Float64Array.from({ length: B }, () => rng.normal());
    const JE = randomDense(rng, B, r.jacobian.shape[1], 0.3);
    for (const kind of ['kfac', 'qn-kfac'] as const) {
      const opt = new SecondOrderOptimizer({ kind, damping: 1 });
      for (let t = 0; t < 3; t++) {
        const s = await opt.step({ jacobian: r.jacobian, localEnergies: e, factors: r.factors, layout: treeSpec(params), energyJacobian: JE });
        expect(s.info.predicted).toBeLessThan(0);
        expect(s.update.every(Number.isFinite)).toBe(true);
        if (kind === 'qn-kfac') expect(s.info.solver).toBe('kfac+minres');
      }
    }
    tf.dispose([x, r.value, r.jacobian]);
    for (const fct of r.factors!) tf.dispose([fct.a, fct.delta]);
  });
});

describe('MINRES correction of QN-KFAC', () => {
  it('per layer it solves (B_ll + λI)Δ_l = g_l of the quasi-Hessian (dense float64 reference per block)', async () => {
    const B = 40;
    const rng = new Rng(17);
    const params = initSmall(rng);
    const x = sampleX(rng, B);
    const r = perSampleJacobian(smallNet, params, x, { factors: true });
    const P = r.jacobian.shape[1];
    const e = Float64Array.from({ length: B }, () => rng.normal());
    const JE = randomDense(rng, B, P, 0.5);
    const lambda = 2;
    const opt = new SecondOrderOptimizer({ kind: 'qn-kfac', damping: lambda, momentum: false, minresIterations: 200, adaptDamping: false });
    const s = await opt.step({ jacobian: r.jacobian, localEnergies: e, factors: r.factors, layout: treeSpec(params), energyJacobian: JE });
    const direction = Float64Array.from(s.update, (v) => v / s.info.alpha);
    // dense quasi-Hessian
    const O = toDense(r.jacobian);
    const cen = (J: DenseJacobian) => {
      const m = new Float64Array(P);
      for (let q = 0; q < B; q++) for (let c = 0; c < P; c++) m[c]! += J.data[q * P + c]! / B;
      return (q: number, c: number) => J.data[q * P + c]! - m[c]!;
    };
    const o = cen(O);
    const j = cen(JE);
    const em = e.reduce((a, b) => a + b, 0) / B;
    const g = energyGradient(O, e);
    const blocks = await kfacFactors(r.factors!);
    for (const idx of layerGroups(blocks, treeSpec(params))) {
      const M = new Matrix(idx.length, idx.length);
      idx.forEach((a, ia) =>
        idx.forEach((b, ib) => {
          let v = 0;
          for (let q = 0; q < B; q++) v += 4 * (e[q]! - em) * o(q, a) * o(q, b) + j(q, a) * o(q, b) + o(q, a) * j(q, b);
          M.set(ia, ib, v / B + (a === b ? lambda : 0));
        }),
      );
      const ref = solve(M, Matrix.columnVector(idx.map((p) => g[p]!))).getColumn(0);
      expect(relErr(idx.map((p) => direction[p]!), ref)).toBeLessThan(1e-4);
    }
    tf.dispose([x, r.value, r.jacobian]);
    for (const f of r.factors!) tf.dispose([f.a, f.delta]);
  });
});

describe('Krylov solvers and the quasi-Hessian', () => {
  it('CG (SPD) and MINRES (indefinite) agree with a direct solve', async () => {
    const rng = new Rng(2);
    const n = 12;
    const R = randomDense(rng, n, n);
    const spd = new Matrix(n, n);
    const ind = new Matrix(n, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += R.data[i * n + k]! * R.data[j * n + k]!;
        spd.set(i, j, s + (i === j ? 0.5 : 0));
        ind.set(i, j, s - (i === j ? 3 : 0));
      }
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const op = (M: Matrix) => async (v: Float64Array) => Float64Array.from(M.mmul(Matrix.columnVector(Array.from(v))).getColumn(0));
    const ref1 = solve(spd, Matrix.columnVector(Array.from(b))).getColumn(0);
    const ref2 = solve(ind, Matrix.columnVector(Array.from(b))).getColumn(0);
    expect(relErr((await conjugateGradient(op(spd), b, { maxIterations: 200, tol: 1e-13 })).x, ref1)).toBeLessThan(1e-8);
    expect(relErr((await minres(op(spd), b, { maxIterations: 200, tol: 1e-13 })).x, ref1)).toBeLessThan(1e-8);
    expect(relErr((await minres(op(ind), b, { maxIterations: 200, tol: 1e-13 })).x, ref2)).toBeLessThan(1e-7);
    // warm start at the solution: no iterations needed
    expect((await minres(op(ind), b, { x0: Float64Array.from(ref2), tol: 1e-8 })).iterations).toBe(0);
  });

  it('Jacobi-preconditioned CG: same solution of a badly scaled damped Gram system in fewer iterations', async () => {
    const rng = new Rng(5);
    const [B, P] = [40, 30];
    // columns scaled over four decades, like biases vs weights vs envelope parameters
    const J = randomDense(rng, B, P);
    for (let r = 0; r < B; r++) for (let c = 0; c < P; c++) J.data[r * P + c]! *= Math.pow(10, (2 * c) / (P - 1) - 2) * 10;
    const g = Float64Array.from({ length: P }, () => rng.normal());
    const lambda = 1e-3;
    const ref = denseReference(J, false, 1 / B, lambda, g);
    const op = await jacobianOperator(J, false);
    const plain = await solveDamped({ op, scale: 1 / B }, g, lambda, { method: 'cg', maxIterations: 2000, tol: 1e-10 });
    const jac = await solveDamped({ op, scale: 1 / B }, g, lambda, { method: 'cg', maxIterations: 2000, tol: 1e-10, preconditioner: 'jacobi' });
    expect(relErr(plain.x, ref)).toBeLessThan(1e-6);
    expect(relErr(jac.x, ref)).toBeLessThan(1e-6);
    expect(jac.iterations).toBeLessThan(plain.iterations / 2);
    // at a fixed small budget the preconditioned solve is the better one
    const p10 = await solveDamped({ op, scale: 1 / B }, g, lambda, { method: 'cg', maxIterations: 10 });
    const j10 = await solveDamped({ op, scale: 1 / B }, g, lambda, { method: 'cg', maxIterations: 10, preconditioner: 'jacobi' });
    expect(relErr(j10.x, ref)).toBeLessThan(relErr(p10.x, ref));
    await expect(solveDamped({ op, scale: 1 / B }, g, lambda, { method: 'cg', preconditioner: 'ilu' as never })).rejects.toThrow(/preconditioner/);
    await expect(conjugateGradient(async (v) => v, g, { diagonal: new Float64Array(P) })).rejects.toThrow(/diagonal/);
    op.dispose();
  });

  it('quasi-Hessian product equals the dense B = 4⟨(E−Ē)ŌŌᵀ⟩ + ⟨J̄_E Ōᵀ⟩ + ⟨Ō J̄_Eᵀ⟩', async () => {
    const rng = new Rng(8);
    const [B, P] = [30, 7];
    const O = randomDense(rng, B, P);
    const JE = randomDense(rng, B, P);
    const e = Float64Array.from({ length: B }, () => rng.normal());
    const v = Float64Array.from({ length: P }, () => rng.normal());
    const got = await quasiHessianProduct(await jacobianOperator(O, true), await jacobianOperator(JE, true), e)(v);
    const cen = (J: DenseJacobian) => {
      const m = new Float64Array(P);
      for (let r = 0; r < B; r++) for (let c = 0; c < P; c++) m[c]! += J.data[r * P + c]! / B;
      return (r: number, c: number) => J.data[r * P + c]! - m[c]!;
    };
    const o = cen(O);
    const j = cen(JE);
    const em = e.reduce((s, u) => s + u, 0) / B;
    const ref = new Float64Array(P);
    for (let a = 0; a < P; a++)
      for (let b = 0; b < P; b++) {
        let s = 0;
        for (let r = 0; r < B; r++) s += 4 * (e[r]! - em) * o(r, a) * o(r, b) + j(r, a) * o(r, b) + o(r, a) * j(r, b);
        ref[a]! += (s / B) * v[b]!;
      }
    expect(relErr(got, ref)).toBeLessThan(1e-12);
  });
});

describe('step from the quadratic model and damping', () => {
  it('α*, μ* solve the 2×2 system; first step has μ* = 0', async () => {
    const rng = new Rng(4);
    const P = 6;
    const R = randomDense(rng, P, P);
    const C = new Matrix(P, P);
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
      let s = 0;
      for (let k = 0; k < P; k++) s += R.data[i * P + k]! * R.data[j * P + k]!;
      C.set(i, j, s + (i === j ? 0.1 : 0));
    }
    const CopS = (v: Float64Array) => Float64Array.from(C.mmul(Matrix.columnVector(Array.from(v))).getColumn(0));
    const Cop = async (v: Float64Array) => CopS(v);
    const vec = () => Float64Array.from({ length: P }, () => rng.normal());
    const [g, D, d0] = [vec(), vec(), vec()];
    const dt = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const r = await optimalStep(g, D, d0, Cop);
    const h11 = dt(D, CopS(D));
    const h12 = dt(D, CopS(d0));
    const h22 = dt(d0, CopS(d0));
    expect(h11 * r.alpha + h12 * r.mu).toBeCloseTo(-dt(g, D), 10);
    expect(h12 * r.alpha + h22 * r.mu).toBeCloseTo(-dt(g, d0), 10);
    // predicted change = gᵀδ + ½δᵀCδ and it is the minimum over (α, μ)
    const q = (a: number, m: number) => {
      const s = Float64Array.from(D, (x, i) => a * x + m * d0[i]!);
      return dt(g, s) + 0.5 * dt(s, CopS(s));
    };
    expect(r.predicted).toBeCloseTo(q(r.alpha, r.mu), 10);
    expect(q(r.alpha + 1e-3, r.mu)).toBeGreaterThan(r.predicted);
    expect(q(r.alpha, r.mu - 1e-3)).toBeGreaterThan(r.predicted);
    const first = await optimalStep(g, D, null, Cop);
    expect(first.mu).toBe(0);
    expect(first.alpha).toBeCloseTo(-dt(g, D) / h11, 12);
    expect(solveModel2x2(2, 1, 3, 1, -1)).toEqual({ alpha: -0.8, mu: 0.6 });
  });

  it('Levenberg–Marquardt: λ·(19/20)⁵ for ρ > ¾, λ/(19/20)⁵ for ρ < ¼, unchanged between', async () => {
    const w = Math.pow(0.95, 5);
    expect(adaptDamping(1e3, 0.9)).toBeCloseTo(1e3 * w, 9);
    expect(adaptDamping(1e3, 0.1)).toBeCloseTo(1e3 / w, 9);
    expect(adaptDamping(1e3, -2)).toBeCloseTo(1e3 / w, 9);
    expect(adaptDamping(1e3, 0.5)).toBe(1e3);
    expect(adaptDamping(1e3, NaN)).toBeCloseTo(1e3 / w, 9);
  });

  it('the optimiser adapts λ every 5 steps from the reported energies', async () => {
    const rng = new Rng(6);
    const [B, P] = [40, 6];
    const J = randomDense(rng, B, P);
    const e = Float64Array.from({ length: B }, () => rng.normal());
    for (const [good, dir] of [[true, -1], [false, 1]] as const) {
      const opt = new SecondOrderOptimizer({ kind: 'sr', onWarning: () => {} });
      expect(opt.damping).toBe(1e3);
      for (let t = 0; t < 6; t++) {
        const s = await opt.step({ jacobian: J, localEnergies: e, energy: 0 });
        // report E(θ+δ): the predicted change (ρ = 1) or a rise (ρ < 0)
        opt.observeEnergy(good ? s.info.predicted : -s.info.predicted);
        if (t < 5) expect(opt.damping).toBe(1e3);
      }
      expect(Math.sign(opt.damping - 1e3)).toBe(dir);
    }
  });
});

describe('Levenberg–Marquardt with Monte Carlo noise', () => {
  it('classic rule at zero noise; within the noise λ falls; only a significant shortfall raises it', () => {
    const pred = -1e-3;
    // stderr 0 and no fast branch: the ρ thresholds of the classic rule (ρ = actual/predicted)
    for (const rho of [-3, -0.1, 0, 0.2, 0.249, 0.251, 0.5, 0.749, 0.751, 1, 2]) {
      const move = dampingMove({ actual: rho * pred, predicted: pred, stderr: 0 }, 1, Infinity);
      expect(move, `ρ = ${rho}`).toBe(rho > 0.75 ? 'decrease' : rho < 0.25 ? 'increase' : 'keep');
      expect(applyDampingMove(100, move)).toBeCloseTo(adaptDamping(100, rho), 9);
    }
    // a rise of E (ρ = −0.5) within one standard error: no evidence against the model, λ falls
    // (fast: the whole predicted decrease is below the noise, the step is too short to be tested)
    expect(dampingMove({ actual: 0.5e-3, predicted: pred, stderr: 2e-3 }, 1)).toBe('decrease-fast');
    expect(dampingMove({ actual: 0.5e-3, predicted: pred, stderr: 2e-3 }, 1, Infinity)).toBe('decrease');
    // ρ = ½ within the noise while the predicted decrease is above it: λ falls by ω only
    expect(dampingMove({ actual: 0.5 * pred, predicted: pred, stderr: 0.5e-3 }, 1)).toBe('decrease');
    // predicted decrease just above / at the noise, measured change on target
    expect(dampingMove({ actual: pred, predicted: pred, stderr: 0.99e-3 }, 1)).toBe('decrease');
    expect(dampingMove({ actual: pred, predicted: pred, stderr: 1e-3 }, 1)).toBe('decrease-fast');
    // the same rise with a small error: significant, λ rises
    expect(dampingMove({ actual: 0.5e-3, predicted: pred, stderr: 1e-4 }, 1)).toBe('increase');
    // significantly short of ¾ but not of ¼ of the predicted decrease: λ kept
    expect(dampingMove({ actual: 0.5 * pred, predicted: pred, stderr: 1e-4 }, 1)).toBe('keep');
    // the significance z scales the noise band; z = 0 is the classic rule
    expect(dampingMove({ actual: 0.5e-3, predicted: pred, stderr: 2e-3 }, 0)).toBe('increase');
    // the default significance is z = 2
    expect(dampingMove({ actual: 0.2e-3, predicted: pred, stderr: 3e-4 }, 1)).toBe('increase');
    expect(dampingMove({ actual: 0.2e-3, predicted: pred, stderr: 3e-4 })).toBe('keep');
    expect(dampingMove({ actual: 0.5e-3, predicted: pred, stderr: 2e-4 }, 5, Infinity)).toBe('keep');
    // … but with the predicted decrease at the noise (5·2e-4 = |pred|) the ¾ test cannot resolve it
    expect(dampingMove({ actual: 0.5e-3, predicted: pred, stderr: 2e-4 }, 5)).toBe('decrease-fast');
    expect(dampingMove({ actual: 0.5e-3, predicted: pred, stderr: 1.9e-4 }, 5)).toBe('keep');
    expect(dampingMove({ actual: 0.5e-3, predicted: pred, stderr: 2e-4 }, 10)).toBe('decrease-fast');
    expect(dampingMove({ actual: 0.5e-3, predicted: pred, stderr: 2e-4 }, 10, Infinity)).toBe('decrease');
    // a model that predicts no decrease, or non-finite input, counts as bad
    expect(dampingMove({ actual: -1, predicted: 0, stderr: 1 }, 1)).toBe('increase');
    expect(dampingMove({ actual: NaN, predicted: pred }, 1)).toBe('increase');
    // ρ well above 1.5 (the damping dominates the model): λ·ω², only when significant
    const w = Math.pow(0.95, 5);
    expect(dampingMove({ actual: 2 * pred, predicted: pred, stderr: 0 }, 1)).toBe('decrease-fast');
    expect(applyDampingMove(100, 'decrease-fast')).toBeCloseTo(100 * w * w, 9);
    expect(dampingMove({ actual: 1.4 * pred, predicted: pred, stderr: 0 }, 1)).toBe('decrease');
    expect(dampingMove({ actual: 2 * pred, predicted: pred, stderr: 0.6e-3 }, 1)).toBe('decrease');
    expect(dampingMove({ actual: 2 * pred, predicted: pred, stderr: 1e-4 }, 1)).toBe('decrease-fast');
    expect(dampingMove({ actual: 2 * pred, predicted: pred, stderr: 0 }, 1, 3)).toBe('decrease');
    // bounds
    expect(applyDampingMove(1e-8, 'decrease')).toBe(1e-8);
    expect(applyDampingMove(10, 'increase', { factor: 0.5, max: 15 })).toBe(15);
  });

  it('the optimiser lowers λ when the reported change is a rise within its standard error, raises it beyond', async () => {
    const rng = new Rng(8);
    const [B, P] = [40, 6];
    const J = randomDense(rng, B, P);
    const e = Float64Array.from({ length: B }, () => rng.normal());
    for (const [stderrFactor, dir] of [[5, -1], [0.05, 1], [0, 1]] as const) {
      const opt = new SecondOrderOptimizer({ kind: 'sr', onWarning: () => {} });
      for (let t = 0; t < 6; t++) {
        const s = await opt.step({ jacobian: J, localEnergies: e, energy: 0 });
        // E(θ+δ) − E(θ) = −½·predicted: ρ = −½ (a rise)
        opt.observeEnergy(-0.5 * s.info.predicted, Math.abs(s.info.predicted) * stderrFactor);
        if (t === 5) expect(s.info.rhoError).toBeCloseTo(stderrFactor, 9);
      }
      expect(Math.sign(opt.damping - 1e3), `stderr ${stderrFactor}·|predicted|`).toBe(dir);
    }
    // without a reported E(θ+δ) the next step's energy is used, with the errors of both estimates
    const opt = new SecondOrderOptimizer({ kind: 'sr', onWarning: () => {} });
    const s0 = await opt.step({ jacobian: J, localEnergies: e });
    const s1 = await opt.step({ jacobian: J, localEnergies: e });
    const m = e.reduce((a, b) => a + b, 0) / B;
    const se = Math.sqrt(e.reduce((a, b) => a + (b - m) ** 2, 0) / (B - 1) / B);
    expect(Math.abs(s1.info.rho!)).toBe(0);
    expect(s1.info.rhoError).toBeCloseTo((Math.SQRT2 * se) / Math.abs(s0.info.predicted), 9);
  });
});

describe('Levenberg–Marquardt on the pooled energy changes of the interval', () => {
  it('a bad step inside the interval raises λ although the last step alone is good (rhoPooling false: only the last step counts)', async () => {
    const rng = new Rng(9);
    const [B, P] = [40, 6];
    const J = randomDense(rng, B, P);
    const e = Float64Array.from({ length: B }, () => rng.normal());
    for (const [pooling, dir] of [[true, 1], [false, -1]] as const) {
      const opt = new SecondOrderOptimizer({ kind: 'sr', rhoPooling: pooling, onWarning: () => {} });
      const wants: boolean[] = [];
      for (let t = 0; t < 6; t++) {
        wants.push(opt.wantsEnergyAfterStep);
        const s = await opt.step({ jacobian: J, localEnergies: e, energy: 0 });
        // steps 0, 1, 3, 4 do what the model predicts (ρ = 1); step 2 raises E by 10× the predicted decrease
        opt.observeEnergy(t === 2 ? -10 * s.info.predicted : s.info.predicted, 0);
      }
      expect(wants).toEqual(pooling ? [true, true, true, true, true, true] : [false, false, false, false, true, false]);
      expect(Math.sign(opt.damping - 1e3), `pooling ${pooling}`).toBe(dir);
    }
  });
});

describe('the quadratic model uses the intended curvature', () => {
  it('dgd: C = G + λI with G = Σ_k ⟨M_k M_kᵀ⟩; sr with the quasi-Hessian: C = B + λI (dense float64 references)', async () => {
    const rng = new Rng(12);
    const [B, P, K] = [30, 5, 2];
    const J = randomDense(rng, B, P);
    const Ms = [0, 1].map(() => randomDense(rng, B, P));
    const JE = randomDense(rng, B, P);
    const e = Float64Array.from({ length: B }, () => rng.normal());
    const g = energyGradient(J, e);
    const lambda = 0.7;
    const center = (d: DenseJacobian) => {
      const out = Float64Array.from(d.data);
      for (let c = 0; c < P; c++) {
        let m = 0;
        for (let r = 0; r < B; r++) m += d.data[r * P + c]! / B;
        for (let r = 0; r < B; r++) out[r * P + c]! -= m;
      }
      return out;
    };
    const Oc = center(J);
    const Jc = center(JE);
    const em = e.reduce((a, b) => a + b, 0) / B;
    const G = new Matrix(P, P);
    const Bq = new Matrix(P, P);
    for (let a = 0; a < P; a++)
      for (let b = 0; b < P; b++) {
        let sg = 0;
        let sb = 0;
        for (let r = 0; r < B; r++) {
          for (let k = 0; k < K; k++) sg += Ms[k]!.data[r * P + a]! * Ms[k]!.data[r * P + b]!;
          sb += 4 * (e[r]! - em) * Oc[r * P + a]! * Oc[r * P + b]! + Jc[r * P + a]! * Oc[r * P + b]! + Oc[r * P + a]! * Jc[r * P + b]!;
        }
        G.set(a, b, sg / B);
        Bq.set(a, b, sb / B);
      }
    const model = (C: Matrix, d: Float64Array) => {
      const Cd = C.mmul(Matrix.columnVector(Array.from(d))).getColumn(0);
      let lin = 0;
      let quad = 0;
      for (let i = 0; i < P; i++) {
        lin += g[i]! * d[i]!;
        quad += d[i]! * (Cd[i]! + lambda * d[i]!);
      }
      return lin + 0.5 * quad;
    };
    const dgd = await new SecondOrderOptimizer({ kind: 'dgd', damping: lambda, onWarning: () => {} }).step({ jacobian: J, localEnergies: e, mixed: Ms });
    // δ = −(G + λI)⁻¹g, the minimiser of the model, and the predicted change is M(δ) − M(0) of that model
    const dRef = Float64Array.from(solve(Matrix.add(G, Matrix.eye(P, P).mul(lambda)), Matrix.columnVector(Array.from(g))).getColumn(0), (v) => -v);
    expect(relErr(dgd.update, dRef)).toBeLessThan(1e-8);
    expect(dgd.info.predicted).toBeCloseTo(model(G, dgd.update), 12);
    const sr = await new SecondOrderOptimizer({ kind: 'sr', damping: lambda, curvature: 'quasi-hessian', onWarning: () => {} }).step({ jacobian: J, localEnergies: e, energyJacobian: JE });
    expect(sr.info.predicted).toBeCloseTo(model(Bq, sr.update), 12);
    // α* minimises the quasi-Hessian model along the SR direction Δ = (S + λI)⁻¹g
    const D = denseReference(J, true, 1 / B, lambda, g);
    const a = sr.info.alpha;
    const along = (t: number) => model(Bq, Float64Array.from(D, (v) => t * v));
    expect(relErr(sr.update, Float64Array.from(D, (v) => a * v))).toBeLessThan(1e-8);
    expect(along(a)).toBeLessThan(along(a * 1.01));
    expect(along(a)).toBeLessThan(along(a * 0.99));
  });
});

describe('warnings and input errors', () => {
  it('warns (does not throw) when SR/NGD/DGD run with fewer samples than the damping makes safe', async () => {
    const rng = new Rng(1);
    const [B, P] = [6, 30];
    const J = randomDense(rng, B, P);
    const e = Float64Array.from({ length: B }, () => rng.normal());
    for (const kind of ['sr', 'ngd', 'dgd'] as const) {
      const msgs: string[] = [];
      const mixed = kind === 'dgd' ? [randomDense(rng, B, P)] : undefined;
      const small = new SecondOrderOptimizer({ kind, damping: 1e-4, onWarning: (m) => msgs.push(m) });
      const s = await small.step({ jacobian: J, localEnergies: e, mixed });
      expect(msgs.length).toBe(1);
      expect(msgs[0]).toMatch(/samples/);
      expect(s.info.warnings.length).toBe(1);
      const safe = new SecondOrderOptimizer({ kind, damping: 1e3, onWarning: (m) => msgs.push(m) });
      await safe.step({ jacobian: J, localEnergies: e, mixed });
      expect(msgs.length).toBe(1);
    }
  });

  it('unknown optimisers and invalid hyper-parameters throw OptimizerInputError', async () => {
    expect(() => parseOptimizerName('lbfgs')).toThrow(OptimizerInputError);
    expect(() => parseOptimizerName('lbfgs')).toThrow(/adam, rmsprop, sgd, sr, ngd, kfac, qn-kfac, dgd/);
    expect(parseOptimizerName('qn-kfac')).toBe('qn-kfac');
    expect(() => new SecondOrderOptimizer({ kind: 'newton' as never })).toThrow(OptimizerInputError);
    expect(() => new SecondOrderOptimizer({ kind: 'sr', damping: -1 })).toThrow(/damping = -1/);
    expect(() => new SecondOrderOptimizer({ kind: 'sr', dampingFactor: 1.5 })).toThrow(OptimizerInputError);
    expect(() => new SecondOrderOptimizer({ kind: 'kfac', kfacDampingInterval: 0 })).toThrow(OptimizerInputError);
    expect(() => new SecondOrderOptimizer({ kind: 'dgd', solver: 'qr' as never })).toThrow(/solver/);
    const J = randomDense(new Rng(0), 4, 3);
    await expect(new SecondOrderOptimizer({ kind: 'dgd' }).step({ jacobian: J, localEnergies: new Float64Array(4) })).rejects.toThrow(/mixed/);
    await expect(new SecondOrderOptimizer({ kind: 'kfac' }).step({ jacobian: J, localEnergies: new Float64Array(4) })).rejects.toThrow(/factors/);
    await expect(new SecondOrderOptimizer({ kind: 'sr' }).step({ jacobian: J, localEnergies: new Float64Array(5) })).rejects.toThrow(OptimizerInputError);
  });
});

describe('an SR step moves the parameters of the small network downhill', () => {
  it('SR direction = dense solve; α* = −1 and the update applies to the parameter tree', async () => {
    const B = 50;
    const rng = new Rng(31);
    const params = initSmall(rng);
    const x = sampleX(rng, B);
    const { value, jacobian } = perSampleJacobian(smallNet, params, x);
    const e = Float64Array.from({ length: B }, () => rng.normal());
    const Jd = toDense(jacobian);
    const g = energyGradient(Jd, e);
    const lambda = 1e-2;
    const opt = new SecondOrderOptimizer({ kind: 'sr', damping: lambda, adaptDamping: false });
    const s = await opt.step({ jacobian, localEnergies: e });
    const ref = denseReference(Jd, true, 1 / B, lambda, g);
    // δ = α*Δ with Δ the dense solution: parallel to it
    const cos = s.update.reduce((a, v, i) => a + v * ref[i]!, 0) / (Math.hypot(...s.update) * Math.hypot(...ref));
    expect(Math.abs(cos)).toBeGreaterThan(1 - 1e-6);
    expect(s.info.alpha).toBeCloseTo(-1, 4); // Δ solves C Δ = g exactly: α* = −1
    const next = applyUpdates(params, treeFromFlat(treeSpec(params), s.update));
    expect(treeToFlat(next).length).toBe(g.length);
    tf.dispose([value, jacobian, x]);
  });
});
