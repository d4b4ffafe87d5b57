/**
 * Harmonic-oscillator (ω = 1) single-particle functions in 1D and the 1D Talmi–Moshinsky
 * transformation to centre-of-mass / relative coordinates.
 */
import { gaussHermiteScaled } from '@nqs/quadrature';
import { FermionInputError, type PairInteraction } from '@nqs/hamiltonians';

/**
 * φ_0..φ_{nMax}(x): normalised HO eigenfunctions (ħ = m = ω = 1), by the stable three-term
 * recurrence φ_{n+1} = √(2/(n+1)) x φ_n − √(n/(n+1)) φ_{n−1}. Returns length nMax+1.
 */
export function hoFunctions(nMax: number, x: number, out = new Float64Array(nMax + 1)): Float64Array {
  let p0 = Math.pow(Math.PI, -0.25) * Math.exp(-0.5 * x * x);
  out[0] = p0;
  if (nMax === 0) return out;
  let p1 = Math.SQRT2 * x * p0;
  out[1] = p1;
  for (let n = 1; n < nMax; n++) {
    const p2 = Math.sqrt(2 / (n + 1)) * x * p1 - Math.sqrt(n / (n + 1)) * p0;
    out[n + 1] = p2;
    p0 = p1;
    p1 = p2;
  }
  return out;
}

/**
 * Talmi–Moshinsky brackets in 1D for X = (x₁+x₂)/√2, r = (x₁−x₂)/√2:
 * φ_a(x₁)φ_b(x₂) = Σ_{N+n=a+b} c^{ab}_N Φ_N(X) φ_n(r).
 * Built from a₁† = (A†+b†)/√2, a₂† = (A†−b†)/√2 (an orthogonal recursion, stable).
 * `get(a, b, N)` returns c^{ab}_N (n = a+b−N); a, b < nModes.
 */
export class MoshinskyTable {
  readonly nModes: number;
  private readonly data: Float64Array;
  private readonly stride: number;

  constructor(nModes: number) {
    this.nModes = nModes;
    this.stride = 2 * nModes - 1;
    const M = nModes;
    this.data = new Float64Array(M * M * this.stride);
    const idx = (a: number, b: number) => (a * M + b) * this.stride;
    this.data[idx(0, 0)] = 1;
    // raise a with b = 0: |a+1,0⟩ = (A† + b†)/√(2(a+1)) |a,0⟩
    for (let a = 0; a + 1 < M; a++) this.raise(idx(a, 0), idx(a + 1, 0), a, +1, a + 1);
    for (let a = 0; a < M; a++) {
      for (let b = 0; b + 1 < M; b++) this.raise(idx(a, b), idx(a, b + 1), a + b, -1, b + 1);
    }
  }

  /** Apply (A† + s·b†)/√(2·m) to a state of total quanta T stored at `from`, writing at `to`. */
  private raise(from: number, to: number, T: number, s: number, m: number): void {
    const f = 1 / Math.sqrt(2 * m);
    for (let N = 0; N <= T + 1; N++) {
      const n = T + 1 - N;
      let v = 0;
      if (N >= 1) v += Math.sqrt(N) * this.data[from + N - 1]!; // from (N−1, n)
      if (n >= 1 && N <= T) v += s * Math.sqrt(n) * this.data[from + N]!; // from (N, n−1)
      this.data[to + N] = f * v;
    }
  }

  get(a: number, b: number, N: number): number {
    return this.data[(a * this.nModes + b) * this.stride + N]!;
  }

  /** The brackets of (a, b) for N = 0..a+b as a view. */
  row(a: number, b: number): Float64Array {
    const o = (a * this.nModes + b) * this.stride;
    return this.data.subarray(o, o + a + b + 1);
  }
}

/**
 * Matrix of the pair interaction in the relative HO basis: v_{nn'} = ∫ φ_n(r) v(√2 r) φ_{n'}(r) dr,
 * n, n' < nRel. For the Gaussian and harmonic kinds the integrand is polynomial × Gaussian and the
 * scaled Gauss–Hermite rule used here is exact (to rounding). Returned row-major, nRel × nRel.
 */
export function relativeMatrix(p: PairInteraction, nRel: number): Float64Array {
  const out = new Float64Array(nRel * nRel);
  if (p.kind === 'none') return out;
  // v(√2 r) = C e^{−α r²} (gaussian, α = 1/σ²) or k r² (harmonic, α = 0)
  const alpha = p.kind === 'gaussian' ? 1 / (p.sigma * p.sigma) : 0;
  const s = Math.sqrt(1 + alpha);
  const nq = nRel + 8; // exact for degree ≤ 2nq − 1 ≥ 2(nRel−1) + 2
  const mesh = gaussHermiteScaled(nq);
  const phi = new Float64Array(nRel);
  const C = p.kind === 'gaussian' ? p.V0 / (Math.sqrt(2 * Math.PI) * p.sigma) : p.k;
  for (let q = 0; q < nq; q++) {
    const r = mesh.points[q]! / s;
    const f = p.kind === 'gaussian' ? C * Math.exp(-alpha * r * r) : C * r * r;
    const w = (mesh.weights[q]! / s) * f;
    hoFunctions(nRel - 1, r, phi);
    for (let n = 0; n < nRel; n++) {
      const wn = w * phi[n]!;
      for (let m = n; m < nRel; m += 2) out[n * nRel + m] += wn * phi[m]!;
    }
  }
  for (let n = 0; n < nRel; n++) for (let m = n + 1; m < nRel; m++) out[m * nRel + n] = out[n * nRel + m]!;
  return out;
}

/**
 * Two-body matrix elements of a pair interaction in the HO basis of `nModes` modes.
 * `direct(a,b,c,d)` = ⟨ab|v|cd⟩ (particle 1 in a, c; particle 2 in b, d), exact through the
 * Moshinsky transformation: Σ_N c^{ab}_N c^{cd}_N v_{a+b−N, c+d−N}.
 */
export class TwoBodyElements {
  readonly nModes: number;
  /** ⟨ab|v|cd⟩ as a dense M⁴ array, index ((a·M + b)·M + c)·M + d. */
  readonly full: Float64Array;

  constructor(p: PairInteraction, nModes: number) {
    if (!Number.isInteger(nModes) || nModes < 1) throw new FermionInputError(`basis: ${nModes} is not allowed (must be an integer ≥ 1)`);
    const M = nModes;
    this.nModes = M;
    const nRel = 2 * M - 1;
    const v = relativeMatrix(p, nRel);
    const mt = new MoshinskyTable(M);
    this.full = new Float64Array(M * M * M * M);
    if (p.kind === 'none') return;
    for (let a = 0; a < M; a++) {
      for (let b = 0; b < M; b++) {
        const cab = mt.row(a, b);
        const Tab = a + b;
        for (let c = 0; c < M; c++) {
          for (let d = 0; d < M; d++) {
            const Tcd = c + d;
            if ((Tab - Tcd) & 1) continue; // v is even in r
            const ccd = mt.row(c, d);
            const Nmax = Math.min(Tab, Tcd);
            let s = 0;
            for (let N = 0; N <= Nmax; N++) s += cab[N]! * ccd[N]! * v[(Tab - N) * nRel + (Tcd - N)]!;
            this.full[((a * M + b) * M + c) * M + d] = s;
          }
        }
      }
    }
  }

  direct(a: number, b: number, c: number, d: number): number {
    const M = this.nModes;
    return this.full[((a * M + b) * M + c) * M + d]!;
  }

  /** Antisymmetrised ⟨ab||cd⟩ = ⟨ab|v|cd⟩ − ⟨ab|v|dc⟩. */
  anti(a: number, b: number, c: number, d: number): number {
    return this.direct(a, b, c, d) - this.direct(a, b, d, c);
  }
}
