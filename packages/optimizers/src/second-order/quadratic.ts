/**
 * Step scale and momentum from the regularised quadratic model (REFERENCE.md §3)
 *
 *   M(δ) = E + gᵀδ + ½ δᵀ C δ,  C = curvature + λI,  δ = αΔ + μδ₀,
 *
 * and Levenberg–Marquardt adaptation of λ from the reduction ratio ρ.
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
  const w = rule.factor ?? Math.pow(19 / 20, 5);
  if (!(w > 0 && w < 1)) throw new OptimizerInputError(`dampingFactor = ${w} is invalid (allowed: 0 < ω < 1)`);
  let l = lambda;
  if (Number.isFinite(rho) && rho > 0.75) l = lambda * w;
  else if (!Number.isFinite(rho) || rho < 0.25) l = lambda / w;
  return Math.min(rule.max ?? 1e8, Math.max(rule.min ?? 1e-8, l));
}

/** Reduction ratio ρ = (E(θ+δ) − E(θ)) / (M(δ) − M(0)). */
export function reductionRatio(energyBefore: number, energyAfter: number, predicted: number): number {
  return (energyAfter - energyBefore) / predicted;
}
