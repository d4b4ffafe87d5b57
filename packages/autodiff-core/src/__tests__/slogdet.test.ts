import { beforeAll, describe, expect, it } from 'vitest';
import { LuDecomposition, Matrix, SVD, inverse as mlInverse } from 'ml-matrix';
import { initBackend, inverse, LinalgInputError, logSumSignedExp, Rng, slogdet, slogdetInverse, tf } from '../index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** float64 reference: sign and ln|det| from ml-matrix's LU. */
function refSlogdet(a: number[][]): { sign: number; logAbs: number } {
  const lu = new LuDecomposition(new Matrix(a));
  const U = lu.upperTriangularMatrix;
  let logAbs = 0;
  let sign = 1;
  for (let i = 0; i < a.length; i++) {
    const u = U.get(i, i);
    logAbs += Math.log(Math.abs(u));
    sign *= Math.sign(u);
  }
  // pivot permutation parity
  const piv = lu.pivotPermutationVector.slice();
  for (let i = 0; i < piv.length; i++) {
    while (piv[i] !== i) {
      const j = piv[i]!;
      [piv[i], piv[j]] = [piv[j]!, piv[i]!];
      sign = -sign;
    }
  }
  return { sign, logAbs };
}

function randomMatrices(rng: Rng, B: number, n: number): number[][][] {
  return Array.from({ length: B }, () => Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal())));
}

/** Round to float32 so the reference sees exactly the matrix tfjs sees. */
function toF32(ms: number[][][]): number[][][] {
  return ms.map((m) => m.map((r) => Array.from(Float32Array.from(r))));
}

function tensorOf(ms: number[][][]): tf.Tensor3D {
  return tf.tensor3d(ms);
}

describe('slogdet / inverse', () => {
  it('matches float64 LU on random matrices, n = 1…8, including sign', () => {
    const rng = new Rng(1);
    for (let n = 1; n <= 8; n++) {
      const ms = toF32(randomMatrices(rng, 64, n));
      const t = tensorOf(ms);
      const { sign, logAbs } = slogdet(t);
      const s = sign.arraySync();
      const l = logAbs.arraySync();
      let negatives = 0;
      ms.forEach((m, b) => {
        const r = refSlogdet(m);
        expect(s[b]).toBe(r.sign);
        expect(Math.abs(l[b]! - r.logAbs)).toBeLessThan(2e-5 * (1 + n));
        if (r.sign < 0) negatives++;
      });
      if (n > 1) expect(negatives).toBeGreaterThan(5); // both signs were exercised
      tf.dispose([t, sign, logAbs]);
    }
  });

  it('slogdetInverse gives the same sign/logAbs as slogdet and the float64 inverse', () => {
    const rng = new Rng(2);
    for (const n of [1, 2, 3, 6, 10]) {
      const ms = toF32(randomMatrices(rng, 32, n));
      const t = tensorOf(ms);
      const a = slogdet(t);
      const b = slogdetInverse(t);
      const inv = inverse(t);
      expect(b.sign.arraySync()).toEqual(a.sign.arraySync());
      const la = a.logAbs.arraySync();
      b.logAbs.arraySync().forEach((v, i) => expect(Math.abs(v - la[i]!)).toBeLessThan(1e-4));
      const got = b.inv.arraySync();
      const got2 = inv.arraySync();
      ms.forEach((m, k) => {
        const ref = mlInverse(new Matrix(m)).to2DArray();
        // relative to the size of the inverse (random matrices can be ill-conditioned)
        const scale = Math.max(...ref.flat().map(Math.abs));
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            expect(Math.abs(got[k]![i]![j]! - ref[i]![j]!)).toBeLessThan(5e-5 * scale * n);
            expect(got2[k]![i]![j]).toBe(got[k]![i]![j]);
          }
      });
      tf.dispose([t, a.sign, a.logAbs, b.sign, b.logAbs, b.inv, inv]);
    }
  });

  it('handles matrices that need pivoting, permutations, negative and singular determinants', () => {
    const cases: { m: number[][]; sign: number; logAbs: number }[] = [
      { m: [[0, 1], [1, 0]], sign: -1, logAbs: 0 },
      { m: [[0, 0, 2], [0, 3, 0], [5, 0, 0]], sign: -1, logAbs: Math.log(30) },
      { m: [[0, 1, 0], [0, 0, 1], [1, 0, 0]], sign: 1, logAbs: 0 }, // cyclic: even permutation
      { m: [[1e-30, 1], [1, 1]], sign: -1, logAbs: 0 }, // tiny leading pivot must be swapped away
      { m: [[-2, 0], [0, 3]], sign: -1, logAbs: Math.log(6) },
      { m: [[-4]], sign: -1, logAbs: Math.log(4) },
    ];
    const t = tf.tensor3d(cases.map((c) => c.m.map((r) => [...r, ...new Array(3 - r.length).fill(0)]).concat(new Array(3 - c.m.length).fill(0).map(() => [0, 0, 0]))).map((m, i) => {
      // embed each case in a 3×3 block-diagonal matrix with 1s to share one batch
      const k = cases[i]!.m.length;
      for (let d = k; d < 3; d++) m[d]![d] = 1;
      return m;
    }));
    const { sign, logAbs } = slogdet(t);
    const s = sign.arraySync();
    const l = logAbs.arraySync();
    cases.forEach((c, i) => {
      expect(s[i]).toBe(c.sign);
      expect(l[i]).toBeCloseTo(c.logAbs, 5);
    });
    // exactly singular: sign 0, logAbs −∞
    const sing = tf.tensor3d([[[1, 2, 3], [2, 4, 6], [1, 0, 1]], [[0, 0, 0], [1, 2, 3], [4, 5, 6]]]);
    const r = slogdet(sing);
    expect(r.sign.arraySync().map(Math.abs)).toEqual([0, 0]);
    expect(r.logAbs.arraySync()).toEqual([-Infinity, -Infinity]);
    tf.dispose([t, sign, logAbs, sing, r.sign, r.logAbs]);
  });

  it('is backward-stable on near-singular matrices: |error| ≤ κ·ε₃₂ (κ = 1e4…1e7)', () => {
    const rng = new Rng(3);
    const n = 6;
    const ms: number[][][] = [];
    for (let b = 0; b < 32; b++) {
      const m = randomMatrices(rng, 1, n)[0]!;
      // last row = combination of the others + small noise
      const c = Array.from({ length: n - 1 }, () => rng.normal());
      const eps = b % 2 ? 1e-3 : 1e-4;
      m[n - 1] = m[0]!.map((_, j) => c.reduce((s, cc, i) => s + cc * m[i]![j]!, 0) + eps * rng.normal());
      ms.push(m);
    }
    const f32 = toF32(ms);
    const t = tensorOf(f32);
    const { sign, logAbs } = slogdet(t);
    const s = sign.arraySync();
    const l = logAbs.arraySync();
    let maxCond = 0;
    f32.forEach((m, b) => {
      const r = refSlogdet(m);
      const sv = new SVD(new Matrix(m)).diagonal;
      const cond = sv[0]! / sv[sv.length - 1]!;
      maxCond = Math.max(maxCond, cond);
      expect(cond).toBeGreaterThan(5e3);
      expect(s[b]).toBe(r.sign);
      // partial-pivoted elimination in float32: relative det error of order κ·ε (ε = 2⁻²³)
      expect(Math.abs(l[b]! - r.logAbs)).toBeLessThan(cond * 1.2e-7);
    });
    expect(maxCond).toBeGreaterThan(1e6);
    tf.dispose([t, sign, logAbs]);
  });

  it('gradient of logAbs equals float64 finite differences (and M⁻ᵀ)', () => {
    const rng = new Rng(4);
    const n = 5;
    const ms = toF32(randomMatrices(rng, 4, n));
    const t = tensorOf(ms);
    const g = tf.grad((m: tf.Tensor3D) => tf.sum(slogdet(m).logAbs))(t);
    const gi = tf.grad((m: tf.Tensor3D) => tf.sum(slogdetInverse(m).logAbs))(t);
    const ga = g.arraySync();
    const gb = gi.arraySync();
    const h = 1e-6;
    ms.forEach((m, b) => {
      const invT = mlInverse(new Matrix(m)).transpose().to2DArray();
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const p = m.map((r) => r.slice());
          const q = m.map((r) => r.slice());
          p[i]![j]! += h;
          q[i]![j]! -= h;
          const fd = (refSlogdet(p).logAbs - refSlogdet(q).logAbs) / (2 * h);
          expect(Math.abs(fd - invT[i]![j]!)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
          const tol = 1e-4 * (1 + Math.abs(fd));
          expect(Math.abs(ga[b]![i]![j]! - fd)).toBeLessThan(tol);
          expect(Math.abs(gb[b]![i]![j]! - fd)).toBeLessThan(tol);
        }
    });
    tf.dispose([t, g, gi]);
  });

  it('second derivatives by nested tf.grad match the float64 values', () => {
    // f(s) = ln|det(M + sV)|: f'(0) = tr(M⁻¹V), f''(0) = −tr((M⁻¹V)²); also through the inverse:
    // h(s) = Σ W∘(M + sV)⁻¹ has h''(0) = 2 Σ W∘(M⁻¹V M⁻¹V M⁻¹)
    const rng = new Rng(5);
    const n = 4;
    const M = randomMatrices(rng, 1, n)[0]!.map((r, i) => r.map((v, j) => (i === j ? v + 3 : v)));
    const V = randomMatrices(rng, 1, n)[0]!;
    const W = randomMatrices(rng, 1, n)[0]!;
    const Mt = tf.tensor3d([M]);
    const Vt = tf.tensor3d([V]);
    const Wt = tf.tensor3d([W]);
    const f = (s: tf.Scalar) => tf.sum(slogdet(tf.add(Mt, tf.mul(s, Vt)) as tf.Tensor3D).logAbs) as tf.Scalar;
    const fi = (s: tf.Scalar) => tf.sum(slogdetInverse(tf.add(Mt, tf.mul(s, Vt)) as tf.Tensor3D).logAbs) as tf.Scalar;
    const hh = (s: tf.Scalar) => tf.sum(tf.mul(Wt, inverse(tf.add(Mt, tf.mul(s, Vt)) as tf.Tensor3D))) as tf.Scalar;
    const s0 = tf.scalar(0);
    const d1 = tf.grad(f)(s0).arraySync() as number;
    const d2 = tf.grad((s: tf.Scalar) => tf.grad(f)(s))(s0).arraySync() as number;
    const d2i = tf.grad((s: tf.Scalar) => tf.grad(fi)(s))(s0).arraySync() as number;
    const h2 = tf.grad((s: tf.Scalar) => tf.grad(hh)(s))(s0).arraySync() as number;
    const Mi = mlInverse(new Matrix(M));
    const X = Mi.mmul(new Matrix(V));
    let tr1 = 0;
    for (let i = 0; i < n; i++) tr1 += X.get(i, i);
    const X2 = X.mmul(X);
    let tr2 = 0;
    for (let i = 0; i < n; i++) tr2 += X2.get(i, i);
    const Z = X.mmul(X).mmul(Mi);
    let ref2 = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ref2 += 2 * W[i]![j]! * Z.get(i, j);
    expect(Math.abs(d1 - tr1)).toBeLessThan(1e-4 * (1 + Math.abs(tr1)));
    expect(Math.abs(d2 + tr2)).toBeLessThan(1e-3 * (1 + Math.abs(tr2)));
    expect(Math.abs(d2i + tr2)).toBeLessThan(1e-3 * (1 + Math.abs(tr2)));
    expect(Math.abs(h2 - ref2)).toBeLessThan(1e-3 * (1 + Math.abs(ref2)));
    tf.dispose([Mt, Vt, Wt, s0]);
  });

  it('batch of 4096 6×6 matrices: matches float64 and does not leak tensors', () => {
    const rng = new Rng(6);
    const B = 4096;
    const n = 6;
    const ms = toF32(randomMatrices(rng, B, n));
    const t = tensorOf(ms);
    const before = tf.memory().numTensors;
    const r = slogdetInverse(t);
    const s = r.sign.arraySync();
    const l = r.logAbs.arraySync();
    let maxErr = 0;
    ms.forEach((m, b) => {
      const ref = refSlogdet(m);
      expect(s[b]).toBe(ref.sign);
      maxErr = Math.max(maxErr, Math.abs(l[b]! - ref.logAbs));
    });
    expect(maxErr).toBeLessThan(1e-3);
    tf.dispose([r.sign, r.logAbs, r.inv]);
    const r2 = slogdet(t);
    tf.dispose([r2.sign, r2.logAbs]);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('logSumSignedExp adds signed log-domain terms stably', () => {
    const a = { sign: tf.tensor1d([1, -1, 1]), logAbs: tf.tensor1d([1000, 0.5, 2]) };
    const b = { sign: tf.tensor1d([-1, -1, -1]), logAbs: tf.tensor1d([999, 0.2, 2.5]) };
    const r = logSumSignedExp([a, b]);
    const ref = [
      { s: 1, l: 1000 + Math.log(1 - Math.exp(-1)) },
      { s: -1, l: Math.log(Math.exp(0.5) + Math.exp(0.2)) },
      { s: -1, l: Math.log(Math.exp(2.5) - Math.exp(2)) },
    ];
    const s = r.sign.arraySync();
    const l = r.logAbs.arraySync();
    ref.forEach((x, i) => {
      expect(s[i]).toBe(x.s);
      expect(l[i]).toBeCloseTo(x.l, 3);
    });
    tf.dispose([a.sign, a.logAbs, b.sign, b.logAbs, r.sign, r.logAbs]);
  });

  it('rejects non-square or wrong-rank input with a named error', () => {
    const t = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    expect(() => slogdet(t)).toThrow(LinalgInputError);
    expect(() => inverse(tf.zeros([3, 3]) as unknown as tf.Tensor3D)).toThrow(/\[B, n, n\]/);
    t.dispose();
  });
});
