/**
 * The Entem–Machleidt N3LO potential (PRC 68, 041001 (2003); Machleidt & Entem, Phys. Rep. 503
 * (2011) 1), Λ = 500 MeV, neutron–proton:
 *
 *  - one-pion exchange, charge dependent: −V_1π(m_π⁰) + (−1)^{T+1} 2 [V_1π(m_π±) + V_πγ], with the
 *    pion–photon exchange of van Kolck et al., PRL 80, 4386 (1998);
 *  - two-pion exchange at NLO, NNLO (c_i and the 1/M terms of the EM counting, plus the correction
 *    for the EM iterated 1PE) and N3LO (football c_i², c_i/M, two-loop + d̄_i, 1/M²), one average
 *    pion mass 138.039 MeV;
 *  - partial-wave contacts of order Q⁰, Q², Q⁴ (C̃, C, D̂, D), each with its own regulator exponent;
 *  - regulators exp(−(p'/Λ)^{2n} − (p/Λ)^{2n}): n = 4 for 1PE(+πγ), n = 2 for 2PE, and the
 *    partial-wave exponents of the contacts (n = 3 for the Q⁰ contacts of 1S0 and 3S1, …);
 *  - minimal relativity M/√(E'E) on everything, M = 938.9182 MeV (np).
 * Constants (g_A = 1.29, f_π = 92.4 MeV, c_i, d̄_i, contacts) are those of the publication; the
 * regulator exponents and the small conventions were settled against the authors' code.
 */
import type { OperatorTerm } from '../nn/pwd.js';
import type { PartialWavePotential } from '../nn/potential.js';
import { type RegulatedContact, regulatedChiralPotential } from './builder.js';
import { type PionNucleonConstants, twoPionExchangeTerm } from './tpe.js';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** 10⁴ GeV⁻² → MeV⁻² */
const GEV2 = 1e-2;
/** 10⁴ GeV⁻⁴ → MeV⁻⁴ */
const GEV4 = 1e-8;
/** 10⁴ GeV⁻⁶ → MeV⁻⁶ */
const GEV6 = 1e-14;

/** Pion–nucleon constants of EM N3LO (MeV units). */
export const EM_N3LO_PION_NUCLEON: PionNucleonConstants = Object.freeze({
  gA: 1.29,
  fPi: 92.4,
  mPi: 138.039,
  nucleonMass: 938.9182,
  c1: -0.81e-3,
  c2: 2.8e-3,
  c3: -3.2e-3,
  c4: 5.4e-3,
  d12: 3.06e-6,
  d3: -3.27e-6,
  d5: 0.45e-6,
  d1415: -5.65e-6,
});

/**
 * Partial-wave contact constants of EM N3LO (np), in the published units: C̃ in 10⁴ GeV⁻²,
 * C in 10⁴ GeV⁻⁴, D̂ and D in 10⁴ GeV⁻⁶, with the regulator exponent n of each.
 * C̃_3S1 carries the digits of the authors' code (−0.118972496; the paper rounds to −0.118978).
 */
export const EM_N3LO_CONTACTS = deepFreeze({
  '1S0': { Ct: [-0.147167, 3], C: [2.38, 2], Dh: [-2.545, 2], D: [-16.0, 2] },
  '3P0': { C: [1.487, 2], D: [0.245, 3] },
  '1P1': { C: [0.656, 2], D: [5.25, 2] },
  '3P1': { C: [-0.63, 2], D: [2.35, 4] },
  '3S1': { Ct: [-0.118972496, 3], C: [0.76, 2], Dh: [7.0, 2], D: [6.55, 2] },
  '3D1': { D: [-2.8, 2] },
  '3S1-3D1': { C: [0.826, 2], Dh: [2.25, 2], D: [6.61, 2] },
  '1D2': { D: [-1.77, 4] },
  '3D2': { D: [-1.46, 2] },
  '3P2': { C: [-0.538, 2], D: [2.295, 2] },
  '3P2-3F2': { D: [-0.465, 4] },
  '3D3': { D: [5.66, 2.5] },
} as const);

/** Masses and couplings of EM N3LO one-pion exchange (MeV). */
export const EM_N3LO_OPE = Object.freeze({
  gA: 1.29,
  fPi: 92.4,
  mPi0: 134.9766,
  mPiC: 139.5702,
  /** pion–photon coupling in the units of g_A: (g_πγ/g_A)² ≈ α/π */
  gPiGamma: 0.06217,
} as const);

const LAMBDA = 500;

/**
 * The pion–photon exchange function f(β) of van Kolck et al. (1998) as multiplied onto the
 * charged-pion propagator: V_πγ = −g_πγ²/(4f_π²) σ₁·q σ₂·q/(q² + m²) · F(β²),
 * F = −(1 − β²)²/(2β⁴) ln(1 + β²) + (1 + β²)/(2β²), β = q/m_π±. Series for small β².
 */
export function piGammaFunction(beta2: number): number {
  if (beta2 < 1e-3) {
    // F = 1 + (β²)/... : expand ln(1+b) to O(b⁶)
    const b = beta2;
    // −(1−b)²/(2b²)·(b − b²/2 + b³/3 − b⁴/4 + b⁵/5 − b⁶/6) + (1+b)/(2b)
    let s = 0;
    const lnTerms = [1, -1 / 2, 1 / 3, -1 / 4, 1 / 5, -1 / 6, 1 / 7];
    // (1−b)² = 1 − 2b + b²; product with Σ t_k b^{k+1}, divided by 2b², keep up to b⁴
    const poly = new Array<number>(10).fill(0);
    const a = [1, -2, 1];
    for (let i = 0; i < 3; i++) for (let k = 0; k < lnTerms.length; k++) poly[i + k + 1]! += a[i]! * lnTerms[k]!;
    // −poly/(2b²) + 1/(2b) + 1/2
    for (let pw = 0; pw < poly.length; pw++) {
      const e = pw - 2;
      if (e === -1) continue; // cancels with 1/(2b) (poly[1] = 1)
      if (e < 0) continue;
      s += (-poly[pw]! / 2) * Math.pow(b, e);
    }
    return s + 0.5;
  }
  const b = beta2;
  return (-(1 - b) * (1 - b) / (2 * b * b)) * Math.log1p(b) + (1 + b) / (2 * b);
}

/** np one-pion exchange of EM N3LO including πγ, as a T-dependent tensor term (MeV⁻⁴). */
export function emOnePionExchangeNp(): OperatorTerm {
  const P = EM_N3LO_OPE;
  const g = (P.gA * P.gA) / (4 * P.fPi * P.fPi);
  const gpg = (P.gPiGamma * P.gPiGamma) / (4 * P.fPi * P.fPi);
  const m0 = P.mPi0 * P.mPi0;
  const mc = P.mPiC * P.mPiC;
  return {
    name: 'one-pion exchange + πγ (np)',
    coefficients(pp, p, z, T) {
      const q2 = Math.max(0, pp * pp + p * p - 2 * pp * p * z);
      const v0 = -g / (q2 + m0);
      const vc = -g / (q2 + mc);
      const vpg = (-gpg / (q2 + mc)) * piGammaFunction(q2 / mc);
      return { VT: -v0 + (T === 1 ? 2 : -2) * (vc + vpg) };
    },
  };
}

type Wave = keyof typeof EM_N3LO_CONTACTS;

/** Partial-wave contact functions of EM N3LO (sign s_{L'L} of coupled waves is applied by the builder). */
function emContacts(): Record<string, RegulatedContact[]> {
  const C = EM_N3LO_CONTACTS;
  const rc = (fn: (pp: number, p: number) => number, n: number): RegulatedContact => ({ fn, n, cutoffMeV: LAMBDA });
  const out: Record<string, RegulatedContact[]> = {};
  const sWave = (w: '1S0' | '3S1') => {
    const c = C[w];
    out[w] = [
      rc(() => c.Ct[0] * GEV2, c.Ct[1]),
      rc((pp, p) => c.C[0] * GEV4 * (pp * pp + p * p), c.C[1]),
      rc((pp, p) => GEV6 * (c.Dh[0] * (pp ** 4 + p ** 4) + c.D[0] * pp * pp * p * p), c.Dh[1]),
    ];
  };
  sWave('1S0');
  sWave('3S1');
  const pWave = (w: '3P0' | '1P1' | '3P1' | '3P2') => {
    const c = C[w];
    out[w] = [
      rc((pp, p) => c.C[0] * GEV4 * pp * p, c.C[1]),
      rc((pp, p) => c.D[0] * GEV6 * pp * p * (pp * pp + p * p), c.D[1]),
    ];
  };
  pWave('3P0');
  pWave('1P1');
  pWave('3P1');
  pWave('3P2');
  const dWave = (w: '3D1' | '1D2' | '3D2' | '3D3') => {
    const c = C[w];
    out[w] = [rc((pp, p) => c.D[0] * GEV6 * pp * pp * p * p, c.D[1])];
  };
  dWave('3D1');
  dWave('1D2');
  dWave('3D2');
  // 3D3: the code uses the mean of the n = 2 and n = 3 regulators
  const d33 = C['3D3'].D[0] * GEV6;
  out['3D3'] = [rc((pp, p) => 0.5 * d33 * pp * pp * p * p, 2), rc((pp, p) => 0.5 * d33 * pp * pp * p * p, 3)];
  // coupled off-diagonal: ⟨3S1,p'|V|3D1,p⟩ = C p² + D̂ p⁴ + D p'²p² (D side carries the powers)
  const sd = C['3S1-3D1'];
  const SIGN = -1; // cancels the Idaho phase s = −1 the builder applies: the final element is +C p² + …
  out['3S1-3D1'] = [
    rc((_pp, p) => SIGN * sd.C[0] * GEV4 * p * p, sd.C[1]),
    rc((pp, p) => SIGN * GEV6 * (sd.Dh[0] * p ** 4 + sd.D[0] * pp * pp * p * p), sd.Dh[1]),
  ];
  out['3D1-3S1'] = [
    rc((pp) => SIGN * sd.C[0] * GEV4 * pp * pp, sd.C[1]),
    rc((pp, p) => SIGN * GEV6 * (sd.Dh[0] * pp ** 4 + sd.D[0] * pp * pp * p * p), sd.Dh[1]),
  ];
  const pf = C['3P2-3F2'];
  out['3P2-3F2'] = [rc((pp, p) => SIGN * pf.D[0] * GEV6 * pp * p * p * p, pf.D[1])];
  out['3F2-3P2'] = [rc((pp, p) => SIGN * pf.D[0] * GEV6 * pp * pp * pp * p, pf.D[1])];
  return out;
}

/** Channels offered by the EM/EMN potentials here (J ≤ 3). */
export const CHIRAL_CHANNELS = [
  '1S0', '3P0', '1P1', '3P1', '3S1', '3D1', '3S1-3D1', '3D1-3S1',
  '1D2', '3D2', '3P2', '3F2', '3P2-3F2', '3F2-3P2',
  '1F3', '3F3', '3D3', '3G3', '3D3-3G3', '3G3-3D3',
] as const;

/** Options of {@link emN3lo}. */
export interface EmN3loOptions {
  /** fixed Gauss–Legendre order of the angular integral (default: adaptive, see `adaptiveAngularOrder`) */
  angularOrder?: number;
  /** cap of the regulator exponent (80 = exactly the authors' code; default Infinity = none, same observables) */
  exponentCap?: number;
  /** custom angular-order rule, see `RegulatedChiralOptions.angularRule` */
  angularRule?: (pp: number, p: number, mu: number, J: number) => number;
}

/**
 * The EM N3LO (2003) np potential, Λ = 500 MeV, as a {@link PartialWavePotential}
 * (k in fm⁻¹, V in MeV fm³); channels {@link CHIRAL_CHANNELS}.
 */
export function emN3lo(opts: EmN3loOptions = {}): PartialWavePotential {
  const tpe = twoPionExchangeTerm(
    EM_N3LO_PION_NUCLEON,
    {
      nlo: true,
      n2lo: true,
      n2loOverM: true,
      iterativeCorrection: true,
      n3loFootball: true,
      n3loCiOverM: true,
      n3loTwoLoop: true,
      n3loOverM2: true,
    },
    'two-pion exchange to N3LO (EM 2003)',
  );
  return regulatedChiralPotential({
    name: 'n3lo',
    description: 'Entem–Machleidt N3LO (2003) np potential, Λ = 500 MeV: 1PE+πγ (n=4), 2PE to N3LO (n=2), Q⁰–Q⁴ contacts',
    groups: [
      { terms: [emOnePionExchangeNp()], n: 4, cutoffMeV: LAMBDA, singularityMassMeV: EM_N3LO_OPE.mPi0 },
      { terms: [tpe], n: 2, cutoffMeV: LAMBDA, singularityMassMeV: 2 * EM_N3LO_PION_NUCLEON.mPi },
    ],
    contacts: emContacts(),
    nucleonMassMeV: 938.9182,
    channels: CHIRAL_CHANNELS,
    ...(opts.exponentCap === undefined ? {} : { exponentCap: opts.exponentCap }),
    ...(opts.angularOrder === undefined ? {} : { angularOrder: opts.angularOrder }),
    ...(opts.angularRule === undefined ? {} : { angularRule: opts.angularRule }),
  });
}

/** Wave names with EM N3LO contacts (for documentation/tests). */
export const EM_N3LO_CONTACT_WAVES = Object.keys(EM_N3LO_CONTACTS) as Wave[];
