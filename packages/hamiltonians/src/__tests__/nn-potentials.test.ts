import { describe, expect, it } from 'vitest';
import {
  HBARC,
  NUCLEON_MASS,
  HBAR2_OVER_M,
  POTENTIAL_NAMES,
  PotentialInputError,
  getPotential,
  lo500,
  malflietTjon,
  mevfm3ToMeVm2,
  mevm2ToMeVfm3,
  parseChannel,
  projectOperators,
  valueMeVm2,
  yamaguchiSolution,
  yukawaSWave,
  MT3_PARAMS,
  deuteronBlock,
  channelName,
} from '../index.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('units', () => {
  it('constants of the papers and conversions', () => {
    expect(HBARC).toBe(197.32968);
    expect(NUCLEON_MASS).toBe(938.9182);
    // M = 2 m_n m_p/(m_n + m_p) to the quoted digits
    expect(Math.abs((2 * 939.5653 * 938.272) / (939.5653 + 938.272) - NUCLEON_MASS)).toBeLessThan(1e-4);
    expect(rel(HBAR2_OVER_M, 41.47216)).toBeLessThan(1e-6);
    expect(mevfm3ToMeVm2(mevm2ToMeVfm3(1.234e-6))).toBeCloseTo(1.234e-6, 18);
    expect(rel(mevm2ToMeVfm3(1), 197.32968 ** 3)).toBeLessThan(1e-15);
  });
});

describe('channels', () => {
  it('parses spectroscopic names', () => {
    expect(parseChannel('1S0')).toEqual({ S: 0, Lp: 0, L: 0, J: 0 });
    expect(parseChannel('3S1-3D1')).toEqual({ S: 1, Lp: 0, L: 2, J: 1 });
    expect(parseChannel('3D1-3S1')).toEqual({ S: 1, Lp: 2, L: 0, J: 1 });
    expect(channelName({ S: 1, Lp: 1, L: 3, J: 2 })).toBe('3P2-3F2');
    expect(() => parseChannel('3S2')).toThrow(PotentialInputError);
    expect(() => parseChannel('1P0')).toThrow(PotentialInputError);
    expect(() => parseChannel('3S1-1S0')).toThrow(PotentialInputError);
  });
});

describe('EMN LO500 matrix elements (REFERENCE.md table, k′ = 0.5, k = 1.0 fm⁻¹)', () => {
  const pot = lo500();
  const cases: [string, number][] = [
    ['3S1', -1.589664e-6],
    ['3D1', 2.253167e-7],
    ['3D1-3S1', -4.025402e-7], // V+− (D←S)
    ['3S1-3D1', -3.522036e-6], // V−+ (S←D)
    ['1S0', -2.754021e-6],
  ];
  for (const [c, ref] of cases) {
    it(`${c} = ${ref} MeV⁻²`, () => {
      expect(rel(valueMeVm2(pot, c, 0.5, 1.0), ref)).toBeLessThan(1e-6);
    });
  }
  it('is hermitian: V_{L′L}(k′, k) = V_{LL′}(k, k′)', () => {
    for (const [a, b] of [[0.3, 1.7], [2.2, 0.9]] as const) {
      const x = deuteronBlock(pot, a, b);
      const y = deuteronBlock(pot, b, a);
      expect(rel(x.SD, y.DS)).toBeLessThan(1e-13);
      expect(rel(x.SS, y.SS)).toBeLessThan(1e-13);
      expect(rel(x.DD, y.DD)).toBeLessThan(1e-13);
      expect(rel(pot.value('3P2-3F2', a, b), pot.value('3F2-3P2', b, a))).toBeLessThan(1e-13);
    }
  });
  it('coupledBlock agrees with value()', () => {
    const [ss, sd, ds, dd] = pot.coupledBlock!(1, 0.5, 1.0);
    expect(ss).toBe(pot.value('3S1', 0.5, 1.0));
    expect(sd).toBe(pot.value('3S1-3D1', 0.5, 1.0));
    expect(ds).toBe(pot.value('3D1-3S1', 0.5, 1.0));
    expect(dd).toBe(pot.value('3D1', 0.5, 1.0));
  });
});

describe('Yamaguchi', () => {
  it('α and λ of REFERENCE.md', () => {
    const y = yamaguchiSolution();
    expect(Math.abs(y.alpha - 0.2316034334)).toBeLessThan(1e-9);
    expect(Math.abs(y.lambda - 216.024367)).toBeLessThan(2e-6);
    expect(y.energyMeV).toBeCloseTo(-2.224575, 12);
  });
  it('only 3S1 is non-zero', () => {
    const p = getPotential('yamaguchi');
    expect(p.value('3S1', 0.3, 0.4)).toBeLessThan(0);
    expect(p.value('3D1', 0.3, 0.4)).toBe(0);
    expect(() => p.value('1S0', 0.3, 0.4)).toThrow(/allowed: 3S1/);
  });
});

describe('Malfliet–Tjon MT-III', () => {
  it('analytic S-wave Yukawa projection = numerical projection of V(q) = Σ 4πc/(q²+μ²)/(2π)³', () => {
    const terms = [{ c: MT3_PARAMS.VR, mu: MT3_PARAMS.muR }, { c: -MT3_PARAMS.VA3S1, mu: MT3_PARAMS.muA }];
    const vq = {
      name: 'mt',
      coefficients: (pp: number, p: number, z: number) => ({
        VC: terms.reduce((s, t) => s + (4 * Math.PI * t.c) / (pp * pp + p * p - 2 * pp * p * z + t.mu * t.mu), 0),
      }),
    };
    for (const [a, b] of [[0.2, 0.7], [1.5, 1.5], [3, 0.05]] as const) {
      const num = projectOperators([vq], [parseChannel('3S1')], a, b)[0]! / (8 * Math.PI ** 3);
      expect(rel(yukawaSWave(terms, a, b), num)).toBeLessThan(1e-10);
    }
    // k′k → 0 limit
    expect(rel(yukawaSWave(terms, 0, 0.5), yukawaSWave(terms, 1e-9, 0.5))).toBeLessThan(1e-8);
  });
  it('singlet is weaker than triplet; D waves vanish', () => {
    const p = malflietTjon();
    expect(p.value('1S0', 0.1, 0.1)).toBeGreaterThan(p.value('3S1', 0.1, 0.1));
    expect(p.value('3D1', 0.5, 0.5)).toBe(0);
  });
});

describe('getPotential', () => {
  it('resolves the built-in names', () => {
    for (const n of ['yamaguchi', 'malfliet-tjon', 'lo500']) expect(getPotential(n).name).toBe(n);
    expect(POTENTIAL_NAMES).toContain('table:FILE');
  });
  it('unknown name → PotentialInputError listing the allowed names', () => {
    expect(() => getPotential('av18')).toThrow(PotentialInputError);
    expect(() => getPotential('av18')).toThrow(/yamaguchi, malfliet-tjon, lo500, table:FILE/);
  });
  it('table: needs a reader and reports read errors as input errors', () => {
    expect(() => getPotential('table:x.txt')).toThrow(PotentialInputError);
    expect(() =>
      getPotential('table:x.txt', {
        readTable: () => {
          throw new Error('ENOENT');
        },
      }),
    ).toThrow(/cannot read 'x.txt'.*ENOENT/);
  });
  it('rejects bad momenta and channels', () => {
    const p = getPotential('lo500');
    expect(() => p.value('3S1', Number.NaN, 1)).toThrow(PotentialInputError);
    expect(() => p.value('3S1', -1, 1)).toThrow(PotentialInputError);
    expect(() => p.value('3X1', 1, 1)).toThrow(PotentialInputError);
  });
});
