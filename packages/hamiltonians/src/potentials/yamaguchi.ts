import { HBAR2_OVER_M } from '../units.js';
import { type PartialWavePotential, checkChannel, checkMomenta } from '../nn/potential.js';
import { DEUTERON_CHANNELS, PotentialInputError } from '../nn/channels.js';

/** Parameters of the Yamaguchi test potential. */
export interface YamaguchiParams {
  /** form-factor range β in fm⁻¹ (default 1.4488) */
  beta?: number;
  /** binding energy B > 0 in MeV that fixes the strength (default 2.224575) */
  bindingMeV?: number;
}

/** Analytic Yamaguchi bound state (REFERENCE.md §1); momenta in fm⁻¹. */
export interface YamaguchiSolution {
  /** α = √(M B)/ħc in fm⁻¹ */
  alpha: number;
  beta: number;
  /** λ = 4β(α+β)² ħ²/(πM) in MeV fm⁻¹ */
  lambda: number;
  /** E = −ħ²α²/M in MeV */
  energyMeV: number;
  /** normalisation N with ∫dk k² ψ² = 1, N² = 4αβ(α+β)³/π */
  norm: number;
  /** ψ(k) = N/((k²+α²)(k²+β²)) in fm^{3/2} */
  psi(k: number): number;
}

/** The analytic solution for given parameters. */
export function yamaguchiSolution(par: YamaguchiParams = {}): YamaguchiSolution {
  const beta = par.beta ?? 1.4488;
  const B = par.bindingMeV ?? 2.224575;
  if (!(beta > 0) || !Number.isFinite(beta)) throw new PotentialInputError(`yamaguchi: beta must be > 0 fm⁻¹ (got ${beta})`);
  if (!(B > 0) || !Number.isFinite(B)) throw new PotentialInputError(`yamaguchi: bindingMeV must be > 0 (got ${B})`);
  const alpha = Math.sqrt(B / HBAR2_OVER_M);
  const lambda = (4 * beta * (alpha + beta) ** 2 * HBAR2_OVER_M) / Math.PI;
  const norm = Math.sqrt((4 * alpha * beta * (alpha + beta) ** 3) / Math.PI);
  return {
    alpha,
    beta,
    lambda,
    energyMeV: -HBAR2_OVER_M * alpha * alpha,
    norm,
    psi: (k) => norm / ((k * k + alpha * alpha) * (k * k + beta * beta)),
  };
}

/**
 * Rank-1 separable Yamaguchi potential in ³S₁: V(k', k) = −λ g(k') g(k), g = 1/(k² + β²), in MeV fm³.
 * The D-wave and S–D elements are zero; it has exactly one bound state at −B.
 */
export function yamaguchi(par: YamaguchiParams = {}): PartialWavePotential {
  const sol = yamaguchiSolution(par);
  const b2 = sol.beta * sol.beta;
  return {
    name: 'yamaguchi',
    description: `Yamaguchi separable 3S1 potential, β = ${sol.beta} fm⁻¹, λ = ${sol.lambda.toFixed(6)} MeV fm⁻¹ (B = ${-sol.energyMeV} MeV)`,
    channels: DEUTERON_CHANNELS,
    value(channel, kp, k) {
      checkChannel(this, channel);
      checkMomenta(kp, k);
      return channel === '3S1' ? -sol.lambda / ((kp * kp + b2) * (k * k + b2)) : 0;
    },
  };
}
