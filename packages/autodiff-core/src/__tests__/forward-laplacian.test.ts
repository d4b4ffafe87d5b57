import { beforeAll, describe, expect, it } from 'vitest';
import {
  flActivation,
  flConcat,
  flDense,
  flExp,
  flInput,
  flLogAbsDet,
  flLogSumDets,
  flMeanParticles,
  flMeanFieldDense,
  flMul,
  flScale,
  flScaleLast,
  flSquare,
  ForwardLaplacianInputError,
  initBackend,
  Rng,
  tf,
  treeEntries,
  type FLTriple,
  type ParamTree,
} from '../index.js';
import { downloadParams, initNet, localEnergyFL, localEnergyNested, nestedDerivatives, netFL, netLogAbs, netLogAbs64, type NetConfig } from './paper-net.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function walkers(rng: Rng, B: number, A: number): number[][] {
  // spread particles so no two coincide (keeps det away from a node)
  return Array.from({ length: B }, () => Array.from({ length: A }, (_, i) => (i - (A - 1) / 2) * 0.9 + 0.3 * rng.normal()));
}

/** float64 central differences of ln|ψ|: gradient and Laplacian. */
function fd64(c: NetConfig, flat: Record<string, number[]>, x: number[], h = 1e-3): { f: number; grad: number[]; lap: number } {
  const f0 = netLogAbs64(c, flat, x);
  const grad: number[] = [];
  let lap = 0;
  for (let k = 0; k < x.length; k++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[k]! += h;
    xm[k]! -= h;
    const fp = netLogAbs64(c, flat, xp);
    const fm = netLogAbs64(c, flat, xm);
    grad.push((fp - fm) / (2 * h));
    lap += (fp - 2 * f0 + fm) / (h * h);
  }
  return { f: f0, grad, lap };
}

describe('forward Laplacian on the paper network', () => {
  const cfgs: NetConfig[] = [
    { A: 3, H: 8, L: 2, D: 1 },
    { A: 4, H: 6, L: 3, D: 2 },
  ];
  for (const c of cfgs) {
    it(`value, ∇ and Δ of ln|ψ| = float64 finite differences = nested tf.grad (A=${c.A}, H=${c.H}, L=${c.L}, D=${c.D})`, () => {
      const rng = new Rng(10 + c.A);
      const p = initNet(rng, c);
      const flat = downloadParams(p, treeEntries(p));
      const xs = walkers(rng, 6, c.A);
      const x = tf.tensor2d(xs);
      const before = tf.memory().numTensors;
      const r = netFL(c, p, x);
      const plain = netLogAbs(c, p, x);
      const nested = nestedDerivatives(c, p, x);
      const [lv, gv, lapv, pv, ng, nl] = [r.logAbs.arraySync(), r.grad.arraySync(), r.lap.arraySync(), plain.arraySync(), nested.grad.arraySync(), nested.lap.arraySync()];
      xs.forEach((xb, b) => {
        const ref = fd64(c, flat, xb);
        const scale = 1 + Math.abs(ref.lap);
        expect(Math.abs(lv[b]! - ref.f)).toBeLessThan(1e-4 * (1 + Math.abs(ref.f)));
        expect(Math.abs(pv[b]! - ref.f)).toBeLessThan(1e-4 * (1 + Math.abs(ref.f)));
        for (let k = 0; k < c.A; k++) {
          expect(Math.abs(gv[b]![k]! - ref.grad[k]!)).toBeLessThan(2e-4 * (1 + Math.abs(ref.grad[k]!)));
          expect(Math.abs(ng[b]![k]! - ref.grad[k]!)).toBeLessThan(2e-4 * (1 + Math.abs(ref.grad[k]!)));
        }
        expect(Math.abs(lapv[b]! - ref.lap)).toBeLessThan(1e-3 * scale);
        expect(Math.abs(nl[b]! - ref.lap)).toBeLessThan(1e-3 * scale);
      });
      tf.dispose([r.sign, r.logAbs, r.grad, r.lap, plain, nested.grad, nested.lap]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }

  it('tf.grad w.r.t. parameters of the FL local energy = the same through the nested-grad local energy', () => {
    const c: NetConfig = { A: 3, H: 5, L: 2, D: 1 };
    const rng = new Rng(21);
    const p = initNet(rng, c);
    const entries = treeEntries(p);
    const x = tf.tensor2d(walkers(rng, 4, c.A));
    const rebuild = (leaves: tf.Tensor[]): ParamTree => {
      const byPath = new Map(entries.map(([k], i) => [k, leaves[i]!]));
      return {
        layers: Object.fromEntries(Array.from({ length: c.L }, (_, l) => [`l${l}`, { w: byPath.get(`layers.l${l}.w`)!, b: byPath.get(`layers.l${l}.b`)! }])),
        orb: { w: byPath.get('orb.w')!, b: byPath.get('orb.b')! },
        kappa: byPath.get('kappa')!,
      };
    };
    const leaves = entries.map(([, t]) => t);
    const gFL = tf.grads((...ls: tf.Tensor[]) => tf.sum(localEnergyFL(c, rebuild(ls), x)))(leaves);
    const gNested = tf.grads((...ls: tf.Tensor[]) => tf.sum(localEnergyNested(c, rebuild(ls), x)))(leaves);
    let norm = 0;
    let diff = 0;
    gFL.forEach((g, i) => {
      const a = g.dataSync();
      const b = gNested[i]!.dataSync();
      for (let j = 0; j < a.length; j++) {
        norm += b[j]! ** 2;
        diff += (a[j]! - b[j]!) ** 2;
      }
    });
    expect(norm).toBeGreaterThan(1e-2);
    expect(Math.sqrt(diff / norm)).toBeLessThan(2e-3);
    // and the local energies agree
    const e1 = localEnergyFL(c, p, x).arraySync();
    const e2 = localEnergyNested(c, p, x).arraySync();
    e1.forEach((e, i) => expect(Math.abs(e - e2[i]!)).toBeLessThan(1e-3 * (1 + Math.abs(e))));
    tf.dispose([...gFL, ...gNested, x]);
  });
});

describe('forward-Laplacian building blocks', () => {
  /** f(x) of a small scalar-per-walker function by FL and by nested tf.grad. */
  function compare(fl: (t: FLTriple, x: tf.Tensor2D) => FLTriple, plain: (x: tf.Tensor2D) => tf.Tensor, A = 3) {
    const rng = new Rng(31);
    const x = tf.tensor2d(walkers(rng, 5, A));
    const r = tf.tidy(() => {
      const t = fl(flInput(x), x);
      // reduce features to one scalar per walker: s = Σ_{i,h} v (linear, so g and l reduce the same way)
      return { v: tf.sum(t.v, [1, 2]), g: tf.sum(t.g, [2, 3]), l: tf.sum(t.l, [1, 2]) };
    });
    const f = (y: tf.Tensor2D) => tf.sum(plain(y));
    const g1 = tf.grad(f);
    const grad = g1(x);
    const lapCols = Array.from({ length: A }, (_, k) => tf.slice(tf.grad((y: tf.Tensor2D) => tf.sum(tf.slice(g1(y), [0, k], [-1, 1])))(x), [0, k], [-1, 1]));
    const lap = tf.sum(tf.concat(lapCols, 1), 1);
    const val = tf.sum(plain(x), [1, 2]);
    const close = (a: tf.Tensor, b: tf.Tensor, tol: number) => {
      const da = a.dataSync();
      const db = b.dataSync();
      expect(da.length).toBe(db.length);
      da.forEach((v, i) => expect(Math.abs(v - db[i]!)).toBeLessThan(tol * (1 + Math.abs(db[i]!))));
    };
    close(r.v, val, 1e-5);
    close(r.g, grad, 1e-4);
    close(r.l, lap, 1e-3);
    tf.dispose([x, r.v, r.g, r.l, grad, lap, val, ...lapCols]);
  }
  const W = () => tf.tensor2d([[0.7, -1.1, 0.4], [0.3, 0.5, -0.9]]);
  const bias = () => tf.tensor1d([0.1, -0.2, 0.3]);
  const x3 = (x: tf.Tensor2D) => tf.reshape(x, [x.shape[0], x.shape[1], 1]);
  const mf = (h: tf.Tensor) => tf.concat([h, tf.broadcastTo(tf.mean(h, 1, true), h.shape)], 2);

  for (const act of ['tanh', 'sigmoid', 'softplus'] as const) {
    it(`dense + mean-field concat + ${act}`, () => {
      const w = W();
      const b = bias();
      const op = { tanh: tf.tanh, sigmoid: tf.sigmoid, softplus: tf.softplus }[act];
      compare(
        (t) => flActivation(flDense(flConcat([t, flMeanParticles(t)]), w, b), act),
        (x) => op(tf.add(tf.matMul(tf.reshape(mf(x3(x)), [-1, 2]), w).reshape([x.shape[0], x.shape[1], 3]), b)),
      );
      tf.dispose([w, b]);
    });
  }

  it('flMeanFieldDense = flDense(flConcat([t, flMeanParticles(t)])) on value, gradient and Laplacian', () => {
    const rng = new Rng(33);
    const x = tf.tensor2d(walkers(rng, 5, 4));
    const w1 = tf.tensor2d(Array.from({ length: 2 }, () => Array.from({ length: 3 }, () => rng.normal())));
    const w2 = tf.tensor2d(Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => rng.normal())));
    const b2 = tf.tensor1d(Array.from({ length: 5 }, () => rng.normal()));
    const [a, b] = tf.tidy(() => {
      const h = flActivation(flMeanFieldDense(flInput(x), w1, null), 'tanh');
      const fused = flMeanFieldDense(h, w2, b2);
      const ref = flDense(flConcat([h, flMeanParticles(h)]), w2, b2);
      return [fused, ref].map((t) => tf.concat([t.v.reshape([-1]), t.g.reshape([-1]), t.l.reshape([-1])]));
    });
    const da = a!.dataSync();
    const db = b!.dataSync();
    expect(da.length).toBe(5 * 4 * 5 * (2 + 4));
    da.forEach((v, i) => expect(Math.abs(v - db[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(db[i]!))));
    tf.dispose([x, w1, w2, b2, a!, b!]);
  });

  it('products, squares, exp and per-feature scaling (envelope algebra)', () => {
    const w = W();
    const b = bias();
    const kap = tf.tensor1d([0.5, 0.8, 1.2]);
    const kapB = tf.tensor2d([[0.5, 0.8, 1.2]]); // [1, J] form from tracer.param
    compare(
      (t) => flMul(flActivation(flDense(flConcat([t, flMeanParticles(t)]), w, b), 'tanh'), flExp(flScale(flSquare(flScaleLast(t, kap)), -1))),
      (x) => tf.mul(tf.tanh(tf.add(tf.matMul(tf.reshape(mf(x3(x)), [-1, 2]), w).reshape([x.shape[0], x.shape[1], 3]), b)), tf.exp(tf.neg(tf.square(tf.mul(x3(x), kap))))),
    );
    compare(
      (t) => flSquare(flScaleLast(flDense(flConcat([t, flMeanParticles(t)]), w, b), kapB)),
      (x) => tf.square(tf.mul(tf.add(tf.matMul(tf.reshape(mf(x3(x)), [-1, 2]), w).reshape([x.shape[0], x.shape[1], 3]), b), kap)),
    );
    tf.dispose([w, b, kap, kapB]);
  });

  it('flLogAbsDet and flLogSumDets = nested tf.grad of slogdet-based ln|Σ det|', async () => {
    const { slogdet, logSumSignedExp } = await import('../index.js');
    const A = 3;
    const rng = new Rng(41);
    const w1 = tf.tensor2d(Array.from({ length: 2 }, () => Array.from({ length: 2 * A }, () => rng.normal())));
    const b1 = tf.tensor1d(Array.from({ length: 2 * A }, () => rng.normal()));
    const flOrb = (t: FLTriple) => flActivation(flDense(flConcat([t, flMeanParticles(t)]), w1, b1), 'tanh');
    const plainOrb = (x: tf.Tensor2D) => tf.tanh(tf.add(tf.matMul(tf.reshape(mf(x3(x)), [-1, 2]), w1).reshape([x.shape[0], A, 2 * A]), b1));
    const x = tf.tensor2d(walkers(rng, 5, A));
    const r = tf.tidy(() => {
      const o = flOrb(flInput(x));
      const sl = (t: tf.Tensor, d: number) => tf.slice(t, [...new Array(t.rank - 1).fill(0), d * A], [...new Array(t.rank - 1).fill(-1), A]);
      const d0 = flLogAbsDet({ v: sl(o.v, 0), g: sl(o.g, 0), l: sl(o.l, 0) });
      const d1 = flLogAbsDet({ v: sl(o.v, 1), g: sl(o.g, 1), l: sl(o.l, 1) });
      return flLogSumDets([d0, d1]);
    });
    const f = (y: tf.Tensor2D) => {
      const o = plainOrb(y);
      const B = y.shape[0];
      return logSumSignedExp([slogdet(tf.slice(o, [0, 0, 0], [B, A, A]) as tf.Tensor3D), slogdet(tf.slice(o, [0, 0, A], [B, A, A]) as tf.Tensor3D)]).logAbs;
    };
    const g1 = tf.grad((y: tf.Tensor2D) => tf.sum(f(y)));
    const grad = g1(x);
    const lap = tf.add(tf.add(
      tf.slice(tf.grad((y: tf.Tensor2D) => tf.sum(tf.slice(g1(y), [0, 0], [-1, 1])))(x), [0, 0], [-1, 1]),
      tf.slice(tf.grad((y: tf.Tensor2D) => tf.sum(tf.slice(g1(y), [0, 1], [-1, 1])))(x), [0, 1], [-1, 1])),
      tf.slice(tf.grad((y: tf.Tensor2D) => tf.sum(tf.slice(g1(y), [0, 2], [-1, 1])))(x), [0, 2], [-1, 1])).reshape([-1]);
    const val = f(x);
    const [a, b, cc, d, e, ff] = [r.logAbs.dataSync(), val.dataSync(), r.grad.dataSync(), grad.dataSync(), r.lap.dataSync(), lap.dataSync()];
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-4));
    cc.forEach((v, i) => expect(Math.abs(v - d[i]!)).toBeLessThan(1e-3 * (1 + Math.abs(d[i]!))));
    e.forEach((v, i) => expect(Math.abs(v - ff[i]!)).toBeLessThan(2e-3 * (1 + Math.abs(ff[i]!))));
    tf.dispose([w1, b1, x, r.sign, r.logAbs, r.grad, r.lap, grad, lap, val]);
  });

  it('rejects bad shapes with ForwardLaplacianInputError', () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    const t = flInput(x);
    const w = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => flDense(t, w, null)).toThrow(ForwardLaplacianInputError);
    expect(() => flLogAbsDet(t)).toThrow(/\[B, A, A\]/);
    expect(() => flInput(tf.zeros([3]) as unknown as tf.Tensor2D)).toThrow(ForwardLaplacianInputError);
    tf.dispose([x, t.v, t.g, t.l, w]);
  });
});
