import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, JacobianInputError, perSampleJacobian, plainTracer, Rng, tf, treeEntries, treeSize, type ParamTree, type ParamTracer } from '../index.js';
import { initNet, localEnergyFL, netLogAbs, type NetConfig } from './paper-net.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function walkers(rng: Rng, B: number, A: number): number[][] {
  return Array.from({ length: B }, () => Array.from({ length: A }, (_, i) => (i - (A - 1) / 2) * 0.9 + 0.3 * rng.normal()));
}

/** Reference: one tf.grads per walker, flattened in treeEntries order, [B][P]. */
function loopJacobian(f: (p: ParamTree, x: tf.Tensor) => tf.Tensor1D, p: ParamTree, x: tf.Tensor2D): number[][] {
  const entries = treeEntries(p);
  const rebuild = (ls: tf.Tensor[]): ParamTree => {
    const root: Record<string, unknown> = {};
    entries.forEach(([path], i) => {
      const keys = path.split('.');
      let node = root;
      for (let k = 0; k < keys.length - 1; k++) node = (node[keys[k]!] ??= {}) as Record<string, unknown>;
      node[keys[keys.length - 1]!] = ls[i];
    });
    return root as ParamTree;
  };
  const rows: number[][] = [];
  for (let b = 0; b < x.shape[0]; b++) {
    const xb = tf.slice(x, [b, 0], [1, -1]);
    const gs = tf.grads((...ls: tf.Tensor[]) => tf.sum(f(rebuild(ls), xb)))(entries.map(([, t]) => t));
    rows.push(gs.flatMap((g) => Array.from(g.dataSync())));
    tf.dispose([xb, ...gs]);
  }
  return rows;
}

function expectClose(got: number[][], ref: number[][], rtol: number) {
  let scale = 0;
  for (const r of ref) for (const v of r) scale = Math.max(scale, Math.abs(v));
  expect(scale).toBeGreaterThan(1e-3);
  got.forEach((row, b) => row.forEach((v, j) => expect(Math.abs(v - ref[b]![j]!)).toBeLessThan(rtol * (Math.abs(ref[b]![j]!) + 1e-2 * scale))));
}

describe('perSampleJacobian (probe trick)', () => {
  it('equals a loop of per-walker tf.grad for ln|ψ| of the paper network (dense, shared per-particle and elementwise params)', () => {
    const c: NetConfig = { A: 3, H: 6, L: 2, D: 2 };
    const rng = new Rng(51);
    const p = initNet(rng, c);
    const x = tf.tensor2d(walkers(rng, 7, c.A));
    const before = tf.memory().numTensors;
    const f = (q: ParamTree, xx: tf.Tensor, tr: ParamTracer) => netLogAbs(c, q, xx, tr);
    const r = perSampleJacobian(f, p, x, { factors: true });
    expect(r.jacobian.shape).toEqual([7, treeSize(p)]);
    const ref = loopJacobian((q, xx) => netLogAbs(c, q, xx), p, x);
    expectClose(r.jacobian.arraySync(), ref, 2e-3);
    // value is ln|ψ|
    const v = netLogAbs(c, p, x);
    expect(Array.from(r.value.dataSync())).toEqual(Array.from(v.dataSync()));
    // factors: one per dense use, with the right shapes, and Σ_n a⊗δ reproduces the weight block
    expect(r.factors!.map((u) => u.w)).toEqual(['layers.l0.w', 'layers.l1.w', 'orb.w']);
    const f0 = r.factors![0]!;
    expect(f0.a.shape).toEqual([7, c.A, 2]); // [x_i, mean x] per particle
    expect(f0.delta.shape).toEqual([7, c.A, c.H]);
    const block = tf.tidy(() => tf.reshape(tf.matMul(f0.a, f0.delta, true, false), [7, -1]).arraySync());
    const jac = r.jacobian.arraySync();
    block.forEach((row, b) => row.forEach((val, j) => expect(val).toBeCloseTo(jac[b]![j]!, 5)));
    // factors only (KFAC mode): same a and δ, no O
    const r2 = perSampleJacobian(f, p, x, { factors: true, jacobian: false });
    expect(r2.jacobian.shape).toEqual([7, 0]);
    r2.factors!.forEach((u, i) => {
      expect(Array.from(u.a.dataSync())).toEqual(Array.from(r.factors![i]!.a.dataSync()));
      expect(Array.from(u.delta.dataSync())).toEqual(Array.from(r.factors![i]!.delta.dataSync()));
    });
    tf.dispose([r.value, r.jacobian, v, ...r.factors!.flatMap((u) => [u.a, u.delta])]);
    tf.dispose([r2.value, r2.jacobian, ...r2.factors!.flatMap((u) => [u.a, u.delta])]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('per-walker gradients of the forward-Laplacian local energy (W used on value, gradient and Laplacian paths)', () => {
    const c: NetConfig = { A: 3, H: 4, L: 2, D: 1 };
    const rng = new Rng(52);
    const p = initNet(rng, c);
    const x = tf.tensor2d(walkers(rng, 4, c.A));
    const r = perSampleJacobian((q, xx, tr) => localEnergyFL(c, q, xx as tf.Tensor2D, tr), p, x);
    const ref = loopJacobian((q, xx) => localEnergyFL(c, q, xx as tf.Tensor2D), p, x);
    expectClose(r.jacobian.arraySync(), ref, 5e-3);
    tf.dispose([r.value, r.jacobian, x]);
  });

  it('gives zero columns for unused leaves and rejects unknown paths and non-[B] outputs', () => {
    const w = tf.tensor2d([[1, 2], [3, 4]]);
    const p: ParamTree = { w, unused: tf.ones([3]) };
    const x = tf.tensor2d([[1, 0], [0, 2]]);
    const r = perSampleJacobian((q, xx, tr) => tf.sum(tr.dense(xx, q.w as tf.Tensor2D, null, { w: 'w' }), 1) as tf.Tensor1D, p, x);
    // y_b = Σ_o Σ_i x_bi W_io → ∂y_b/∂W_io = x_bi
    expect(r.jacobian.arraySync()).toEqual([
      [1, 1, 0, 0, 0, 0, 0],
      [0, 0, 2, 2, 0, 0, 0],
    ]);
    expect(() => perSampleJacobian((q, xx, tr) => tf.sum(tr.dense(xx, q.w as tf.Tensor2D, null, { w: 'nope' }), 1) as tf.Tensor1D, p, x)).toThrow(JacobianInputError);
    expect(() => perSampleJacobian((q, xx, tr) => tr.dense(xx, q.w as tf.Tensor2D, null, { w: 'w' }) as unknown as tf.Tensor1D, p, x)).toThrow(/must return \[B\]/);
    const y = plainTracer.param(w, 'w');
    expect(y.shape).toEqual([1, 2, 2]);
    tf.dispose([r.value, r.jacobian, w, p.unused as tf.Tensor, x, y]);
  });
});
