/**
 * Adaptive explicit Runge–Kutta integration: Dormand–Prince 5(4) (Dormand & Prince, J. Comput.
 * Appl. Math. 6 (1980) 19) with FSAL, a mixed absolute/relative error norm and a PI step-size
 * controller (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4). Float64, plain arrays.
 */

/** Bad input to the integrator (non-finite bounds, tolerances ≤ 0, …). */
export class OdeInputError extends Error {
  override readonly name = 'OdeInputError';
}

/** Right-hand side dy/dt = f(t, y), written into `out`. */
export type OdeRhs = (t: number, y: Float64Array, out: Float64Array) => void;

/** Options of {@link dopri5}. */
export interface Dopri5Options {
  /** relative tolerance per component (default 1e−10) */
  rtol?: number;
  /** absolute tolerance per component (default 1e−12) */
  atol?: number;
  /** first trial step (default: automatic estimate) */
  h0?: number;
  /** largest |step| (default |t1 − t0|) */
  hMax?: number;
  /** give up after this many accepted + rejected steps (default 1e6) */
  maxSteps?: number;
}

/** Result of {@link dopri5}. */
export interface Dopri5Result {
  /** y(t1) */
  y: Float64Array;
  /** accepted steps */
  accepted: number;
  /** rejected steps */
  rejected: number;
  /** right-hand-side evaluations */
  evaluations: number;
  /** the last accepted step size (a good h0 for a continuation) */
  lastStep: number;
}

// Dormand–Prince 5(4) tableau
const C2 = 1 / 5, C3 = 3 / 10, C4 = 4 / 5, C5 = 8 / 9;
const A21 = 1 / 5;
const A31 = 3 / 40, A32 = 9 / 40;
const A41 = 44 / 45, A42 = -56 / 15, A43 = 32 / 9;
const A51 = 19372 / 6561, A52 = -25360 / 2187, A53 = 64448 / 6561, A54 = -212 / 729;
const A61 = 9017 / 3168, A62 = -355 / 33, A63 = 46732 / 5247, A64 = 49 / 176, A65 = -5103 / 18656;
const B1 = 35 / 384, B3 = 500 / 1113, B4 = 125 / 192, B5 = -2187 / 6784, B6 = 11 / 84;
// error coefficients b − b̂
const E1 = 71 / 57600, E3 = -71 / 16695, E4 = 71 / 1920, E5 = -17253 / 339200, E6 = 22 / 525, E7 = -1 / 40;

/**
 * Integrate y' = f(t, y) from t0 to t1 (either direction) with Dormand–Prince 5(4).
 * The local error estimate ‖err‖ = RMS_i |err_i|/(atol + rtol·max(|y_i|, |y_i^new|)) is kept ≤ 1.
 * @throws OdeInputError on bad options or when maxSteps is exceeded / the step underflows
 */
export function dopri5(f: OdeRhs, y0: Float64Array, t0: number, t1: number, opts: Dopri5Options = {}): Dopri5Result {
  const rtol = opts.rtol ?? 1e-10;
  const atol = opts.atol ?? 1e-12;
  const maxSteps = opts.maxSteps ?? 1e6;
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) throw new OdeInputError(`dopri5: t0, t1 must be finite (got ${t0}, ${t1})`);
  if (!(rtol > 0) || !(atol > 0)) throw new OdeInputError(`dopri5: rtol and atol must be > 0 (got ${rtol}, ${atol})`);
  const n = y0.length;
  const y = Float64Array.from(y0);
  if (t0 === t1) return { y, accepted: 0, rejected: 0, evaluations: 0, lastStep: 0 };
  const dir = Math.sign(t1 - t0);
  const span = Math.abs(t1 - t0);
  const hMax = opts.hMax ?? span;
  const k1 = new Float64Array(n), k2 = new Float64Array(n), k3 = new Float64Array(n), k4 = new Float64Array(n);
  const k5 = new Float64Array(n), k6 = new Float64Array(n), k7 = new Float64Array(n);
  const ytmp = new Float64Array(n), ynew = new Float64Array(n);
  let evaluations = 0;
  const rhs = (t: number, yy: Float64Array, out: Float64Array) => {
    f(t, yy, out);
    evaluations++;
  };
  const errNorm = (yy: Float64Array, sc: (i: number) => number) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const e = yy[i]! / sc(i);
      s += e * e;
    }
    return Math.sqrt(s / n);
  };
  let t = t0;
  rhs(t, y, k1);
  // initial step (Hairer–Wanner II.4 algorithm)
  let h: number;
  if (opts.h0 !== undefined) h = Math.min(Math.abs(opts.h0), hMax);
  else {
    const sc = (i: number) => atol + rtol * Math.abs(y[i]!);
    const d0 = errNorm(y, sc);
    const d1 = errNorm(k1, sc);
    let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
    h0 = Math.min(h0, hMax);
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + dir * h0 * k1[i]!;
    rhs(t + dir * h0, ytmp, k2);
    for (let i = 0; i < n; i++) k2[i] = k2[i]! - k1[i]!;
    const d2 = errNorm(k2, sc) / h0;
    const h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / Math.max(d1, d2), 1 / 5);
    h = Math.min(100 * h0, h1, hMax);
  }
  let accepted = 0;
  let rejected = 0;
  let errOld = 1e-4;
  let lastStep = h;
  while (dir * (t1 - t) > 0) {
    if (accepted + rejected >= maxSteps) throw new OdeInputError(`dopri5: more than ${maxSteps} steps (t = ${t}); loosen the tolerances or raise maxSteps`);
    if (h > Math.abs(t1 - t)) h = Math.abs(t1 - t);
    if (h < 1e-14 * Math.max(Math.abs(t), span)) throw new OdeInputError(`dopri5: step size underflow at t = ${t}`);
    const hs = dir * h;
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + hs * A21 * k1[i]!;
    rhs(t + C2 * hs, ytmp, k2);
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + hs * (A31 * k1[i]! + A32 * k2[i]!);
    rhs(t + C3 * hs, ytmp, k3);
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + hs * (A41 * k1[i]! + A42 * k2[i]! + A43 * k3[i]!);
    rhs(t + C4 * hs, ytmp, k4);
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + hs * (A51 * k1[i]! + A52 * k2[i]! + A53 * k3[i]! + A54 * k4[i]!);
    rhs(t + C5 * hs, ytmp, k5);
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + hs * (A61 * k1[i]! + A62 * k2[i]! + A63 * k3[i]! + A64 * k4[i]! + A65 * k5[i]!);
    rhs(t + hs, ytmp, k6);
    for (let i = 0; i < n; i++) ynew[i] = y[i]! + hs * (B1 * k1[i]! + B3 * k3[i]! + B4 * k4[i]! + B5 * k5[i]! + B6 * k6[i]!);
    rhs(t + hs, ynew, k7);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const e = hs * (E1 * k1[i]! + E3 * k3[i]! + E4 * k4[i]! + E5 * k5[i]! + E6 * k6[i]! + E7 * k7[i]!);
      const sc = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(ynew[i]!));
      s += (e / sc) * (e / sc);
    }
    const err = Math.sqrt(s / n);
    if (err <= 1) {
      // accept; PI controller (β = 0.04)
      t += hs;
      y.set(ynew);
      k1.set(k7); // FSAL
      accepted++;
      lastStep = h;
      const fac = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * Math.pow(err, -0.17) * Math.pow(errOld, 0.04)));
      errOld = Math.max(err, 1e-4);
      h = Math.min(h * fac, hMax);
    } else {
      rejected++;
      const fac = Number.isFinite(err) ? Math.max(0.2, 0.9 * Math.pow(err, -0.2)) : 0.2;
      h *= fac;
    }
  }
  return { y, accepted, rejected, evaluations, lastStep };
}
