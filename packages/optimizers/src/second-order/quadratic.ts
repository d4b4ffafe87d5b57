/**
 * Step scale and momentum from the regularised quadratic model (REFERENCE.md §3)
 *
 *   M(δ) = E + gᵀδ + ½ δᵀ C δ,  C = curvature + λI,  δ = αΔ + μδ₀,
 *
 * and Levenberg–Marquardt adaptation of λ from the reduction ratio ρ (classic, or tested against the
 * Monte Carlo noise of the measured energy change).
 */
import { OptimizerInputError } from '../first-order.js';
import { dot, type LinearOperator } from './linalg.js';

/** Solution of the 2×2 model problem. */
export interface ModelStep {
  alpha: number;
  mu: number;
  /** M(δ) − M(0) = gᵀδ + ½δᵀCδ at (α, μ) */
  predicted: number;
  /** δ = αΔ + μδ₀ */
  step: Float64Array;
}

/**
 * Solve [[h11, h12], [h12, h22]] (α, μ)ᵀ = −(b1, b2)ᵀ. Falls back to μ = 0 (α = −b1/h11) when the
 * system is singular or not positive definite (the model has no minimum in the plane).
 */
export function solveModel2x2(h11: number, h12: number, h22: number, b1: number, b2: number): { alpha: number; mu: number } {
  const det = h11 * h22 - h12 * h12;
  if (h11 > 0 && h22 > 0 && det > 1e-12 * h11 * h22) {
    return { alpha: (-b1 * h22 + b2 * h12) / det, mu: (-b2 * h11 + b1 * h12) / det };
  }
  return { alpha: h11 > 0 ? -b1 / h11 : 0, mu: 0 };
}

/**
 * Optimal α*, μ* for the direction Δ and the previous step δ₀ (null on the first step: μ* = 0).
 *
 * @param g gradient [P]; @param delta direction Δ [P]; @param prev previous step δ₀ [P] or null.
 * @param C product with C = curvature + λI.
 */
export async function optimalStep(g: Float64Array, delta: Float64Array, prev: Float64Array | null, C: LinearOperator): Promise<ModelStep> {
  const Cd = await C(delta);
  const h11 = dot(delta, Cd);
  const b1 = dot(g, delta);
  let alpha: number;
  let mu = 0;
  let h12 = 0;
  let h22 = 0;
  let b2 = 0;
  if (prev) {
    const Cp = await C(prev);
    h12 = dot(delta, Cp);
    h22 = dot(prev, Cp);
    b2 = dot(g, prev);
    ({ alpha, mu } = solveModel2x2(h11, h12, h22, b1, b2));
  } else {
    alpha = h11 > 0 ? -b1 / h11 : 0;
  }
  const predicted = alpha * b1 + mu * b2 + 0.5 * (alpha * alpha * h11 + 2 * alpha * mu * h12 + mu * mu * h22);
  const step = new Float64Array(g.length);
  for (let i = 0; i < step.length; i++) step[i] = alpha * delta[i]! + (prev ? mu * prev[i]! : 0);
  return { alpha, mu, predicted, step };
}

/** Options of {@link adaptDamping}. */
export interface DampingRule {
  /** factor ω (< 1) applied when the model is good (default (19/20)⁵) */
  factor?: number;
  /** bounds of λ (default 1e-8 … 1e8) */
  min?: number;
  max?: number;
}

/**
 * Levenberg–Marquardt: ρ > ¾ → λ·ω; ρ < ¼ → λ/ω; otherwise unchanged (ω = (19/20)⁵), clamped.
 * A non-finite ρ (e.g. zero predicted change) counts as a bad model.
 */
export function adaptDamping(lambda: number, rho: number, rule: DampingRule = {}): number {
  const move: DampingMove = Number.isFinite(rho) && rho > 0.75 ? 'decrease' : !Number.isFinite(rho) || rho < 0.25 ? 'increase' : 'keep';
  return applyDampingMove(lambda, move, rule);
}

/** What the Levenberg–Marquardt test does to λ ('decrease-fast': λ·ω², see {@link dampingMove}). */
export type DampingMove = 'decrease-fast' | 'decrease' | 'increase' | 'keep';

/** A measured energy change against the model's prediction (energies in the units of E). */
export interface EnergyChange {
  /** E(θ+δ) − E(θ) as measured (Monte Carlo: an estimate) */
  actual: number;
  /** M(δ) − M(0) of the model (negative for a descent step) */
  predicted: number;
  /** standard error of `actual` (0: exact) */
  stderr?: number;
}

/**
 * The Levenberg–Marquardt test with a noisy measured change. With ρ = actual/predicted (predicted < 0):
 *
 * - 'increase' when the step did significantly worse than ¼ of the prediction:
 *   actual − ¼·predicted > z·stderr (ρ < ¼ beyond the noise);
 * - 'decrease-fast' when the step did significantly better than `fast` times the prediction:
 *   actual − fast·predicted < −z·stderr. For a model with the right curvature K,
 *   ρ = 1 + λ|δ|²/δᵀ(K + λI)δ, so ρ well above 1.5 says that λ carries most of the model's
 *   curvature along the step (the step is held back by the damping alone, as in the first steps
 *   from a large λ₀); λ then falls twice as fast. It also falls by ω² when the whole predicted
 *   decrease is below the noise (|predicted| ≤ z·stderr, finite `fast` only): such a step is too short
 *   for any failure of the model to be seen, and near convergence, where the steps shrink with the
 *   gradient, λ would otherwise lag far behind the value the sampled metric can carry;
 * - 'decrease' unless it did significantly worse than ¾ of the prediction:
 *   actual − ¾·predicted < z·stderr (ρ > ¾, or ρ < ¾ only within the noise);
 * - 'keep' otherwise.
 *
 * With stderr = 0 and fast = ∞ this is the classic rule (ρ > ¾ decrease, ρ < ¼ increase). With Monte Carlo
 * estimates, once the predicted decrease |M(δ) − M(0)| falls below the noise of the measured change
 * (near convergence) ρ is pure noise; the classic rule then raises λ about as often as it lowers it
 * and λ stalls far above the value at which the model is still good. Here λ keeps decreasing until
 * the steps grow large enough for a failure of the model to show above the noise.
 * Non-finite values or predicted ≥ 0 count as a bad model.
 *
 * @param z significance in standard errors (default 2)
 * @param fast ρ above which λ falls by ω² (default 1.5; Infinity: never)
 */
export function dampingMove(c: EnergyChange, z = 2, fast = 1.5): DampingMove {
  const { actual, predicted } = c;
  const noise = z * (c.stderr ?? 0);
  if (!Number.isFinite(actual) || !Number.isFinite(predicted) || !(predicted < 0) || !(noise >= 0) || !Number.isFinite(noise)) return 'increase';
  if (actual - 0.25 * predicted > noise) return 'increase';
  if (actual - fast * predicted < -noise) return 'decrease-fast';
  // the whole predicted decrease is below the noise: the step is too short to be tested at all
  if (Number.isFinite(fast) && noise >= -predicted) return 'decrease-fast';
  if (actual - 0.75 * predicted < noise) return 'decrease';
  return 'keep';
}

/** λ·ω² ('decrease-fast'), λ·ω ('decrease'), λ/ω ('increase') or λ ('keep'), clamped to [min, max] (ω = (19/20)⁵). */
export function applyDampingMove(lambda: number, move: DampingMove, rule: DampingRule = {}): number {
  const w = rule.factor ?? Math.pow(19 / 20, 5);
  if (!(w > 0 && w < 1)) throw new OptimizerInputError(`dampingFactor = ${w} is invalid (allowed: 0 < ω < 1)`);
  const l = move === 'decrease-fast' ? lambda * w * w : move === 'decrease' ? lambda * w : move === 'increase' ? lambda / w : lambda;
  return Math.min(rule.max ?? 1e8, Math.max(rule.min ?? 1e-8, l));
}

/** Reduction ratio ρ = (E(θ+δ) − E(θ)) / (M(δ) − M(0)). */
export function reductionRatio(energyBefore: number, energyAfter: number, predicted: number): number {
  return (energyAfter - energyBefore) / predicted;
}
