import { describe, expect, it } from 'vitest';
import { emN3lo, yamaguchi, yamaguchiSolution } from '@nqs/hamiltonians';
import { parseMeshSpec } from '@nqs/quadrature';
import { solveDeuteron } from '../../deuteron/index.js';
import { deuteronObservables, radialWavefunctions, sphericalJ2, deuteronWavefunctionTables } from '../index.js';

describe('spherical Bessel functions', () => {
  it('j2 series and closed form agree; j2 matches the recurrence j2 = 3 j1/x − j0', () => {
    const closed = (x: number) => (3 / x ** 3 - 1 / x) * Math.sin(x) - (3 * Math.cos(x)) / x ** 2;
    expect(sphericalJ2(0.0999)).toBeCloseTo(closed(0.0999), 12);
    const x = 2.7;
    const j0 = Math.sin(x) / x;
    const j1 = Math.sin(x) / x ** 2 - Math.cos(x) / x;
    expect(sphericalJ2(x)).toBeCloseTo((3 * j1) / x - j0, 14);
  });
});

describe('Yamaguchi deuteron (analytic r-space wavefunction, pure S wave)', () => {
  const mesh = parseMeshSpec('tan:96:1');
  const sol = solveDeuteron(yamaguchi(), mesh);
  const { alpha, beta } = yamaguchiSolution();
  // u(r) = A (e^{−αr} − e^{−βr}), A² = 2αβ(α+β)/(β−α)²
  const A = Math.sqrt((2 * alpha * beta * (alpha + beta)) / (beta - alpha) ** 2);
  it('u(r) from the Fourier–Bessel transform matches the analytic form; w = 0', () => {
    const r = [0.5, 1, 2];
    const rad = radialWavefunctions(mesh, sol.psiS, sol.psiD, r);
    r.forEach((ri, i) => {
      // the Yamaguchi ψ falls off only like k⁻⁴: the oscillating tail k²ψ j₀(kr) is not resolved by
      // the sparse high-k end of the mesh, an error that grows with r (~1e-3 at 2 fm, 2 % at 8 fm)
      expect(Math.abs(rad.u[i]! - A * (Math.exp(-alpha * ri) - Math.exp(-beta * ri)))).toBeLessThan(1.5e-3);
      expect(rad.w[i]).toBe(0);
    });
  });
  it('A_S from the pole equals the analytic value, Q = η = 0, r_d analytic', () => {
    const o = deuteronObservables(sol, mesh);
    expect(Math.abs(o.asymptoticS / A - 1)).toBeLessThan(1e-6);
    expect(o.quadrupoleFm2).toBe(0);
    expect(o.asymptoticDS).toBe(0);
    const r2 = A * A * (2 / (2 * alpha) ** 3 - 4 / (alpha + beta) ** 3 + 2 / (2 * beta) ** 3);
    expect(Math.abs(o.rmsRadiusFm - 0.5 * Math.sqrt(r2))).toBeLessThan(1e-3);
    expect(Math.abs(o.normRadial - 1)).toBeLessThan(1e-4);
  });
});

describe('EM N3LO deuteron observables on tan:96:1 (REFERENCE.md §1)', () => {
  const mesh = parseMeshSpec('tan:96:1');
  const sol = solveDeuteron(emN3lo(), mesh);
  const o = deuteronObservables(sol, mesh);
  it('energy and P_D', () => {
    expect(Math.abs(sol.energyMeV - -2.224575)).toBeLessThan(3e-6);
    expect(100 * sol.pD).toBeCloseTo(4.514, 3);
  });
  it('A_S = 0.8843 fm^-1/2, η = 0.0256, Q = 0.2750 fm², r_d = 1.9744 fm (literature 1.975)', () => {
    expect(o.asymptoticS).toBeCloseTo(0.8843, 4);
    expect(o.asymptoticDS).toBeCloseTo(0.0256, 4);
    expect(o.quadrupoleFm2).toBeCloseTo(0.275, 4);
    expect(Math.abs(o.rmsRadiusFm - 1.9744)).toBeLessThan(2e-4);
    expect(Math.abs(o.rmsRadiusFm - 1.975)).toBeLessThan(1e-3);
  });
  it('the radial transform is unitary: ∫(u²+w²) = 1 and ∫w² = P_D', () => {
    expect(Math.abs(o.normRadial - 1)).toBeLessThan(1e-5);
    expect(Math.abs(o.pDRadial - sol.pD)).toBeLessThan(1e-6);
  });
  it('u and w approach the asymptotic forms with the fitted A_S, η', () => {
    const r = [13, 14];
    const rad = radialWavefunctions(mesh, sol.psiS, sol.psiD, r);
    r.forEach((ri, i) => {
      const x = o.alphaFmInv * ri;
      expect(Math.abs((rad.u[i]! * Math.exp(x)) / o.asymptoticS - 1)).toBeLessThan(1e-3);
      expect(Math.abs((rad.w[i]! * Math.exp(x)) / (1 + 3 / x + 3 / (x * x)) / (o.asymptoticDS * o.asymptoticS) - 1)).toBeLessThan(2e-2);
    });
  });
  it('plot tables cover the requested ranges', () => {
    const t = deuteronWavefunctionTables(sol, mesh, { kMax: 4, rMax: 15, nR: 30 });
    expect(t.r.length).toBe(30);
    expect(t.r[29]).toBeCloseTo(15, 12);
    expect(Math.max(...t.k)).toBeLessThanOrEqual(4);
    expect(t.k.length).toBe(t.psiS.length);
  });
});
