/**
 * Symmetric tridiagonal eigensolver (implicit QL with Wilkinson shifts) and a Lanczos
 * eigensolver with full reorthogonalisation for the lowest few eigenpairs of a large sparse
 * symmetric operator. Float64 throughout.
 */
import { FermionInputError } from '@nqs/hamiltonians';

/** Eigen-decomposition of a symmetric tridiagonal matrix. */
export interface TridiagEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns, row-major n × n (`vectors[i*n + k]` = component i of vector k); empty if not requested. */
  vectors: Float64Array;
}

/**
 * Eigenvalues (and optionally eigenvectors) of the symmetric tridiagonal matrix with diagonal
 * `diag` (length n) and off-diagonal `off` (length n−1, off[i] couples i and i+1).
 * Implicit QL iteration with Wilkinson shifts; inputs are not modified.
 */
export function tridiagonalEigen(diag: ArrayLike<number>, off: ArrayLike<number>, wantVectors = true): TridiagEigen {
  const n = diag.length;
  if (off.length < n - 1) throw new FermionInputError(`off: length ${off.length} is too short (need ${n - 1})`);
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = off[i]!;
  const z = wantVectors ? new Float64Array(n * n) : new Float64Array(0);
  if (wantVectors) for (let i = 0; i < n; i++) z[i * n + i] = 1;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      // find a negligible off-diagonal element splitting the matrix at m
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= eps * dd) break;
      }
      if (m === l) break;
      if (++iter > 100) throw new Error('tridiagonalEigen: QL iteration did not converge');
      // Wilkinson shift from the leading 2×2 block
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let deflated = false;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (wantVectors) {
          for (let k = 0; k < n; k++) {
            const zk1 = z[k * n + i + 1]!;
            const zk0 = z[k * n + i]!;
            z[k * n + i + 1] = s * zk0 + c * zk1;
            z[k * n + i] = c * zk0 - s * zk1;
          }
        }
      }
      if (deflated) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
  // sort ascending
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a]! - d[b]!);
  const values = Float64Array.from(order, (i) => d[i]!);
  let vectors = new Float64Array(0);
  if (wantVectors) {
    vectors = new Float64Array(n * n);
    for (let k = 0; k < n; k++) {
      const src = order[k]!;
      for (let i = 0; i < n; i++) vectors[i * n + k] = z[i * n + src]!;
    }
  }
  return { values, vectors };
}

/** y ← H x for a symmetric operator of dimension `dim` (y is zeroed by the caller's contract: overwrite it). */
export type MatVec = (x: Float64Array, y: Float64Array) => void;

/** Options of {@link lanczos}. */
export interface LanczosOptions {
  /** Number of lowest eigenpairs wanted (default 1). */
  nEig?: number;
  /** Maximum Krylov dimension (default min(dim, 300)). */
  maxIter?: number;
  /** Convergence: residual ‖Hv − λv‖ ≤ tol·max(1, |λ|) for all wanted pairs (default 1e−10). */
  tol?: number;
  /** Start vector (default: a fixed, deterministic, dense vector). */
  start?: Float64Array;
  /** Return the Ritz vectors (default true). */
  wantVectors?: boolean;
}

/** Result of {@link lanczos}. */
export interface LanczosResult {
  /** The lowest `nEig` Ritz values, ascending. */
  values: number[];
  /** Ritz vectors (normalised), one per value; empty if not requested. */
  vectors: Float64Array[];
  /** Residual norms ‖Hv − λv‖ (= |β_k s_k|). */
  residuals: number[];
  /** Krylov dimension used. */
  iterations: number;
  /** Whether all wanted residuals met the tolerance (or the Krylov space became invariant). */
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Lanczos with full reorthogonalisation (two Gram–Schmidt passes against every stored vector),
 * so that no spurious copies of converged eigenvalues appear. Memory: maxIter vectors of `dim`.
 * Exact degeneracies are resolved only once (a single Krylov sequence sees one vector per
 * degenerate eigenspace).
 */
export function lanczos(matvec: MatVec, dim: number, opts: LanczosOptions = {}): LanczosResult {
  if (!Number.isInteger(dim) || dim < 1) throw new FermionInputError(`dim: ${dim} is not allowed (integer ≥ 1)`);
  const nEig = Math.min(opts.nEig ?? 1, dim);
  const maxIter = Math.min(opts.maxIter ?? 300, dim);
  const tol = opts.tol ?? 1e-10;
  const wantVectors = opts.wantVectors ?? true;
  if (!Number.isInteger(nEig) || nEig < 1) throw new FermionInputError(`nEig: ${opts.nEig} is not allowed (integer ≥ 1)`);
  const V: Float64Array[] = [];
  let v = new Float64Array(dim);
  if (opts.start) {
    if (opts.start.length !== dim) throw new FermionInputError(`start: length ${opts.start.length} ≠ dim ${dim}`);
    v.set(opts.start);
  } else {
    // deterministic generic start vector (overlaps every eigenvector with probability one in practice)
    for (let i = 0; i < dim; i++) v[i] = 1 + 0.5 * Math.sin(12.9898 * (i + 1) + 0.37 * i * i);
  }
  let nrm = Math.sqrt(dot(v, v));
  if (!(nrm > 0)) throw new FermionInputError('start: zero vector');
  for (let i = 0; i < dim; i++) v[i] = v[i]! / nrm;
  const alpha: number[] = [];
  const beta: number[] = [];
  const w = new Float64Array(dim);
  let result: TridiagEigen | undefined;
  let converged = false;
  let residuals: number[] = [];
  for (let k = 0; k < maxIter; k++) {
    V.push(v);
    matvec(v, w);
    const a = dot(v, w);
    alpha.push(a);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of V) {
        const c = dot(u, w);
        if (c !== 0) for (let i = 0; i < dim; i++) w[i] = w[i]! - c * u[i]!;
      }
    }
    const b = Math.sqrt(dot(w, w));
    const m = alpha.length;
    const check = m >= nEig && (m % 5 === 0 || m === maxIter || b <= 1e-14 * Math.max(1, Math.abs(a)));
    if (check) {
      result = tridiagonalEigen(alpha, beta, true);
      residuals = [];
      converged = true;
      for (let j = 0; j < nEig; j++) {
        const res = Math.abs(b * result.vectors[(m - 1) * m + j]!);
        residuals.push(res);
        if (res > tol * Math.max(1, Math.abs(result.values[j]!))) converged = false;
      }
      if (b <= 1e-14 * Math.max(1, Math.abs(a))) converged = true; // invariant subspace
      if (converged) break;
    }
    if (k === maxIter - 1) break;
    if (b <= 1e-300) break;
    beta.push(b);
    v = new Float64Array(dim);
    for (let i = 0; i < dim; i++) v[i] = w[i]! / b;
  }
  const m = alpha.length;
  if (!result || result.values.length !== m) {
    result = tridiagonalEigen(alpha, beta.slice(0, m - 1), true);
    // residuals for the final space
    const bLast = beta.length >= m ? beta[m - 1]! : 0;
    residuals = [];
    for (let j = 0; j < Math.min(nEig, m); j++) residuals.push(Math.abs(bLast * result.vectors[(m - 1) * m + j]!));
  }
  const nOut = Math.min(nEig, m);
  const values = Array.from(result.values.subarray(0, nOut));
  const vectors: Float64Array[] = [];
  if (wantVectors) {
    for (let j = 0; j < nOut; j++) {
      const x = new Float64Array(dim);
      for (let k = 0; k < m; k++) {
        const s = result.vectors[k * m + j]!;
        const u = V[k]!;
        for (let i = 0; i < dim; i++) x[i] = x[i]! + s * u[i]!;
      }
      nrm = Math.sqrt(dot(x, x));
      for (let i = 0; i < dim; i++) x[i] = x[i]! / nrm;
      vectors.push(x);
    }
  }
  return { values, vectors, residuals, iterations: m, converged };
}
