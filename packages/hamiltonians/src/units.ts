/**
 * Units and constants of the deuteron papers (Keeble & Rios 2020; Rozalén Sarmiento et al. 2024).
 *
 * Momenta are in fm⁻¹ (mesh) or MeV (chiral formulas); potentials in MeV fm³ (mesh kernels) or
 * MeV⁻² (chiral formulas). With ħc = 197.32968 MeV fm: k[MeV] = ħc·k[fm⁻¹] and
 * V[MeV fm³] = V[MeV⁻²]·(ħc)³.
 */

/** ħc in MeV fm. */
export const HBARC = 197.32968;
/** Neutron mass in MeV. */
export const NEUTRON_MASS = 939.5653;
/** Proton mass in MeV. */
export const PROTON_MASS = 938.272;
/** Nucleon mass M = 2μ_np = 2 m_n m_p / (m_n + m_p) used in the kinetic term ħ²k²/M, in MeV (938.9182). */
export const NUCLEON_MASS = 938.9182;
/** ħ²/M in MeV fm² (= HBARC² / NUCLEON_MASS ≈ 41.4720). */
export const HBAR2_OVER_M = (HBARC * HBARC) / NUCLEON_MASS;

/** Momentum fm⁻¹ → MeV. */
export function fmInvToMeV(k: number): number {
  return k * HBARC;
}
/** Momentum MeV → fm⁻¹. */
export function mevToFmInv(p: number): number {
  return p / HBARC;
}
/** Potential MeV⁻² → MeV fm³ (multiply by (ħc)³). */
export function mevm2ToMeVfm3(v: number): number {
  return v * HBARC * HBARC * HBARC;
}
/** Potential MeV fm³ → MeV⁻² (divide by (ħc)³). */
export function mevfm3ToMeVm2(v: number): number {
  return v / (HBARC * HBARC * HBARC);
}
/** Kinetic energy ħ²k²/M of relative motion in MeV for k in fm⁻¹. */
export function kineticMeV(k: number): number {
  return HBAR2_OVER_M * k * k;
}
