import { gaussLegendreInterval, tanMesh } from '@nqs/quadrature';
import { describe, expect, it } from 'vitest';
import { HBARC } from '../../units.js';
import { deuteronInverseIteration } from './deuteron-oracle.js';
import { getPotential, POTENTIAL_NAMES } from '../../potentials/registry.js';
import { regulatedChiralPotential } from '../builder.js';
import { CHIRAL_CHANNELS } from '../em-n3lo.js';
import {
  EMN_LAMBDA_MEV,
  EMN_N2LO500,
  EMN_NLO500,
  EMN_NP_MASS_MEV,
  type EmnParameters,
  emnN2lo500,
  emnNlo500,
  emnPotential,
} from '../emn.js';
import { loopA, loopASfr, loopL, loopLSfr } from '../loops.js';
import { loopValues, tpeN2LO, tpeNLO, twoPionExchange } from '../tpe.js';

const HC3 = HBARC ** 3;


describe('spectral-function regularised loop functions', () => {
  const m = 138.039;
  const lam = 650;
  // spectral integrals, μ = 2m cosh t (removes the 1/√(μ² − 4m²) end-point singularity)
  const tMax = Math.acosh(lam / (2 * m));
  const gl = gaussLegendreInterval(200, 0, tMax);
  const spectral = (f: (mu: number) => number) =>
    gl.points.reduce((s, t, i) => s + gl.weights[i]! * f(2 * m * Math.cosh(t)) * 2 * m * Math.sinh(t), 0);
  it('L̃(q) = w² ∫_{2m}^{Λ̃} dμ /(√(μ²−4m²)(μ²+q²)) and Ã(q) = ½ ∫_{2m}^{Λ̃} dμ/(μ²+q²)', () => {
    for (const q of [1e-3, 30, 150, 400, 1200]) {
      const w2 = 4 * m * m + q * q;
      const L = w2 * spectral((mu) => 1 / (Math.sqrt(mu * mu - 4 * m * m) * (mu * mu + q * q)));
      const A = 0.5 * spectral((mu) => 1 / (mu * mu + q * q));
      expect(Math.abs(loopLSfr(q, m, lam) / L - 1)).toBeLessThan(1e-10);
      expect(Math.abs(loopASfr(q, m, lam) / A - 1)).toBeLessThan(1e-10);
    }
  });
  it('q → 0 limits and Λ̃ → ∞ gives dimensional regularisation', () => {
    const s = Math.sqrt(lam * lam - 4 * m * m);
    expect(loopLSfr(0, m, lam)).toBeCloseTo(s / lam, 15);
    expect(loopLSfr(1e-7, m, lam)).toBeCloseTo(s / lam, 12);
    expect(loopASfr(0, m, lam)).toBeCloseTo((lam - 2 * m) / (4 * lam * m), 17);
    for (const q of [10, 300, 900]) {
      expect(Math.abs(loopLSfr(q, m, 1e12) / loopL(q, m) - 1)).toBeLessThan(1e-8);
      expect(Math.abs(loopASfr(q, m, 1e12) / loopA(q, m) - 1)).toBeLessThan(1e-8);
    }
    expect(loopLSfr(100, m, 2 * m)).toBe(0);
  });
  it('loopValues / twoPionExchange pass Λ̃ through; Infinity means dimensional regularisation', () => {
    const q2 = 320 ** 2;
    expect(loopValues(q2, m, lam).L).toBe(loopLSfr(320, m, lam));
    expect(loopValues(q2, m, Infinity).L).toBe(loopL(320, m));
    const c = EMN_N2LO500.pionNucleon;
    const lv = loopValues(q2, m, lam);
    const sum = twoPionExchange(q2, 0, c, { nlo: true, n2lo: true }, { sfrCutoffMeV: lam });
    const nlo = tpeNLO(lv, c);
    const n2lo = tpeN2LO(lv, c);
    expect(sum.WC).toBeCloseTo(nlo.WC!, 20);
    expect(sum.VC).toBeCloseTo(n2lo.VC!, 20);
    expect(sum.WT).toBeCloseTo(n2lo.WT!, 22);
    expect(sum.VT).toBeCloseTo(nlo.VT!, 22);
  });
});

describe('EMN NLO500 and N2LO500: parameters and structure', () => {
  it('registered under nlo500 and n2lo500', () => {
    expect(POTENTIAL_NAMES).toContain('nlo500');
    expect(POTENTIAL_NAMES).toContain('n2lo500');
    expect(getPotential('nlo500').name).toBe('nlo500');
    expect(getPotential('n2lo500').name).toBe('n2lo500');
    expect(getPotential('n2lo500').channels).toEqual(CHIRAL_CHANNELS);
  });
  it('c_i: zero at NLO, Roy–Steiner values at N2LO (MeV⁻¹)', () => {
    expect([EMN_NLO500.pionNucleon.c1, EMN_NLO500.pionNucleon.c3, EMN_NLO500.pionNucleon.c4]).toEqual([0, 0, 0]);
    expect(EMN_N2LO500.pionNucleon.c1).toBeCloseTo(-0.74e-3, 15);
    expect(EMN_N2LO500.pionNucleon.c3).toBeCloseTo(-3.61e-3, 15);
    expect(EMN_N2LO500.pionNucleon.c4).toBeCloseTo(2.44e-3, 15);
  });
  it('hermitian: V(k′, k) = V(k, k′) and V_SD(k′, k) = V_DS(k, k′)', () => {
    for (const pot of [emnNlo500(), emnN2lo500()]) {
      for (const ch of ['1S0', '3P0', '1P1', '3P1', '3S1', '3D1', '3P2', '1D2', '3F3']) {
        expect(pot.value(ch, 0.6, 1.7)).toBeCloseTo(pot.value(ch, 1.7, 0.6), 12);
      }
      expect(pot.value('3S1-3D1', 0.6, 1.7)).toBeCloseTo(pot.value('3D1-3S1', 1.7, 0.6), 12);
    }
  });
  it('the spectral cutoff matters: SFR and dimensional regularisation differ in 1S0 by > 1 %', () => {
    const a = emnN2lo500().value('1S0', 1.5, 1.5);
    const b = emnN2lo500({ sfrCutoffMeV: Infinity }).value('1S0', 1.5, 1.5);
    expect(Math.abs(a / b - 1)).toBeGreaterThan(1e-2);
  });
  it('is converged in the angular quadrature', () => {
    const p = emnN2lo500();
    const p96 = emnN2lo500({ angularOrder: 96 });
    for (const ch of ['3S1', '3D1', '3S1-3D1', '1S0', '3P1', '3F3']) {
      expect(Math.abs(p96.value(ch, 1.9, 2.1) / p.value(ch, 1.9, 2.1) - 1)).toBeLessThan(1e-9);
    }
  });
});

describe('EMN partial-wave contacts = projection of the Q² contact operators', () => {
  // Operator contacts (Machleidt & Entem, Phys. Rep. 503, Eq. (2.?)/(4.x)):
  //   C₁q² + C₂k² + (C₃q² + C₄k²) σ₁·σ₂ + C₅(−iS·(q×k)) + C₆ σ₁·q σ₂·q   (C₇ σ·k σ·k not used),
  // whose partial-wave values are C_wave·(p'² + p²), C_wave·p'p, C_SD·p², C_DS·p'² with
  // C_wave = 4π Σ_j a_wj C_j (published table). Our partial-wave contact forms must reproduce the
  // projection of these operators by the general PWD engine (incl. the Idaho sign of 3S1–3D1).
  const Cop = [1.3e-8, -0.7e-8, 0.45e-8, 0.9e-8, -1.1e-8, 0.6e-8]; // MeV⁻⁴
  const s2 = Math.SQRT2;
  const rows: Record<string, number[]> = {
    '1S0': [1, 1 / 4, -3, -3 / 4, 0, -1],
    '3P0': [-2 / 3, 1 / 6, -2 / 3, 1 / 6, -2 / 3, 2],
    '1P1': [-2 / 3, 1 / 6, 2, -1 / 2, 0, 2 / 3],
    '3P1': [-2 / 3, 1 / 6, -2 / 3, 1 / 6, -1 / 3, -4 / 3],
    '3S1': [1, 1 / 4, 1, 1 / 4, 0, 1 / 3],
    '3S1-3D1': [0, 0, 0, 0, 0, (-2 * s2) / 3],
    '3P2': [-2 / 3, 1 / 6, -2 / 3, 1 / 6, 1 / 3, 0],
  };
  const wave = (w: string) => (4 * Math.PI * rows[w]!.reduce((s, a, j) => s + a * Cop[j]!, 0)) / 1e-8; // 10⁴ GeV⁻⁴
  const params = (withContacts: boolean): EmnParameters => {
    const z = (v: number) => [withContacts ? v : 0, 2] as const;
    return {
      ...EMN_NLO500,
      contacts: {
        '1S0': { Ct: [0, 2], C: z(wave('1S0')) },
        '3S1': { Ct: [0, 2], C: z(wave('3S1')) },
        '3P0': { C: z(wave('3P0')) },
        '1P1': { C: z(wave('1P1')) },
        '3P1': { C: z(wave('3P1')) },
        '3S1-3D1': { C: z(wave('3S1-3D1')) },
        '3P2': { C: z(wave('3P2')) },
      },
    };
  };
  const withC = emnPotential(params(true), 'test');
  const noC = emnPotential(params(false), 'test');
  const opPot = regulatedChiralPotential({
    name: 'contact-operators',
    description: 'Q² contact operators',
    groups: [
      {
        terms: [
          {
            name: 'Q² contacts',
            coefficients(pp, p, z) {
              const q2 = pp * pp + p * p - 2 * pp * p * z;
              const k2 = (pp * pp + p * p + 2 * pp * p * z) / 4;
              return { VC: Cop[0]! * q2 + Cop[1]! * k2, VS: Cop[2]! * q2 + Cop[3]! * k2, VLS: Cop[4]!, VT: Cop[5]! };
            },
          },
        ],
        n: 2,
        cutoffMeV: EMN_LAMBDA_MEV,
      },
    ],
    contacts: {},
    nucleonMassMeV: EMN_NP_MASS_MEV,
    channels: CHIRAL_CHANNELS,
  });
  for (const ch of ['1S0', '3P0', '1P1', '3P1', '3S1', '3P2', '3S1-3D1', '3D1-3S1', '3D1', '1D2']) {
    it(`${ch}: contact part equals the operator projection`, () => {
      for (const [kp, k] of [[0.4, 1.1], [1.3, 0.8], [2.0, 2.0]] as const) {
        const contact = withC.value(ch, kp, k) - noC.value(ch, kp, k);
        const ref = opPot.value(ch, kp, k);
        expect(Math.abs(contact - ref)).toBeLessThan(1e-9 * Math.max(1e-3, Math.abs(ref)));
      }
    });
  }
});

/**
 * External oracle: the authors' Fortran codes nlo500.f and n2lo500.f (Entem, Machleidt & Nosyk,
 * "Final version, December 2016"), as stored in the GitHub repository hhurongzhe/pyScattering,
 * commit 4e1843ad7f1f938f70ae1ed28c08766850f82e4b, files deps/nlo500.f and deps/n2lo500.f. They were
 * compiled outside the repository (gfortran 12.2, -O1 -std=legacy -fno-automatic) with a small driver
 * and are not part of the project. Driver: common /cnn/ inn = 2 (np), /cstate/ heform = .false.
 * (LSJ basis), sing = trip = coup = .true., j = 0, 1, 2; /cpot/ xmev = k'·ħc (final, bra),
 * ymev = k·ħc (initial, ket), ħc = 197.32968 MeV fm; one call of the potential routine per
 * (j, k', k); printed v(1..6) = singlet, uncoupled triplet, v++, v−−, v+−, v−+ in MeV⁻².
 * For the build, comments were stripped and three parts unreachable for j ≤ 2 or for these
 * tables were shortened: the j ≥ 3 partial-wave contact cut-offs (stop), the 15×15 solve for the
 * Q⁴ contact LECs (right-hand side identically zero at NLO/N²LO), and the unused cut/function types
 * of chiaa (stop); the CERN Gauss–Legendre table of gset was replaced by Newton-iterated nodes
 * (same n; differences ~1e-15).
 * Conversion: our value(ch, k', k) [MeV fm³] / (ħc)³ = v, with the channel map
 * j = 0: 1S0 = v(1), 3P0 = v(3);  j = 1: 1P1 = v(1), 3P1 = v(2), 3D1 = v(3), 3S1 = v(4),
 * 3D1-3S1 = v(5) (v+−, ⟨D|V|S⟩), 3S1-3D1 = v(6) (v−+);  j = 2: 3D2 = v(2), 3P2 = v(4),
 * 3F2-3P2 = v(5), 3P2-3F2 = v(6) (no further sign or π/2 factor: the Fortran v already carries
 * 1/(2π)³, the minimal-relativity factor and the sign of the coupled off-diagonal elements).
 * Our elements agreed with all 16 ordered pairs k', k ∈ {0.1, 0.5, 1, 2} fm⁻¹ to ≤ 3e-11
 * relative in every channel; the table keeps 7 pairs, rounded to 10 significant digits.
 * Rows: [k' (fm⁻¹), k (fm⁻¹), values in the order of FORTRAN_CHANNELS (MeV⁻²)].
 */
const FORTRAN_CHANNELS = ['1S0', '3P0', '1P1', '3P1', '3S1', '3D1', '3S1-3D1', '3D1-3S1', '3P2', '3P2-3F2', '3F2-3P2', '3D2'] as const;
const FORTRAN_REFERENCE: Record<'nlo500' | 'n2lo500', readonly (readonly [number, number, readonly number[]])[]> = {
  nlo500: [
    [0.1, 0.1, [-6.154223767e-6, -7.577972455e-8, 9.819049288e-8, 5.508390587e-8, -6.473415477e-6, 1.265404828e-9, -1.284063789e-7, -1.284063789e-7, -3.882246987e-9, 4.970316392e-10, 4.970316392e-10, -2.223348216e-9]],
    [0.5, 0.5, [-4.401761302e-6, -7.861836787e-7, 8.406593762e-7, 5.897410522e-7, -5.060298993e-6, 1.995160149e-7, -1.165469420e-6, -1.165469420e-6, -1.247786005e-7, 6.755884918e-8, 6.755884918e-8, -2.962389745e-7]],
    [1.0, 1.0, [-1.638657748e-6, -6.675191296e-7, 1.020749711e-6, 7.580448391e-7, -2.796684779e-6, 5.592545188e-7, -1.078749836e-6, -1.078749836e-6, -4.295491520e-7, 1.407955477e-7, 1.407955477e-7, -6.721797155e-7]],
    [2.0, 2.0, [2.267852925e-6, 6.317405457e-7, 7.745641176e-7, 3.283063288e-7, 2.004168225e-6, 4.524516131e-7, 3.492637959e-7, 3.492637959e-7, -6.738431665e-7, 6.941038412e-8, 6.941038412e-8, -4.229519304e-7]],
    [0.5, 1.0, [-2.725858867e-6, -5.965711472e-7, 6.887799342e-7, 5.392386200e-7, -3.749324805e-6, 2.395816846e-7, -2.974371808e-6, -2.600515559e-7, -2.334261034e-7, 2.253438161e-7, 1.931427216e-8, -3.000277829e-7]],
    [1.0, 2.0, [1.371644480e-6, 2.978092462e-7, 6.187991511e-7, 3.275087362e-7, 5.114913700e-7, 2.791044121e-7, -1.400808446e-6, 1.743331947e-7, -5.172142103e-7, 2.449859358e-7, 8.792668598e-9, -2.564988288e-7]],
    [2.0, 0.1, [7.509451690e-7, 2.655528957e-8, 6.424073445e-8, 3.575557961e-8, -3.019415500e-7, 3.238907698e-9, 1.918140565e-9, -2.452680364e-6, -5.417133751e-8, 7.888786915e-12, 3.653231958e-8, -2.902548094e-9]],
  ],
  n2lo500: [
    [0.1, 0.1, [-6.375402902e-6, -7.642030936e-8, 9.549684684e-8, 5.318357860e-8, -5.625025418e-6, 1.246500526e-9, -1.275547678e-7, -1.275547678e-7, -7.385190188e-9, 4.957033797e-10, 4.957033797e-10, -2.234656617e-9]],
    [0.5, 0.5, [-4.512122063e-6, -7.817366939e-7, 7.915627046e-7, 5.770362623e-7, -4.127535677e-6, 1.913025849e-7, -1.158089423e-6, -1.158089423e-6, -1.822809086e-7, 6.712672874e-8, 6.712672874e-8, -3.022056112e-7]],
    [1.0, 1.0, [-2.082369629e-6, -5.676942446e-7, 9.565379054e-7, 9.249271402e-7, -2.309472276e-6, 5.139985691e-7, -1.186637459e-6, -1.186637459e-6, -4.551904234e-7, 1.426917951e-7, 1.426917951e-7, -7.429485521e-7]],
    [2.0, 2.0, [1.731072186e-7, 7.061170869e-7, 9.082825294e-7, 7.019592265e-7, 2.449350709e-7, 5.542971555e-7, -3.586165039e-7, -3.586165039e-7, -3.226436532e-7, 1.120701809e-7, 1.120701809e-7, -7.520799915e-7]],
    [0.5, 1.0, [-2.902289827e-6, -5.617608688e-7, 6.330920950e-7, 5.858811623e-7, -2.939806497e-6, 2.215995334e-7, -3.046410648e-6, -2.742960153e-7, -2.843988477e-7, 2.273309734e-7, 1.903347905e-8, -3.208464007e-7]],
    [1.0, 2.0, [-3.610065171e-8, 4.446298375e-7, 6.505499566e-7, 6.854071940e-7, -3.336063682e-7, 2.710146260e-7, -2.479681941e-6, 1.965404096e-8, -3.287550247e-7, 3.101948136e-7, 1.018131232e-8, -3.744505335e-7]],
    [2.0, 0.1, [-1.372596665e-7, 4.075133034e-8, 6.545087243e-8, 7.216829982e-8, -5.841696403e-7, 3.020478878e-9, 4.339505453e-10, -3.651713699e-6, -3.790760317e-8, 8.505340828e-12, 4.516040016e-8, -4.180886745e-9]],
  ],
};

describe("EMN NLO500 / N2LO500 against the authors' Fortran codes (FORTRAN_REFERENCE)", () => {
  for (const name of ['nlo500', 'n2lo500'] as const) {
    const pot = getPotential(name);
    for (const [kp, k, ref] of FORTRAN_REFERENCE[name]) {
      it(`${name}: k′ = ${kp}, k = ${k} fm⁻¹, all channels to 1e-6 relative`, () => {
        FORTRAN_CHANNELS.forEach((ch, i) => {
          const ours = pot.value(ch, kp, k) / HC3;
          expect(Math.abs(ours / ref[i]! - 1), ch).toBeLessThan(1e-6);
        });
      });
    }
  }
  it('the table discriminates: NLO ≠ N2LO and ⟨S|V|D⟩ ≠ ⟨D|V|S⟩ off the diagonal', () => {
    const row = (name: 'nlo500' | 'n2lo500') => FORTRAN_REFERENCE[name].find(([kp, k]) => kp === 1 && k === 2)![2];
    const sd = FORTRAN_CHANNELS.indexOf('3S1-3D1');
    const ds = FORTRAN_CHANNELS.indexOf('3D1-3S1');
    expect(Math.abs(row('nlo500')[sd]! / row('nlo500')[ds]! - 1)).toBeGreaterThan(1);
    expect(Math.abs(row('nlo500')[0]! / row('n2lo500')[0]! - 1)).toBeGreaterThan(1);
    // our NLO500 misses the N2LO500 reference by far more than the tolerance
    expect(Math.abs(getPotential('nlo500').value('1S0', 1, 2) / HC3 / row('n2lo500')[0]! - 1)).toBeGreaterThan(1e-2);
  });
});

describe('EMN deuteron on the converged mesh tan:96:1 (inverse iteration)', () => {
  it('NLO500: E = −2.224574 MeV, P_D = 3.403 % (REFERENCE.md §1)', () => {
    const { E, pD } = deuteronInverseIteration(emnNlo500(), tanMesh(96, 1));
    expect(Math.abs(E + 2.224574)).toBeLessThan(3e-6);
    expect(pD * 100).toBeCloseTo(3.403, 3);
  });
  it('N2LO500: E = −2.2246 MeV (fitted to B_d = 2.224575 MeV) and P_D ≈ 4.49 %', () => {
    const { E, pD } = deuteronInverseIteration(emnN2lo500(), tanMesh(96, 1));
    expect(Math.abs(E + 2.224575)).toBeLessThan(3e-6);
    expect(pD * 100).toBeGreaterThan(4.0);
    expect(pD * 100).toBeLessThan(5.0);
  });
  it('the deuteron test can fail: dimensional regularisation of the NLO500 2PE shifts E by > 0.1 MeV', () => {
    const { E } = deuteronInverseIteration(emnNlo500({ sfrCutoffMeV: Infinity }), tanMesh(48, 1));
    expect(Math.abs(E + 2.224574)).toBeGreaterThan(0.1);
  });
});

describe('registry values are the EMN potentials', () => {
  it("getPotential('nlo500') equals emnNlo500(); values in MeV fm³", () => {
    const a = getPotential('nlo500').value('3S1', 0.5, 1.0);
    expect(a).toBe(emnNlo500().value('3S1', 0.5, 1.0));
    expect(Math.abs(a / HC3)).toBeLessThan(1e-4);
  });
});
