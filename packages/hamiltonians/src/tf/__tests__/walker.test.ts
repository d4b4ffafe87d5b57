import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it, beforeAll } from 'vitest';
import { pairPotentialFn, type PairInteraction } from '../../trap/index.js';
import { trappedFermionHamiltonian, kineticTerm, WalkerHamiltonian, type WalkerWavefunction } from '../index.js';

const tf = tfjs;

/** ψ = exp(−α Σ x²/2): ∇ ln ψ = −αx, Δ ln ψ = −αA (analytic). */
function gaussianPsi(alpha: number): WalkerWavefunction<null> {
  return {
    apply: (_p, x) => tf.tidy(() => ({ sign: tf.onesLike(tf.sum(x, 1)), logAbs: tf.mul(-alpha / 2, tf.sum(tf.square(x), 1)) }) as never),
    applyWithDerivatives: (_p, x) =>
      tf.tidy(() => ({
        sign: tf.onesLike(tf.sum(x, 1)),
        logAbs: tf.mul(-alpha / 2, tf.sum(tf.square(x), 1)),
        gradX: tf.mul(-alpha, x),
        lapX: tf.fill([x.shape[0]], -alpha * x.shape[1]),
      }) as never),
  };
}

const xs = [
  [0.3, -1.2, 0.8],
  [1.5, 0.1, -0.4],
  [-0.2, 2.0, 0.05],
];

function f64Pair(p: PairInteraction, x: number[]): number {
  const v = pairPotentialFn(p);
  let s = 0;
  for (let i = 0; i < x.length; i++) for (let j = i + 1; j < x.length; j++) s += v(x[i]! - x[j]!);
  return s;
}

describe('walker Hamiltonian (1D trap)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives E_L = αA/2 + ½(1−α²)Σx² for a Gaussian product and the pair energies of the float64 reference', () => {
    const alpha = 0.7;
    for (const inter of [
      { kind: 'gaussian', V0: -10, sigma: 0.5 },
      { kind: 'harmonic', k: 1.3 },
      { kind: 'none' },
    ] as PairInteraction[]) {
      const h = trappedFermionHamiltonian({ interaction: inter });
      const x = tf.tensor2d(xs);
      const before = tf.memory().numTensors;
      const le = h.localEnergy(gaussianPsi(alpha), null, x);
      const tot = le.total.arraySync();
      const kin = le.terms.kinetic!.arraySync();
      const trap = le.terms.trap!.arraySync();
      const pair = le.terms.pair!.arraySync();
      xs.forEach((row, b) => {
        const s2 = row.reduce((a, v) => a + v * v, 0);
        const kinExact = (alpha * 3) / 2 - 0.5 * alpha * alpha * s2;
        expect(kin[b]).toBeCloseTo(kinExact, 5);
        expect(trap[b]).toBeCloseTo(0.5 * s2, 5);
        expect(pair[b]).toBeCloseTo(f64Pair(inter, row), 4);
        expect(tot[b]).toBeCloseTo(kinExact + 0.5 * s2 + f64Pair(inter, row), 4);
      });
      tf.dispose([le.total, le.logAbs, le.sign, ...Object.values(le.terms)]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    }
  });

  it('HO ground state (α = 1) has E_L ≡ A/2 without interaction', () => {
    const h = trappedFermionHamiltonian({ interaction: null });
    const x = tf.tensor2d(xs);
    const e = h.localEnergy(gaussianPsi(1), null, x).total.arraySync();
    for (const v of e) expect(v).toBeCloseTo(1.5, 5);
  });

  it('kinetic term evaluates ψ itself when no derivatives are passed; duplicate names are rejected', () => {
    const x = tf.tensor2d(xs);
    const a = kineticTerm().local(gaussianPsi(0.5), null, x).arraySync();
    const b = kineticTerm().local(gaussianPsi(0.5), null, x, gaussianPsi(0.5).applyWithDerivatives(null, x)).arraySync();
    expect(a).toEqual(b);
    expect(() => new WalkerHamiltonian([kineticTerm(), kineticTerm()])).toThrow(/duplicate/);
    expect(() => trappedFermionHamiltonian({ interaction: { kind: 'gaussian', V0: 1, sigma: 0 } })).toThrow(/sigma/);
  });
});
