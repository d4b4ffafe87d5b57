/**
 * The Entem–Machleidt–Nosyk (EMN) chiral np potentials at NLO and N²LO with Λ = 500 MeV
 * (D. R. Entem, R. Machleidt & Y. Nosyk, PRC 96, 024004 (2017)), next to EMN LO500 (nn/chiral.ts)
 * and EM N3LO 2003 (em-n3lo.ts):
 *
 *   V = 1PE(np, charge dependent) + 2PE (NLO; N²LO static c_i terms) + partial-wave contacts,
 *
 *  - 1PE: −V_1π(m_π⁰) + (−1)^{T+1} 2 V_1π(m_π±), g_A = 1.29, f_π = 92.4 MeV, m_π⁰ = 134.9766,
 *    m_π± = 139.5702 MeV (no πγ term at these orders);
 *  - 2PE with one average pion mass m_π = 138.039 MeV and spectral-function regularisation of the
 *    loop functions, Λ̃ = 650 MeV ({@link EMN_SFR_CUTOFF_MEV}); at N²LO only the static c_i terms
 *    (no 1/M pieces), c₁ = −0.74, c₃ = −3.61, c₄ = 2.44 GeV⁻¹ (Roy–Steiner values of the paper);
 *  - contacts in partial-wave form, C̃ (10⁴ GeV⁻², Q⁰) and C (10⁴ GeV⁻⁴, Q²):
 *      1S0, 3S1: C̃ + C(p'² + p²);  3P0, 1P1, 3P1, 3P2: C p'p;
 *      ⟨3S1|V|3D1⟩ = C p²,  ⟨3D1|V|3S1⟩ = C p'²  (p' bra, p ket);
 *  - regulators exp(−(p'/Λ)^{2n} − (p/Λ)^{2n}), Λ = 500 MeV: NLO500 uses n = 2 for everything;
 *    N²LO500 uses n = 4 for 1PE, n = 2 for 2PE and per-wave exponents for the contacts (n = 3 for
 *    the Q⁰ contacts of 1S0 and 3S1 and for C_3P1, n = 2 otherwise);
 *  - minimal relativity M/√(E'E) on everything with the np mass M = 938.9183 MeV of the authors'
 *    code.
 * The constants (LECs, exponents, Λ̃, masses) are those of the publication as distributed in the
 * authors' Fortran codes nlo500.f / n2lo500.f (np values; the 1S0 C̃ of pp and nn are listed for
 * reference only).
 */
import { onePionExchangeNp } from '../nn/chiral.js';
import type { PartialWavePotential } from '../nn/potential.js';
import { type RegulatedContact, type RegulatedTerms, regulatedChiralPotential } from './builder.js';
import { CHIRAL_CHANNELS } from './em-n3lo.js';
import { type PionNucleonConstants, twoPionExchangeTerm } from './tpe.js';

/** 10⁴ GeV⁻² → MeV⁻² */
const GEV2 = 1e-2;
/** 10⁴ GeV⁻⁴ → MeV⁻⁴ */
const GEV4 = 1e-8;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Spectral-function cutoff Λ̃ of the EMN 2PE, MeV. */
export const EMN_SFR_CUTOFF_MEV = 650;

/** Cutoff Λ of the EMN "500" potentials, MeV. */
export const EMN_LAMBDA_MEV = 500;

/** np nucleon mass of the EMN codes (minimal-relativity factor), MeV. */
export const EMN_NP_MASS_MEV = 938.9183;

/** One-pion-exchange constants of the EMN potentials (MeV). */
export const EMN_OPE = Object.freeze({ gA: 1.29, fPi: 92.4, mPi0: 134.9766, mPiC: 139.5702 } as const);

/** A partial-wave LEC: [value in 10⁴ GeV⁻² (Q⁰) or 10⁴ GeV⁻⁴ (Q²), regulator exponent n]. */
export type EmnLec = readonly [value: number, n: number];

/** Contacts and exponents of one EMN potential (np). */
export interface EmnParameters {
  /** registry name */
  readonly name: string;
  /** chiral order of the long range: 'NLO' (2PE at Q²) or 'N2LO' (plus the c_i terms) */
  readonly order: 'NLO' | 'N2LO';
  /** π N constants of the 2PE (c_i in MeV⁻¹; zero at NLO) */
  readonly pionNucleon: PionNucleonConstants;
  /** regulator exponent of 1PE */
  readonly nOPE: number;
  /** regulator exponent of 2PE */
  readonly nTPE: number;
  /** the 1S0 Q⁰ contact of pp and nn (10⁴ GeV⁻²; not used by the np potential, for reference) */
  readonly ct1S0Other: { readonly pp: number; readonly nn: number };
  /** np partial-wave contacts */
  readonly contacts: {
    readonly '1S0': { readonly Ct: EmnLec; readonly C: EmnLec };
    readonly '3S1': { readonly Ct: EmnLec; readonly C: EmnLec };
    readonly '3P0': { readonly C: EmnLec };
    readonly '1P1': { readonly C: EmnLec };
    readonly '3P1': { readonly C: EmnLec };
    readonly '3S1-3D1': { readonly C: EmnLec };
    readonly '3P2': { readonly C: EmnLec };
  };
}

const piN = (c1: number, c3: number, c4: number): PionNucleonConstants =>
  Object.freeze({
    gA: EMN_OPE.gA,
    fPi: EMN_OPE.fPi,
    mPi: 138.039,
    nucleonMass: EMN_NP_MASS_MEV,
    c1: c1 * 1e-3,
    c2: 0,
    c3: c3 * 1e-3,
    c4: c4 * 1e-3,
    d12: 0,
    d3: 0,
    d5: 0,
    d1415: 0,
  });

/** EMN NLO500 (np): all parts regulated with n = 2. */
export const EMN_NLO500: EmnParameters = deepFreeze({
  name: 'nlo500',
  order: 'NLO',
  pionNucleon: piN(0, 0, 0),
  nOPE: 2,
  nTPE: 2,
  ct1S0Other: { pp: -0.14965902, nn: -0.150430267 },
  contacts: {
    '1S0': { Ct: [-0.15110342, 2], C: [1.600626575, 2] },
    '3S1': { Ct: [-0.1769381148, 2], C: [-0.267697877, 2] },
    '3P0': { C: [1.185093243, 2] },
    '1P1': { C: [0.386001255, 2] },
    '3P1': { C: [-0.440417744, 2] },
    '3S1-3D1': { C: [0.1392296, 2] },
    '3P2': { C: [-0.21206207, 2] },
  },
} as const);

/** EMN N²LO500 (np): 1PE n = 4, 2PE n = 2, contacts with their own exponents. */
export const EMN_N2LO500: EmnParameters = deepFreeze({
  name: 'n2lo500',
  order: 'N2LO',
  pionNucleon: piN(-0.74, -3.61, 2.44),
  nOPE: 4,
  nTPE: 2,
  ct1S0Other: { pp: -0.15050203, nn: -0.150959 },
  contacts: {
    '1S0': { Ct: [-0.15128113, 3], C: [2.336086454, 2] },
    '3S1': { Ct: [-0.15056056543, 3], C: [0.44389169, 2] },
    '3P0': { C: [1.054330257, 2] },
    '1P1': { C: [0.199132569, 2] },
    '3P1': { C: [-0.837012181, 3] },
    '3S1-3D1': { C: [0.351151131, 2] },
    '3P2': { C: [-0.636546259, 2] },
  },
} as const);

/** Partial-wave contact functions (MeV⁻², p', p in MeV); the builder applies the Idaho sign s_{L'L}. */
function emnContacts(P: EmnParameters): Record<string, RegulatedContact[]> {
  const C = P.contacts;
  const rc = (fn: (pp: number, p: number) => number, n: number): RegulatedContact => ({ fn, n, cutoffMeV: EMN_LAMBDA_MEV });
  const out: Record<string, RegulatedContact[]> = {};
  for (const w of ['1S0', '3S1'] as const) {
    const c = C[w];
    out[w] = [rc(() => c.Ct[0] * GEV2, c.Ct[1]), rc((pp, p) => c.C[0] * GEV4 * (pp * pp + p * p), c.C[1])];
  }
  for (const w of ['3P0', '1P1', '3P1', '3P2'] as const) {
    const c = C[w];
    out[w] = [rc((pp, p) => c.C[0] * GEV4 * pp * p, c.C[1])];
  }
  // the builder multiplies coupled off-diagonal elements by s = −1; SIGN undoes it so that the
  // element itself is +C p² (⟨3S1|V|3D1⟩) and +C p'² (⟨3D1|V|3S1⟩), as in em-n3lo.ts
  const SIGN = -1;
  const sd = C['3S1-3D1'].C;
  out['3S1-3D1'] = [rc((_pp, p) => SIGN * sd[0] * GEV4 * p * p, sd[1])];
  out['3D1-3S1'] = [rc((pp) => SIGN * sd[0] * GEV4 * pp * pp, sd[1])];
  return out;
}

/** Options of {@link emnNlo500} and {@link emnN2lo500}. */
export interface EmnOptions {
  /** fixed Gauss–Legendre order of the angular integral (default: adaptive) */
  angularOrder?: number;
  /** cap of the regulator exponent (80 as in the authors' code; default Infinity, same observables) */
  exponentCap?: number;
  /** spectral cutoff Λ̃ of the 2PE in MeV (default {@link EMN_SFR_CUTOFF_MEV}; Infinity = dimensional regularisation, for tests) */
  sfrCutoffMeV?: number;
}

/** Build an EMN potential from its parameter set (see the module comment). */
export function emnPotential(P: EmnParameters, description: string, opts: EmnOptions = {}): PartialWavePotential {
  const sfr = opts.sfrCutoffMeV ?? EMN_SFR_CUTOFF_MEV;
  const tpe = twoPionExchangeTerm(
    P.pionNucleon,
    { nlo: true, n2lo: P.order === 'N2LO' },
    `two-pion exchange to ${P.order} (SFR Λ̃ = ${sfr} MeV)`,
    { sfrCutoffMeV: sfr },
  );
  const groups: RegulatedTerms[] = [
    { terms: [onePionExchangeNp(EMN_OPE)], n: P.nOPE, cutoffMeV: EMN_LAMBDA_MEV, singularityMassMeV: EMN_OPE.mPi0 },
    { terms: [tpe], n: P.nTPE, cutoffMeV: EMN_LAMBDA_MEV, singularityMassMeV: 2 * P.pionNucleon.mPi },
  ];
  return regulatedChiralPotential({
    name: P.name,
    description,
    groups,
    contacts: emnContacts(P),
    nucleonMassMeV: EMN_NP_MASS_MEV,
    channels: CHIRAL_CHANNELS,
    ...(opts.exponentCap === undefined ? {} : { exponentCap: opts.exponentCap }),
    ...(opts.angularOrder === undefined ? {} : { angularOrder: opts.angularOrder }),
  });
}

/**
 * EMN NLO500 np potential (PRC 96, 024004 (2017)) as a {@link PartialWavePotential}
 * (k in fm⁻¹, V in MeV fm³; channels {@link CHIRAL_CHANNELS}).
 */
export function emnNlo500(opts: EmnOptions = {}): PartialWavePotential {
  return emnPotential(
    EMN_NLO500,
    'EMN NLO500 np potential (Entem, Machleidt & Nosyk 2017): 1PE + NLO 2PE (SFR 650 MeV) + Q⁰, Q² contacts; Λ = 500 MeV, n = 2',
    opts,
  );
}

/**
 * EMN N²LO500 np potential (PRC 96, 024004 (2017)) as a {@link PartialWavePotential}
 * (k in fm⁻¹, V in MeV fm³; channels {@link CHIRAL_CHANNELS}).
 */
export function emnN2lo500(opts: EmnOptions = {}): PartialWavePotential {
  return emnPotential(
    EMN_N2LO500,
    'EMN N2LO500 np potential (Entem, Machleidt & Nosyk 2017): 1PE (n=4) + 2PE to N2LO, c_i = −0.74, −3.61, 2.44 GeV⁻¹ (SFR 650 MeV, n=2) + Q⁰, Q² contacts; Λ = 500 MeV',
    opts,
  );
}
