import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, STOCK_MATMUL_GRADIENTS, tf, withGradients } from '../index.js';

// The installed BatchMatMul gradient (src/gradients.ts) against float64 finite differences of
//   L(a, b) = Σ w ⊙ C² + Σ v ⊙ C,  C = op_a(a)·op_b(b)  (op = transpose when the flag is set),
// first derivatives and Hessian-vector products (nested tf.grads), on cpu (transpose flags kept)
// and wasm (explicit transposes where the right factor is one matrix).

type Shape = number[];
type Case = { name: string; a: Shape; b: Shape; tA: boolean; tB: boolean };

const M = 3, K = 4, P = 2;
const mat = (rows: number, cols: number, t: boolean) => (t ? [cols, rows] : [rows, cols]);
const FLAGS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];
const CASES: Case[] = FLAGS.flatMap(([tA, tB]) => {
  const f = `tA=${+tA} tB=${+tB}`;
  const a = mat(M, K, tA), b = mat(K, P, tB);
  return [
    { name: `2-D ${f}`, a, b, tA, tB },
    { name: `batched 3-D ${f}`, a: [2, ...a], b: [2, ...b], tA, tB },
    { name: `broadcast [2,·]·[·] ${f}`, a: [2, ...a], b, tA, tB },
    { name: `broadcast [1,·]·[3,·] ${f}`, a: [1, ...a], b: [3, ...b], tA, tB },
    { name: `broadcast [·]·[2,2,·] ${f}`, a, b: [2, 2, ...b], tA, tB },
  ];
});

const size = (s: Shape) => s.reduce((p, d) => p * d, 1);

/** Float64 C = op_a(a)·op_b(b) with broadcast batch dimensions; returns C and its shape. */
function matmul64(a: Float64Array, as: Shape, b: Float64Array, bs: Shape, tA: boolean, tB: boolean): { c: Float64Array; shape: Shape } {
  const [m, k] = tA ? [as[as.length - 1]!, as[as.length - 2]!] : [as[as.length - 2]!, as[as.length - 1]!];
  const p = tB ? bs[bs.length - 2]! : bs[bs.length - 1]!;
  const ab = as.slice(0, -2), bb = bs.slice(0, -2);
  const r = Math.max(ab.length, bb.length);
  const pa = [...Array(r - ab.length).fill(1), ...ab], pb = [...Array(r - bb.length).fill(1), ...bb];
  const ob = pa.map((d, i) => Math.max(d, pb[i]!));
  const c = new Float64Array(size(ob) * m * p);
  for (let n = 0; n < size(ob); n++) {
    // multi-index of n in ob, mapped into a's and b's batch (size-1 dims broadcast)
    let rem = n, ia = 0, ib = 0, sa = 1, sb = 1;
    for (let d = r - 1; d >= 0; d--) {
      const i = rem % ob[d]!;
      rem = Math.floor(rem / ob[d]!);
      ia += (pa[d] === 1 ? 0 : i) * sa;
      ib += (pb[d] === 1 ? 0 : i) * sb;
      sa *= pa[d]!;
      sb *= pb[d]!;
    }
    for (let i = 0; i < m; i++)
      for (let j = 0; j < p; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) {
          const av = a[ia * m * k + (tA ? l * m + i : i * k + l)]!;
          const bv = b[ib * k * p + (tB ? j * k + l : l * p + j)]!;
          s += av * bv;
        }
        c[(n * m + i) * p + j] = s;
      }
  }
  return { c, shape: [...ob, m, p] };
}

function setup(c: Case, seed: number) {
  const rng = new Rng(seed);
  const rand = (n: number, s = 0.7) => Float64Array.from({ length: n }, () => Math.fround(s * rng.normal()));
  const a = rand(size(c.a)), b = rand(size(c.b));
  const outShape = matmul64(a, c.a, b, c.b, c.tA, c.tB).shape;
  const w = rand(size(outShape)), v = rand(size(outShape));
  const ua = rand(size(c.a)), ub = rand(size(c.b));
  const L64 = (x: Float64Array, y: Float64Array) => {
    const { c: cc } = matmul64(x, c.a, y, c.b, c.tA, c.tB);
    let s = 0;
    for (let i = 0; i < cc.length; i++) s += w[i]! * cc[i]! * cc[i]! + v[i]! * cc[i]!;
    return s;
  };
  const Ltf = (x: tf.Tensor, y: tf.Tensor) => {
    const C = tf.matMul(x, y, c.tA, c.tB);
    return tf.add(tf.sum(tf.mul(tf.tensor(Float32Array.from(w), outShape), tf.square(C))), tf.sum(tf.mul(tf.tensor(Float32Array.from(v), outShape), C)));
  };
  return { a, b, ua, ub, L64, Ltf };
}

const shift = (x: Float64Array, i: number, h: number) => {
  const y = Float64Array.from(x);
  y[i]! += h;
  return y;
};
const axpy = (x: Float64Array, u: Float64Array, h: number) => x.map((xi, i) => xi + h * u[i]!);

/** Central-difference gradient of f(a, b) w.r.t. a and b (float64). */
function fdGrad(f: (a: Float64Array, b: Float64Array) => number, a: Float64Array, b: Float64Array, h: number): [Float64Array, Float64Array] {
  const ga = a.map((_, i) => (f(shift(a, i, h), b) - f(shift(a, i, -h), b)) / (2 * h));
  const gb = b.map((_, i) => (f(a, shift(b, i, h)) - f(a, shift(b, i, -h))) / (2 * h));
  return [ga, gb];
}

function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, what: string) {
  expect(got.length, what).toBe(ref.length);
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!));
  for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!), `${what}[${i}] ${got[i]} vs ${ref[i]}`).toBeLessThanOrEqual(2e-5 * Math.max(scale, 1));
}

/** First derivatives (∂L/∂a, ∂L/∂b) and the Hessian-vector product H·(ua, ub) from tfjs. */
function tfDerivatives(c: Case, s: ReturnType<typeof setup>) {
  return tf.tidy(() => {
    const a = tf.tensor(Float32Array.from(s.a), c.a), b = tf.tensor(Float32Array.from(s.b), c.b);
    const ua = tf.tensor(Float32Array.from(s.ua), c.a), ub = tf.tensor(Float32Array.from(s.ub), c.b);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => s.Ltf(x, y))([a, b]);
    const [ha, hb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => {
      const [dx, dy] = tf.grads((p: tf.Tensor, q: tf.Tensor) => s.Ltf(p, q))([x, y]);
      return tf.add(tf.sum(tf.mul(dx!, ua)), tf.sum(tf.mul(dy!, ub)));
    })([a, b]);
    return [ga, gb, ha, hb].map((t) => {
      expect(t!.shape).toEqual(t === ga || t === ha ? c.a : c.b);
      return t!.dataSync() as Float32Array;
    });
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`BatchMatMul gradient on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend({ backend, quiet: true });
    });
    afterAll(async () => {
      await initBackend({ backend: 'cpu', quiet: true });
    });

    CASES.forEach((c, ci) => {
      it(`${c.name}: first and second derivatives match float64 finite differences`, () => {
        const s = setup(c, 100 + ci);
        const before = tf.memory().numTensors;
        const [ga, gb, ha, hb] = tfDerivatives(c, s);
        expect(tf.memory().numTensors, 'tensor leak').toBe(before);
        const [fa, fb] = fdGrad(s.L64, s.a, s.b, 1e-4);
        expectClose(ga!, fa, 'dL/da');
        expectClose(gb!, fb, 'dL/db');
        // directional derivative along (ua, ub), then its gradient: H·u
        const h = 1e-3;
        const dir = (x: Float64Array, y: Float64Array) => (s.L64(axpy(x, s.ua, h), axpy(y, s.ub, h)) - s.L64(axpy(x, s.ua, -h), axpy(y, s.ub, -h))) / (2 * h);
        const [fha, fhb] = fdGrad(dir, s.a, s.b, h);
        expectClose(ha!, fha, 'H·u (a)');
        expectClose(hb!, fhb, 'H·u (b)');
      });
    });

    it('first derivatives equal the stock gradient (where the stock gradient works)', () => {
      CASES.forEach((c, ci) => {
        const s = setup(c, 200 + ci);
        const run = () => tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => s.Ltf(x, y))([tf.tensor(Float32Array.from(s.a), c.a), tf.tensor(Float32Array.from(s.b), c.b)]).map((t) => t.dataSync() as Float32Array));
        const ours = run();
        if (c.name.startsWith('broadcast')) {
          // the stock gradient returns the broadcast shape for the batch-1 input and tfjs rejects it
          expect(() => withGradients(STOCK_MATMUL_GRADIENTS, run), c.name).toThrow(/shape/);
          return;
        }
        const stock = withGradients(STOCK_MATMUL_GRADIENTS, run);
        ours.forEach((g, k) => g.forEach((x, i) => expect(Math.abs(x - stock[k]![i]!), `${c.name} [${k}][${i}]`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(stock[k]![i]!)))));
      });
    });

    it(`${backend === 'wasm' ? 'uses explicit transposes' : 'keeps the transpose flags'} for a dense-layer gradient [N, K]·[K, P]`, async () => {
      const kernels = async () => {
        const info = await tf.profile(() => tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([tf.ones([8, K]), tf.ones([K, P])])));
        tf.dispose(info.result as tf.Tensor[]);
        return info.kernels.map((k) => k.name);
      };
      const ours = await kernels();
      const stock = await withGradients(STOCK_MATMUL_GRADIENTS, kernels);
      expect(stock.filter((n) => n === 'Transpose')).toHaveLength(0);
      expect(ours.filter((n) => n === 'Transpose')).toHaveLength(backend === 'wasm' ? 2 : 0);
      expect(ours.filter((n) => n === 'BatchMatMul')).toHaveLength(3); // forward + 2 gradient products
    });
  });
}
