/**
 * Two-pion-exchange (2PE) contributions of chiral EFT in the operator form of Machleidt & Entem,
 * Phys. Rep. 503 (2011) 1 (Sec. 4 and Appendix), as used by the Entem–Machleidt N3LO potential
 * (PRC 68, 041001 (2003)); loop diagrams from Kaiser, Brockmann & Weise NPA 625 (1997) 758 and
 * Kaiser PRC 64 (2001) 057001, PRC 65 (2002) 017001 (dimensional regularisation by default;
 * optional spectral-function regularisation, see loops.ts).
 *
 * All momenta and masses in MeV; coefficients in MeV⁻² (central, spin-spin), MeV⁻⁴ (tensor σ₁·q σ₂·q,
 * spin-orbit −iS·(q×k)) and MeV⁻⁶ (quadratic spin-orbit σ₁·(q×k) σ₂·(q×k)), with the keys of
 * {@link OperatorCoefficients} (W_* multiply τ₁·τ₂). Every function here is a pure function of
 * q² (and, for the 1/M² terms, of p̄² = (p'² + p²)/2).
 *
 * Notation: w² = 4m² + q², w̃² = 2m² + q², L = L(q), A = A(q) (see loops.ts); g = g_A, f = f_π,
 * M the nucleon mass, c_i in MeV⁻¹, d̄_i in MeV⁻².
 */
import type { OperatorCoefficients, OperatorTerm } from '../nn/pwd.js';
import { loopA, loopASfr, loopL, loopLSfr } from './loops.js';

/** Pion–nucleon constants entering two-pion exchange. */
export interface PionNucleonConstants {
  /** axial coupling g_A */
  gA: number;
  /** pion decay constant f_π in MeV */
  fPi: number;
  /** average pion mass m_π in MeV (2PE uses one mass) */
  mPi: number;
  /** nucleon mass M in MeV (1/M and 1/M² corrections) */
  nucleonMass: number;
  /** LECs c₁…c₄ of L_πN^(2) in MeV⁻¹ (GeV⁻¹ × 1e−3) */
  c1: number;
  c2: number;
  c3: number;
  c4: number;
  /** d̄₁ + d̄₂, d̄₃, d̄₅, d̄₁₄ − d̄₁₅ of L_πN^(3) in MeV⁻² (GeV⁻² × 1e−6) */
  d12: number;
  d3: number;
  d5: number;
  d1415: number;
}

/** Values shared by all 2PE pieces at one momentum transfer. */
export interface LoopValues {
  /** q² in MeV² */
  q2: number;
  /** w² = 4m² + q² */
  w2: number;
  /** w̃² = 2m² + q² */
  wt2: number;
  /** L(q) */
  L: number;
  /** A(q) in MeV⁻¹ */
  A: number;
}

/**
 * Evaluate {@link LoopValues} for q² in MeV² and pion mass m in MeV: dimensional regularisation,
 * or, with `sfrCutoffMeV` = Λ̃, the spectral-function-regularised L̃, Ã (see {@link loopLSfr}).
 */
export function loopValues(q2: number, m: number, sfrCutoffMeV?: number): LoopValues {
  const q = Math.sqrt(Math.max(0, q2));
  const sfr = sfrCutoffMeV !== undefined && Number.isFinite(sfrCutoffMeV);
  return {
    q2,
    w2: 4 * m * m + q2,
    wt2: 2 * m * m + q2,
    L: sfr ? loopLSfr(q, m, sfrCutoffMeV) : loopL(q, m),
    A: sfr ? loopASfr(q, m, sfrCutoffMeV) : loopA(q, m),
  };
}

const PI = Math.PI;
const PI2 = PI * PI;

/**
 * NLO (Q²) 2PE, Phys. Rep. Eqs. (4.15)–(4.17):
 *   W_C = −L/(384π²f⁴) [4m²(5g⁴ − 4g² − 1) + q²(23g⁴ − 10g² − 1) + 48g⁴m⁴/w²],
 *   V_T = −V_S/q² = −3g⁴ L/(64π²f⁴).
 */
export function tpeNLO(lv: LoopValues, c: PionNucleonConstants): OperatorCoefficients {
  const g2 = c.gA * c.gA;
  const g4 = g2 * g2;
  const f4 = c.fPi ** 4;
  const m2 = c.mPi * c.mPi;
  const { q2, w2, L } = lv;
  const WC = (-L / (384 * PI2 * f4)) * (4 * m2 * (5 * g4 - 4 * g2 - 1) + q2 * (23 * g4 - 10 * g2 - 1) + (48 * g4 * m2 * m2) / w2);
  const VT = (-3 * g4 * L) / (64 * PI2 * f4);
  return { WC, VT, VS: -q2 * VT };
}

/**
 * NNLO (Q³) 2PE with the c_i vertices, static limit, Phys. Rep. Eqs. (4.19)–(4.20):
 *   V_C = −3g²/(16πf⁴) [2m²(2c₁ − c₃) − c₃q²] w̃² A,
 *   W_T = −W_S/q² = −g²/(32πf⁴) c₄ w² A.
 */
export function tpeN2LO(lv: LoopValues, c: PionNucleonConstants): OperatorCoefficients {
  const g2 = c.gA * c.gA;
  const f4 = c.fPi ** 4;
  const m2 = c.mPi * c.mPi;
  const { q2, w2, wt2, A } = lv;
  const VC = ((-3 * g2) / (16 * PI * f4)) * (2 * m2 * (2 * c.c1 - c.c3) - c.c3 * q2) * wt2 * A;
  const WT = ((-g2) / (32 * PI * f4)) * c.c4 * w2 * A;
  return { VC, WT, WS: -q2 * WT };
}

/**
 * 1/M corrections counted at NNLO in the Entem–Machleidt scheme (Phys. Rep. Eqs. (4.21)–(4.26),
 * the parts proportional to 1/M):
 *   V_C = 3g⁴/(16πf⁴)·[m⁵/(16M w²) + 3q² w̃²A/(16M)]  (i.e. the g²m⁵ and c₃ → c₃ + 3g²/(16M) terms),
 *   W_C = g²/(128πMf⁴) [3g²m⁵/w² − (4m² + 2q² − g²(4m² + 3q²)) w̃² A],
 *   V_T = −V_S/q² = 9g⁴ w̃² A/(512πMf⁴),
 *   W_T = −W_S/q² = −g²/(32πf⁴) [w²/(4M) − g²(10m² + 3q²)/(8M)] A,
 *   V_LS = 3g⁴ w̃² A/(32πMf⁴),   W_LS = g²(1 − g²) w² A/(32πMf⁴).
 */
export function tpeN2LOOverM(lv: LoopValues, c: PionNucleonConstants): OperatorCoefficients {
  const g2 = c.gA * c.gA;
  const g4 = g2 * g2;
  const f4 = c.fPi ** 4;
  const m = c.mPi;
  const m2 = m * m;
  const M = c.nucleonMass;
  const { q2, w2, wt2, A } = lv;
  const m5 = m2 * m2 * m;
  const VC = ((3 * g2) / (16 * PI * f4)) * ((g2 * m5) / (16 * M * w2) + ((3 * g2) / (16 * M)) * q2 * wt2 * A);
  const WC = (g2 / (128 * PI * M * f4)) * ((3 * g2 * m5) / w2 - (4 * m2 + 2 * q2 - g2 * (4 * m2 + 3 * q2)) * wt2 * A);
  const VT = (9 * g4 * wt2 * A) / (512 * PI * M * f4);
  const WT = ((-g2) / (32 * PI * f4)) * (w2 / (4 * M) - (g2 / (8 * M)) * (10 * m2 + 3 * q2)) * A;
  const VLS = (3 * g4 * wt2 * A) / (32 * PI * M * f4);
  const WLS = (g2 * (1 - g2) * w2 * A) / (32 * PI * M * f4);
  return { VC, WC, VT, VS: -q2 * VT, WT, WS: -q2 * WT, VLS, WLS };
}

/**
 * The correction that makes the Entem–Machleidt definition of the iterated one-pion exchange
 * (relativistic, minimal-relativity 3D reduction) consistent with the static iterated 2PE
 * (Phys. Rep. Sec. 4.2; Entem & Machleidt PRC 66, 014002 (2002)), order Q³/M:
 *   V_C = −3g⁴/(256πMf⁴) (m w² + w̃⁴ A),      W_C = g⁴/(128πMf⁴) (m w² + w̃⁴ A),
 *   V_T = −V_S/q² = 3g⁴/(512πMf⁴) (m + w² A),  W_T = −W_S/q² = −g⁴/(256πMf⁴) (m + w² A).
 */
export function tpeIterativeCorrection(lv: LoopValues, c: PionNucleonConstants): OperatorCoefficients {
  const g4 = c.gA ** 4;
  const f4 = c.fPi ** 4;
  const m = c.mPi;
  const M = c.nucleonMass;
  const { q2, w2, wt2, A } = lv;
  const central = m * w2 + wt2 * wt2 * A;
  const tensor = m + w2 * A;
  const VT = ((3 * g4) / (512 * PI * M * f4)) * tensor;
  const WT = ((-g4) / (256 * PI * M * f4)) * tensor;
  return {
    VC: ((-3 * g4) / (256 * PI * M * f4)) * central,
    WC: (g4 / (128 * PI * M * f4)) * central,
    VT,
    VS: -q2 * VT,
    WT,
    WS: -q2 * WT,
  };
}

/**
 * N3LO one-loop "football" diagram with two c_i vertices (Phys. Rep. Eqs. (4.27)–(4.28)):
 *   V_C = 3/(16π²f⁴) [(c₂w²/6 + c₃w̃² − 4c₁m²)² + c₂²w⁴/45] L,
 *   W_T = −W_S/q² = c₄² w² L/(96π²f⁴).
 */
export function tpeN3LOFootball(lv: LoopValues, c: PionNucleonConstants): OperatorCoefficients {
  const f4 = c.fPi ** 4;
  const m2 = c.mPi * c.mPi;
  const { q2, w2, wt2, L } = lv;
  const a = (c.c2 * w2) / 6 + c.c3 * wt2 - 4 * c.c1 * m2;
  const VC = (3 / (16 * PI2 * f4)) * (a * a + (c.c2 * c.c2 * w2 * w2) / 45) * L;
  const WT = (c.c4 * c.c4 * w2 * L) / (96 * PI2 * f4);
  return { VC, WT, WS: -q2 * WT };
}

/**
 * N3LO leading relativistic (1/M) corrections with one c_i vertex (Phys. Rep. Eqs. (4.29)–(4.34)):
 *   V_C  = −g² L/(32π²Mf⁴) [(c₂ − 6c₃)q⁴ + 4(6c₁ + c₂ − 3c₃)q²m² + 6(c₂ − 2c₃)m⁴ + 24(2c₁ + c₃)m⁶/w²],
 *   W_C  = −c₄q² L/(192π²Mf⁴) [g²(8m² + 5q²) + w²],
 *   V_LS = c₂g² w² L/(8π²Mf⁴),
 *   W_T  = −W_S/q² = c₄ L/(192π²Mf⁴) [w² − g²(16m² + 7q²)],
 *   W_LS = −c₄ L/(48π²Mf⁴) [g²(8m² + 5q²) + w²].
 */
export function tpeN3LOCiOverM(lv: LoopValues, c: PionNucleonConstants): OperatorCoefficients {
  const g2 = c.gA * c.gA;
  const f4 = c.fPi ** 4;
  const m2 = c.mPi * c.mPi;
  const M = c.nucleonMass;
  const { q2, w2, L } = lv;
  const VC =
    ((-g2 * L) / (32 * PI2 * M * f4)) *
    ((c.c2 - 6 * c.c3) * q2 * q2 +
      4 * (6 * c.c1 + c.c2 - 3 * c.c3) * q2 * m2 +
      6 * (c.c2 - 2 * c.c3) * m2 * m2 +
      (24 * (2 * c.c1 + c.c3) * m2 * m2 * m2) / w2);
  const b = g2 * (8 * m2 + 5 * q2) + w2;
  const WC = ((-c.c4 * q2 * L) / (192 * PI2 * M * f4)) * b;
  const VLS = (c.c2 * g2 * w2 * L) / (8 * PI2 * M * f4);
  const WT = ((c.c4 * L) / (192 * PI2 * M * f4)) * (w2 - g2 * (16 * m2 + 7 * q2));
  const WLS = ((-c.c4 * L) / (48 * PI2 * M * f4)) * b;
  return { VC, WC, VLS, WT, WS: -q2 * WT, WLS };
}

/**
 * N3LO two-loop contributions and the one-loop d̄_i terms (Kaiser PRC 64, 057001 (2001);
 * Phys. Rep. Eqs. (4.35)–(4.40)):
 *   V_C = 3g⁴ w̃²A/(1024π²f⁶) [(m² + 2q²)(2m + w̃²A) + 4g²m w̃²],
 *   W_C = L/(18432π⁴f⁶) {B(B L − B') + 384π²f² B [(d̄₁+d̄₂) w̃² + 4m² d̄₅]
 *                         + 192π²f² w² d̄₃ [2g² w̃² − (3/5)(g² − 1) w²]},
 *         B = 4m²(2g² + 1) + q²(5g² + 1),  B' = q²(5 + 13g²)/3 + 8m²(1 + 2g²),
 *   V_T = −V_S/q² = −g² w² L (d̄₁₄ − d̄₁₅)/(32π²f⁴),
 *   W_T = −W_S/q² = g⁴ w²A/(2048π²f⁶) [w²A + 2m(1 + 2g²)].
 */
export function tpeN3LOTwoLoop(lv: LoopValues, c: PionNucleonConstants): OperatorCoefficients {
  const g2 = c.gA * c.gA;
  const g4 = g2 * g2;
  const f2 = c.fPi * c.fPi;
  const f4 = f2 * f2;
  const f6 = f4 * f2;
  const m = c.mPi;
  const m2 = m * m;
  const { q2, w2, wt2, L, A } = lv;
  const VC = ((3 * g4 * wt2 * A) / (1024 * PI2 * f6)) * ((m2 + 2 * q2) * (2 * m + wt2 * A) + 4 * g2 * m * wt2);
  const B = 4 * m2 * (2 * g2 + 1) + q2 * (5 * g2 + 1);
  const Bp = (q2 * (5 + 13 * g2)) / 3 + 8 * m2 * (1 + 2 * g2);
  const WC =
    (L / (18432 * PI2 * PI2 * f6)) *
    (B * (B * L - Bp) +
      384 * PI2 * f2 * B * (c.d12 * wt2 + 4 * m2 * c.d5) +
      192 * PI2 * f2 * w2 * c.d3 * (2 * g2 * wt2 - 0.6 * (g2 - 1) * w2));
  const VT = (-g2 * w2 * L * c.d1415) / (32 * PI2 * f4);
  const WT = ((g4 * w2 * A) / (2048 * PI2 * f6)) * (w2 * A + 2 * m * (1 + 2 * g2));
  return { VC, WC, VT, VS: -q2 * VT, WT, WS: -q2 * WT };
}

/**
 * N3LO relativistic 1/M² corrections of the leading 2PE (Phys. Rep. Eqs. (4.41)–(4.49)),
 * p̄² ≡ (p'² + p²)/2:
 *   V_C  = −g⁴/(32π²M²f⁴) [m⁶/(2w²) + (2m⁸/w⁴ + 8m⁶/w² − q⁴ − 2m⁴) L],
 *   W_C  = −1/(768π²M²f⁴) {L [w²(q² − 4p̄²) + 8g²(11q⁴/4 + 5m²q² + 3m⁴ − 6m⁶/w² − p̄²(8m² + 5q²))
 *            + 4g⁴(p̄²(20m² + 7q² − 16m⁴/w²) + 16m⁸/w⁴ + 12m⁶/w² − 27q⁴/4 − 11m²q² − 6m⁴)] + 16g⁴m⁶/w²},
 *   V_T  = −V_S/q² = g⁴ L/(32π²M²f⁴) [p̄² + 3q²/8 + m⁴/w²],
 *   W_T  = −W_S/q² = L/(1536π²M²f⁴) [w² − 32g²(m² + 7q²/16) + 4g⁴(7m² + 17q²/4 + 4m⁴/w²)],
 *   V_LS = g⁴ L/(4π²M²f⁴) [11q²/32 + m⁴/w²],
 *   W_LS = L/(256π²M²f⁴) [−w² + 16g²(m² + 3q²/8) + (4/3)g⁴(−9m² − 11q²/4 + 4m⁴/w²)],
 *   V_σL = g⁴ L/(32π²M²f⁴).
 * @param pBar2 (p'² + p²)/2 in MeV²
 */
export function tpeN3LOOverM2(lv: LoopValues, pBar2: number, c: PionNucleonConstants): OperatorCoefficients {
  const g2 = c.gA * c.gA;
  const g4 = g2 * g2;
  const f4 = c.fPi ** 4;
  const m2 = c.mPi * c.mPi;
  const m4 = m2 * m2;
  const m6 = m4 * m2;
  const m8 = m4 * m4;
  const M2 = c.nucleonMass * c.nucleonMass;
  const { q2, w2, L } = lv;
  const q4 = q2 * q2;
  const pre = 1 / (PI2 * M2 * f4);
  const VC = ((-g4 * pre) / 32) * (m6 / (2 * w2) + ((2 * m8) / (w2 * w2) + (8 * m6) / w2 - q4 - 2 * m4) * L);
  const WC =
    (-pre / 768) *
    (L *
      (w2 * (q2 - 4 * pBar2) +
        8 * g2 * ((11 / 4) * q4 + 5 * m2 * q2 + 3 * m4 - (6 * m6) / w2 - pBar2 * (8 * m2 + 5 * q2)) +
        4 * g4 *
          (pBar2 * (20 * m2 + 7 * q2 - (16 * m4) / w2) + (16 * m8) / (w2 * w2) + (12 * m6) / w2 - (27 / 4) * q4 - 11 * m2 * q2 - 6 * m4)) +
      (16 * g4 * m6) / w2);
  const VT = ((g4 * pre * L) / 32) * (pBar2 + (3 / 8) * q2 + m4 / w2);
  const WT = ((pre * L) / 1536) * (w2 - 32 * g2 * (m2 + (7 / 16) * q2) + 4 * g4 * (7 * m2 + (17 / 4) * q2 + (4 * m4) / w2));
  const VLS = ((g4 * pre * L) / 4) * ((11 / 32) * q2 + m4 / w2);
  const WLS = ((pre * L) / 256) * (-w2 + 16 * g2 * (m2 + (3 / 8) * q2) + (4 / 3) * g4 * (-9 * m2 - (11 / 4) * q2 + (4 * m4) / w2));
  const VSL = (g4 * pre * L) / 32;
  return { VC, WC, VT, VS: -q2 * VT, WT, WS: -q2 * WT, VLS, WLS, VSL };
}

/** Which 2PE pieces a potential includes. */
export interface TwoPionParts {
  /** NLO (Q²) */
  nlo?: boolean;
  /** NNLO c_i terms (static) */
  n2lo?: boolean;
  /** the 1/M terms the Entem–Machleidt scheme counts at NNLO */
  n2loOverM?: boolean;
  /** Entem–Machleidt correction for their iterated 1PE (order Q³/M) */
  iterativeCorrection?: boolean;
  /** N3LO football (c_i²) */
  n3loFootball?: boolean;
  /** N3LO c_i/M */
  n3loCiOverM?: boolean;
  /** N3LO two-loop and d̄_i */
  n3loTwoLoop?: boolean;
  /** N3LO 1/M² */
  n3loOverM2?: boolean;
}

const KEYS = ['VC', 'WC', 'VS', 'WS', 'VLS', 'WLS', 'VT', 'WT', 'VSL', 'WSL'] as const;

/** Regularisation of the 2PE loop functions. */
export interface LoopRegularization {
  /**
   * spectral-function cutoff Λ̃ in MeV (SFR, e.g. 650 for the EMN potentials of 2017); omitted or
   * Infinity: dimensional regularisation (as EM N3LO 2003)
   */
  sfrCutoffMeV?: number;
}

/**
 * Sum of the selected 2PE pieces at one (q², p̄²), MeV units.
 * @param q2 momentum transfer squared in MeV²
 * @param pBar2 (p'² + p²)/2 in MeV² (only the 1/M² terms use it)
 * @param reg loop regularisation (default: dimensional regularisation)
 */
export function twoPionExchange(
  q2: number,
  pBar2: number,
  c: PionNucleonConstants,
  parts: TwoPionParts,
  reg: LoopRegularization = {},
): OperatorCoefficients {
  const lv = loopValues(q2, c.mPi, reg.sfrCutoffMeV);
  const acc: Record<(typeof KEYS)[number], number> = { VC: 0, WC: 0, VS: 0, WS: 0, VLS: 0, WLS: 0, VT: 0, WT: 0, VSL: 0, WSL: 0 };
  const addIn = (o: OperatorCoefficients) => {
    for (const k of KEYS) acc[k] += o[k] ?? 0;
  };
  if (parts.nlo) addIn(tpeNLO(lv, c));
  if (parts.n2lo) addIn(tpeN2LO(lv, c));
  if (parts.n2loOverM) addIn(tpeN2LOOverM(lv, c));
  if (parts.iterativeCorrection) addIn(tpeIterativeCorrection(lv, c));
  if (parts.n3loFootball) addIn(tpeN3LOFootball(lv, c));
  if (parts.n3loCiOverM) addIn(tpeN3LOCiOverM(lv, c));
  if (parts.n3loTwoLoop) addIn(tpeN3LOTwoLoop(lv, c));
  if (parts.n3loOverM2) addIn(tpeN3LOOverM2(lv, pBar2, c));
  return acc;
}

/** The selected 2PE pieces as one {@link OperatorTerm} for the partial-wave engine. */
export function twoPionExchangeTerm(
  c: PionNucleonConstants,
  parts: TwoPionParts,
  name = 'two-pion exchange',
  reg: LoopRegularization = {},
): OperatorTerm {
  return {
    name,
    coefficients(pp, p, z) {
      const q2 = Math.max(0, pp * pp + p * p - 2 * pp * p * z);
      return twoPionExchange(q2, 0.5 * (pp * pp + p * p), c, parts, reg);
    },
  };
}
