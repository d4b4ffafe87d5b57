import { type PartialWavePotential, checkChannel, checkMomenta } from '../nn/potential.js';

/**
 * A sum of Yukawas V(r) = Σ_i c_i e^{−μ_i r}/r (c_i in MeV fm, μ_i in fm⁻¹) projected on the S wave:
 *
 *   V_0(k', k) = (2/π) ∫dr r² j₀(k'r) V(r) j₀(kr) = Σ_i c_i/(2π k'k) · ln[(μ_i² + (k'+k)²)/(μ_i² + (k'−k)²)]
 *
 * in MeV fm³ (kernel convention of REFERENCE.md §1), finite at k'k → 0 (limit (2/π) c_i/(μ_i² + k²)).
 */
export function yukawaSWave(terms: readonly { c: number; mu: number }[], kp: number, k: number): number {
  let s = 0;
  const a = kp * k;
  for (const { c, mu } of terms) {
    const d = mu * mu + (kp - k) * (kp - k);
    const f = a > 0 ? Math.log1p((4 * a) / d) / a : 4 / d;
    s += c * f;
  }
  return s / (2 * Math.PI);
}

/** MT-III parameters (Malfliet & Tjon 1969, as used in few-body benchmarks). */
export const MT3_PARAMS = {
  /** repulsive strength V_R in MeV fm */
  VR: 1438.72,
  /** repulsive range μ_R in fm⁻¹ */
  muR: 3.11,
  /** attractive strength in ³S₁, MeV fm */
  VA3S1: 626.885,
  /** attractive strength in ¹S₀, MeV fm */
  VA1S0: 513.968,
  /** attractive range μ_A in fm⁻¹ */
  muA: 1.55,
} as const;

/**
 * Malfliet–Tjon MT-III: V(r) = [V_R e^{−μ_R r} − V_A e^{−μ_A r}]/r acting in S waves only
 * (V_A differs in ¹S₀ and ³S₁); D-wave and S–D elements are zero. Deuteron ≈ −2.23 MeV.
 */
export function malflietTjon(): PartialWavePotential {
  const P = MT3_PARAMS;
  const t3 = [{ c: P.VR, mu: P.muR }, { c: -P.VA3S1, mu: P.muA }];
  const t1 = [{ c: P.VR, mu: P.muR }, { c: -P.VA1S0, mu: P.muA }];
  return {
    name: 'malfliet-tjon',
    description: 'Malfliet–Tjon MT-III (S waves only): V_R = 1438.720 MeV fm, μ_R = 3.11 fm⁻¹, V_A = 626.885 (3S1) / 513.968 (1S0) MeV fm, μ_A = 1.55 fm⁻¹',
    channels: ['1S0', '3S1', '3D1', '3S1-3D1', '3D1-3S1'],
    value(channel, kp, k) {
      checkChannel(this, channel);
      checkMomenta(kp, k);
      if (channel === '3S1') return yukawaSWave(t3, kp, k);
      if (channel === '1S0') return yukawaSWave(t1, kp, k);
      return 0;
    },
  };
}
