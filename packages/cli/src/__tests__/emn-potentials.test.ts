import { describe, expect, it } from 'vitest';
import { captureCli } from './cli-harness.js';

const { io, run } = captureCli();

// EMN NLO500 / N2LO500 (Entem, Machleidt & Nosyk, PRC 96, 024004 (2017)) through --potential,
// solved with the ml-matrix eigensolver of @nqs/benchmarks-exact (the hamiltonians tests use an
// independent inverse iteration).
describe('nqs exact deuteron --potential nlo500 | n2lo500', () => {
  it('nlo500 on tan:96:1: E = −2.224574 MeV (±3e−6), P_D = 3.403 % (REFERENCE.md §1)', async () => {
    const { code, json } = await run(['exact', 'deuteron', '--potential', 'nlo500', '--mesh', 'tan:96:1', '--json']);
    expect(code).toBe(0);
    expect(json!.potential).toBe('nlo500');
    expect(Math.abs((json!.energyMeV as number) + 2.224574)).toBeLessThan(3e-6);
    expect(json!.pDPercent as number).toBeCloseTo(3.403, 3);
  });
  it('n2lo500 on tan:96:1: E = −2.224575 MeV (±3e−6, fitted B_d), P_D = 4.488 %', async () => {
    const { code, json } = await run(['exact', 'deuteron', '--potential', 'n2lo500', '--mesh', 'tan:96:1', '--json']);
    expect(code).toBe(0);
    expect(Math.abs((json!.energyMeV as number) + 2.224575)).toBeLessThan(3e-6);
    expect(json!.pDPercent as number).toBeCloseTo(4.488, 3);
  });
  it('nlo500 on the paper mesh: E = −2.22476 MeV (REFERENCE.md §1)', async () => {
    const { code, json } = await run(['exact', 'deuteron', '--potential', 'nlo500', '--mesh', 'paper64', '--json']);
    expect(code).toBe(0);
    expect(json!.energyMeV as number).toBeCloseTo(-2.22476, 5);
  });
  it('an unknown potential lists nlo500 and n2lo500 among the allowed names', async () => {
    const r = await run(['exact', 'deuteron', '--potential', 'nlo600', '--json']);
    expect(r.code).toBe(2);
    expect(io.err).toMatch(/n3lo, nlo500, n2lo500/);
  });
});
