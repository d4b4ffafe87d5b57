/**
 * @nqs/quadrature — float64 quadrature meshes. No tfjs.
 *
 * A {@link Mesh} is `{points, weights}` with `Σ_i weights[i] f(points[i]) ≈ ∫ f`.
 */

/** Quadrature nodes and weights (float64). */
export interface Mesh {
  readonly points: Float64Array;
  readonly weights: Float64Array;
}

/** Invalid arguments to a mesh constructor or an unparsable mesh spec. */
export class MeshInputError extends Error {
  override readonly name = 'MeshInputError';
}

function checkOrder(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new MeshInputError(`${what}: order n must be an integer ≥ 1 (got ${n})`);
}

/**
 * Gauss–Legendre nodes and weights on [−1, 1], ascending. Exact for polynomials of degree ≤ 2n−1.
 * Newton iteration on P_n from Tricomi's initial guesses; nodes and weights to ~1e−15.
 */
export function gaussLegendre(n: number): Mesh {
  checkOrder(n, 'gaussLegendre');
  const points = new Float64Array(n);
  const weights = new Float64Array(n);
  const m = Math.floor((n + 1) / 2);
  for (let i = 0; i < m; i++) {
    // i-th largest root
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const pn = n === 1 ? x : p1;
      const pnm1 = n === 1 ? 1 : p0;
      dp = (n * (x * pn - pnm1)) / (x * x - 1);
      const dx = pn / dp;
      x -= dx;
      if (Math.abs(dx) <= 1e-16 * Math.max(1, Math.abs(x))) {
        // one more evaluation of the derivative at the converged root
        let q0 = 1;
        let q1 = x;
        for (let k = 2; k <= n; k++) {
          const q2 = ((2 * k - 1) * x * q1 - (k - 1) * q0) / k;
          q0 = q1;
          q1 = q2;
        }
        dp = n === 1 ? 1 : (n * (x * q1 - q0)) / (x * x - 1);
        break;
      }
    }
    const w = 2 / ((1 - x * x) * dp * dp);
    points[n - 1 - i] = x;
    points[i] = -x;
    weights[n - 1 - i] = w;
    weights[i] = w;
  }
  if (n % 2 === 1) points[(n - 1) / 2] = 0;
  return { points, weights };
}

/**
 * Gauss–Hermite nodes and weights for ∫ e^{−x²} f(x) dx (physicists' weight), ascending.
 * Newton iteration with orthonormal Hermite recurrences (no overflow for large n).
 */
export function gaussHermite(n: number): Mesh {
  const { points, logWeights } = gaussHermiteLog(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) weights[i] = Math.exp(logWeights[i]!);
  return { points, weights };
}

/**
 * Gauss–Hermite rule with weights multiplied by e^{x²}, for ∫ f(x) dx of functions that decay like
 * a Gaussian (the weight is absorbed into f). Weights are formed in the log domain.
 */
export function gaussHermiteScaled(n: number): Mesh {
  const { points, logWeights } = gaussHermiteLog(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) weights[i] = Math.exp(logWeights[i]! + points[i]! * points[i]!);
  return { points, weights };
}

function gaussHermiteLog(n: number): { points: Float64Array; logWeights: Float64Array } {
  checkOrder(n, 'gaussHermite');
  const points = new Float64Array(n);
  const logWeights = new Float64Array(n);
  const pim4 = Math.pow(Math.PI, -0.25);
  const m = Math.floor((n + 1) / 2);
  let z = 0;
  for (let i = 0; i < m; i++) {
    // initial guesses for the largest roots, then from the previous ones (Numerical Recipes' scheme)
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -0.16667);
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * points[n - 1]!;
    else if (i === 3) z = 1.91 * z - 0.91 * points[n - 2]!;
    else z = 2 * z - points[n - i + 1]!;
    let pp = 0;
    for (let it = 0; it < 200; it++) {
      let p1 = pim4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const dz = p1 / pp;
      z -= dz;
      if (Math.abs(dz) <= 1e-15 * Math.max(1, Math.abs(z))) {
        let q1 = pim4;
        let q2 = 0;
        for (let j = 1; j <= n; j++) {
          const q3 = q2;
          q2 = q1;
          q1 = z * Math.sqrt(2 / j) * q2 - Math.sqrt((j - 1) / j) * q3;
        }
        pp = Math.sqrt(2 * n) * q2;
        break;
      }
    }
    points[n - 1 - i] = z;
    points[i] = -z;
    const lw = Math.log(2) - 2 * Math.log(Math.abs(pp));
    logWeights[n - 1 - i] = lw;
    logWeights[i] = lw;
  }
  if (n % 2 === 1) points[(n - 1) / 2] = 0;
  return { points, logWeights };
}

/** Map a rule on [−1, 1] affinely to [a, b]. */
export function mapAffine(mesh: Mesh, a: number, b: number): Mesh {
  if (!(Number.isFinite(a) && Number.isFinite(b)) || !(b > a)) throw new MeshInputError(`mapAffine: need finite a < b (got a=${a}, b=${b})`);
  const h = (b - a) / 2;
  const points = mesh.points.map((t) => a + h * (t + 1));
  const weights = mesh.weights.map((w) => w * h);
  return { points, weights };
}

/** Gauss–Legendre with n points on [a, b]. */
export function gaussLegendreInterval(n: number, a: number, b: number): Mesh {
  return mapAffine(gaussLegendre(n), a, b);
}

/**
 * Map Gauss–Legendre to [0, ∞) by k = c·tan(π(t+1)/4). Half the points lie below k = c; converges
 * quickly for functions decaying faster than 1/k² (c ≈ 1 fm⁻¹ for the deuteron).
 */
export function tanMesh(n: number, c: number): Mesh {
  checkOrder(n, 'tanMesh');
  if (n < 2) throw new MeshInputError(`tanMesh: need at least 2 points (got ${n})`);
  if (!(c > 0) || !Number.isFinite(c)) throw new MeshInputError(`tanMesh: scale c must be > 0 (got ${c})`);
  const gl = gaussLegendre(n);
  const points = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = (Math.PI * (gl.points[i]! + 1)) / 4;
    const cu = Math.cos(u);
    points[i] = c * Math.tan(u);
    weights[i] = (gl.weights[i]! * c * Math.PI) / 4 / (cu * cu);
  }
  return { points, weights };
}

/**
 * The mesh of Keeble & Rios (PLB 2020) and Rozalén Sarmiento et al. (EPJ Plus 2024): x = (t+1)/2,
 * k = c·tan(πx/2) with c chosen so that the last point sits at k_max. It does not converge as n
 * grows (the scale c shrinks with n); use it to compare with the papers.
 *
 * @param n number of points (64 in the papers)
 * @param kMax last mesh point in fm⁻¹ (500 in the papers)
 */
export function paperMesh(n = 64, kMax = 500): Mesh {
  checkOrder(n, 'paperMesh');
  if (n < 2) throw new MeshInputError(`paperMesh: need at least 2 points (got ${n})`);
  if (!(kMax > 0) || !Number.isFinite(kMax)) throw new MeshInputError(`paperMesh: kMax must be > 0 (got ${kMax})`);
  const gl = gaussLegendre(n);
  const xN = (gl.points[n - 1]! + 1) / 2;
  const c = kMax / Math.tan((Math.PI * xN) / 2);
  const points = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = (gl.points[i]! + 1) / 2;
    const cx = Math.cos((Math.PI * x) / 2);
    points[i] = c * Math.tan((Math.PI * x) / 2);
    weights[i] = ((gl.weights[i]! / 2) * ((Math.PI * c) / 2)) / (cx * cx);
  }
  return { points, weights };
}

/**
 * Parse a mesh spec as used on the command line:
 * - `paper64` (the papers' mesh) or `paper:N[:KMAX]`
 * - `tan:N:C` (k = C·tan(π(t+1)/4), C in fm⁻¹)
 * - `gl:N:A:B` (Gauss–Legendre on [A, B])
 */
export function parseMeshSpec(spec: string): Mesh {
  const allowed = "allowed: paper64, paper:N[:KMAX], tan:N:C, gl:N:A:B";
  const s = spec.trim();
  if (s === 'paper64') return paperMesh(64, 500);
  const parts = s.split(':');
  const num = (v: string | undefined, what: string): number => {
    const x = Number(v);
    if (v === undefined || v.trim() === '' || !Number.isFinite(x)) throw new MeshInputError(`mesh '${spec}': ${what} '${v ?? ''}' is not a number (${allowed})`);
    return x;
  };
  const order = (v: string | undefined): number => {
    const n = num(v, 'N');
    if (!Number.isInteger(n) || n < 2) throw new MeshInputError(`mesh '${spec}': N must be an integer ≥ 2 (got ${v})`);
    return n;
  };
  switch (parts[0]) {
    case 'paper':
      if (parts.length < 2 || parts.length > 3) break;
      return paperMesh(order(parts[1]), parts.length === 3 ? positive(num(parts[2], 'KMAX'), 'KMAX', spec) : 500);
    case 'tan':
      if (parts.length !== 3) break;
      return tanMesh(order(parts[1]), positive(num(parts[2], 'C'), 'C', spec));
    case 'gl': {
      if (parts.length !== 4) break;
      const a = num(parts[2], 'A');
      const b = num(parts[3], 'B');
      if (!(b > a)) throw new MeshInputError(`mesh '${spec}': need A < B`);
      return gaussLegendreInterval(order(parts[1]), a, b);
    }
  }
  throw new MeshInputError(`unknown mesh '${spec}' (${allowed})`);
}

function positive(v: number, what: string, spec: string): number {
  if (!(v > 0)) throw new MeshInputError(`mesh '${spec}': ${what} must be > 0 (got ${v})`);
  return v;
}

/** Σ w_i f(x_i) accumulated in float64. */
export function integrate(mesh: Mesh, f: (x: number) => number): number {
  let s = 0;
  for (let i = 0; i < mesh.points.length; i++) s += mesh.weights[i]! * f(mesh.points[i]!);
  return s;
}
