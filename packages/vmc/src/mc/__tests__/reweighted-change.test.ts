import { describe, expect, it } from 'vitest';
import { Rng } from '@nqs/autodiff-core';
import { OptimizerInputError } from '@nqs/optimizers';
import { reweightedChange } from '../optimizer-config.js';

// 1D oscillator (ħ = m = ω = 1) with ψ_a = exp(−a x²/2): |ψ_a|² is N(0, 1/(2a)),
// E_L(x; a) = a/2 + (1 − a²) x²/2 and E(a) = a/4 + 1/(4a) (exact).
const eL = (x: number, a: number) => a / 2 + ((1 - a * a) * x * x) / 2;
const energy = (a: number) => a / 4 + 1 / (4 * a);

describe('E(θ+δ) by reweighting the walkers of θ (the ρ of the Levenberg–Marquardt rule)', () => {
  it('is unbiased for the exact E(θ+δ) and its standard error matches the spread over independent sample sets', () => {
    const rng = new Rng(21);
    const [a0, a1] = [0.8, 0.9];
    const B = 400;
    const reps = 300;
    const changes: number[] = [];
    const errors: number[] = [];
    for (let r = 0; r < reps; r++) {
      const x = Float64Array.from({ length: B }, () => rng.normal() / Math.sqrt(2 * a0));
      const before = Float64Array.from(x, (v) => eL(v, a0));
      const after = Float64Array.from(x, (v) => eL(v, a1));
      const res = reweightedChange(before, after, Float64Array.from(x, (v) => (-a0 * v * v) / 2), Float64Array.from(x, (v) => (-a1 * v * v) / 2));
      changes.push(res.energyAfter - before.reduce((s, v) => s + v, 0) / B);
      errors.push(res.stderr);
    }
    const mean = changes.reduce((s, v) => s + v, 0) / reps;
    const sd = Math.sqrt(changes.reduce((s, v) => s + (v - mean) ** 2, 0) / (reps - 1));
    const meanErr = errors.reduce((s, v) => s + v, 0) / reps;
    // the exact change E(a1) − E(a0), within 4 standard errors of the mean over the repetitions
    expect(Math.abs(mean - (energy(a1) - energy(a0)))).toBeLessThan((4 * sd) / Math.sqrt(reps));
    // the delta-method error against the empirical spread of the change
    expect(meanErr / sd).toBeGreaterThan(0.85);
    expect(meanErr / sd).toBeLessThan(1.15);
  });

  it('without a change of ψ the estimate is the plain mean and its error the spread of E_L(θ+δ) − E_L(θ)', () => {
    const before = Float64Array.from([1, 2, 3, 4]);
    const after = Float64Array.from([1.5, 2, 3.5, 3]);
    const l = new Float64Array(4);
    const r = reweightedChange(before, after, l, l);
    expect(r.energyAfter).toBeCloseTo(2.5, 12);
    const d = [0.5, 0, 0.5, -1];
    const m = d.reduce((s, v) => s + v, 0) / 4;
    expect(r.stderr).toBeCloseTo(Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / 3 / 4), 12);
    expect(() => reweightedChange(before, after.subarray(0, 3), l, l)).toThrow(OptimizerInputError);
  });
});
