/**
 * Full-batch L-BFGS in float64 with a strong-Wolfe line search (Nocedal & Wright, Alg. 3.5/3.6 and
 * 7.4). The objective is any deterministic `f(x) → {value, grad}` over a flat Float64Array; the mesh
 * state evaluates the network in tfjs and the Rayleigh quotient in float64 behind that callback.
 */

/** Value and gradient of the objective at a point (gradient length = x length). */
export interface ValueAndGrad {
  value: number;
  grad: Float64Array;
  /**
   * Optional estimate of the absolute rounding noise of `value` (e.g. float32 amplitudes): the line
   * search then accepts decreases down to that level (noise-tolerant Armijo test).
   */
  noise?: number;
}

/** Options of {@link lbfgsMinimize}. */
export interface LbfgsOptions {
  /** Maximum number of iterations (each needs ≥ 1 evaluation). Default 1000. */
  maxIterations?: number;
  /** Maximum number of objective evaluations. Default 5 × maxIterations. */
  maxEvaluations?: number;
  /** History size m (pairs s, y). Default 20. */
  memory?: number;
  /** Sufficient-decrease constant c₁ (Armijo). Default 1e-4. */
  c1?: number;
  /** Curvature constant c₂ (strong Wolfe). Default 0.9. */
  c2?: number;
  /** Stop when ‖g‖∞ ≤ gradTol. Default 0 (off). */
  gradTol?: number;
  /** Stop when the relative decrease over the last iteration is ≤ fTol (after a failed/neutral line search). Default 0. */
  fTol?: number;
  /**
   * With a noise estimate, consecutive line-search failures tolerated (each widens the noise
   * tolerance ×4 and clears the memory) before stopping. Default 6.
   */
  maxLineSearchFailures?: number;
  /** Largest step (in x-norm) tried by the line search. Default Infinity. */
  maxStep?: number;
  /** Called after each accepted iteration; return `true` to stop. */
  onIteration?: (it: LbfgsIteration) => boolean | void;
}

/** Information passed to {@link LbfgsOptions.onIteration}. */
export interface LbfgsIteration {
  iteration: number;
  evaluations: number;
  value: number;
  gradNorm: number;
  step: number;
  x: Float64Array;
}

/** Result of {@link lbfgsMinimize}. */
export interface LbfgsResult {
  x: Float64Array;
  value: number;
  grad: Float64Array;
  iterations: number;
  evaluations: number;
  /** why it stopped: 'maxIterations' | 'maxEvaluations' | 'gradTol' | 'fTol' | 'lineSearch' | 'callback' */
  reason: string;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const normInf = (a: Float64Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/** Minimiser of the cubic through (a, fa, ga), (b, fb, gb), safeguarded into [lo, hi]. */
function cubicMin(a: number, fa: number, ga: number, b: number, fb: number, gb: number, lo: number, hi: number): number {
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  if (disc >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    const t = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
    if (Number.isFinite(t) && t > lo && t < hi) return t;
  }
  return (lo + hi) / 2;
}

/**
 * Strong-Wolfe line search along `d` from `x` (value f0, directional derivative g0 < 0).
 * Returns the accepted step or null when no acceptable point was found.
 */
function lineSearch(
  f: (x: Float64Array) => ValueAndGrad,
  x: Float64Array,
  f0: number,
  g0: number,
  d: Float64Array,
  t0: number,
  tMax: number,
  c1: number,
  c2: number,
  budget: { left: number },
  noise: number,
): { t: number; x: Float64Array; vg: ValueAndGrad } | null {
  const tol = 2 * noise;
  const at = (t: number) => {
    const xt = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) xt[i] = x[i]! + t * d[i]!;
    budget.left--;
    const vg = f(xt);
    return { xt, vg, gt: dot(vg.grad, d) };
  };
  let tPrev = 0, fPrev = f0, gPrev = g0;
  let t = Math.min(t0, tMax);
  for (let i = 0; i < 25 && budget.left > 0; i++) {
    const { xt, vg, gt } = at(t);
    const ft = vg.value;
    if (!Number.isFinite(ft) || ft > f0 + c1 * t * g0 + tol || (i > 0 && ft >= fPrev + tol)) {
      return zoom(tPrev, fPrev, gPrev, t, Number.isFinite(ft) ? ft : Infinity, Number.isFinite(gt) ? gt : Infinity);
    }
    if (Math.abs(gt) <= -c2 * g0) return { t, x: xt, vg };
    if (gt >= 0) return zoom(t, ft, gt, tPrev, fPrev, gPrev);
    tPrev = t; fPrev = ft; gPrev = gt;
    if (t >= tMax) return { t, x: xt, vg };
    t = Math.min(tMax, 4 * t);
  }
  return null;

  function zoom(lo: number, flo: number, glo: number, hi: number, fhi: number, ghi: number) {
    let best: { t: number; x: Float64Array; vg: ValueAndGrad } | null = null;
    for (let j = 0; j < 30 && budget.left > 0; j++) {
      const a = Math.min(lo, hi), b = Math.max(lo, hi);
      const w = b - a;
      const tj = Number.isFinite(fhi) && Number.isFinite(ghi) ? cubicMin(lo, flo, glo, hi, fhi, ghi, a + 0.1 * w, b - 0.1 * w) : (lo + hi) / 2;
      const { xt, vg, gt } = at(tj);
      const ft = vg.value;
      if (!Number.isFinite(ft) || ft > f0 + c1 * tj * g0 + tol || ft >= flo + tol) {
        hi = tj; fhi = Number.isFinite(ft) ? ft : Infinity; ghi = gt;
      } else {
        best = { t: tj, x: xt, vg };
        if (Math.abs(gt) <= -c2 * g0) return best;
        if (gt * (hi - lo) >= 0) { hi = lo; fhi = flo; ghi = glo; }
        lo = tj; flo = ft; glo = gt;
      }
      if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // accept a point with sufficient decrease even if curvature failed
    return best;
  }
}

/**
 * Minimise `f` from `x0` with L-BFGS (two-loop recursion, initial scaling sᵀy/yᵀy) and a strong-Wolfe
 * line search. Pure float64; `f` may be noisy at the 1e-7 level (float32 networks): the search stops
 * with reason 'lineSearch' when no decrease can be found any more.
 */
export function lbfgsMinimize(f: (x: Float64Array) => ValueAndGrad, x0: Float64Array, opts: LbfgsOptions = {}): LbfgsResult {
  const maxIt = opts.maxIterations ?? 1000;
  const budget = { left: opts.maxEvaluations ?? 5 * maxIt };
  const m = opts.memory ?? 20;
  const c1 = opts.c1 ?? 1e-4, c2 = opts.c2 ?? 0.9;
  const n = x0.length;
  let x: Float64Array = Float64Array.from(x0);
  budget.left--;
  let vg = f(x);
  let fx = vg.value;
  let g: Float64Array = vg.grad;
  let noise = vg.noise ?? 0;
  let boost = 1;
  let failures = 0;
  const maxFailures = opts.maxLineSearchFailures ?? 6;
  const S: Float64Array[] = [], Y: Float64Array[] = [], R: number[] = [];
  let it = 0;
  let reason = 'maxIterations';
  const evals = () => (opts.maxEvaluations ?? 5 * maxIt) - budget.left;
  for (; it < maxIt; it++) {
    if (opts.gradTol !== undefined && normInf(g) <= opts.gradTol) { reason = 'gradTol'; break; }
    if (budget.left <= 0) { reason = 'maxEvaluations'; break; }
    // two-loop recursion: d = −H g
    const q = Float64Array.from(g);
    const alpha = new Array<number>(S.length);
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = R[i]! * dot(S[i]!, q);
      const yi = Y[i]!;
      for (let j = 0; j < n; j++) q[j] -= alpha[i]! * yi[j]!;
    }
    let gamma = 1;
    if (S.length) gamma = dot(S[S.length - 1]!, Y[Y.length - 1]!) / dot(Y[Y.length - 1]!, Y[Y.length - 1]!);
    for (let j = 0; j < n; j++) q[j] *= gamma;
    for (let i = 0; i < S.length; i++) {
      const beta = R[i]! * dot(Y[i]!, q);
      const si = S[i]!;
      for (let j = 0; j < n; j++) q[j] += (alpha[i]! - beta) * si[j]!;
    }
    const d = q;
    for (let j = 0; j < n; j++) d[j] = -d[j]!;
    let gd = dot(g, d);
    if (!(gd < 0)) {
      // not a descent direction (numerical noise): restart with steepest descent
      S.length = 0; Y.length = 0; R.length = 0;
      for (let j = 0; j < n; j++) d[j] = -g[j]!;
      gd = dot(g, d);
    }
    const dn = Math.sqrt(dot(d, d));
    const t0 = S.length ? 1 : Math.min(1, 1 / Math.max(dn, 1e-300));
    const tMax = opts.maxStep !== undefined ? opts.maxStep / dn : Infinity;
    let ls = lineSearch(f, x, fx, gd, d, t0, Math.max(tMax, t0), c1, c2, budget, noise * boost);
    if (!ls && S.length) {
      // retry once along steepest descent with a fresh memory
      S.length = 0; Y.length = 0; R.length = 0;
      const sd = new Float64Array(n);
      for (let j = 0; j < n; j++) sd[j] = -g[j]!;
      const sdn = Math.sqrt(dot(sd, sd));
      ls = lineSearch(f, x, fx, -sdn * sdn, sd, 1 / Math.max(sdn, 1e-300), Infinity, c1, c2, budget, noise * boost);
      if (ls) for (let j = 0; j < n; j++) d[j] = sd[j]!;
    }
    if (!ls) {
      // the value is noisier than estimated (or the memory is stale): widen the tolerance and go on
      failures++;
      if (failures > maxFailures || noise === 0) { reason = 'lineSearch'; break; }
      boost *= 4;
      S.length = 0; Y.length = 0; R.length = 0;
      continue;
    }
    failures = 0;
    boost = Math.max(1, boost / 2);
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let j = 0; j < n; j++) { s[j] = ls.x[j]! - x[j]!; y[j] = ls.vg.grad[j]! - g[j]!; }
    const sy = dot(s, y);
    const fOld = fx;
    x = ls.x; fx = ls.vg.value; g = ls.vg.grad; noise = ls.vg.noise ?? 0;
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s); Y.push(y); R.push(1 / sy);
      if (S.length > m) { S.shift(); Y.shift(); R.shift(); }
    }
    if (opts.onIteration?.({ iteration: it + 1, evaluations: evals(), value: fx, gradNorm: Math.sqrt(dot(g, g)), step: ls.t * dn, x })) { it++; reason = 'callback'; break; }
    if (opts.fTol !== undefined && Math.abs(fOld - fx) <= opts.fTol * Math.max(Math.abs(fx), 1e-300)) { it++; reason = 'fTol'; break; }
  }
  return { x, value: fx, grad: g, iterations: it, evaluations: evals(), reason };
}
