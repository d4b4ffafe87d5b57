/**
 * Loop functions of chiral two-pion exchange (dimensional regularisation), MeV units.
 *
 * Machleidt & Entem, Phys. Rep. 503 (2011) 1, Eqs. (4.11)–(4.14); Kaiser, Brockmann & Weise,
 * NPA 625 (1997) 758:
 *
 *   w(q)  = √(4m² + q²),   w̃(q)² = 2m² + q²,
 *   L(q)  = (w/q) ln[(w + q)/(2m)],
 *   A(q)  = arctan[q/(2m)] / (2q),
 *
 * with q = |p' − p| and m the (average) pion mass, all in MeV. L is dimensionless (→ 1 as q → 0),
 * A has units MeV⁻¹ (→ 1/(4m)). Both are evaluated without cancellation at small q.
 */

/** w(q)² = 4m² + q² in MeV² (q², m in MeV² / MeV). */
export function wSquared(q2: number, m: number): number {
  return 4 * m * m + q2;
}

/** w̃(q)² = 2m² + q² in MeV². */
export function wTildeSquared(q2: number, m: number): number {
  return 2 * m * m + q2;
}

/**
 * L(q) = (w/q) ln[(w+q)/(2m)] (dimensionless). Uses ln(1+x) with x = (w − 2m + q)/(2m),
 * w − 2m = q²/(w + 2m), so it stays accurate as q → 0 (limit 1).
 * @param q momentum transfer |q| ≥ 0 in MeV
 * @param m pion mass in MeV
 */
export function loopL(q: number, m: number): number {
  if (q === 0) return 1;
  const w = Math.sqrt(4 * m * m + q * q);
  const x = (q * q / (w + 2 * m) + q) / (2 * m);
  return (w / q) * Math.log1p(x);
}

/**
 * A(q) = arctan(q/(2m))/(2q) in MeV⁻¹ (limit 1/(4m) at q = 0).
 * @param q momentum transfer |q| ≥ 0 in MeV
 * @param m pion mass in MeV
 */
export function loopA(q: number, m: number): number {
  if (q === 0) return 1 / (4 * m);
  return Math.atan(q / (2 * m)) / (2 * q);
}

/**
 * Spectral-function-regularised (SFR) L̃(q) with spectral cutoff Λ̃ > 2m (Epelbaum, Glöckle &
 * Meißner, EPJA 19, 125 (2004); used by the EMN potentials, Entem, Machleidt & Nosyk PRC 96,
 * 024004 (2017), with Λ̃ = 650 MeV):
 *
 *   L̃(q) = w/(2q) ln[(Λ̃²w² + q²s² + 2Λ̃qws) / (4m²(Λ̃² + q²))],   s = √(Λ̃² − 4m²),
 *
 * equivalently L̃(q) = w² ∫_{2m}^{Λ̃} dμ /(√(μ² − 4m²) (μ² + q²)). The argument of the log is
 * 1 + qs(qs + Λ̃w)/(2m²(Λ̃² + q²)), evaluated with log1p (limit s/Λ̃ as q → 0). Tends to
 * {@link loopL} as Λ̃ → ∞. Dimensionless.
 * @param q momentum transfer |q| ≥ 0 in MeV
 * @param m pion mass in MeV
 * @param lambdaSfr spectral cutoff Λ̃ in MeV (must exceed 2m; for Λ̃ ≤ 2m the function is 0)
 */
export function loopLSfr(q: number, m: number, lambdaSfr: number): number {
  if (lambdaSfr <= 2 * m) return 0;
  const s = Math.sqrt(lambdaSfr * lambdaSfr - 4 * m * m);
  if (q === 0) return s / lambdaSfr;
  const w = Math.sqrt(4 * m * m + q * q);
  const x = (q * s * (q * s + lambdaSfr * w)) / (2 * m * m * (lambdaSfr * lambdaSfr + q * q));
  return (w / (2 * q)) * Math.log1p(x);
}

/**
 * SFR Ã(q) = arctan[q(Λ̃ − 2m)/(q² + 2Λ̃m)]/(2q) = ½ ∫_{2m}^{Λ̃} dμ/(μ² + q²) in MeV⁻¹
 * (limit (Λ̃ − 2m)/(4Λ̃m) at q = 0); tends to {@link loopA} as Λ̃ → ∞.
 * @param q momentum transfer |q| ≥ 0 in MeV
 * @param m pion mass in MeV
 * @param lambdaSfr spectral cutoff Λ̃ in MeV (for Λ̃ ≤ 2m the function is 0)
 */
export function loopASfr(q: number, m: number, lambdaSfr: number): number {
  if (lambdaSfr <= 2 * m) return 0;
  if (q === 0) return (lambdaSfr - 2 * m) / (4 * lambdaSfr * m);
  return Math.atan((q * (lambdaSfr - 2 * m)) / (q * q + 2 * lambdaSfr * m)) / (2 * q);
}
