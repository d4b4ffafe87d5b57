/**
 * Similarity renormalization group (SRG) evolution of a two-nucleon partial-wave Hamiltonian on a
 * momentum mesh, in float64 (Bogner, Furnstahl & Perry, PRC 75, 061001 (2007)):
 *
 *   dH_s/ds = [η_s, H_s],   η_s = [T_rel, H_s],   λ = s^{−1/4},
 *
 * in units ħ²/M = 1 (H in fm⁻², s in fm⁴, λ in fm⁻¹; MeV = (ħ²/M)·fm⁻²). The matrix is the
 * symmetric √w k–weighted representation of REFERENCE.md §1,
 *   H_ij = δ_ij k_i² + √w_i k_i V(k_i, k_j) k_j √w_j · M/ħ²,
 * for 1S0 (N×N) or the coupled ³S₁–³D₁ channel (2N×2N, blocks [S, D]). With T diagonal,
 * η_ij = (T_i − T_j) H_ij and [η, H] = ηH + (ηH)ᵀ (η antisymmetric, H symmetric), so one matrix
 * product per right-hand side. The flow is unitary: the eigenvalues are invariants, which the
 * adaptive Dormand–Prince 5(4) integration keeps to its tolerance.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Mesh } from '@nqs/quadrature';
import { HBAR2_OVER_M, type PartialWavePotential, PotentialInputError, deuteronBlock } from '@nqs/hamiltonians';
import { dopri5 } from './ode.js';

export { dopri5, OdeInputError } from './ode.js';
export type { OdeRhs, Dopri5Options, Dopri5Result } from './ode.js';

/** Channels the SRG evolution supports. */
export const SRG_CHANNELS = ['1S0', '3S1-3D1'] as const;
/** A supported SRG channel. */
export type SrgChannel = (typeof SRG_CHANNELS)[number];

/** A channel Hamiltonian in the weighted representation, units ħ²/M = 1 (fm⁻²). */
export interface SrgHamiltonian {
  channel: SrgChannel;
  mesh: Mesh;
  /** matrix dimension: N (1S0) or 2N (3S1-3D1) */
  dim: number;
  /** kinetic diagonal k_i² (fm⁻²), length dim */
  T: Float64Array;
  /** H (fm⁻²), row-major dim × dim, symmetric */
  H: Float64Array;
}

/** Build the weighted channel Hamiltonian of `potential` on `mesh` (see the module comment). */
export function srgHamiltonian(potential: PartialWavePotential, mesh: Mesh, channel: SrgChannel): SrgHamiltonian {
  if (!(SRG_CHANNELS as readonly string[]).includes(channel)) {
    throw new PotentialInputError(`SRG channel '${channel}' is not supported (allowed: ${SRG_CHANNELS.join(', ')})`);
  }
  const n = mesh.points.length;
  if (n < 2) throw new PotentialInputError(`SRG: the mesh needs ≥ 2 points (got ${n})`);
  const k = mesh.points;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) sq[i] = Math.sqrt(mesh.weights[i]!) * k[i]!;
  const toFm2 = 1 / HBAR2_OVER_M; // MeV → fm⁻² (ħ²/M = 1)
  const coupled = channel === '3S1-3D1';
  const dim = coupled ? 2 * n : n;
  const T = new Float64Array(dim);
  const H = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) T[i] = k[i % n]! * k[i % n]!;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const f = sq[i]! * sq[j]! * toFm2;
      if (!coupled) {
        const v = 0.5 * (potential.value('1S0', k[i]!, k[j]!) + potential.value('1S0', k[j]!, k[i]!)) * f;
        H[i * dim + j] = v;
        H[j * dim + i] = v;
      } else {
        const b = deuteronBlock(potential, k[i]!, k[j]!);
        const c = i === j ? b : deuteronBlock(potential, k[j]!, k[i]!);
        const ss = 0.5 * (b.SS + c.SS) * f;
        const dd = 0.5 * (b.DD + c.DD) * f;
        const sd = 0.5 * (b.SD + c.DS) * f; // ⟨S,k_i|V|D,k_j⟩
        const ds = 0.5 * (b.DS + c.SD) * f; // ⟨D,k_i|V|S,k_j⟩
        H[i * dim + j] = ss;
        H[j * dim + i] = ss;
        H[(n + i) * dim + n + j] = dd;
        H[(n + j) * dim + n + i] = dd;
        H[i * dim + n + j] = sd;
        H[(n + j) * dim + i] = sd;
        H[(n + i) * dim + j] = ds;
        H[j * dim + n + i] = ds;
      }
    }
  }
  for (let i = 0; i < dim; i++) H[i * dim + i] += T[i]!;
  return { channel, mesh, dim, T, H };
}

/** dH/ds = [[T, H], H] for a symmetric H (fm⁻² units), written into `out`. */
export function srgRhs(T: Float64Array, H: Float64Array, dim: number, out: Float64Array, work?: Float64Array): void {
  const eta = work ?? new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    const ti = T[i]!;
    for (let j = 0; j < dim; j++) eta[i * dim + j] = (ti - T[j]!) * H[i * dim + j]!;
  }
  // P = η H (row-major, i-k-j loop order for cache friendliness)
  out.fill(0);
  for (let i = 0; i < dim; i++) {
    const oi = i * dim;
    for (let kk = 0; kk < dim; kk++) {
      const e = eta[oi + kk]!;
      if (e === 0) continue;
      const hk = kk * dim;
      for (let j = 0; j < dim; j++) out[oi + j] += e * H[hk + j]!;
    }
  }
  // [η, H] = P + Pᵀ
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const v = out[i * dim + j]! + out[j * dim + i]!;
      out[i * dim + j] = v;
      out[j * dim + i] = v;
    }
  }
}

/** Options of {@link srgEvolve}. */
export interface SrgOptions {
  /** relative tolerance of the ODE integration (default 1e−10) */
  rtol?: number;
  /** absolute tolerance in fm⁻² (default 1e−10) */
  atol?: number;
  /** step budget per λ interval (default 1e6) */
  maxSteps?: number;
}

/** The evolved Hamiltonian at one λ. */
export interface SrgSnapshot {
  /** λ in fm⁻¹ (Infinity for the initial Hamiltonian) */
  lambda: number;
  /** s = λ⁻⁴ in fm⁴ */
  s: number;
  /** H_s in fm⁻² (row-major, symmetric) */
  H: Float64Array;
  /** accepted ODE steps from the previous snapshot */
  steps: number;
}

/**
 * Evolve `h` down through the decreasing values `lambdas` (fm⁻¹); returns the initial
 * Hamiltonian (λ = ∞) followed by one snapshot per λ.
 * @throws PotentialInputError if the λ are not positive and strictly decreasing
 */
export function srgEvolve(h: SrgHamiltonian, lambdas: readonly number[], opts: SrgOptions = {}): SrgSnapshot[] {
  for (let i = 0; i < lambdas.length; i++) {
    const l = lambdas[i]!;
    if (!(l > 0) || !Number.isFinite(l)) throw new PotentialInputError(`SRG: λ must be finite and > 0 fm⁻¹ (got ${l})`);
    if (i > 0 && !(l < lambdas[i - 1]!)) throw new PotentialInputError(`SRG: the λ values must decrease strictly (got ${lambdas.join(', ')})`);
  }
  const { dim, T } = h;
  const work = new Float64Array(dim * dim);
  const rhs = (_s: number, y: Float64Array, out: Float64Array) => srgRhs(T, y, dim, out, work);
  const out: SrgSnapshot[] = [{ lambda: Infinity, s: 0, H: Float64Array.from(h.H), steps: 0 }];
  let y: Float64Array = Float64Array.from(h.H);
  let s0 = 0;
  let hStep: number | undefined;
  for (const l of lambdas) {
    const s1 = 1 / (l * l * l * l);
    const r = dopri5(rhs, y, s0, s1, {
      rtol: opts.rtol ?? 1e-10,
      atol: opts.atol ?? 1e-10,
      maxSteps: opts.maxSteps ?? 1e6,
      ...(hStep === undefined ? {} : { h0: hStep }),
    });
    y = r.y;
    hStep = r.lastStep;
    s0 = s1;
    out.push({ lambda: l, s: s1, H: Float64Array.from(y), steps: r.accepted });
  }
  return out;
}

/** Eigenvalues (ascending) of a symmetric dim × dim matrix, converted to MeV (× ħ²/M). */
export function srgEigenvaluesMeV(H: Float64Array, dim: number): Float64Array {
  const A = new Matrix(dim, dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) A.set(i, j, 0.5 * (H[i * dim + j]! + H[j * dim + i]!));
  const ev = new EigenvalueDecomposition(A, { assumeSymmetric: true }).realEigenvalues.slice().sort((a, b) => a - b);
  return Float64Array.from(ev.map((e) => e * HBAR2_OVER_M));
}

/**
 * The evolved potential V_s(k_i, k_j) in MeV fm³ for the block (bra L, ket L') of a snapshot:
 * (H_s − T)_ij/(√w_i k_i √w_j k_j) · ħ²/M. Blocks: 'S' = 1S0 or 3S1, 'D' = 3D1 (coupled only).
 * @returns row-major N × N
 */
export function srgPotentialBlock(h: SrgHamiltonian, H: Float64Array, bra: 'S' | 'D' = 'S', ket: 'S' | 'D' = 'S'): Float64Array {
  const n = h.mesh.points.length;
  if (h.channel === '1S0' && (bra === 'D' || ket === 'D')) throw new PotentialInputError(`SRG: channel 1S0 has no D block`);
  const ob = bra === 'D' ? n : 0;
  const ok = ket === 'D' ? n : 0;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const si = Math.sqrt(h.mesh.weights[i]!) * h.mesh.points[i]!;
    for (let j = 0; j < n; j++) {
      const sj = Math.sqrt(h.mesh.weights[j]!) * h.mesh.points[j]!;
      let v = H[(ob + i) * h.dim + ok + j]!;
      if (ob + i === ok + j) v -= h.T[ob + i]!;
      out[i * n + j] = (v / (si * sj)) * HBAR2_OVER_M;
    }
  }
  return out;
}

/**
 * Fraction of the potential's weight Σ (H − T)_ij² (weighted representation, all blocks) with
 * |k_i − k_j| > cut (fm⁻¹): a measure of how far from band-diagonal V_s is.
 */
export function offDiagonalWeight(h: SrgHamiltonian, H: Float64Array, cut: number): number {
  const n = h.mesh.points.length;
  let far = 0;
  let all = 0;
  for (let a = 0; a < h.dim; a++) {
    for (let b = 0; b < h.dim; b++) {
      let v = H[a * h.dim + b]!;
      if (a === b) v -= h.T[a]!;
      const v2 = v * v;
      all += v2;
      if (Math.abs(h.mesh.points[a % n]! - h.mesh.points[b % n]!) > cut) far += v2;
    }
  }
  return all === 0 ? 0 : far / all;
}
