import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf, treeToFlat } from '@nqs/autodiff-core';
import type { ParamTree } from '@nqs/autodiff-core';
import {
  adam,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  constantSchedule,
  cosineDecay,
  disposeState,
  exponentialDecay,
  OptimizerInputError,
  rmsprop,
  sgd,
  stateFromJSON,
  stateToJSON,
  warmupSchedule,
} from '../index.js';
import type { GradientTransform, OptState } from '../index.js';

// Quadratic f(x) = ½ Σ a_i x_i², gradient a ⊙ x, with the parameters split over two leaves.
const A = [1, 3, 0.5];
const X0 = [1, -2, 0.25];
const grad = (x: number[]) => x.map((xi, i) => A[i]! * xi);
const toTree = (x: number[]): ParamTree => ({ w: tf.tensor1d(x.slice(0, 2)), inner: { b: tf.tensor1d(x.slice(2)) } });

/** Run `steps` steps of a transform on the quadratic and return the trajectory. */
function runTf(tx: GradientTransform<any>, steps: number): number[][] {
  let p = toTree(X0);
  let s: OptState = tx.init(p);
  const traj: number[][] = [];
  for (let k = 0; k < steps; k++) {
    const x = Array.from(treeToFlat(p));
    const g = toTree(grad(x));
    const r = tx.update(g, s as any, p);
    const np = applyUpdates(p, r.updates);
    tf.dispose([...Object.values(g as any)]);
    disposeState(g as any);
    disposeState(r.updates as any);
    disposeState(s);
    disposeState(p as any);
    p = np;
    s = r.state;
    traj.push(Array.from(treeToFlat(p)));
  }
  disposeState(p as any);
  disposeState(s);
  return traj;
}

function expectClose(a: number[][], b: number[][], rel = 2e-6) {
  expect(a.length).toBe(b.length);
  a.forEach((row, k) => row.forEach((v, i) => expect(Math.abs(v - b[k]![i]!)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b[k]![i]!)))));
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('first-order optimisers on a quadratic', () => {
  it('SGD: x₁ = x₀ − lr·a·x₀ (hand-computed)', () => {
    const traj = runTf(sgd({ learningRate: 0.1 }), 2);
    // step 1: [1-0.1, -2+0.6, 0.25-0.0125] = [0.9, -1.4, 0.2375]
    // step 2: [0.9-0.09, -1.4+0.42, 0.2375-0.011875] = [0.81, -0.98, 0.225625]
    expectClose(traj, [[0.9, -1.4, 0.2375], [0.81, -0.98, 0.225625]]);
  });

  it('SGD with momentum and Nesterov match the recurrences', () => {
    // heavy ball μ = 0.5: buf₁ = g₀, x₁ = x₀ − lr g₀; buf₂ = 0.5 g₀ + g₁
    // x₀ = 1 (a = 1), lr = 0.1: g₀ = 1, x₁ = 0.9; g₁ = 0.9, buf₂ = 1.4, x₂ = 0.76
    const t = runTf(sgd({ learningRate: 0.1, momentum: 0.5 }), 2);
    expect(t[0]![0]).toBeCloseTo(0.9, 6);
    expect(t[1]![0]).toBeCloseTo(0.76, 6);
    // Nesterov: step 1 uses g₀ + μ g₀ = 1.5 → x₁ = 0.85; buf₁ = 1; g₁ = 0.85, buf₂ = 1.35, dir = 0.85 + 0.675 = 1.525 → x₂ = 0.6975
    const n = runTf(sgd({ learningRate: 0.1, momentum: 0.5, nesterov: true }), 2);
    expect(n[0]![0]).toBeCloseTo(0.85, 6);
    expect(n[1]![0]).toBeCloseTo(0.6975, 6);
  });

  it('RMSprop (PyTorch convention) matches a float64 reference, also with momentum and centred', () => {
    for (const opts of [{}, { momentum: 0.9 }, { centered: true }, { centered: true, momentum: 0.5 }] as const) {
      const lr = 0.01, d = 0.9, eps = 1e-8, mom = (opts as { momentum?: number }).momentum ?? 0, cen = (opts as { centered?: boolean }).centered ?? false;
      const x = X0.slice(), nu = [0, 0, 0], mu = [0, 0, 0], buf = [0, 0, 0];
      const ref: number[][] = [];
      for (let k = 0; k < 5; k++) {
        const g = grad(x);
        for (let i = 0; i < 3; i++) {
          nu[i] = d * nu[i]! + (1 - d) * g[i]! ** 2;
          mu[i] = d * mu[i]! + (1 - d) * g[i]!;
          const den = Math.sqrt(cen ? nu[i]! - mu[i]! ** 2 : nu[i]!) + eps;
          buf[i] = mom * buf[i]! + g[i]! / den;
          x[i] = x[i]! - lr * (mom ? buf[i]! : g[i]! / den);
        }
        ref.push(x.slice());
      }
      expectClose(runTf(rmsprop({ learningRate: lr, ...opts }), 5), ref, 3e-6);
    }
    // first plain step by hand: ν = 0.1 g², step = −lr g/√(0.1 g²) = −lr·sign(g)/√0.1
    const t = runTf(rmsprop({ learningRate: 0.01 }), 1);
    expect(t[0]![1]).toBeCloseTo(-2 + 0.01 / Math.sqrt(0.1), 6);
  });

  it('Adam: first step is −lr·sign(g); later steps match a float64 reference', () => {
    const lr = 0.05;
    const t1 = runTf(adam({ learningRate: lr }), 1);
    expectClose(t1, [[1 - lr, -2 + lr, 0.25 - lr]]);
    const x = X0.slice(), m = [0, 0, 0], v = [0, 0, 0];
    const ref: number[][] = [];
    for (let k = 1; k <= 6; k++) {
      const g = grad(x);
      for (let i = 0; i < 3; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.999 * v[i]! + 0.001 * g[i]! ** 2;
        x[i] = x[i]! - (lr * (m[i]! / (1 - 0.9 ** k))) / (Math.sqrt(v[i]! / (1 - 0.999 ** k)) + 1e-8);
      }
      ref.push(x.slice());
    }
    expectClose(runTf(adam({ learningRate: lr }), 6), ref, 3e-6);
  });

  it('schedules: constant, exponential, cosine, warm-up; a schedule drives the step size', () => {
    expect(constantSchedule(0.3)(100)).toBe(0.3);
    const e = exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 10 });
    expect(e(10)).toBeCloseTo(0.5, 12);
    expect(e(5)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 10, staircase: true })(19)).toBe(0.5);
    expect(exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 1, endValue: 0.2 })(10)).toBe(0.2);
    const c = cosineDecay({ init: 2, decaySteps: 100, alpha: 0.1 });
    expect(c(0)).toBeCloseTo(2, 12);
    expect(c(50)).toBeCloseTo(2 * (0.9 * 0.5 + 0.1), 12);
    expect(c(100)).toBeCloseTo(0.2, 12);
    expect(c(500)).toBeCloseTo(0.2, 12);
    const w = warmupSchedule({ peak: 1, warmupSteps: 4, after: (s) => 1 / (1 + s) });
    expect([w(0), w(2), w(4), w(5)]).toEqual([0, 0.5, 1, 0.5]);
    // SGD with lr(k) = 0.1·0.5^k on a = 1: x₁ = 0.9, x₂ = 0.9(1 − 0.05) = 0.855
    const t = runTf(sgd({ learningRate: exponentialDecay({ init: 0.1, decayRate: 0.5, transitionSteps: 1 }) }), 2);
    expect(t[1]![0]).toBeCloseTo(0.855, 6);
  });

  it('clipByGlobalNorm rescales to the max norm only when above it', () => {
    const g = toTree([3, 0, 4]); // norm 5
    const clip = clipByGlobalNorm(1);
    const r = clip.update(g, clip.init(g));
    expect(Array.from(treeToFlat(r.updates)).map((v) => +v.toFixed(6))).toEqual([0.6, 0, 0.8]);
    const r2 = clipByGlobalNorm(10).update(g, {});
    expect(Array.from(treeToFlat(r2.updates))).toEqual([3, 0, 4]);
    disposeState([g, r.updates, r2.updates] as any);
    // chained before SGD: x₁ = x₀ − lr·clip(g)
    const t = runTf(chain(clipByGlobalNorm(0.5), sgd({ learningRate: 1 })), 1);
    const g0 = grad(X0), n0 = Math.hypot(...g0);
    expectClose(t, [X0.map((x, i) => x - (0.5 * g0[i]!) / n0)]);
  });

  it('state round-trips through JSON and resumes exactly; no tensor leak across steps', () => {
    const tx = adam({ learningRate: 0.05 });
    const full = runTf(tx, 6);
    // run 3 steps, serialise, restore, run 3 more
    let p = toTree(X0);
    let s: OptState = tx.init(p);
    const stepOnce = () => {
      const g = toTree(grad(Array.from(treeToFlat(p))));
      const r = tx.update(g, s as any, p);
      const np = applyUpdates(p, r.updates);
      disposeState([g, r.updates, p] as any);
      disposeState(s);
      p = np;
      s = r.state;
    };
    for (let k = 0; k < 3; k++) stepOnce();
    const json = JSON.parse(JSON.stringify(stateToJSON(s)));
    disposeState(s);
    s = stateFromJSON(json);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) stepOnce();
    expect(tf.memory().numTensors).toBe(before);
    expectClose([Array.from(treeToFlat(p))], [full[5]!], 0);
    disposeState([p, s] as any);
    expect(() => stateFromJSON({ $tensor: { shape: [2], values: [1] } })).toThrow(OptimizerInputError);
  });

  it('rejects bad hyper-parameters with OptimizerInputError', () => {
    expect(() => sgd({ learningRate: -1 })).toThrow(OptimizerInputError);
    expect(() => sgd({ learningRate: 0.1, momentum: 1.5 })).toThrow(/momentum/);
    expect(() => rmsprop({ learningRate: 0.1, decay: 1 })).toThrow(/decay/);
    expect(() => adam({ learningRate: NaN })).toThrow(/learningRate/);
  });
});
