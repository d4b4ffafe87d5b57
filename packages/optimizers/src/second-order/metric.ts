/**
 * Gram-type metrics M = s·JᵀJ over per-sample Jacobians and the damped solve (M + λI) x = g.
 *
 * - SR / quantum geometric tensor: J = Ō (centred O = ∂θ ln|ψ|), s = 1/B  →  S = ⟨ŌŌᵀ⟩.
 * - Natural gradient (Fisher): the same J, s = 4/B  →  F = 4S.
 * - Decision-geometry (VMC) metric: J = [M₁; …; M_K] with M_k = ∂θ∂x_k ln|ψ| (not centred),
 *   s = 1/B  →  G = Σ_k ⟨M_k M_kᵀ⟩.
 *
 * The P×P matrix is never formed unless the "dense" method is chosen (small P). When the number of
 * rows N is below P the solve runs in sample space (Woodbury identity, N×N Cholesky in float64):
 *
 *   (λI + s JᵀJ)⁻¹ g = (g − Jᵀ y)/λ,  (J Jᵀ + (λ/s) I) y = J g,
 *
 * and, when g = Jᵀc is known to lie in the row space (the energy gradient g = Ōᵀ·2(E_L − Ē)/B),
 * the cancellation-free MinSR form x = Jᵀy with (s JJᵀ + λI) y = c. Otherwise conjugate gradients
 * with matrix-free products s·Jᵀ(J v) + λv.
 */
import { OptimizerInputError } from '../first-order.js';
import { choleskySolve, conjugateGradient, minres, type KrylovResult, type LinearOperator } from './linalg.js';
import type { RowOperator } from './operators.js';

/** M = scale · JᵀJ. */
export interface GramMetric {
  op: RowOperator;
  scale: number;
}

/** How to solve (M + λI)x = g. */
export type SolveMethod = 'auto' | 'dense' | 'sample' | 'cg' | 'minres';

/** Allowed values of {@link SolveMethod}. */
export const SOLVE_METHODS: readonly SolveMethod[] = ['auto', 'dense', 'sample', 'cg', 'minres'];

/** Options of {@link solveDamped}. */
export interface SolveOptions {
  method?: SolveMethod;
  /** g = Jᵀ c (known row-space coefficients, [N]); enables the MinSR form in sample space */
  rowCoefficients?: Float64Array;
  /** initial guess of the iterative methods */
  x0?: Float64Array;
  /** iterations of the iterative methods (default 100) */
  maxIterations?: number;
  /** relative residual tolerance of the iterative methods (default 1e-8) */
  tol?: number;
  /**
   * Preconditioner of conjugate gradients: 'jacobi' divides by the diagonal s·Σ_n J_np² + λ of
   * (M + λI) (one pass over J), 'none' (default) runs plain CG.
   */
  preconditioner?: CgPreconditioner;
  /** "auto" forms a P×P matrix only up to this P (default 1500) */
  denseMax?: number;
  /** "auto" uses the sample space only up to this N (default 256: beyond, forming the N×N Gram
   *  matrix (N²P) costs more than ~100 CG iterations (4·N·P each) on a CPU backend) */
  sampleMax?: number;
}

/** Preconditioners of the conjugate-gradient solve. */
export type CgPreconditioner = 'none' | 'jacobi';

/** Allowed values of {@link CgPreconditioner}. */
export const CG_PRECONDITIONERS: readonly CgPreconditioner[] = ['none', 'jacobi'];

/** Result of {@link solveDamped}. */
export interface SolveResult {
  x: Float64Array;
  method: Exclude<SolveMethod, 'auto'>;
  iterations: number;
  relativeResidual: number;
}

/** (s JᵀJ + λI) v. */
export function dampedProduct(m: GramMetric, lambda: number): LinearOperator {
  return async (v) => {
    const out = await m.op.tmul(await m.op.mul(v));
    for (let i = 0; i < out.length; i++) out[i] = m.scale * out[i]! + lambda * v[i]!;
    return out;
  };
}

/** The method "auto" picks for N rows and P columns. */
export function chooseMethod(N: number, P: number, o: SolveOptions = {}): Exclude<SolveMethod, 'auto'> {
  const denseMax = o.denseMax ?? 1500;
  const sampleMax = o.sampleMax ?? 256;
  if (P <= N && P <= denseMax) return 'dense';
  if (N < P && N <= sampleMax) return 'sample';
  if (P <= denseMax) return 'dense';
  return 'cg';
}

/**
 * Solve (M + λI) x = g for M = s·JᵀJ (λ > 0). Float64 throughout except the products with J when J
 * is a float32 tensor.
 */
export async function solveDamped(m: GramMetric, g: Float64Array, lambda: number, o: SolveOptions = {}): Promise<SolveResult> {
  const { rows: N, cols: P } = m.op;
  if (g.length !== P) throw new OptimizerInputError(`solveDamped: gradient has ${g.length} entries, the Jacobian ${P} columns`);
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new OptimizerInputError(`damping = ${lambda} is invalid (allowed: a finite number > 0)`);
  const s = m.scale;
  const method = (o.method ?? 'auto') === 'auto' ? chooseMethod(N, P, o) : (o.method as Exclude<SolveMethod, 'auto'>);
  if (method === 'dense') {
    const c = await m.op.cross();
    for (let i = 0; i < P * P; i++) c[i]! *= s;
    for (let i = 0; i < P; i++) c[i * P + i]! += lambda;
    return { x: choleskySolve(c, P, g), method, iterations: 0, relativeResidual: 0 };
  }
  if (method === 'sample') {
    const K = await m.op.gram();
    if (o.rowCoefficients) {
      if (o.rowCoefficients.length !== N) throw new OptimizerInputError(`solveDamped: rowCoefficients has ${o.rowCoefficients.length} entries, the Jacobian ${N} rows`);
      for (let i = 0; i < N * N; i++) K[i]! *= s;
      for (let i = 0; i < N; i++) K[i * N + i]! += lambda;
      const y = choleskySolve(K, N, o.rowCoefficients);
      return { x: await m.op.tmul(y), method, iterations: 0, relativeResidual: 0 };
    }
    for (let i = 0; i < N; i++) K[i * N + i]! += lambda / s;
    const y = choleskySolve(K, N, await m.op.mul(g));
    const jy = await m.op.tmul(y);
    const x = new Float64Array(P);
    for (let i = 0; i < P; i++) x[i] = (g[i]! - jy[i]!) / lambda;
    return { x, method, iterations: 0, relativeResidual: 0 };
  }
  const C = dampedProduct(m, lambda);
  const pre = o.preconditioner ?? 'none';
  if (!CG_PRECONDITIONERS.includes(pre)) throw new OptimizerInputError(`preconditioner: '${String(pre)}' is unknown (allowed: ${CG_PRECONDITIONERS.join(', ')})`);
  let diagonal: Float64Array | undefined;
  if (method === 'cg' && pre === 'jacobi') {
    diagonal = await m.op.colSquares();
    for (let i = 0; i < P; i++) diagonal[i] = s * diagonal[i]! + lambda;
  }
  const ko = { x0: o.x0, maxIterations: o.maxIterations ?? 100, tol: o.tol ?? 1e-8, ...(diagonal ? { diagonal } : {}) };
  const r: KrylovResult = method === 'cg' ? await conjugateGradient(C, g, ko) : await minres(C, g, ko);
  return { x: r.x, method, iterations: r.iterations, relativeResidual: r.relativeResidual };
}

/**
 * Effective number of directions the metric resolves at damping λ, estimated from its diagonal:
 * n_eff = Σ_p M_pp / (M_pp + λ). With fewer independent samples than n_eff the sampled metric is
 * rank-deficient in directions the damping does not control (the update amplifies noise there).
 */
export async function effectiveDimension(m: GramMetric, lambda: number): Promise<number> {
  const d = await m.op.colSquares();
  let n = 0;
  for (let i = 0; i < d.length; i++) {
    const v = m.scale * d[i]!;
    n += v / (v + lambda);
  }
  return n;
}
