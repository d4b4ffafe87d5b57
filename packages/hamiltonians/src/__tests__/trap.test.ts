import { describe, expect, it } from 'vitest';
import { gaussLegendreInterval, integrate } from '@nqs/quadrature';
import {
  FermionInputError,
  freeFermionEnergy,
  gaussianInteraction,
  gaussianPair,
  harmonicModelEnergy,
  harmonicPair,
  pairPotential,
  pairPotentialFn,
  trapPotential,
  trapPotentialEnergy,
  validateFermionSystem,
  validatePairInteraction,
  type PairInteraction,
} from '../index.js';

describe('trap and pair interactions (REFERENCE.md §2)', () => {
  it('the Gaussian pair potential integrates to V0 and has width σ', () => {
    const mesh = gaussLegendreInterval(200, -10, 10);
    for (const [V0, s] of [[-20, 0.5], [7, 0.3], [1, 1.2]] as const) {
      expect(integrate(mesh, (r) => gaussianPair(V0, s, r))).toBeCloseTo(V0, 10);
      const m2 = integrate(mesh, (r) => r * r * gaussianPair(1, s, r));
      expect(m2).toBeCloseTo(s * s, 10);
    }
  });

  it('harmonic pair, trap and the description type agree with the plain functions', () => {
    expect(harmonicPair(3, 2)).toBe(6);
    expect(trapPotential(2)).toBe(2);
    const g: PairInteraction = { kind: 'gaussian', V0: -10, sigma: 0.5 };
    expect(pairPotential(g, 0.3)).toBe(gaussianPair(-10, 0.5, 0.3));
    expect(pairPotentialFn(g)(0.3)).toBeCloseTo(gaussianPair(-10, 0.5, 0.3), 14);
    expect(pairPotential({ kind: 'harmonic', k: 2 }, 1.5)).toBe(harmonicPair(2, 1.5));
    expect(pairPotential({ kind: 'none' }, 1.5)).toBe(0);
    expect(gaussianInteraction(4)).toEqual({ kind: 'gaussian', V0: 4, sigma: 0.5 });
  });

  it('trapPotentialEnergy sums ½x² and all pairs once', () => {
    const x = [0.3, -1.1, 0.7];
    const p: PairInteraction = { kind: 'harmonic', k: 0.8 };
    const e = trapPotentialEnergy(p, x);
    expect(e.trap).toBeCloseTo(0.5 * (0.09 + 1.21 + 0.49), 14);
    const pair = 0.4 * ((0.3 + 1.1) ** 2 + (0.3 - 0.7) ** 2 + (-1.1 - 0.7) ** 2);
    expect(e.pair).toBeCloseTo(pair, 14);
  });

  it('analytic models: free fermions A²/2, harmonic ½ + √(1+kA)(A²−1)/2 (k = 0 gives A²/2)', () => {
    for (let A = 1; A <= 6; A++) {
      expect(freeFermionEnergy(A)).toBe((A * A) / 2);
      expect(harmonicModelEnergy(A, 0)).toBeCloseTo((A * A) / 2, 14);
    }
    expect(harmonicModelEnergy(2, 1.5)).toBeCloseTo(0.5 + 2 * 1.5, 14);
  });

  it('bad input throws FermionInputError naming the field', () => {
    expect(() => validatePairInteraction({ kind: 'gaussian', V0: 1, sigma: 0 })).toThrow(/sigma/);
    expect(() => validatePairInteraction({ kind: 'gaussian', V0: 1, sigma: -1 })).toThrow(FermionInputError);
    expect(() => validatePairInteraction({ kind: 'gaussian', V0: NaN, sigma: 1 })).toThrow(/V0/);
    expect(() => validatePairInteraction({ kind: 'harmonic', k: Infinity })).toThrow(/k/);
    expect(() => validatePairInteraction({ kind: 'cubic' } as unknown as PairInteraction)).toThrow(/kind/);
    expect(() => validateFermionSystem(0, { kind: 'none' })).toThrow(/A: 0/);
    expect(() => validateFermionSystem(2.5, { kind: 'none' })).toThrow(FermionInputError);
    expect(() => validateFermionSystem(4, { kind: 'harmonic', k: -0.3 })).toThrow(/1 \+ kA/);
    expect(() => harmonicModelEnergy(2, -0.6)).toThrow(FermionInputError);
  });
});
