import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, STOCK_GRADIENTS, tf, withGradients } from '../index.js';

// Each case: a tfjs scalar function of a 1-D x and the same function in float64 JS.
// Second derivatives by nested tf.grad are compared with float64 central differences.
type Case = { name: string; tf: (x: tf.Tensor) => tf.Tensor; f64: (x: number) => number };

const sig = (z: number) => 1 / (1 + Math.exp(-z));
const softplus = (z: number) => Math.log1p(Math.exp(z));

const CASES: Case[] = [
  { name: 'tanh', tf: (x) => tf.tanh(x.mul(1.7)).square().sum(), f64: (x) => Math.tanh(1.7 * x) ** 2 },
  { name: 'sigmoid', tf: (x) => tf.sigmoid(x.mul(1.7)).square().sum(), f64: (x) => sig(1.7 * x) ** 2 },
  { name: 'exp', tf: (x) => tf.exp(x.mul(1.7)).square().sum(), f64: (x) => Math.exp(1.7 * x) ** 2 },
  { name: 'softplus', tf: (x) => tf.softplus(x.mul(1.7)).square().sum(), f64: (x) => softplus(1.7 * x) ** 2 },
  { name: 'elu', tf: (x) => tf.elu(x.mul(1.7).sub(0.5)).square().sum(), f64: (x) => { const z = 1.7 * x - 0.5; return (z > 0 ? z : Math.expm1(z)) ** 2; } },
  { name: 'sqrt·rsqrt·reciprocal', tf: (x) => tf.sqrt(x.add(1)).mul(tf.rsqrt(x.add(2))).add(tf.reciprocal(x.add(3))).sum(), f64: (x) => Math.sqrt(x + 1) / Math.sqrt(x + 2) + 1 / (x + 3) },
  {
    name: 'softmax',
    tf: (x) => tf.softmax(tf.stack([x, x.mul(2), x.mul(-1)], 1)).square().sum(),
    f64: (x) => { const e = [Math.exp(x), Math.exp(2 * x), Math.exp(-x)]; const s = e[0]! + e[1]! + e[2]!; return e.reduce((a, v) => a + (v / s) ** 2, 0); },
  },
  { name: 'pow (variable exponent)', tf: (x) => tf.pow(tf.scalar(1.5).add(x.square()), x).sum(), f64: (x) => Math.pow(1.5 + x * x, x) },
];

function fd2(f: (x: number) => number, x: number, h = 1e-4): number {
  return (f(x + h) - 2 * f(x) + f(x - h)) / (h * h);
}

function nested2(f: (x: tf.Tensor) => tf.Tensor, xs: number[]): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor1d(xs);
    // f is a sum of identical element-wise terms, so d/dx_i of (Σ_j ∂f/∂x_j) is ∂²f/∂x_i²
    return tf.grad((y: tf.Tensor) => tf.grad(f)(y).sum())(x).dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('nested second derivatives', () => {
  it('stock tfjs is wrong for tanh, sigmoid, exp (the DESIGN.md §3 value), the fix is right', () => {
    const f = CASES[0]!.tf;
    const stock = withGradients(STOCK_GRADIENTS, () => nested2(f, [0.1])[0]!);
    const fixed = nested2(f, [0.1])[0]!;
    const exact = fd2(CASES[0]!.f64, 0.1);
    expect(exact).toBeCloseTo(5.1384, 3);
    expect(stock).toBeCloseTo(5.4569, 3); // the known-wrong stock value
    expect(Math.abs(fixed - exact) / exact).toBeLessThan(1e-4);
    for (const c of [CASES[1]!, CASES[2]!]) {
      const s = withGradients(STOCK_GRADIENTS, () => nested2(c.tf, [0.1])[0]!);
      const ex = fd2(c.f64, 0.1);
      expect(Math.abs(s - ex) / Math.abs(ex)).toBeGreaterThan(0.05);
    }
    // restoring: after withGradients the fixed gradients are active again
    expect(nested2(f, [0.1])[0]!).toBe(fixed);
  });

  for (const c of CASES) {
    it(`${c.name}: d²f/dx² matches float64 finite differences`, () => {
      const xs = [-0.8, -0.3, 0.1, 0.45, 0.9];
      const got = nested2(c.tf, xs);
      xs.forEach((x, i) => {
        const ref = fd2(c.f64, x);
        expect(Math.abs(got[i]! - ref)).toBeLessThanOrEqual(2e-4 * Math.max(Math.abs(ref), 0.1));
      });
    });
  }

  it('2-layer networks: ∂²u/∂x² and the mixed ∂/∂w ∂u/∂x match float64 finite differences', () => {
    const W1 = [0.7, -1.2, 0.4], b1 = [0.1, 0.3, -0.5], W2 = [[0.5, -0.3], [1.1, 0.2], [-0.8, 0.9]], w3 = [0.6, -1.3];
    const acts: Record<string, { tf: (t: tf.Tensor) => tf.Tensor; f: (z: number) => number }> = {
      tanh: { tf: tf.tanh, f: Math.tanh },
      sigmoid: { tf: tf.sigmoid, f: sig },
      softplus: { tf: tf.softplus, f: softplus },
    };
    for (const [name, act] of Object.entries(acts)) {
      // u(x) = w3ᵀ act(W2ᵀ act(W1 x + b1)) summed over a batch of x, with an exp on top
      const netTf = (x: tf.Tensor, scale: tf.Tensor) => {
        const h1 = act.tf(x.reshape([-1, 1]).matMul(tf.tensor2d([W1])).add(tf.tensor1d(b1)));
        const h2 = act.tf(h1.matMul(tf.tensor2d(W2)));
        return tf.exp(h2.matMul(tf.tensor2d(w3, [2, 1])).mul(scale)).sum();
      };
      const net64 = (x: number, scale = 1) => {
        const h1 = W1.map((w, j) => act.f(w * x + b1[j]!));
        const h2 = [0, 1].map((k) => act.f(h1.reduce((s, h, j) => s + h * W2[j]![k]!, 0)));
        return Math.exp(scale * (w3[0]! * h2[0]! + w3[1]! * h2[1]!));
      };
      const xs = [-1, -0.2, 0.3, 1.4];
      const d2 = nested2((x) => netTf(x, tf.scalar(1)), xs);
      xs.forEach((x, i) => {
        const ref = fd2((y) => net64(y), x);
        expect(Math.abs(d2[i]! - ref), `${name} x=${x}`).toBeLessThanOrEqual(2e-4 * Math.max(Math.abs(ref), 0.1));
      });
      // mixed derivative: d/dscale of Σ_x ∂u/∂x
      const mixed = tf.tidy(() => {
        const x = tf.tensor1d(xs);
        return tf.grad((s: tf.Tensor) => tf.grad((y: tf.Tensor) => netTf(y, s))(x).sum())(tf.scalar(1)).dataSync()[0]!;
      });
      const h = 1e-4;
      const du = (s: number) => xs.reduce((acc, x) => acc + (net64(x + h, s) - net64(x - h, s)) / (2 * h), 0);
      const refMixed = (du(1 + h) - du(1 - h)) / (2 * h);
      expect(Math.abs(mixed - refMixed), `${name} mixed`).toBeLessThanOrEqual(2e-4 * Math.abs(refMixed));
    }
  });

  it('first derivatives are unchanged (fixed vs stock)', () => {
    for (const c of CASES.slice(0, 3)) {
      const g = (cfg: 'fixed' | 'stock') => {
        const run = () => tf.tidy(() => tf.grad(c.tf)(tf.tensor1d([-0.5, 0.2, 0.7])).dataSync() as Float32Array);
        return cfg === 'stock' ? withGradients(STOCK_GRADIENTS, run) : run();
      };
      const a = g('fixed'), b = g('stock');
      a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b[i]!))));
    }
  });
});
