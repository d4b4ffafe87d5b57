/**
 * General partial-wave decomposition (PWD) of a nucleon–nucleon operator in momentum space.
 *
 * The potential is written in the standard operator form (Machleidt & Entem, Phys. Rep. 503 (2011)):
 *
 *   V = V_C + τ₁·τ₂ W_C + [V_S + τ₁·τ₂ W_S] σ₁·σ₂ + [V_LS + τ₁·τ₂ W_LS] (−i S·(q×k))
 *     + [V_T + τ₁·τ₂ W_T] σ₁·q σ₂·q + [V_σL + τ₁·τ₂ W_σL] σ₁·(q×k) σ₂·(q×k),
 *
 * q = p' − p, k = (p' + p)/2, with scalar coefficients of (p', p, z = cos θ) in MeV units.
 *
 * Method. Summing ⟨(L'S)JM|V|(LS)JM⟩ over M gives a rotational scalar, so one may put p' on the
 * z axis and p in the xz plane (p = p(sin θ, 0, cos θ)); the angular integrals then reduce to one
 * integral over z (the azimuth and the orientation of p' give 8π²):
 *
 *   𝒫^{JS}_{L'L}(p', p) = 8π²/(2J+1) ∫₋₁¹ dz Σ_{M,σ} Y_{L'0}(ẑ) C(L'0 S M|JM) ⟨SM|V(p',p,z)|Sσ⟩
 *                                               × C(L, M−σ, S, σ|JM) Y_{L,M−σ}(θ, 0).
 *
 * In this frame q×k = p'p sinθ ŷ, so every spin operator is a fixed combination of seven real
 * 4×4 matrices (1, σ₁·σ₂, −iS_y, σ₁xσ₂x, σ₁xσ₂z+σ₁zσ₂x, σ₁zσ₂z, σ₁yσ₂y) with polynomial
 * coefficients in p', p, sin θ, cos θ. Their angular–spin traces are tabulated once per channel and
 * Gauss–Legendre node; a projection is then a dot product over the nodes. The result is exact up
 * to the z quadrature, for all six operator types, every J, singlet, triplet and coupled waves.
 *
 * Normalisation and phase: this plain LSJ projection (no i^{L} factors) equals the standard
 * projection formulas of REFERENCE.md / Erkelenz, Alzetta & Holinde (for a central term
 * 𝒫 = 2π∫dz V_C P_L(z); the tensor formulas of REFERENCE.md, including the sign of the coupled
 * off-diagonal elements, are reproduced — see pwd.test.ts). The Idaho phase s_{L'L} = −1 of the
 * coupled off-diagonal elements is applied by the potential, not here (see chiral.ts).
 */
import { gaussLegendre } from '@nqs/quadrature';
import { type ChannelSpec, PotentialInputError, isospinOf } from './channels.js';

/** Names of the operator coefficient functions (W_* multiply τ₁·τ₂). */
export type OperatorKey = 'VC' | 'WC' | 'VS' | 'WS' | 'VLS' | 'WLS' | 'VT' | 'WT' | 'VSL' | 'WSL';

/**
 * Coefficients at one (p', p, z). Units with momenta in MeV: VC, WC, VS, WS in MeV⁻²;
 * VLS, WLS, VT, WT in MeV⁻⁴; VSL, WSL in MeV⁻⁶. Missing keys are 0.
 */
export type OperatorCoefficients = Partial<Record<OperatorKey, number>>;

/**
 * One term of the potential in operator form (e.g. one-pion exchange, two-pion exchange at NLO).
 * `coefficients(pp, p, z, T)` gets p' (bra) and p (ket) in MeV, z = p̂'·p̂ and the isospin T of the
 * channel, so charge-dependent terms can return T-dependent V_* directly.
 */
export interface OperatorTerm {
  readonly name: string;
  coefficients(pp: number, p: number, z: number, T: 0 | 1): OperatorCoefficients;
}

/** τ₁·τ₂ for isospin T: −3 (T = 0) or 1 (T = 1). */
export function tauDotTau(T: 0 | 1): number {
  return T === 0 ? -3 : 1;
}

/** Legendre polynomial P_l(z) by the three-term recurrence. */
export function legendreP(l: number, z: number): number {
  if (l === 0) return 1;
  let p0 = 1;
  let p1 = z;
  for (let k = 2; k <= l; k++) {
    const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  return p1;
}

/** Associated Legendre P_l^m(z), m ≥ 0, with the Condon–Shortley phase. */
function assocLegendre(l: number, m: number, z: number): number {
  const s = Math.sqrt(Math.max(0, 1 - z * z));
  let pmm = 1;
  for (let i = 1; i <= m; i++) pmm *= -(2 * i - 1) * s;
  if (l === m) return pmm;
  let pm1 = z * (2 * m + 1) * pmm;
  if (l === m + 1) return pm1;
  let p0 = pmm;
  for (let ll = m + 2; ll <= l; ll++) {
    const p2 = ((2 * ll - 1) * z * pm1 - (ll + m - 1) * p0) / (ll - m);
    p0 = pm1;
    pm1 = p2;
  }
  return pm1;
}

const FACT: number[] = [1];
function fact(n: number): number {
  for (let i = FACT.length; i <= n; i++) FACT[i] = FACT[i - 1]! * i;
  return FACT[n]!;
}

/** Spherical harmonic Y_lm(θ, φ = 0) (real), z = cos θ. */
export function sphericalHarmonicAzimuth0(l: number, m: number, z: number): number {
  const am = Math.abs(m);
  if (am > l) return 0;
  const norm = Math.sqrt(((2 * l + 1) / (4 * Math.PI)) * (fact(l - am) / fact(l + am)));
  const y = norm * assocLegendre(l, am, z);
  return m < 0 && am % 2 === 1 ? -y : y;
}

/** Clebsch–Gordan coefficient ⟨j1 m1 j2 m2|J M⟩ for integer angular momenta (Racah's formula). */
export function clebschGordan(j1: number, m1: number, j2: number, m2: number, J: number, M: number): number {
  if (m1 + m2 !== M) return 0;
  if (J < Math.abs(j1 - j2) || J > j1 + j2) return 0;
  if (Math.abs(m1) > j1 || Math.abs(m2) > j2 || Math.abs(M) > J) return 0;
  const pre =
    ((2 * J + 1) * fact(J + j1 - j2) * fact(J - j1 + j2) * fact(j1 + j2 - J)) / fact(j1 + j2 + J + 1);
  const pre2 = fact(J + M) * fact(J - M) * fact(j1 - m1) * fact(j1 + m1) * fact(j2 - m2) * fact(j2 + m2);
  let sum = 0;
  for (let k = 0; k <= j1 + j2 + J; k++) {
    const a = j1 + j2 - J - k;
    const b = j1 - m1 - k;
    const c = j2 + m2 - k;
    const d = J - j2 + m1 + k;
    const e = J - j1 - m2 + k;
    if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0) continue;
    const term = 1 / (fact(k) * fact(a) * fact(b) * fact(c) * fact(d) * fact(e));
    sum += k % 2 === 0 ? term : -term;
  }
  return Math.sqrt(pre * pre2) * sum;
}

// ---------------------------------------------------------------------------------------------
// Two-nucleon spin algebra (real 4×4 matrices in the product basis |m1 m2⟩, index 2a+b, 0 = up).

type M2 = readonly [number, number, number, number]; // row-major 2×2
const ID2: M2 = [1, 0, 0, 1];
const SX: M2 = [0, 1, 1, 0];
const SZ: M2 = [1, 0, 0, -1];
const MISY: M2 = [0, -1, 1, 0]; // −iσ_y (real)

function kron(A: M2, B: M2): Float64Array {
  const out = new Float64Array(16);
  for (let a = 0; a < 2; a++)
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 2; c++)
        for (let d = 0; d < 2; d++) out[(2 * a + b) * 4 + (2 * c + d)] = A[2 * a + c]! * B[2 * b + d]!;
  return out;
}
function add(...ms: Float64Array[]): Float64Array {
  const out = new Float64Array(16);
  for (const m of ms) for (let i = 0; i < 16; i++) out[i] += m[i]!;
  return out;
}
function scale(m: Float64Array, s: number): Float64Array {
  return m.map((v) => v * s);
}

/** The seven basis operators, in the order used by the trace tables. */
const SPIN_OPS: Float64Array[] = (() => {
  const xx = kron(SX, SX);
  const zz = kron(SZ, SZ);
  const yy = scale(kron(MISY, MISY), -1); // σy⊗σy = −(−iσy)⊗(−iσy)
  const one = kron(ID2, ID2);
  const sigsig = add(xx, yy, zz);
  const miSy = scale(add(kron(MISY, ID2), kron(ID2, MISY)), 0.5); // −i S_y
  const xz = add(kron(SX, SZ), kron(SZ, SX));
  return [one, sigsig, miSy, xx, xz, zz, yy];
})();
const N_OPS = SPIN_OPS.length;

/** Coupled spin state |S σ⟩ as a 4-vector in the product basis. */
function spinState(S: 0 | 1, sigma: number): Float64Array {
  const v = new Float64Array(4);
  const r = Math.SQRT1_2;
  if (S === 0) {
    v[1] = r;
    v[2] = -r;
  } else if (sigma === 1) v[0] = 1;
  else if (sigma === -1) v[3] = 1;
  else {
    v[1] = r;
    v[2] = r;
  }
  return v;
}
function spinMatrixElement(op: Float64Array, bra: Float64Array, ket: Float64Array): number {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    if (bra[i] === 0) continue;
    for (let j = 0; j < 4; j++) s += bra[i]! * op[i * 4 + j]! * ket[j]!;
  }
  return s;
}

/** Angular–spin trace table of one channel: `traces[node*7 + op]` (includes the z weight). */
interface TraceTable {
  z: Float64Array;
  sin: Float64Array;
  traces: Float64Array;
}

const traceCache = new Map<string, TraceTable>();
const nodeCache = new Map<number, ReturnType<typeof gaussLegendre>>();

function nodes(n: number) {
  let g = nodeCache.get(n);
  if (!g) {
    g = gaussLegendre(n);
    nodeCache.set(n, g);
  }
  return g;
}

function checkSpec(c: ChannelSpec): void {
  const ok =
    (c.S === 0 || c.S === 1) &&
    Number.isInteger(c.J) && c.J >= 0 && Number.isInteger(c.L) && Number.isInteger(c.Lp) &&
    Math.abs(c.L - c.J) <= c.S && Math.abs(c.Lp - c.J) <= c.S && (c.L - c.Lp) % 2 === 0;
  if (!ok) throw new PotentialInputError(`partial wave (L'=${c.Lp}, L=${c.L}, S=${c.S}, J=${c.J}) does not exist`);
}

function traceTable(c: ChannelSpec, order: number): TraceTable {
  const key = `${c.Lp},${c.L},${c.S},${c.J},${order}`;
  const hit = traceCache.get(key);
  if (hit) return hit;
  checkSpec(c);
  const g = nodes(order);
  const { Lp, L, S, J } = c;
  const traces = new Float64Array(order * N_OPS);
  const sin = new Float64Array(order);
  const pref = ((8 * Math.PI * Math.PI) / (2 * J + 1)) * Math.sqrt((2 * Lp + 1) / (4 * Math.PI));
  for (let i = 0; i < order; i++) {
    const z = g.points[i]!;
    sin[i] = Math.sqrt(Math.max(0, 1 - z * z));
    for (let M = -J; M <= J; M++) {
      if (Math.abs(M) > S) continue; // bra has m_L' = 0 so σ' = M
      const cBra = clebschGordan(Lp, 0, S, M, J, M);
      if (cBra === 0) continue;
      const bra = spinState(S, M);
      for (let sg = -S; sg <= S; sg++) {
        const m = M - sg;
        if (Math.abs(m) > L) continue;
        const cKet = clebschGordan(L, m, S, sg, J, M);
        if (cKet === 0) continue;
        const ang = cBra * cKet * sphericalHarmonicAzimuth0(L, m, z) * pref * g.weights[i]!;
        const ket = spinState(S, sg);
        for (let o = 0; o < N_OPS; o++) traces[i * N_OPS + o] += ang * spinMatrixElement(SPIN_OPS[o]!, bra, ket);
      }
    }
  }
  const t = { z: g.points, sin, traces };
  traceCache.set(key, t);
  return t;
}

/** Default number of Gauss–Legendre points in z (see the convergence test in pwd.test.ts). */
export const DEFAULT_ANGULAR_ORDER = 96;

/** Options of {@link projectOperators}. */
export interface ProjectionOptions {
  /** Gauss–Legendre order of the z integral (default {@link DEFAULT_ANGULAR_ORDER}). */
  angularOrder?: number;
}

/**
 * Project a sum of operator terms onto partial waves.
 *
 * @param terms operator terms (coefficients in MeV units)
 * @param channels the waves ⟨(L'S)J|…|(LS)J⟩ to compute
 * @param pp p' (bra) in MeV
 * @param p p (ket) in MeV
 * @returns 𝒫^{JS}_{L'L}(p', p) for each channel, in MeV⁻² (no (2π)⁻³, regulator or phase s_{L'L})
 */
export function projectOperators(
  terms: readonly OperatorTerm[],
  channels: readonly ChannelSpec[],
  pp: number,
  p: number,
  opts: ProjectionOptions = {},
): Float64Array {
  const order = opts.angularOrder ?? DEFAULT_ANGULAR_ORDER;
  if (!Number.isInteger(order) || order < 2) throw new PotentialInputError(`angularOrder must be an integer ≥ 2 (got ${order})`);
  const out = new Float64Array(channels.length);
  const tables = channels.map((c) => traceTable(c, order));
  const g = nodes(order);
  // per isospin: operator weights at each node, [node*7 + op]
  const weightsByT: (Float64Array | undefined)[] = [undefined, undefined];
  for (let ci = 0; ci < channels.length; ci++) {
    const T = isospinOf(channels[ci]!);
    let w = weightsByT[T];
    if (!w) {
      w = operatorWeights(terms, pp, p, T, g.points);
      weightsByT[T] = w;
    }
    const tr = tables[ci]!.traces;
    let s = 0;
    for (let i = 0; i < tr.length; i++) s += tr[i]! * w[i]!;
    out[ci] = s;
  }
  return out;
}

/** Coefficients of the seven spin basis operators at every z node. */
function operatorWeights(terms: readonly OperatorTerm[], pp: number, p: number, T: 0 | 1, z: Float64Array): Float64Array {
  const n = z.length;
  const w = new Float64Array(n * N_OPS);
  const tt = tauDotTau(T);
  for (let i = 0; i < n; i++) {
    const zi = z[i]!;
    let C = 0, S = 0, LS = 0, TT = 0, SL = 0;
    for (const term of terms) {
      const c = term.coefficients(pp, p, zi, T);
      C += (c.VC ?? 0) + tt * (c.WC ?? 0);
      S += (c.VS ?? 0) + tt * (c.WS ?? 0);
      LS += (c.VLS ?? 0) + tt * (c.WLS ?? 0);
      TT += (c.VT ?? 0) + tt * (c.WT ?? 0);
      SL += (c.VSL ?? 0) + tt * (c.WSL ?? 0);
    }
    const s = Math.sqrt(Math.max(0, 1 - zi * zi));
    const qx = -p * s;
    const qz = pp - p * zi;
    const o = i * N_OPS;
    w[o + 0] = C;
    w[o + 1] = S;
    w[o + 2] = LS * pp * p * s; // −i S·(q×k), q×k = p'p sinθ ŷ
    w[o + 3] = TT * qx * qx;
    w[o + 4] = TT * qx * qz;
    w[o + 5] = TT * qz * qz;
    w[o + 6] = SL * pp * pp * p * p * s * s;
  }
  return w;
}
