/**
 * Chiral-EFT potentials in partial waves built from operator terms + partial-wave contacts
 * (REFERENCE.md §1, Machleidt & Entem Phys. Rep. 503 (2011)):
 *
 *   V^{JS}_{L'L}(p', p) = s_{L'L}/(2π)³ · M/√(E_p' E_p) · exp(−(p'/Λ)^{2n} − (p/Λ)^{2n})
 *                         · [𝒫^{JS}_{L'L}[Σ terms](p', p) + C_{L'L}(p', p)],
 *
 * E_p = √(M² + p²), s_{L'L} = −1 for coupled off-diagonal elements (L' ≠ L) and +1 otherwise.
 * Higher orders are added by appending {@link OperatorTerm}s (two-pion exchange, …) and contact
 * functions; nothing else changes.
 */
import { HBARC, NUCLEON_MASS } from '../units.js';
import { type ChannelSpec, PotentialInputError, channelName, parseChannel } from './channels.js';
import { type OperatorTerm, projectOperators } from './pwd.js';
import { type PartialWavePotential, checkChannel, checkMomenta } from './potential.js';

/** A contact in one partial wave: p' (bra) and p (ket) in MeV → MeV⁻² (e.g. C̃ + C(p² + p'²)). */
export type ContactFunction = (pp: number, p: number) => number;

/** Everything that defines a chiral potential. */
export interface ChiralPotentialOptions {
  name: string;
  description: string;
  /** long-range operator terms, momenta in MeV, coefficients in MeV⁻² (etc.) */
  terms: readonly OperatorTerm[];
  /** contact terms keyed by channel name ('1S0', '3S1', '3S1-3D1', …), MeV⁻² */
  contacts: Readonly<Record<string, ContactFunction>>;
  /** cutoff Λ in MeV */
  cutoffMeV: number;
  /** regulator exponent n in exp(−(p/Λ)^{2n}) */
  regulatorN: number;
  /** nucleon mass in the minimal-relativity factor, MeV (default {@link NUCLEON_MASS}) */
  nucleonMassMeV?: number;
  /** Gauss–Legendre order of the angular integral (default of {@link projectOperators}) */
  angularOrder?: number;
  /** channels offered; default all waves with J ≤ 4 */
  channels?: readonly string[];
}

/** All partial-wave channel names with J ≤ jMax (singlet, triplet, coupled off-diagonals). */
export function allChannels(jMax = 4): string[] {
  const out: string[] = [];
  for (let J = 0; J <= jMax; J++) {
    out.push(channelName({ S: 0, Lp: J, L: J, J }));
    if (J > 0) out.push(channelName({ S: 1, Lp: J, L: J, J }));
    if (J === 0) out.push(channelName({ S: 1, Lp: 1, L: 1, J: 0 }));
    else {
      const lo = J - 1;
      const hi = J + 1;
      out.push(channelName({ S: 1, Lp: lo, L: lo, J }), channelName({ S: 1, Lp: hi, L: hi, J }));
      out.push(channelName({ S: 1, Lp: lo, L: hi, J }), channelName({ S: 1, Lp: hi, L: lo, J }));
    }
  }
  return out;
}

/** exp(−min((p'/Λ)^{2n} + (p/Λ)^{2n}, cap)) (dimensionless), p', p, Λ in MeV; cap defaults to Infinity (no cap). */
export function regulator(pp: number, p: number, cutoffMeV: number, n: number, cap = Infinity): number {
  const e = Math.pow(pp / cutoffMeV, 2 * n) + Math.pow(p / cutoffMeV, 2 * n);
  return Math.exp(-Math.min(e, cap));
}

/** Minimal-relativity factor M/√(E_p' E_p), E_p = √(M² + p²) (dimensionless); M, p', p in MeV. */
export function minimalRelativityFactor(M: number, pp: number, p: number): number {
  return M / Math.sqrt(Math.sqrt(M * M + pp * pp) * Math.sqrt(M * M + p * p));
}

/**
 * Internal: wrap a many-channel evaluator `evalMany(specs, names, k', k)` (k', k in fm⁻¹ → MeV fm³, one value per
 * spec) into a {@link PartialWavePotential} with channel/momentum checks and the coupled 2 × 2 block
 * [V_{−−}, V_{−+}, V_{+−}, V_{++}] (L = J ∓ 1). Shared by {@link chiralPotential} and chiral/builder.ts.
 */
export function partialWavePotentialFrom(
  name: string,
  description: string,
  channels: readonly string[],
  evalMany: (specs: readonly ChannelSpec[], names: readonly string[], kp: number, k: number) => number[],
): PartialWavePotential {
  const specCache = new Map<string, ChannelSpec>();
  const spec = (ch: string) => {
    let s = specCache.get(ch);
    if (!s) {
      s = parseChannel(ch);
      specCache.set(ch, s);
    }
    return s;
  };
  return {
    name,
    description,
    channels,
    value(channel, kp, k) {
      checkChannel(this, channel);
      checkMomenta(kp, k);
      return evalMany([spec(channel)], [channel], kp, k)[0]!;
    },
    coupledBlock(J, kp, k) {
      checkMomenta(kp, k);
      if (!Number.isInteger(J) || J < 1) throw new PotentialInputError(`coupledBlock: J must be an integer ≥ 1 (got ${J})`);
      const lo = J - 1;
      const hi = J + 1;
      const specs: ChannelSpec[] = [
        { S: 1, Lp: lo, L: lo, J }, { S: 1, Lp: lo, L: hi, J },
        { S: 1, Lp: hi, L: lo, J }, { S: 1, Lp: hi, L: hi, J },
      ];
      const names = specs.map(channelName);
      for (const nm of names) checkChannel(this, nm);
      const v = evalMany(specs, names, kp, k);
      return [v[0]!, v[1]!, v[2]!, v[3]!];
    },
  };
}

/** Build a {@link PartialWavePotential} (MeV fm³, fm⁻¹) from operator terms and contacts. */
export function chiralPotential(o: ChiralPotentialOptions): PartialWavePotential {
  const M = o.nucleonMassMeV ?? NUCLEON_MASS;
  const channels = o.channels ?? allChannels(4);
  for (const c of Object.keys(o.contacts)) {
    if (!channels.includes(c)) throw new PotentialInputError(`contact channel '${c}' is not one of the channels of '${o.name}'`);
  }
  const hc3 = HBARC * HBARC * HBARC;
  const inv2pi3 = 1 / (8 * Math.PI * Math.PI * Math.PI);
  const opts = o.angularOrder === undefined ? {} : { angularOrder: o.angularOrder };
  /** common factor s-less: (2π)⁻³ · M/√(EE) · regulator · (ħc)³ */
  const factor = (pp: number, p: number) =>
    inv2pi3 * minimalRelativityFactor(M, pp, p) * regulator(pp, p, o.cutoffMeV, o.regulatorN) * hc3;
  const evalMany = (specs: readonly ChannelSpec[], names: readonly string[], kp: number, k: number): number[] => {
    const pp = kp * HBARC;
    const p = k * HBARC;
    const f = factor(pp, p);
    if (f === 0) return specs.map(() => 0);
    const proj = o.terms.length > 0 ? projectOperators(o.terms, specs, pp, p, opts) : new Float64Array(specs.length);
    return specs.map((c, i) => {
      const contact = o.contacts[names[i]!];
      const v = proj[i]! + (contact ? contact(pp, p) : 0);
      return (c.Lp !== c.L ? -1 : 1) * f * v;
    });
  };
  return partialWavePotentialFrom(o.name, o.description, channels, evalMany);
}

/** Parameters of leading-order one-pion exchange. */
export interface OnePionExchangeParams {
  /** axial coupling g_A */
  gA: number;
  /** pion decay constant f_π in MeV */
  fPi: number;
  /** neutral pion mass in MeV */
  mPi0: number;
  /** charged pion mass in MeV */
  mPiC: number;
}

/**
 * Charge-dependent np one-pion exchange (REFERENCE.md):
 * V_1π(m) = −g_A²/(4f_π²) σ₁·q σ₂·q/(q² + m²); np: −V_1π(m_π⁰) + (−1)^{T+1} 2 V_1π(m_π±).
 * Returned as a T-dependent tensor coefficient V_T (MeV⁻⁴).
 */
export function onePionExchangeNp(par: OnePionExchangeParams): OperatorTerm {
  const g = (par.gA * par.gA) / (4 * par.fPi * par.fPi);
  const m0 = par.mPi0 * par.mPi0;
  const mc = par.mPiC * par.mPiC;
  return {
    name: 'one-pion exchange (np)',
    coefficients(pp, p, z, T) {
      const q2 = pp * pp + p * p - 2 * pp * p * z;
      const v0 = -g / (q2 + m0);
      const vc = -g / (q2 + mc);
      return { VT: -v0 + (T === 1 ? 2 : -2) * vc };
    },
  };
}

/** Constants of EMN LO500 (REFERENCE.md; Entem, Machleidt & Nosyk 2017). */
export const LO500_PARAMS = {
  gA: 1.29,
  fPi: 92.4,
  mPi0: 134.9766,
  mPiC: 139.5702,
  cutoffMeV: 500,
  regulatorN: 2,
  /** C̃ in MeV⁻² (−0.111564593 × 10⁴ GeV⁻²) */
  C1S0: -0.111564593e-2,
  /** C̃ in MeV⁻² (−0.0826251323 × 10⁴ GeV⁻²) */
  C3S1: -0.0826251323e-2,
} as const;

/** The EMN LO500 np potential: OPE (charge dependent) + S-wave contacts, Λ = 500 MeV, n = 2. */
export function lo500(opts: { angularOrder?: number } = {}): PartialWavePotential {
  const P = LO500_PARAMS;
  return chiralPotential({
    name: 'lo500',
    description: 'EMN LO500 chiral NN potential (np): charge-dependent OPE + C̃_1S0, C̃_3S1; Λ = 500 MeV, n = 2',
    terms: [onePionExchangeNp(P)],
    contacts: { '1S0': () => P.C1S0, '3S1': () => P.C3S1 },
    cutoffMeV: P.cutoffMeV,
    regulatorN: P.regulatorN,
    ...(opts.angularOrder === undefined ? {} : { angularOrder: opts.angularOrder }),
  });
}
