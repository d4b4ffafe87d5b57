import { beforeAll, describe, expect, it } from 'vitest';
import { LuDecomposition, Matrix } from 'ml-matrix';
import { flSlaterSum, initBackend, LinalgInputError, logDetDerivativesHost, logSumSignedExpHost, Rng, slogdetHost, tf } from '../index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** float64 determinant from ml-matrix's LU (independent of the code under test). */
function detRef(a: number[][]): number {
  return new LuDecomposition(new Matrix(a)).determinant;
}

function randomMatrix(rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: n }, () => Math.fround(rng.normal())));
}

describe('slogdetHost (float64 LU on the host)', () => {
  it('matches ml-matrix on random float32 matrices, n = 1…8, both signs', () => {
    const rng = new Rng(11);
    for (let n = 1; n <= 8; n++) {
      const ms = Array.from({ length: 64 }, () => randomMatrix(rng, n));
      const r = slogdetHost(Float32Array.from(ms.flat(2)), n);
      let negatives = 0;
      ms.forEach((m, b) => {
        const d = detRef(m);
        expect(r.sign[b]).toBe(Math.sign(d));
        expect(Math.abs(r.logAbs[b]! - Math.log(Math.abs(d)))).toBeLessThan(1e-12 * (1 + n));
        if (d < 0) negatives++;
      });
      if (n > 1) expect(negatives).toBeGreaterThan(5);
    }
  });

  it('is float64-accurate on near-singular float32 matrices (κ up to 1e7) and exact on singular/permutation ones', () => {
    const rng = new Rng(12);
    const n = 6;
    for (const eps of [1e-3, 1e-5, 1e-7]) {
      // two nearly equal rows: det ~ eps
      const m = randomMatrix(rng, n);
      m[3] = m[1]!.map((v, j) => Math.fround(v + eps * (j === 2 ? 1 : 0)));
      const d = detRef(m);
      const r = slogdetHost(Float32Array.from(m.flat()), n);
      expect(r.sign[0]).toBe(Math.sign(d));
      expect(Math.abs(r.logAbs[0]! - Math.log(Math.abs(d)))).toBeLessThan(1e-8);
    }
    const sing = [
      [1, 2, 3],
      [2, 4, 6],
      [0, 1, 1],
    ];
    const r = slogdetHost(sing.flat(), 3);
    expect(r.sign[0]).toBe(0);
    expect(r.logAbs[0]).toBe(-Infinity);
    // permutation (2 0 1) is even, (1 0 2) odd
    const p = slogdetHost([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1], 3);
    expect(Array.from(p.sign)).toEqual([1, -1]);
    expect(Array.from(p.logAbs)).toEqual([0, 0]);
  });

  it('logSumSignedExpHost adds signed log-domain terms stably', () => {
    const sign = Float64Array.from([1, -1, 1, 1, -1, 1]);
    const logAbs = Float64Array.from([1000, 999, 0.5, -Infinity, 2, 2]);
    const r = logSumSignedExpHost({ sign, logAbs }, 2);
    expect(r.sign[0]).toBe(1);
    expect(r.logAbs[0]).toBeCloseTo(1000 + Math.log(1 - Math.exp(-1)), 12);
    expect(r.logAbs[1]).toBeCloseTo(0.5, 12);
    expect(r.sign[2]).toBe(0); // −e² + e² = 0
    expect(() => logSumSignedExpHost({ sign, logAbs }, 4)).toThrow(LinalgInputError);
  });
});

describe('logDetDerivativesHost (forward-Laplacian determinant on the host)', () => {
  // Φ(x) = M0 + Σ_k x_k M_k + ½ Σ_k x_k² N_k: ∂_kΦ = M_k + x_k N_k, ΔΦ = Σ_k N_k
  const n = 4;
  const K = 3;
  function model(rng: Rng) {
    const id = (i: number, j: number) => (i === j ? 2 : 0);
    const M0 = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => id(i, j) + 0.5 * rng.normal()));
    const Mk = Array.from({ length: K }, () => randomMatrix(rng, n).map((r) => r.map((v) => 0.5 * v)));
    const Nk = Array.from({ length: K }, () => randomMatrix(rng, n).map((r) => r.map((v) => 0.5 * v)));
    const phi = (x: number[]) => M0.map((r, i) => r.map((v, j) => v + x.reduce((s, xk, k) => s + xk * Mk[k]![i]![j]! + 0.5 * xk * xk * Nk[k]![i]![j]!, 0)));
    const dphi = (x: number[], k: number) => Mk[k]!.map((r, i) => r.map((v, j) => v + x[k]! * Nk[k]![i]![j]!));
    const lphi = () => M0.map((r, i) => r.map((_, j) => Nk.reduce((s, N) => s + N[i]![j]!, 0)));
    return { phi, dphi, lphi };
  }
  /** float32 triple of D side-by-side determinants at walkers xs. */
  function triple(models: ReturnType<typeof model>[], xs: number[][]) {
    const D = models.length;
    const B = xs.length;
    const v = new Float32Array(B * n * D * n);
    const g = new Float32Array(B * K * n * D * n);
    const l = new Float32Array(B * n * D * n);
    xs.forEach((x, b) =>
      models.forEach((md, d) => {
        const P = md.phi(x);
        const L = md.lphi();
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            v[(b * n + i) * D * n + d * n + j] = P[i]![j]!;
            l[(b * n + i) * D * n + d * n + j] = L[i]![j]!;
          }
        for (let k = 0; k < K; k++) {
          const G = md.dphi(x, k);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[((b * K + k) * n + i) * D * n + d * n + j] = G[i]![j]!;
        }
      }),
    );
    return { v, g, l, B, D };
  }

  it('equals float64 finite differences of ln|Σ_d det Φ⁽ᵈ⁾| (D = 1, 2) and the device flSlaterSum', () => {
    const rng = new Rng(13);
    const xs = [
      [0.1, -0.3, 0.2],
      [0.4, 0.25, -0.35],
      [-0.2, 0.05, 0.3],
    ];
    for (const D of [1, 2]) {
      const models = Array.from({ length: D }, () => model(rng));
      const t = triple(models, xs);
      const r = logDetDerivativesHost(t.v, t.g, t.l, n, K, D);
      // float64 reference of the *exact* model (the triple is its float32 rounding)
      const f = (x: number[]) => Math.log(Math.abs(models.reduce((s, md) => s + detRef(md.phi(x)), 0)));
      const h = 1e-4;
      xs.forEach((x, b) => {
        const psi = models.reduce((s, md) => s + detRef(md.phi(x)), 0);
        expect(r.sign[b]).toBe(Math.sign(psi));
        expect(Math.abs(r.logAbs[b]! - f(x))).toBeLessThan(1e-5);
        let lap = 0;
        for (let k = 0; k < K; k++) {
          const xp = x.slice();
          const xm = x.slice();
          xp[k]! += h;
          xm[k]! -= h;
          const [fp, f0, fm] = [f(xp), f(x), f(xm)];
          expect(Math.abs(r.grad[b * K + k]! - (fp - fm) / (2 * h))).toBeLessThan(2e-5);
          lap += (fp - 2 * f0 + fm) / (h * h);
        }
        expect(Math.abs(r.lap[b]! - lap)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lap)));
      });
      // the device forward Laplacian on the same float32 triple
      const dev = tf.tidy(() => {
        const o = flSlaterSum(
          { v: tf.tensor3d(t.v, [t.B, n, D * n]), g: tf.tensor4d(t.g, [t.B, K, n, D * n]), l: tf.tensor3d(t.l, [t.B, n, D * n]) },
          D,
        );
        return [o.logAbs, o.grad, o.lap];
      });
      const [la, gr, lp] = dev.map((x) => x.dataSync());
      for (let b = 0; b < t.B; b++) {
        expect(Math.abs(la![b]! - r.logAbs[b]!)).toBeLessThan(1e-5);
        for (let k = 0; k < K; k++) expect(Math.abs(gr![b * K + k]! - r.grad[b * K + k]!)).toBeLessThan(1e-4);
        expect(Math.abs(lp![b]! - r.lap[b]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(r.lap[b]!)));
      }
      tf.dispose(dev);
    }
  });

  it('gives sign 0 and NaN derivatives for a singular matrix, and rejects bad sizes', () => {
    const v = [1, 2, 2, 4];
    const r = logDetDerivativesHost(v, [1, 0, 0, 1], [0, 0, 0, 0], 2, 1, 1);
    expect(r.sign[0]).toBe(0);
    expect(r.logAbs[0]).toBe(-Infinity);
    expect(Number.isNaN(r.lap[0])).toBe(true);
    expect(() => logDetDerivativesHost(v, [1, 0, 0], [0, 0, 0, 0], 2, 1, 1)).toThrow(LinalgInputError);
    expect(() => logDetDerivativesHost(v, [1, 0, 0, 1], [0, 0, 0, 0], 2, 0, 1)).toThrow(/K must be/);
  });
});
