/**
 * A chiral potential whose parts carry their own regulators, built on the general partial-wave
 * engine of nn/pwd.ts (`projectOperators`):
 *
 *   V^{JS}_{L'L}(p', p) = s_{L'L}/(2π)³ · M/√(E_p' E_p) · [ Σ_groups f_{n_g}(p', p) 𝒫^{JS}_{L'L}[group]
 *                                                        + Σ_contacts f_{n_c}(p', p) C_{L'L}(p', p) ],
 *
 * f_n(p', p) = exp(−min((p'/Λ)^{2n} + (p/Λ)^{2n}, X)) with the exponent capped at X (80 in the
 * Entem–Machleidt code, which keeps the potential finite, if tiny, at very large momenta; use
 * `Infinity`, the default here, for no cap). s_{L'L} = −1 for coupled off-diagonal elements (Idaho phase), also for
 * contacts, as in nn/chiral.ts. Units: p in MeV, 𝒫 and C in MeV⁻²; the resulting
 * {@link PartialWavePotential} speaks fm⁻¹ and MeV fm³.
 */
import { HBARC, NUCLEON_MASS } from '../units.js';
import { type ChannelSpec, PotentialInputError, parseChannel } from '../nn/channels.js';
import { minimalRelativityFactor, partialWavePotentialFrom, regulator } from '../nn/chiral.js';
import { type OperatorTerm, projectOperators } from '../nn/pwd.js';
import type { PartialWavePotential } from '../nn/potential.js';

/** A group of operator terms sharing one regulator. */
export interface RegulatedTerms {
  readonly terms: readonly OperatorTerm[];
  /** regulator exponent n in exp(−(p/Λ)^{2n}) */
  readonly n: number;
  /** cutoff Λ in MeV */
  readonly cutoffMeV: number;
  /**
   * Mass μ (MeV) of the nearest singularity of the terms in q² (pole or branch point at q² = −μ²:
   * m_π for one-pion exchange, 2m_π for two-pion exchange). When given (and no fixed
   * `angularOrder`), the Gauss–Legendre order in z is chosen per (p', p) from the distance of that
   * singularity, z₀ = (p'² + p² + μ²)/(2p'p), for a relative error ≲ 1e−13.
   */
  readonly singularityMassMeV?: number;
}

/** Orders used by the adaptive angular quadrature (each gets a cached trace table). */
export const ANGULAR_ORDERS = [8, 12, 16, 24, 32, 48, 64, 96] as const;

/**
 * Gauss–Legendre order for an integrand analytic inside the Bernstein ellipse through
 * z₀ = (p'² + p² + μ²)/(2p'p): error ~ ρ^{−2n}, ρ = z₀ + √(z₀² − 1); aims at 1e−13 plus a margin
 * for the Legendre polynomials of the partial wave (degree ≤ J + 1), capped at 96.
 */
export function adaptiveAngularOrder(pp: number, p: number, mu: number, J = 0): number {
  if (pp === 0 || p === 0) return ANGULAR_ORDERS[0];
  const z0 = (pp * pp + p * p + mu * mu) / (2 * pp * p);
  const rho = z0 + Math.sqrt(Math.max(0, z0 * z0 - 1));
  const need = Math.ceil(30 / (2 * Math.log(rho))) + 4 + J;
  for (const n of ANGULAR_ORDERS) if (n >= need) return n;
  return ANGULAR_ORDERS[ANGULAR_ORDERS.length - 1]!;
}

/** One contact term in one partial wave: value in MeV⁻² (p', p in MeV) with its own regulator. */
export interface RegulatedContact {
  readonly fn: (pp: number, p: number) => number;
  readonly n: number;
  readonly cutoffMeV: number;
}

/** Definition of a {@link regulatedChiralPotential}. */
export interface RegulatedChiralOptions {
  name: string;
  description: string;
  groups: readonly RegulatedTerms[];
  /** contact terms keyed by channel name ('1S0', '3S1', '3S1-3D1', …) */
  contacts: Readonly<Record<string, readonly RegulatedContact[]>>;
  /** nucleon mass of the minimal-relativity factor, MeV (default {@link NUCLEON_MASS}) */
  nucleonMassMeV?: number;
  /**
   * cap X of the regulator exponent: 80 reproduces the Entem–Machleidt code exactly (the potential
   * stays ~e⁻⁸⁰ instead of 0 at huge momenta, no effect on any observable here); default Infinity
   * (faster: points where every regulator underflows are skipped)
   */
  exponentCap?: number;
  /** fixed Gauss–Legendre order of the angular integral (default: adaptive per group) */
  angularOrder?: number;
  /**
   * Custom angular-order rule (p', p in MeV, the group's singularity mass μ in MeV, J) — e.g. to
   * emulate another code's quadrature; overrides the adaptive rule, not a fixed `angularOrder`.
   */
  angularRule?: (pp: number, p: number, mu: number, J: number) => number;
  /** channels offered */
  channels: readonly string[];
}

/** exp(−min((p'/Λ)^{2n} + (p/Λ)^{2n}, cap)), p', p, Λ in MeV (defined in nn/chiral.ts, shared with it). */
export { regulator };

/** Build the potential; see the module comment for the formula. */
export function regulatedChiralPotential(o: RegulatedChiralOptions): PartialWavePotential {
  const M = o.nucleonMassMeV ?? NUCLEON_MASS;
  const cap = o.exponentCap ?? Infinity;
  for (const c of Object.keys(o.contacts)) {
    if (!o.channels.includes(c)) throw new PotentialInputError(`contact channel '${c}' is not one of the channels of '${o.name}'`);
  }
  const hc3 = HBARC * HBARC * HBARC;
  const inv2pi3 = 1 / (8 * Math.PI * Math.PI * Math.PI);
  const jMax = Math.max(0, ...o.channels.map((c) => parseChannel(c).J));
  const evalMany = (specs: readonly ChannelSpec[], names: readonly string[], kp: number, k: number): number[] => {
    const pp = kp * HBARC;
    const p = k * HBARC;
    const mr = minimalRelativityFactor(M, pp, p);
    const acc = new Float64Array(specs.length);
    for (const g of o.groups) {
      const f = regulator(pp, p, g.cutoffMeV, g.n, cap);
      if (f === 0 || g.terms.length === 0) continue;
      const order =
        o.angularOrder ??
        (g.singularityMassMeV === undefined
          ? 96
          : (o.angularRule ?? adaptiveAngularOrder)(pp, p, g.singularityMassMeV, jMax));
      const proj = projectOperators(g.terms, specs, pp, p, { angularOrder: order });
      for (let i = 0; i < specs.length; i++) acc[i] += f * proj[i]!;
    }
    for (let i = 0; i < specs.length; i++) {
      const list = o.contacts[names[i]!];
      if (!list) continue;
      for (const c of list) acc[i] += regulator(pp, p, c.cutoffMeV, c.n, cap) * c.fn(pp, p);
    }
    return specs.map((c, i) => (c.Lp !== c.L ? -1 : 1) * inv2pi3 * mr * hc3 * acc[i]!);
  };
  return partialWavePotentialFrom(o.name, o.description, o.channels, evalMany);
}
