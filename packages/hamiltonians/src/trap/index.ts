/**
 * 1D spinless fermions in a harmonic trap (REFERENCE.md §2), float64 plain functions.
 * Units: ħ = m = ω = 1; lengths in oscillator lengths, energies in ħω.
 *
 * H = Σ_i (−½∂²_i + ½x_i²) + Σ_{i<j} v(x_i − x_j).
 */

/** Bad trap / pair-interaction / particle-number input. */
export class FermionInputError extends Error {
  override readonly name = 'FermionInputError';
}

/**
 * Description of the pair interaction v(x_i − x_j), shared by the exact solvers and the network side.
 * - `gaussian`: v(r) = V0/(√(2π)σ)·exp(−r²/(2σ²)); V0 in ħω·(osc. length), σ in osc. lengths (> 0).
 * - `harmonic`: v(r) = (k/2)·r²; k in ħω/(osc. length)², with 1 + kA > 0 required for binding.
 * - `none`: free fermions in the trap.
 */
export type PairInteraction =
  | { readonly kind: 'gaussian'; readonly V0: number; readonly sigma: number }
  | { readonly kind: 'harmonic'; readonly k: number }
  | { readonly kind: 'none' };

/** The paper's default Gaussian width σ₀ = 0.5. */
export const DEFAULT_SIGMA = 0.5;

/** Gaussian pair interaction with the paper's width unless given. */
export function gaussianInteraction(V0: number, sigma = DEFAULT_SIGMA): PairInteraction {
  return validatePairInteraction({ kind: 'gaussian', V0, sigma });
}

/**
 * Check a {@link PairInteraction}; returns it unchanged or throws {@link FermionInputError}
 * naming the field, the bad value and what is allowed.
 */
export function validatePairInteraction(p: PairInteraction): PairInteraction {
  if (p === null || typeof p !== 'object') throw new FermionInputError(`interaction: expected an object, got ${String(p)}`);
  switch (p.kind) {
    case 'gaussian':
      if (!Number.isFinite(p.V0)) throw new FermionInputError(`interaction.V0: ${p.V0} is not a finite number`);
      if (!Number.isFinite(p.sigma) || !(p.sigma > 0)) {
        throw new FermionInputError(`interaction.sigma: ${p.sigma} is not allowed (must be a finite number > 0)`);
      }
      return p;
    case 'harmonic':
      if (!Number.isFinite(p.k)) throw new FermionInputError(`interaction.k: ${p.k} is not a finite number`);
      return p;
    case 'none':
      return p;
    default:
      throw new FermionInputError(
        `interaction.kind: '${String((p as { kind: unknown }).kind)}' is unknown (allowed: gaussian, harmonic, none)`,
      );
  }
}

/**
 * Check the particle number A (integer ≥ 1) and, for the harmonic interaction, that 1 + kA > 0
 * (otherwise the relative motion is unbound).
 */
export function validateFermionSystem(A: number, p: PairInteraction): void {
  if (!Number.isInteger(A) || A < 1) throw new FermionInputError(`A: ${A} is not allowed (must be an integer ≥ 1)`);
  validatePairInteraction(p);
  if (p.kind === 'harmonic' && !(1 + p.k * A > 0)) {
    throw new FermionInputError(`interaction.k: ${p.k} with A = ${A} gives 1 + kA = ${1 + p.k * A} ≤ 0 (unbound; need k > −1/A)`);
  }
}

/** Trap potential ½x² (ħω) at position x (osc. lengths). */
export function trapPotential(x: number): number {
  return 0.5 * x * x;
}

/** Gaussian pair potential V0/(√(2π)σ)·exp(−r²/(2σ²)) at separation r. */
export function gaussianPair(V0: number, sigma: number, r: number): number {
  return (V0 / (Math.sqrt(2 * Math.PI) * sigma)) * Math.exp((-r * r) / (2 * sigma * sigma));
}

/** Harmonic pair potential (k/2)·r² at separation r. */
export function harmonicPair(k: number, r: number): number {
  return 0.5 * k * r * r;
}

/** The pair potential v(r) of a {@link PairInteraction} at separation r = x_i − x_j. */
export function pairPotential(p: PairInteraction, r: number): number {
  switch (p.kind) {
    case 'gaussian':
      return gaussianPair(p.V0, p.sigma, r);
    case 'harmonic':
      return harmonicPair(p.k, r);
    case 'none':
      return 0;
  }
}

/** A function r ↦ v(r) for a validated interaction (avoids the switch in inner loops). */
export function pairPotentialFn(p: PairInteraction): (r: number) => number {
  validatePairInteraction(p);
  switch (p.kind) {
    case 'gaussian': {
      const c = p.V0 / (Math.sqrt(2 * Math.PI) * p.sigma);
      const a = 1 / (2 * p.sigma * p.sigma);
      return (r) => c * Math.exp(-a * r * r);
    }
    case 'harmonic': {
      const h = 0.5 * p.k;
      return (r) => h * r * r;
    }
    case 'none':
      return () => 0;
  }
}

/**
 * Potential-energy terms of one configuration x (length A, osc. lengths):
 * `trap` = Σ ½x_i², `pair` = Σ_{i<j} v(x_i − x_j).
 */
export function trapPotentialEnergy(p: PairInteraction, x: ArrayLike<number>): { trap: number; pair: number } {
  const v = pairPotentialFn(p);
  let trap = 0;
  let pair = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    trap += 0.5 * xi * xi;
    for (let j = i + 1; j < x.length; j++) pair += v(xi - x[j]!);
  }
  return { trap, pair };
}

/** Ground-state energy A²/2 of A free spinless fermions in the trap. */
export function freeFermionEnergy(A: number): number {
  validateFermionSystem(A, { kind: 'none' });
  return (A * A) / 2;
}

/**
 * Exact ground-state energy with the harmonic pair interaction (k/2)Σ_{i<j}(x_i−x_j)²:
 * the centre of mass keeps ω = 1, the A−1 relative modes get ω' = √(1+kA), so
 * E = ½ + √(1+kA)(A²−1)/2.
 */
export function harmonicModelEnergy(A: number, k: number): number {
  validateFermionSystem(A, { kind: 'harmonic', k });
  return 0.5 + (Math.sqrt(1 + k * A) * (A * A - 1)) / 2;
}
