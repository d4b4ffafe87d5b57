import { describe, expect, it } from 'vitest';
import { parseMeshSpec, tanMesh } from '@nqs/quadrature';
import { getPotential, lo500, parsePotentialTable, writePotentialTable, yamaguchiSolution } from '@nqs/hamiltonians';
import { deuteronExpectation, deuteronMeshHamiltonian, deuteronRayleighQuotient, fidelity, solveDeuteron, solveDeuteronHamiltonian } from '../index.js';

describe('Yamaguchi deuteron (analytic)', () => {
  const exact = yamaguchiSolution();
  for (const spec of ['paper64', 'tan:64:1']) {
    it(`${spec}: E = −2.2245750 MeV and fidelity > 1 − 1e−9`, () => {
      const mesh = parseMeshSpec(spec);
      const sol = solveDeuteron(getPotential('yamaguchi'), mesh);
      expect(Math.abs(sol.energyMeV - exact.energyMeV)).toBeLessThan(1e-10);
      expect(Math.abs(sol.energyMeV - -2.224575)).toBeLessThan(5e-8);
      expect(sol.pD).toBe(0);
      const psi = Array.from(mesh.points, (k) => exact.psi(k));
      expect(1 - fidelity(mesh, sol.psiS, psi)).toBeLessThan(1e-9);
      // normalisation and sign convention
      let norm = 0;
      for (let i = 0; i < mesh.points.length; i++) norm += mesh.weights[i]! * mesh.points[i]! ** 2 * (sol.psiS[i]! ** 2 + sol.psiD[i]! ** 2);
      expect(Math.abs(norm - 1)).toBeLessThan(1e-12);
      expect(sol.psiS[0]!).toBeGreaterThan(0);
      // pointwise against the analytic ψ (same normalisation up to the mesh's quadrature error)
      for (const i of [0, 10, 30]) expect(Math.abs(sol.psiS[i]! / psi[i]! - 1)).toBeLessThan(1e-6);
      expect(Math.abs(sol.kineticMeV + sol.potentialMeV - sol.energyMeV)).toBeLessThan(1e-10);
    });
  }
});

describe('EMN LO500 deuteron', () => {
  it('tan:96:1: E = −2.224574 MeV, P_D = 7.288 %', () => {
    const sol = solveDeuteron(lo500(), tanMesh(96, 1));
    expect(Math.abs(sol.energyMeV - -2.224574)).toBeLessThan(1e-6);
    expect(Math.abs(100 * sol.pD - 7.288)).toBeLessThan(5e-4);
    expect(sol.meshPoints).toBe(96);
    expect(Math.abs(sol.kineticMeV + sol.potentialMeV - sol.energyMeV)).toBeLessThan(1e-9);
  });
  it('paper64: E = −2.22427 MeV', () => {
    const sol = solveDeuteron(lo500(), parseMeshSpec('paper64'));
    expect(Math.abs(sol.energyMeV - -2.22427)).toBeLessThan(5e-6);
  });
  it('a table written from LO500 on the mesh and read back gives the same energy', () => {
    const mesh = tanMesh(48, 1);
    const pot = lo500();
    const direct = solveDeuteron(pot, mesh);
    const table = parsePotentialTable(writePotentialTable(pot, mesh.points), 'table:lo500');
    const back = solveDeuteron(table, mesh);
    expect(Math.abs(back.energyMeV - direct.energyMeV)).toBeLessThan(1e-12);
    expect(Math.abs(back.pD - direct.pD)).toBeLessThan(1e-12);
  });
});

describe('Malfliet–Tjon MT-III deuteron', () => {
  it('binds at −2.2307 MeV (literature, ħ²/M = 41.47 MeV fm²) within 1e−3', () => {
    const sol = solveDeuteron(getPotential('malfliet-tjon'), tanMesh(64, 1));
    expect(Math.abs(sol.energyMeV - -2.2307)).toBeLessThan(1e-3);
  });
});

describe('Rayleigh quotient and fidelity', () => {
  const mesh = tanMesh(40, 1);
  const H = deuteronMeshHamiltonian(lo500(), mesh);
  const sol = solveDeuteronHamiltonian(H);
  it('H layout: 2N×2N unweighted, hermitian blocks', () => {
    const n = 40;
    expect(H.V.length).toBe(4 * n * n);
    expect(H.kinetic.length).toBe(n);
    // V_SD(k_i, k_j) = V_DS(k_j, k_i)
    expect(Math.abs(H.V[3 * 2 * n + n + 7]! - H.V[(n + 7) * 2 * n + 3]!)).toBeLessThan(1e-12 * Math.abs(H.V[3 * 2 * n + n + 7]!));
  });
  it('equals the eigenvalue at the eigenvector, is scale invariant, and is above it elsewhere', () => {
    expect(Math.abs(deuteronRayleighQuotient(H, sol.psiS, sol.psiD) - sol.energyMeV)).toBeLessThan(1e-12);
    // the eigensolver's eigenvalue agrees up to its ε‖H‖ rounding (‖H‖ ~ 1e8 MeV on this mesh)
    expect(Math.abs(sol.eigenvalueMeV - sol.energyMeV)).toBeLessThan(1e-7);
    const s2 = Array.from(sol.psiS, (x) => -3 * x);
    const d2 = Array.from(sol.psiD, (x) => -3 * x);
    expect(Math.abs(deuteronRayleighQuotient(H, s2, d2) - sol.energyMeV)).toBeLessThan(1e-10);
    const gauss = Array.from(mesh.points, (k) => Math.exp(-(1.5 ** 2) * k * k / 2));
    const gaussD = Array.from(mesh.points, (k) => 0.1 * k * k * Math.exp(-(1.5 ** 2) * k * k / 2));
    const e = deuteronExpectation(H, gauss, gaussD);
    expect(e.energyMeV).toBeGreaterThan(sol.energyMeV);
    expect(Math.abs(e.kineticMeV + e.potentialMeV - e.energyMeV)).toBeLessThan(1e-12);
    expect(fidelity(mesh, gauss, sol.psiS)).toBeLessThan(1);
    expect(Math.abs(fidelity(mesh, sol.psiD, s2.length ? Array.from(sol.psiD, (x) => 2 * x) : []) - 1)).toBeLessThan(1e-14);
  });
  it('rejects wrong lengths', () => {
    expect(() => deuteronRayleighQuotient(H, [1, 2], [1, 2])).toThrow(/40 entries/);
  });
});
