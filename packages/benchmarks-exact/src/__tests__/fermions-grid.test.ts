import { describe, expect, it } from 'vitest';
import { harmonicModelEnergy, FermionInputError } from '@nqs/hamiltonians';
import { solveTwoFermionGrid, twoFermionDensity } from '../fermions/index.js';

// REFERENCE.md §2: A = 2 exact ground-state energies (σ₀ = 0.5)
const A2 = [
  [-20, -2.471756],
  [-10, 0.595906],
  [0, 2],
  [10, 2.425619],
  [20, 2.605639],
] as const;

describe('A = 2 on a grid (relative coordinate, odd states)', () => {
  it('reproduces the REFERENCE.md energies to 1e−6 with a convergence estimate below 1e−8', () => {
    for (const [V0, E] of A2) {
      const g = solveTwoFermionGrid({ kind: 'gaussian', V0, sigma: 0.5 });
      expect(Math.abs(g.energy - E)).toBeLessThan(1e-6);
      expect(g.converged).toBeLessThan(1e-8);
    }
  });

  it('free and harmonic cases are exact: 2, ε_k = 1.5, 3.5, …; ½ + 3√(1+2k)/2', () => {
    const g = solveTwoFermionGrid({ kind: 'none' });
    expect(g.energy).toBeCloseTo(2, 10);
    expect(g.relativeLevels[1]).toBeCloseTo(3.5, 10);
    for (const k of [0.5, 2, -0.3]) {
      const h = solveTwoFermionGrid({ kind: 'harmonic', k });
      expect(h.energy).toBeCloseTo(harmonicModelEnergy(2, k), 9);
    }
  });

  it('the density integrates to 2 and is even', () => {
    const g = solveTwoFermionGrid({ kind: 'gaussian', V0: -10, sigma: 0.5 });
    const xs = Array.from({ length: 401 }, (_, i) => -8 + 0.04 * i);
    const n = twoFermionDensity(g, xs);
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += n[i]! * 0.04;
    expect(s).toBeCloseTo(2, 6);
    expect(n[100]).toBeCloseTo(n[300]!, 10);
  });

  it('rejects bad options', () => {
    expect(() => solveTwoFermionGrid({ kind: 'gaussian', V0: 1, sigma: -1 })).toThrow(FermionInputError);
    expect(() => solveTwoFermionGrid({ kind: 'none' }, { h: 0 })).toThrow(/h: 0/);
    expect(() => solveTwoFermionGrid({ kind: 'harmonic', k: -0.6 })).toThrow(/k/);
  });
});
