import { describe, expect, it } from 'vitest';
import { Rng } from '@nqs/autodiff-core';
import { blockingError, integratedAutocorrTime, mean, median, splitRHat, variance, StatsInputError } from '../index.js';

/** AR(1): x_t = φ x_{t−1} + √(1−φ²) ε_t: unit variance, τ = (1+φ)/(1−φ). */
function ar1(rng: Rng, n: number, phi: number, mu = 0): Float64Array {
  const x = new Float64Array(n);
  let v = rng.normal();
  for (let i = 0; i < n; i++) {
    v = phi * v + Math.sqrt(1 - phi * phi) * rng.normal();
    x[i] = v + mu;
  }
  return x;
}

describe('float64 statistics', () => {
  it('mean, variance, median of small samples', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(variance([1, 2, 3, 4])).toBeCloseTo(5 / 3, 14);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => mean([])).toThrow(StatsInputError);
  });

  it('τ and the blocking error of an AR(1) series match (1+φ)/(1−φ) and σ√(τ/n)', () => {
    const rng = new Rng(11);
    const phi = 0.8;
    const tauExact = (1 + phi) / (1 - phi); // 9
    const n = 1 << 16;
    const x = ar1(rng, n, phi);
    const tau = integratedAutocorrTime(x);
    expect(Math.abs(tau - tauExact) / tauExact).toBeLessThan(0.15);
    const b = blockingError(x);
    const exactErr = Math.sqrt(tauExact / n);
    expect(Math.abs(b.error - exactErr) / exactErr).toBeLessThan(0.3);
    expect(b.naiveError).toBeLessThan(0.5 * b.error); // correlated: naive error is too small
    // independent samples: τ ≈ 1
    const iid = ar1(rng, 20000, 0);
    expect(Math.abs(integratedAutocorrTime(iid) - 1)).toBeLessThan(0.1);
  });

  it('split-R̂ ≈ 1 for equivalent chains and > 1.1 when one chain sits elsewhere', () => {
    const rng = new Rng(12);
    const chains = Array.from({ length: 8 }, () => ar1(rng, 2000, 0.5));
    expect(Math.abs(splitRHat(chains) - 1)).toBeLessThan(0.01);
    chains.push(ar1(rng, 2000, 0.5, 3));
    expect(splitRHat(chains)).toBeGreaterThan(1.1);
    // a drifting chain is caught by the split
    const drift = Float64Array.from({ length: 2000 }, (_, i) => i / 200 + rng.normal());
    expect(splitRHat([drift])).toBeGreaterThan(1.1);
  });
});
