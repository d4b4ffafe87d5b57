import { describe, expect, it } from 'vitest';
import { FermionInputError, harmonicModelEnergy } from '@nqs/hamiltonians';
import {
  buildDeterminantBasis,
  densityFromMatrix,
  estimateTail,
  solveFermions,
  solveFermionsFCI,
  solveFermionsHF,
  solveTwoFermionGrid,
  TwoBodyElements,
} from '../fermions/index.js';

const gauss = (V0: number) => ({ kind: 'gaussian' as const, V0, sigma: 0.5 });

describe('full CI in the HO basis', () => {
  it('free fermions give A²/2 (ground state) and A²/2 + 1 in the other parity', () => {
    for (let A = 1; A <= 5; A++) {
      const r = solveFermionsFCI(A, { kind: 'none' }, { nModes: A + 4, nStates: 2 });
      expect(r.energy).toBeCloseTo((A * A) / 2, 10);
      expect(r.levels[1]!.energy).toBeCloseTo((A * A) / 2 + 1, 10);
      expect(r.levels[1]!.parity).not.toBe(r.groundParity);
    }
  });

  it('harmonic interaction: FCI equals ½ + √(1+kA)(A²−1)/2 to 1e−6', () => {
    for (const [A, k, M] of [[2, 0.5, 20], [3, 0.5, 16], [3, 1, 22], [4, 0.5, 20]] as const) {
      const r = solveFermionsFCI(A, { kind: 'harmonic', k }, { nModes: M, nStates: 1 });
      expect(Math.abs(r.energy - harmonicModelEnergy(A, k))).toBeLessThan(1e-6);
      expect(r.energy).toBeGreaterThan(harmonicModelEnergy(A, k) - 1e-9); // variational
    }
  });

  it('A = 2 converges to the grid value from above (V0 = +20: 1e−6 at 40 modes; V0 = −20 slowly)', () => {
    const grid = solveTwoFermionGrid(gauss(20)).energy;
    const e40 = solveFermionsFCI(2, gauss(20), { nModes: 40, nStates: 1, parities: ['odd'] }).energy;
    expect(Math.abs(e40 - grid)).toBeLessThan(1e-6);
    const gridA = solveTwoFermionGrid(gauss(-20)).energy;
    const seq = [20, 30, 40].map((M) => solveFermionsFCI(2, gauss(-20), { nModes: M, nStates: 1, parities: ['odd'] }).energy);
    expect(seq[0]! - gridA).toBeGreaterThan(0.04); // 20 modes are far from converged at V0 = −20
    expect(seq[0]!).toBeGreaterThan(seq[1]!);
    expect(seq[1]!).toBeGreaterThan(seq[2]!);
    expect(seq[2]!).toBeGreaterThan(gridA);
    expect(seq[2]! - gridA).toBeLessThan(1e-3);
    const tail = estimateTail(seq);
    expect(Math.abs(tail.extrapolated - gridA)).toBeLessThan(tail.error + 1e-4);
  });

  it('the Kohn (centre-of-mass) mode: lowest state of the other parity lies at E₀ + 1', () => {
    const r = solveFermionsFCI(3, gauss(10), { nModes: 20, nStates: 1 });
    expect(r.groundParity).toBe('odd');
    const other = r.sectors.find((s) => s.parity === 'even')!;
    expect(Math.abs(other.energies[0]! - r.energy - 1)).toBeLessThan(2e-4);
  });

  it('A = 3 and 4 repulsive (V0 = +10): tail below 1e−4 within seconds, and E_HF ≥ E_FCI', () => {
    const r3 = solveFermions(3, gauss(10), { method: 'fci', nModes: 24, nStates: 1 });
    expect(r3.converged).toBeLessThan(1e-4);
    // the paper's NQS (variational) lies above: 5.87815(3)
    expect(r3.energy).toBeLessThan(5.87815 + 1e-4);
    expect(r3.energy).toBeGreaterThan(5.8775);
    const tb = new TwoBodyElements(gauss(10), 16);
    const f4 = solveFermionsFCI(4, gauss(10), { nModes: 16, nStates: 1 }, tb);
    const h4 = solveFermionsHF(4, gauss(10), { nModes: 16 }, tb);
    expect(h4.energy).toBeGreaterThan(f4.energy);
    expect(f4.energy).toBeLessThan(10.89211 + 2e-3); // paper NQS 10.89211(8)
    for (const [A, V0] of [[3, -10], [2, 20], [5, 10]] as const) {
      const t = new TwoBodyElements(gauss(V0), 12);
      expect(solveFermionsHF(A, gauss(V0), { nModes: 12 }, t).energy).toBeGreaterThan(solveFermionsFCI(A, gauss(V0), { nModes: 12, nStates: 1 }, t).energy);
    }
  });

  it('the ground-state density from the one-body density matrix integrates to A', () => {
    const r = solveFermionsFCI(3, gauss(-10), { nModes: 14, nStates: 1, densityMatrix: true });
    const rho = r.densityMatrix!;
    let tr = 0;
    for (let a = 0; a < 14; a++) tr += rho[a * 14 + a]!;
    expect(tr).toBeCloseTo(3, 10);
    const xs = Array.from({ length: 321 }, (_, i) => -8 + 0.05 * i);
    const n = densityFromMatrix(rho, 14, xs);
    expect(n.reduce((s, v) => s + v * 0.05, 0)).toBeCloseTo(3, 6);
    expect(n[100]).toBeCloseTo(n[220]!, 8); // parity-symmetric ground state
  });

  it('basis: parity sectors, the total-quanta cut and input errors', () => {
    const even = buildDeterminantBasis(3, 8, 'even');
    const odd = buildDeterminantBasis(3, 8, 'odd');
    expect(even.size + odd.size).toBe(56);
    expect(buildDeterminantBasis(3, 8, 'odd', 0).size).toBe(1); // only {0,1,2}
    expect(buildDeterminantBasis(3, 8, 'even', 1).size).toBe(1); // {0,1,3}
    expect(() => buildDeterminantBasis(5, 4, 'even')).toThrow(/larger than the basis/);
    expect(() => solveFermionsFCI(0, gauss(1), { nModes: 4 })).toThrow(FermionInputError);
    expect(() => solveFermions(3, gauss(1), { method: 'grid' })).toThrow(/A = 2 only/);
    expect(() => solveFermions(3, gauss(1), { method: 'analytic' })).toThrow(/analytic/);
    expect(() => solveFermions(3, gauss(1), { method: 'nope' as 'fci' })).toThrow(/unknown/);
  });

  it('free fermions give A²/2 in every method', () => {
    expect(solveFermions(2, { kind: 'none' }, { method: 'grid' }).energy).toBeCloseTo(2, 10);
    for (const A of [1, 2, 3, 4]) {
      for (const method of ['fci', 'hf', 'analytic'] as const) {
        const r = solveFermions(A, gauss(0), { method, nModes: 10 });
        expect(r.energy).toBeCloseTo((A * A) / 2, 10);
      }
    }
  });
});
