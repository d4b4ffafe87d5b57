import { describe, expect, it } from 'vitest';
import { emN3lo, lo500 } from '@nqs/hamiltonians';
import { gaussLegendreInterval } from '@nqs/quadrature';
import { dopri5, OdeInputError } from '../ode.js';
import {
  offDiagonalWeight,
  srgEigenvaluesMeV,
  srgEvolve,
  srgHamiltonian,
  srgPotentialBlock,
  srgRhs,
} from '../index.js';

describe('Dormand–Prince 5(4)', () => {
  it('integrates a harmonic oscillator to its tolerance, forwards and backwards', () => {
    const f = (_t: number, y: Float64Array, out: Float64Array) => {
      out[0] = y[1]!;
      out[1] = -y[0]!;
    };
    const r = dopri5(f, Float64Array.from([1, 0]), 0, 10, { rtol: 1e-11, atol: 1e-13 });
    expect(r.y[0]).toBeCloseTo(Math.cos(10), 9);
    expect(r.y[1]).toBeCloseTo(-Math.sin(10), 9);
    const back = dopri5(f, r.y, 10, 0, { rtol: 1e-11, atol: 1e-13 });
    expect(back.y[0]).toBeCloseTo(1, 8);
  });
  it('adapts the step: a stiff-ish decay needs many more steps at tight tolerance', () => {
    const f = (_t: number, y: Float64Array, out: Float64Array) => {
      out[0] = -50 * y[0]!;
    };
    const loose = dopri5(f, Float64Array.from([1]), 0, 1, { rtol: 1e-4, atol: 1e-30 });
    const tight = dopri5(f, Float64Array.from([1]), 0, 1, { rtol: 1e-12, atol: 1e-30 });
    expect(Math.abs(tight.y[0]! / Math.exp(-50) - 1)).toBeLessThan(1e-8);
    expect(tight.accepted).toBeGreaterThan(loose.accepted);
    // 5th-order method: error ratio between tolerances follows the tolerance
    expect(Math.abs(loose.y[0]! / Math.exp(-50) - 1)).toBeLessThan(1e-2);
  });
  it('rejects bad tolerances', () => {
    expect(() => dopri5(() => {}, new Float64Array(1), 0, 1, { rtol: 0 })).toThrow(OdeInputError);
  });
});

describe('SRG flow dH/ds = [[T,H],H]', () => {
  const mesh = gaussLegendreInterval(20, 0, 6);
  it('the right-hand side equals the commutator computed naively', () => {
    const h = srgHamiltonian(lo500({ angularOrder: 48 }), mesh, '1S0');
    const n = h.dim;
    const out = new Float64Array(n * n);
    srgRhs(h.T, h.H, n, out);
    const eta = (i: number, j: number) => (h.T[i]! - h.T[j]!) * h.H[i * n + j]!;
    for (const [i, j] of [[0, 5], [3, 3], [7, 19]] as const) {
      let c = 0;
      for (let k = 0; k < n; k++) c += eta(i, k) * h.H[k * n + j]! - h.H[i * n + k]! * eta(k, j);
      expect(out[i * n + j]).toBeCloseTo(c, 9);
    }
  });
  for (const channel of ['1S0', '3S1-3D1'] as const) {
    it(`${channel}: eigenvalues invariant to 1e-6 MeV and V_s band-diagonal (EM N3LO)`, () => {
      const h = srgHamiltonian(emN3lo(), mesh, channel);
      const snaps = srgEvolve(h, [3, 2, 1.5]);
      const e0 = srgEigenvaluesMeV(snaps[0]!.H, h.dim);
      for (const s of snaps.slice(1)) {
        const e = srgEigenvaluesMeV(s.H, h.dim);
        for (let i = 0; i < e.length; i++) expect(Math.abs(e[i]! - e0[i]!)).toBeLessThan(1e-6);
      }
      // weight of |k − k'| > 2 fm⁻¹ decreases monotonically as λ drops to 1.5 fm⁻¹
      const w = snaps.map((s) => offDiagonalWeight(h, s.H, 2));
      for (let i = 1; i < w.length; i++) expect(w[i]!).toBeLessThan(w[i - 1]!);
      expect(w[w.length - 1]!).toBeLessThan(1e-2 * w[0]!);
      if (channel === '3S1-3D1') expect(e0[0]).toBeLessThan(-2); // the deuteron is there (coarse mesh)
    });
  }
  it('srgPotentialBlock returns the input potential at λ = ∞', () => {
    const pot = lo500({ angularOrder: 48 });
    const h = srgHamiltonian(pot, mesh, '3S1-3D1');
    const n = mesh.points.length;
    const vsd = srgPotentialBlock(h, h.H, 'S', 'D');
    expect(vsd[3 * n + 7]).toBeCloseTo(0.5 * (pot.value('3S1-3D1', mesh.points[3]!, mesh.points[7]!) + pot.value('3D1-3S1', mesh.points[7]!, mesh.points[3]!)), 10);
  });
});
