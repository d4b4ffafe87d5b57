/**
 * Float64 vector helpers and matrix-free Krylov solvers (conjugate gradients, MINRES) for the
 * second-order optimisers. Vectors are plain `Float64Array`s; operators are callbacks
 * `v ↦ C v` (the products themselves may run in float32 on the device).
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/** A symmetric linear operator on ℝⁿ given by its product (async: device reads are async on WebGPU). */
export type LinearOperator = (v: Float64Array) => Promise<Float64Array>;

/** Σ a_i b_i. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean norm. */
export function norm2(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** a + c·b as a new vector. */
export function axpy(a: ArrayLike<number>, c: number, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + c * b[i]!;
  return out;
}

/** c·a as a new vector. */
export function scaled(a: ArrayLike<number>, c: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = c * a[i]!;
  return out;
}

/** Result of an iterative solve. */
export interface KrylovResult {
  /** the approximate solution, [n] */
  x: Float64Array;
  /** iterations used */
  iterations: number;
  /** final ‖b − Cx‖ / ‖b‖ (recursively updated residual) */
  relativeResidual: number;
}

/** Options of the Krylov solvers. */
export interface KrylovOptions {
  /** initial guess (default 0) */
  x0?: Float64Array;
  /** maximum iterations (default 100) */
  maxIterations?: number;
  /** stop when ‖r‖ ≤ tol·‖b‖ (default 1e-10) */
  tol?: number;
  /**
   * Conjugate gradients only: the diagonal of a symmetric positive-definite preconditioner M ≈ C
   * (e.g. the diagonal of C: Jacobi). The iteration is then that of M^{-1/2} C M^{-1/2}; the
   * residual test stays on the unpreconditioned ‖b − Cx‖.
   */
  diagonal?: Float64Array;
}

/**
 * Conjugate gradients for symmetric positive-definite C: solves C x = b with only products C v.
 */
export async function conjugateGradient(C: LinearOperator, b: Float64Array, o: KrylovOptions = {}): Promise<KrylovResult> {
  const n = b.length;
  const maxIt = o.maxIterations ?? 100;
  const tol = o.tol ?? 1e-10;
  const bn = norm2(b);
  if (bn === 0) return { x: new Float64Array(n), iterations: 0, relativeResidual: 0 };
  const d = o.diagonal;
  if (d) {
    if (d.length !== n) throw new RangeError(`conjugateGradient: preconditioner diagonal has ${d.length} entries, the system ${n}`);
    for (let i = 0; i < n; i++) if (!(d[i]! > 0) || !Number.isFinite(d[i]!)) throw new RangeError(`conjugateGradient: preconditioner diagonal[${i}] = ${d[i]} (must be finite and > 0)`);
  }
  const precondition = (r: Float64Array): Float64Array => (d ? Float64Array.from(r, (v, i) => v / d[i]!) : Float64Array.from(r));
  const x = o.x0 ? Float64Array.from(o.x0) : new Float64Array(n);
  const r = o.x0 ? axpy(b, -1, await C(x)) : Float64Array.from(b);
  let z = precondition(r);
  const p = Float64Array.from(z);
  let rz = dot(r, z);
  let rr = dot(r, r);
  let it = 0;
  while (it < maxIt && Math.sqrt(rr) > tol * bn) {
    const Cp = await C(p);
    const pCp = dot(p, Cp);
    if (!(pCp > 0)) break; // not positive definite along p (or breakdown): stop with what we have
    const a = rz / pCp;
    for (let i = 0; i < n; i++) {
      x[i]! += a * p[i]!;
      r[i]! -= a * Cp[i]!;
    }
    rr = dot(r, r);
    z = precondition(r);
    const rz2 = dot(r, z);
    const beta = rz2 / rz;
    rz = rz2;
    for (let i = 0; i < n; i++) p[i] = z[i]! + beta * p[i]!;
    it++;
  }
  return { x, iterations: it, relativeResidual: Math.sqrt(rr) / bn };
}

/**
 * MINRES (Paige & Saunders) for symmetric, possibly indefinite C: minimises ‖b − C x‖ over the
 * Krylov space around the initial guess. Used for the quasi-Hessian B + λI, which need not be
 * positive definite.
 */
export async function minres(C: LinearOperator, b: Float64Array, o: KrylovOptions = {}): Promise<KrylovResult> {
  const n = b.length;
  const maxIt = o.maxIterations ?? 100;
  const tol = o.tol ?? 1e-10;
  const bn = norm2(b);
  const x = o.x0 ? Float64Array.from(o.x0) : new Float64Array(n);
  if (bn === 0) return { x: new Float64Array(n), iterations: 0, relativeResidual: 0 };
  const r0 = o.x0 ? axpy(b, -1, await C(x)) : Float64Array.from(b);
  let beta1 = norm2(r0);
  if (beta1 <= tol * bn) return { x, iterations: 0, relativeResidual: beta1 / bn };
  // Lanczos vectors
  let vPrev: Float64Array = new Float64Array(n);
  let v: Float64Array = scaled(r0, 1 / beta1);
  let betaK = beta1;
  // QR of the tridiagonal via Givens rotations
  let cPrev = 1, sPrev = 0, c = 1, s = 0;
  let wPrev: Float64Array = new Float64Array(n);
  let wPrev2: Float64Array = new Float64Array(n);
  let phi = beta1;
  let it = 0;
  let betaPrev = 0;
  while (it < maxIt) {
    const Av = await C(v);
    const alpha = dot(v, Av);
    const vNext = new Float64Array(n);
    for (let i = 0; i < n; i++) vNext[i] = Av[i]! - alpha * v[i]! - betaPrev * vPrev[i]!;
    const betaNext = norm2(vNext);
    // apply the two previous rotations to the new column (betaPrev, alpha, betaNext)
    const eps = sPrev * betaPrev;
    const delta1 = cPrev * betaPrev;
    const dBar = c * delta1 + s * alpha;
    const gBar = -s * delta1 + c * alpha;
    const rho1 = eps;
    const rho2 = dBar;
    const gamma = Math.hypot(gBar, betaNext);
    if (gamma === 0) break;
    const cNew = gBar / gamma;
    const sNew = betaNext / gamma;
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = (v[i]! - rho2 * wPrev[i]! - rho1 * wPrev2[i]!) / gamma;
    const tau = cNew * phi;
    phi = -sNew * phi;
    for (let i = 0; i < n; i++) x[i]! += tau * w[i]!;
    it++;
    betaK = Math.abs(phi);
    wPrev2 = wPrev;
    wPrev = w;
    cPrev = c;
    sPrev = s;
    c = cNew;
    s = sNew;
    betaPrev = betaNext;
    if (betaK <= tol * bn || betaNext === 0) break;
    vPrev = v;
    v = scaled(vNext, 1 / betaNext);
  }
  return { x, iterations: it, relativeResidual: betaK / bn };
}

/**
 * Solve the symmetric positive-definite n×n system M x = b in float64 by Cholesky.
 * @param m row-major [n, n]; @param b [n] or several right-hand sides as columns of [n, k].
 * Throws when M is not positive definite.
 */
export function choleskySolve(m: Float64Array, n: number, b: Float64Array): Float64Array {
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, m[i * n + j]!);
  const ch = new CholeskyDecomposition(M);
  if (!ch.isPositiveDefinite()) throw new Error('choleskySolve: matrix is not positive definite');
  const x = ch.solve(Matrix.columnVector(Array.from(b)));
  return Float64Array.from(x.getColumn(0));
}

/** Inverse of a symmetric positive-definite n×n matrix (row-major) in float64. */
export function spdInverse(m: Float64Array, n: number): Float64Array {
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, 0.5 * (m[i * n + j]! + m[j * n + i]!));
  const ch = new CholeskyDecomposition(M);
  if (!ch.isPositiveDefinite()) throw new Error('spdInverse: matrix is not positive definite');
  const inv = ch.solve(Matrix.eye(n, n));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = inv.get(i, j);
  return out;
}
