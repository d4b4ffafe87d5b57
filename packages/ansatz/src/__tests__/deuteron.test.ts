import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, tf, treeEntries, treeSize, treeToFlat, treeDispose } from '@nqs/autodiff-core';
import type { ParamTree } from '@nqs/autodiff-core';
import { AnsatzInputError, DEUTERON_ARCHS, deuteronNet, deuteronParamCount } from '../index.js';
import type { DeuteronArch } from '../index.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const sig = (z: number) => 1 / (1 + Math.exp(-z));
const ACT64: Record<string, (z: number) => number> = { sigmoid: sig, softplus: (z) => Math.log1p(Math.exp(z)), relu: (z) => Math.max(0, z), tanh: Math.tanh };

/** Independent float64 forward pass from the downloaded parameters. */
function forward64(p: ParamTree, arch: DeuteronArch, act: (z: number) => number, q: number): [number, number] {
  const get = (path: string) => Array.from(treeEntries(p).find(([n]) => n === path)![1].dataSync());
  const mlp = (prefix: string, layers: number, outs: number): number[] => {
    const w1 = get(`${prefix}l1.w`), b1 = get(`${prefix}l1.b`);
    let h = w1.map((w, j) => act(w * q + b1[j]!));
    if (layers === 2) {
      const w2 = get(`${prefix}l2.w`), m = h.length;
      h = Array.from({ length: m }, (_, c) => act(h.reduce((s, hj, j) => s + hj * w2[j * m + c]!, 0)));
    }
    const wo = get(`${prefix}out.w`);
    return Array.from({ length: outs }, (_, c) => h.reduce((s, hj, j) => s + hj * wo[j * outs + c]!, 0));
  };
  const layers = arch[0] === '2' ? 2 : 1;
  if (arch.endsWith('sc')) {
    const o = mlp('', layers, 2);
    return [o[0]!, o[1]!];
  }
  return [mlp('S.', layers, 1)[0]!, mlp('D.', layers, 1)[0]!];
}

describe('deuteron networks', () => {
  it('parameter counts per architecture (PLB: 1sc with 6 hidden nodes has 24 parameters)', () => {
    expect(deuteronParamCount('1sc', 6)).toBe(24);
    const expected: Record<DeuteronArch, (n: number) => number> = {
      '1sc': (n) => n + n + 2 * n,
      '2sc': (n) => n / 2 + n / 2 + (n / 2) ** 2 + 2 * (n / 2),
      '1sd': (n) => 2 * (n / 2 + n / 2 + n / 2),
      '2sd': (n) => 2 * (n / 4 + n / 4 + (n / 4) ** 2 + n / 4),
    };
    for (const arch of DEUTERON_ARCHS) {
      for (const n of [20, 60, 100]) {
        const net = deuteronNet({ arch, hidden: n });
        const p = net.init(new Rng(1));
        expect(treeSize(p), `${arch} ${n}`).toBe(expected[arch](n));
        expect(net.numParams).toBe(expected[arch](n));
        treeDispose(p);
      }
    }
    expect(deuteronParamCount('2sc', 60)).toBe(30 * 30 + 4 * 30);
  });

  it('initialisation: the papers\' W₁ ∈ U(−1,0), b ∈ U(−1,1), W_out ∈ U(0,1) for 1sc/1sd (every scheme) and for --init reference; reproducible from the seed', () => {
    for (const arch of DEUTERON_ARCHS) {
      for (const init of arch[0] === '1' ? (['auto', 'reference', 'authors', 'monotone'] as const) : (['reference'] as const)) {
        const net = deuteronNet({ arch, hidden: 40, init });
        const p = net.init(new Rng(7));
        for (const [path, t] of treeEntries(p)) {
          const v = Array.from(t.dataSync());
          const width = t.shape[0]!;
          const [lo, hi] = path.endsWith('l1.w') ? [-1, 0] : path.endsWith('l1.b') ? [-1, 1] : path.endsWith('l2.w') ? [-1 / Math.sqrt(width), 1 / Math.sqrt(width)] : [0, 1];
          expect(Math.min(...v), `${arch} ${init} ${path}`).toBeGreaterThanOrEqual(lo);
          expect(Math.max(...v), `${arch} ${init} ${path}`).toBeLessThanOrEqual(hi);
        }
        const again = net.init(new Rng(7));
        expect(Array.from(treeToFlat(again))).toEqual(Array.from(treeToFlat(p)));
        const other = net.init(new Rng(8));
        expect(Array.from(treeToFlat(other))).not.toEqual(Array.from(treeToFlat(p)));
        [p, again, other].forEach(treeDispose);
      }
    }
    // 1-layer nets draw the same parameters whatever the scheme (the defaults of 1sc/1sd are unchanged)
    const a = deuteronNet({ arch: '1sc', hidden: 12 }).init(new Rng(3));
    const b = deuteronNet({ arch: '1sc', hidden: 12, init: 'reference' }).init(new Rng(3));
    expect(Array.from(treeToFlat(a))).toEqual(Array.from(treeToFlat(b)));
    [a, b].forEach(treeDispose);
  });

  it('two-layer init schemes: auto = monotone for sigmoid/softplus (W₂ rows of sign −sign W₁), authors = PyTorch U(±1/√fan_in), reference for relu/tanh', () => {
    expect(deuteronNet({ arch: '2sc', hidden: 20 }).initScheme).toBe('monotone');
    expect(deuteronNet({ arch: '2sd', hidden: 20, activation: 'softplus' }).initScheme).toBe('monotone');
    expect(deuteronNet({ arch: '2sd', hidden: 20, activation: 'tanh' }).initScheme).toBe('reference');
    expect(deuteronNet({ arch: '2sc', hidden: 20, activation: 'relu' }).initScheme).toBe('reference');
    expect(deuteronNet({ arch: '1sc', hidden: 20 }).initScheme).toBe('reference');
    for (const arch of ['2sc', '2sd'] as const) {
      const get = (p: ParamTree, path: string) => Array.from(treeEntries(p).find(([n]) => n === path)![1].dataSync());
      const pre = arch === '2sc' ? '' : 'S.';
      for (const [hidden, seed] of [[40, 5], [20, 1], [20, 2], [60, 2], [8, 3]] as const) {
        const mono = deuteronNet({ arch, hidden }).init(new Rng(seed));
        const w1 = get(mono, `${pre}l1.w`), b1 = get(mono, `${pre}l1.b`), w2 = get(mono, `${pre}l2.w`), wo = get(mono, `${pre}out.w`);
        const h = w1.length;
        expect(Math.min(...w1)).toBeLessThan(0);
        expect(Math.max(...w1)).toBeGreaterThanOrEqual(0);
        for (let i = 0; i < h; i++) for (let j = 0; j < h; j++) expect(w2[i * h + j]! * Math.sign(w1[i]!)).toBeLessThanOrEqual(0);
        expect(Math.min(...wo)).toBeGreaterThanOrEqual(0);
        // float64: the sigmoid second-layer pre-activations start at 0 for q = 0 and reach −20 as q → ∞
        for (let j = 0; j < h; j++) {
          let c0 = 0, cInf = 0;
          for (let i = 0; i < h; i++) {
            c0 += w2[i * h + j]! * sig(b1[i]!);
            cInf += w2[i * h + j]! * (w1[i]! >= 0 ? 1 : 0);
          }
          expect(Math.abs(c0), `${arch} ${hidden} ${seed} c0`).toBeLessThan(1e-4);
          expect(cInf, `${arch} ${hidden} ${seed} c∞`).toBeCloseTo(-20, 3);
        }
        treeDispose(mono);
      }
      const mono = deuteronNet({ arch, hidden: 40 }).init(new Rng(5));
      const h = get(mono, `${pre}l1.w`).length;
      const auth = deuteronNet({ arch, hidden: 40, init: 'authors' }).init(new Rng(5));
      const b = 1 / Math.sqrt(h);
      for (const [path, lo, hi] of [[`${pre}l1.w`, -1, 1], [`${pre}l1.b`, -1, 1], [`${pre}l2.w`, -b, b], [`${pre}out.w`, -b, b]] as const) {
        const v = get(auth, path);
        expect(Math.min(...v), path).toBeGreaterThanOrEqual(lo);
        expect(Math.max(...v), path).toBeLessThanOrEqual(hi);
        expect(Math.min(...v), path).toBeLessThan(0);
      }
      [mono, auth].forEach(treeDispose);
    }
    expect(() => deuteronNet({ arch: '2sc', hidden: 20, init: 'glorot' as 'auto' })).toThrow(/init: 'glorot'/);
  });

  it('2sc/2sd with sigmoid: the reference init has the constant tail Σ W_out σ(0) at 500 fm⁻¹, the default init switches it off', () => {
    for (const arch of ['2sc', '2sd'] as const) {
      for (const seed of [1, 2, 3]) {
        const ratio = (init: 'reference' | 'auto') => {
          const net = deuteronNet({ arch, hidden: 40, init });
          const p = net.init(new Rng(seed));
          const k = tf.tensor1d([0.1, 500]);
          const { S, D } = net.amplitudes(p, k);
          const s = S.dataSync(), d = D.dataSync();
          tf.dispose([k, S, D]);
          treeDispose(p);
          return Math.max(Math.abs(s[1]! / s[0]!), Math.abs(d[1]! / d[0]!));
        };
        // reference: every first-layer unit → 0, the second layer outputs σ(0) = ½ at q → ∞ as at q ≈ 0
        expect(ratio('reference'), `${arch} ${seed}`).toBeGreaterThan(0.3);
        expect(ratio('auto'), `${arch} ${seed}`).toBeLessThan(0.05);
      }
    }
  });

  it('amplitudes match an independent float64 forward pass (all archs and activations)', () => {
    const qs = [0.01, 0.3, 1.2, 4, 25];
    for (const arch of DEUTERON_ARCHS) {
      for (const activation of ['sigmoid', 'softplus', 'relu', 'tanh'] as const) {
        const net = deuteronNet({ arch, hidden: 8, activation });
        const p = net.init(new Rng(3));
        const k = tf.tensor1d(qs);
        const { S, D } = net.amplitudes(p, k);
        expect(S.shape).toEqual([qs.length]);
        const s = S.dataSync(), d = D.dataSync();
        qs.forEach((q, i) => {
          const [s64, d64] = forward64(p, arch, ACT64[activation]!, q);
          expect(Math.abs(s[i]! - s64), `${arch}/${activation} S(${q})`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(s64)));
          expect(Math.abs(d[i]! - d64), `${arch}/${activation} D(${q})`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(d64)));
        });
        tf.dispose([k, S, D]);
        treeDispose(p);
      }
    }
  });

  it('the per-sample Jacobian equals tf.grad of single outputs, and does not leak', () => {
    for (const arch of DEUTERON_ARCHS) {
      const net = deuteronNet({ arch, hidden: 8, activation: 'softplus' });
      const p = net.init(new Rng(11));
      const k = tf.tensor1d([0.2, 1.0, 3.0]);
      const before = tf.memory().numTensors;
      const { S, D, J } = net.amplitudesWithJacobian(p, k);
      expect(J.shape).toEqual([6, net.numParams]);
      const Jv = J.arraySync();
      const leaves = treeEntries(p).map(([, t]) => t);
      for (const [row, c, i] of [[0, 'S', 0], [2, 'S', 2], [4, 'D', 1]] as const) {
        const g = tf.grads((...ls: tf.Tensor[]) => {
          // rebuild the same tree from the leaves so tf.grads sees them as inputs
          const it = ls[Symbol.iterator]();
          const rebuild = (t: ParamTree): ParamTree => Object.fromEntries(Object.entries(t).map(([n, v]) => [n, v instanceof tf.Tensor ? it.next().value! : rebuild(v)]));
          return net.amplitudes(rebuild(p), k)[c].slice(i, 1).sum().add(tf.addN(ls.map((l) => l.sum())).mul(0));
        })(leaves);
        const flat = g.flatMap((t) => Array.from(t.dataSync()));
        flat.forEach((v, j) => expect(Math.abs(Jv[row]![j]! - v), `${arch} row ${row} col ${j}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
        tf.dispose(g);
      }
      tf.dispose([S, D, J]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(k);
      treeDispose(p);
    }
  });

  it('rejects bad architectures, activations and hidden counts with AnsatzInputError', () => {
    expect(() => deuteronNet({ arch: '3sc' as DeuteronArch, hidden: 10 })).toThrow(AnsatzInputError);
    expect(() => deuteronNet({ arch: '1sc', hidden: 10, activation: 'gelu' as 'relu' })).toThrow(/activation: 'gelu'/);
    expect(() => deuteronNet({ arch: '1sc', hidden: 0 })).toThrow(/hidden: 0/);
    expect(() => deuteronNet({ arch: '1sc', hidden: 2.5 })).toThrow(AnsatzInputError);
    expect(() => deuteronNet({ arch: '2sc', hidden: 7 })).toThrow(/even/);
    expect(() => deuteronNet({ arch: '2sd', hidden: 10 })).toThrow(/multiple of 4/);
  });
});
