import { describe, expect, it } from 'vitest';
import { harmonicModelEnergy } from '@nqs/hamiltonians';
import { hfOrbitalsOnGrid, solveFermionsHF, TwoBodyElements } from '../fermions/index.js';

// REFERENCE.md §2: HF energies at V0 = −10 / +10 / +20, A = 2…6
const HF: Record<number, [number, number, number]> = {
  2: [0.81369, 2.50419, 2.76448],
  3: [1.01681, 6.06134, 6.88736],
  4: [1.42652, 11.18056, 12.94747],
  5: [2.1755, 17.84835, 20.98265],
  6: [3.33575, 26.04093, 30.99324],
};
const V0s = [-10, 10, 20] as const;
const M = 36; // 30 modes leave up to 1.5e−4 at A = 6, V0 = +20; 36 are within 2e−5 of 40

describe('Hartree–Fock in the HO basis', () => {
  for (const [k, V0] of V0s.entries()) {
    it(`matches the REFERENCE.md HF values at V0 = ${V0} for A = 2…6 to 1e−4`, () => {
      const p = { kind: 'gaussian' as const, V0, sigma: 0.5 };
      const tb = new TwoBodyElements(p, M);
      for (let A = 2; A <= 6; A++) {
        const r = solveFermionsHF(A, p, { nModes: M }, tb);
        expect(r.converged).toBe(true);
        expect(Math.abs(r.energy - HF[A]![k])).toBeLessThan(1e-4);
        // the winner is the lowest converged start
        for (const run of r.runs) if (run.converged) expect(run.energy).toBeGreaterThan(r.energy - 1e-9);
      }
    });
  }

  it('free fermions give A²/2; harmonic HF lies above the exact energy', () => {
    for (let A = 1; A <= 4; A++) expect(solveFermionsHF(A, { kind: 'none' }, { nModes: 8 }).energy).toBeCloseTo((A * A) / 2, 10);
    const h = solveFermionsHF(3, { kind: 'harmonic', k: 0.5 }, { nModes: 16 });
    expect(h.energy).toBeGreaterThan(harmonicModelEnergy(3, 0.5));
  });

  it('orbitals are orthonormal on a grid and the density integrates to A', () => {
    const r = solveFermionsHF(4, { kind: 'gaussian', V0: -20, sigma: 0.5 }, { nModes: 20 });
    const xs = Array.from({ length: 401 }, (_, i) => -10 + 0.05 * i);
    const orb = hfOrbitalsOnGrid(r, xs);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let q = 0; q < xs.length; q++) s += orb[i]![q]! * orb[j]![q]! * 0.05;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 8);
      }
    // parity-breaking starts are tried; none of the converged ones lies below the returned solution
    expect(r.runs.some((x) => x.guess.startsWith('ho-shifted'))).toBe(true);
    for (const run of r.runs) if (run.converged) expect(run.energy).toBeGreaterThan(r.energy - 1e-9);
    expect(r.converged).toBe(true);
  });
});
