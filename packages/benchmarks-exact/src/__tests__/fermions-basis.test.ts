import { describe, expect, it } from 'vitest';
import { gaussHermiteScaled, gaussLegendreInterval } from '@nqs/quadrature';
import { FermionInputError, gaussianPair } from '@nqs/hamiltonians';
import { hoFunctions, MoshinskyTable, relativeMatrix, TwoBodyElements } from '../fermions/index.js';

describe('HO functions and the Moshinsky transformation', () => {
  it('hoFunctions are orthonormal up to n = 80 and satisfy the HO equation', () => {
    const n = 80;
    const mesh = gaussHermiteScaled(120);
    const S = new Float64Array(n * n);
    for (let q = 0; q < mesh.points.length; q++) {
      const f = hoFunctions(n - 1, mesh.points[q]!);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) S[a * n + b] += mesh.weights[q]! * f[a]! * f[b]!;
    }
    let err = 0;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) err = Math.max(err, Math.abs(S[a * n + b]! - (a === b ? 1 : 0)));
    expect(err).toBeLessThan(1e-11);
    // −½φ'' + ½x²φ = (n+½)φ by finite differences
    const h = 2e-4;
    for (const x of [-1.3, 0.2, 2.1]) {
      const fm = hoFunctions(10, x - h);
      const f0 = hoFunctions(10, x);
      const fp = hoFunctions(10, x + h);
      for (const k of [0, 3, 10]) {
        const lap = (fp[k]! - 2 * f0[k]! + fm[k]!) / (h * h);
        expect(-0.5 * lap + 0.5 * x * x * f0[k]!).toBeCloseTo((k + 0.5) * f0[k]!, 4);
      }
    }
  });

  it('brackets reproduce φ_a(x₁)φ_b(x₂) = Σ c^{ab}_N Φ_N(X) φ_n(r) and are orthogonal', () => {
    const M = 14;
    const mt = new MoshinskyTable(M);
    for (const [x1, x2] of [[0.3, -0.8], [1.7, 0.4], [-2.2, -0.1]] as const) {
      const X = (x1 + x2) / Math.SQRT2;
      const r = (x1 - x2) / Math.SQRT2;
      const f1 = hoFunctions(M - 1, x1);
      const f2 = hoFunctions(M - 1, x2);
      const fX = hoFunctions(2 * M - 2, X);
      const fr = hoFunctions(2 * M - 2, r);
      for (const [a, b] of [[0, 0], [3, 5], [13, 13], [12, 1]] as const) {
        let s = 0;
        for (let N = 0; N <= a + b; N++) s += mt.get(a, b, N) * fX[N]! * fr[a + b - N]!;
        expect(s).toBeCloseTo(f1[a]! * f2[b]!, 12);
      }
    }
    // orthogonality within a shell of total quanta T = 9
    const T = 9;
    for (let a = 0; a <= T; a++)
      for (let a2 = 0; a2 <= T; a2++) {
        let s = 0;
        for (let N = 0; N <= T; N++) s += mt.get(a, T - a, N) * mt.get(a2, T - a2, N);
        expect(s).toBeCloseTo(a === a2 ? 1 : 0, 12);
      }
  });

  it('two-body elements match brute-force quadrature in (X, r) for σ = 0.5, and have the exchange symmetries', () => {
    const p = { kind: 'gaussian' as const, V0: -7, sigma: 0.5 };
    const M = 24;
    const tb = new TwoBodyElements(p, M);
    const gX = gaussHermiteScaled(90);
    const gr = gaussLegendreInterval(400, -7, 7);
    const brute = (a: number, b: number, c: number, d: number) => {
      let s = 0;
      for (let i = 0; i < gX.points.length; i++)
        for (let j = 0; j < gr.points.length; j++) {
          const X = gX.points[i]!;
          const r = gr.points[j]!;
          const x1 = (X + r) / Math.SQRT2;
          const x2 = (X - r) / Math.SQRT2;
          const f1 = hoFunctions(M - 1, x1);
          const f2 = hoFunctions(M - 1, x2);
          s += gX.weights[i]! * gr.weights[j]! * f1[a]! * f2[b]! * f1[c]! * f2[d]! * gaussianPair(p.V0, p.sigma, x1 - x2);
        }
      return s;
    };
    for (const [a, b, c, d] of [[0, 1, 0, 1], [2, 5, 3, 4], [23, 22, 21, 0], [10, 11, 12, 13]] as const) {
      expect(tb.direct(a, b, c, d)).toBeCloseTo(brute(a, b, c, d), 10);
      expect(tb.direct(a, b, c, d)).toBeCloseTo(tb.direct(b, a, d, c), 12);
      expect(tb.direct(a, b, c, d)).toBeCloseTo(tb.direct(c, d, a, b), 12);
    }
    expect(tb.direct(0, 1, 0, 2)).toBe(0); // parity
  });

  it('relative matrix of the harmonic interaction is k⟨n|r²|m⟩ (analytic)', () => {
    const k = 0.7;
    const n = 12;
    const v = relativeMatrix({ kind: 'harmonic', k }, n);
    for (let i = 0; i < n; i++) {
      expect(v[i * n + i]).toBeCloseTo(k * (i + 0.5), 12);
      if (i + 2 < n) expect(v[i * n + i + 2]).toBeCloseTo((k * Math.sqrt((i + 1) * (i + 2))) / 2, 12);
    }
    expect(() => new TwoBodyElements({ kind: 'none' }, 0)).toThrow(FermionInputError);
  });
});
