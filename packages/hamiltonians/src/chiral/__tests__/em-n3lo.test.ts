import { describe, expect, it } from 'vitest';
import { HBARC } from '../../units.js';
import { getPotential } from '../../potentials/registry.js';
import { emN3lo, piGammaFunction } from '../em-n3lo.js';
import { loopA, loopL } from '../loops.js';
import { loopValues, tpeNLO, twoPionExchange } from '../tpe.js';
import { EM_N3LO_PION_NUCLEON } from '../em-n3lo.js';

const HC3 = HBARC ** 3;

// REFERENCE.md §1: EM N3LO matrix elements in MeV⁻² at k' = k (fm⁻¹):
// 3S1 (V−−), 3D1 (V++), V+− (D←S), V−+ (S←D), 1S0
const TABLE: [number, number[]][] = [
  [0.1, [-4.694900e-6, 1.237020e-9, -1.255727e-7, -1.255727e-7, -6.069695e-6]],
  [0.5, [-3.266275e-6, 1.836768e-7, -1.110250e-6, -1.110250e-6, -4.109858e-6]],
  [1.0, [-1.666940e-6, 4.253855e-7, -1.057470e-6, -1.057470e-6, -1.589757e-6]],
  [2.0, [-5.120014e-8, 4.295031e-7, -7.780514e-8, -7.780514e-8, 1.390467e-6]],
];

describe('EM N3LO (2003) matrix elements', () => {
  const pot = emN3lo();
  for (const [k, ref] of TABLE) {
    it(`matches REFERENCE.md to 1e-6 relative at k' = k = ${k} fm^-1`, () => {
      const got = [
        pot.value('3S1', k, k),
        pot.value('3D1', k, k),
        pot.value('3D1-3S1', k, k),
        pot.value('3S1-3D1', k, k),
        pot.value('1S0', k, k),
      ].map((v) => v / HC3);
      got.forEach((g, i) => expect(Math.abs(g / ref[i]! - 1)).toBeLessThan(1e-6));
    });
  }
  it('coupledBlock agrees with value() and the block is symmetric under k ↔ k′ with S↔D swapped', () => {
    const [SS, SD, DS, DD] = pot.coupledBlock!(1, 0.7, 1.3);
    expect(SS).toBeCloseTo(pot.value('3S1', 0.7, 1.3), 12);
    expect(SD).toBeCloseTo(pot.value('3S1-3D1', 0.7, 1.3), 12);
    expect(DS).toBeCloseTo(pot.value('3D1-3S1', 0.7, 1.3), 12);
    expect(DD).toBeCloseTo(pot.value('3D1', 0.7, 1.3), 12);
    // hermiticity: V_{SD}(k', k) = V_{DS}(k, k')
    expect(pot.value('3S1-3D1', 0.7, 1.3)).toBeCloseTo(pot.value('3D1-3S1', 1.3, 0.7), 12);
    expect(pot.value('1S0', 0.7, 1.3)).toBeCloseTo(pot.value('1S0', 1.3, 0.7), 12);
  });
  it('is converged in the angular quadrature', () => {
    const p48 = emN3lo({ angularOrder: 48 });
    for (const ch of ['3S1', '3D1', '3S1-3D1', '1S0']) {
      const a = pot.value(ch, 1.9, 2.1);
      expect(Math.abs(p48.value(ch, 1.9, 2.1) / a - 1)).toBeLessThan(1e-9);
    }
  });
});

describe('loop functions and 2PE', () => {
  const m = 138.039;
  it('L and A have the right small-q limits and agree with the direct formulas', () => {
    expect(loopL(0, m)).toBe(1);
    expect(loopL(1e-6, m)).toBeCloseTo(1, 12);
    expect(loopA(1e-6, m)).toBeCloseTo(1 / (4 * m), 15);
    const q = 300;
    const w = Math.sqrt(4 * m * m + q * q);
    expect(loopL(q, m)).toBeCloseTo((w / q) * Math.log((w + q) / (2 * m)), 13);
    expect(loopA(q, m)).toBeCloseTo(Math.atan(q / (2 * m)) / (2 * q), 15);
  });
  it('spin-spin = −q² tensor for every piece (V_S = −q² V_T, W_S = −q² W_T)', () => {
    const q2 = 250 ** 2;
    const all = twoPionExchange(q2, 200 ** 2, EM_N3LO_PION_NUCLEON, {
      nlo: true, n2lo: true, n2loOverM: true, iterativeCorrection: true,
      n3loFootball: true, n3loCiOverM: true, n3loTwoLoop: true, n3loOverM2: true,
    });
    expect(all.VS!).toBeCloseTo(-q2 * all.VT!, 20);
    expect(all.WS!).toBeCloseTo(-q2 * all.WT!, 20);
  });
  it('NLO W_C matches the spectral (dispersive) form: d/dq² of the q² → 0 expansion is finite', () => {
    // independent check of normalisation: at q = 0, L = 1 and W_C = −[4m²(5g⁴−4g²−1) + 12g⁴m²]/(384π²f⁴)
    const c = EM_N3LO_PION_NUCLEON;
    const g2 = c.gA ** 2, g4 = g2 * g2;
    const expected = -(4 * m * m * (5 * g4 - 4 * g2 - 1) + 12 * g4 * m * m) / (384 * Math.PI ** 2 * c.fPi ** 4);
    expect(tpeNLO(loopValues(0, m), c).WC!).toBeCloseTo(expected, 18);
  });
  it('πγ function: series and closed form agree at the switch, F(0) = 7/4', () => {
    const direct = (b: number) => (-(1 - b) * (1 - b) / (2 * b * b)) * Math.log1p(b) + (1 + b) / (2 * b);
    expect(piGammaFunction(0.999e-3)).toBeCloseTo(direct(0.999e-3), 10);
    expect(piGammaFunction(0)).toBeCloseTo(1.75, 14);
    expect(piGammaFunction(0.5)).toBe(direct(0.5));
  });
});

describe('registry', () => {
  it("getPotential('n3lo') is EM N3LO", () => {
    const p = getPotential('n3lo');
    expect(p.name).toBe('n3lo');
    expect(p.value('1S0', 0.5, 0.5) / HC3).toBeCloseTo(-4.109858e-6, 11);
  });
});
