/**
 * The deuteron as a full-sum (mesh) variational problem, REFERENCE.md §1.
 *
 * With u_(L,i) = √w_i k_i ψ_L(k_i) the energy functional of the papers is the Rayleigh quotient
 * E = uᵀHu / uᵀu of the symmetric mesh matrix H_(Li),(L'j) = δδ ħ²k_i²/M + √w_i k_i V_LL'(k_i,k_j) k_j √w_j.
 * Everything here is float64 (plain arrays); the tfjs side lives in `state.ts`.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Mesh } from '@nqs/quadrature';

/** Bad mesh-problem input (shapes that do not match, non-finite entries, …). */
export class MeshProblemInputError extends Error {
  override readonly name = 'MeshProblemInputError';
}

/** The unweighted mesh Hamiltonian (the shape returned by `deuteronMeshHamiltonian` of @nqs/benchmarks-exact). */
export interface MeshHamiltonianInput {
  /** ħ²k_i²/M in MeV, length N */
  kinetic: Float64Array;
  /** V_LL'(k_i,k_j) in MeV fm³, row-major 2N × 2N, block order [S…, D…], unweighted */
  V: Float64Array;
  /** k_i in fm⁻¹ and weights w_i in fm⁻¹ */
  mesh: Mesh;
}

/** A reference solution on the same mesh (e.g. `solveDeuteron` of @nqs/benchmarks-exact). */
export interface MeshReference {
  energyMeV: number;
  /** ψ_S(k_i), ψ_D(k_i) (any normalisation) */
  psiS: Float64Array;
  psiD: Float64Array;
}

/** The float64 mesh problem: weighted symmetric matrix and the √w k factors. */
export interface MeshProblem {
  /** number of mesh points N */
  n: number;
  /** k_i in fm⁻¹ */
  k: Float64Array;
  /** w_i in fm⁻¹ */
  w: Float64Array;
  /** √w_i k_i (fm⁻¹ · fm⁻¹/²… the factor that maps ψ to u) */
  scale: Float64Array;
  /** weighted symmetric H in MeV, row-major 2N × 2N */
  H: Float64Array;
  /** optional exact reference */
  reference?: MeshReference;
}

/** Build the weighted, symmetrised matrix from an unweighted mesh Hamiltonian. */
export function meshProblem(ham: MeshHamiltonianInput, reference?: MeshReference): MeshProblem {
  const n = ham.mesh.points.length;
  if (ham.kinetic.length !== n || ham.V.length !== 4 * n * n || ham.mesh.weights.length !== n) {
    throw new MeshProblemInputError(`mesh Hamiltonian: need kinetic[N], V[2N×2N], weights[N] for N = ${n} points (got ${ham.kinetic.length}, ${ham.V.length}, ${ham.mesh.weights.length})`);
  }
  if (reference && (reference.psiS.length !== n || reference.psiD.length !== n)) {
    throw new MeshProblemInputError(`reference: psiS and psiD must have N = ${n} entries (got ${reference.psiS.length}, ${reference.psiD.length})`);
  }
  const k = Float64Array.from(ham.mesh.points);
  const w = Float64Array.from(ham.mesh.weights);
  const scale = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) scale[i] = scale[n + i] = Math.sqrt(w[i]!) * k[i]!;
  const m = 2 * n;
  const H = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      const v = 0.5 * (ham.V[a * m + b]! + ham.V[b * m + a]!) * scale[a]! * scale[b]!;
      H[a * m + b] = v;
      H[b * m + a] = v;
    }
    H[a * m + a] += ham.kinetic[a % n]!;
  }
  for (const v of H) if (!Number.isFinite(v)) throw new MeshProblemInputError('mesh Hamiltonian: non-finite entry');
  return { n, k, w, scale: scale.subarray(0, n), H, ...(reference ? { reference } : {}) };
}

/** u = [√w k ψ_S, √w k ψ_D] (length 2N) from amplitudes. */
export function toU(p: MeshProblem, psiS: ArrayLike<number>, psiD: ArrayLike<number>): Float64Array {
  const u = new Float64Array(2 * p.n);
  for (let i = 0; i < p.n; i++) {
    u[i] = p.scale[i]! * psiS[i]!;
    u[p.n + i] = p.scale[i]! * psiD[i]!;
  }
  return u;
}

/** H·u in float64. */
export function applyH(p: MeshProblem, u: Float64Array): Float64Array {
  const m = 2 * p.n;
  const r = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    let s = 0;
    const o = a * m;
    for (let b = 0; b < m; b++) s += p.H[o + b]! * u[b]!;
    r[a] = s;
  }
  return r;
}

/** Float64 observables of amplitudes on the mesh. */
export interface MeshObservables {
  /** Rayleigh quotient in MeV */
  energyMeV: number;
  /** D-state probability (fraction) */
  pD: number;
  /** Σ_L Σ_i w_i k_i² ψ_L² */
  norm: number;
  /** F_S, F_D against the reference (absent without one) */
  fidelityS?: number;
  fidelityD?: number;
  /** (E − E_ref)/|E_ref| */
  relativeError?: number;
}

/** Channel fidelity F = (Σ w k² a b)² / (Σ w k² a² · Σ w k² b²) on a mesh (NaN if a or b vanishes). */
export function channelFidelity(k: ArrayLike<number>, w: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < k.length; i++) {
    const f = w[i]! * k[i]! * k[i]!;
    ab += f * a[i]! * b[i]!;
    aa += f * a[i]! * a[i]!;
    bb += f * b[i]! * b[i]!;
  }
  // undefined (NaN) when a channel vanishes identically, e.g. ψ_D of an S-wave-only potential
  return aa > 0 && bb > 0 ? (ab * ab) / (aa * bb) : NaN;
}

/** Energy (float64 Rayleigh quotient), P_D and fidelities of amplitudes ψ_S, ψ_D. */
export function meshObservables(p: MeshProblem, psiS: ArrayLike<number>, psiD: ArrayLike<number>): MeshObservables {
  const u = toU(p, psiS, psiD);
  const Hu = applyH(p, u);
  let uHu = 0, uu = 0, dd = 0;
  for (let a = 0; a < u.length; a++) {
    uHu += u[a]! * Hu[a]!;
    uu += u[a]! * u[a]!;
    if (a >= p.n) dd += u[a]! * u[a]!;
  }
  const out: MeshObservables = { energyMeV: uHu / uu, pD: dd / uu, norm: uu };
  if (p.reference) {
    out.fidelityS = channelFidelity(p.k, p.w, psiS, p.reference.psiS);
    out.fidelityD = channelFidelity(p.k, p.w, psiD, p.reference.psiD);
    out.relativeError = (out.energyMeV - p.reference.energyMeV) / Math.abs(p.reference.energyMeV);
  }
  return out;
}

/**
 * Energy and its gradient with respect to u: E = uᵀHu/uᵀu, ∂E/∂u = 2(Hu − E u)/uᵀu (float64;
 * (H − E)u is formed without cancellation against the network's float32 rounding).
 */
export function energyAndGradU(p: MeshProblem, u: Float64Array): { value: number; dU: Float64Array } {
  const Hu = applyH(p, u);
  let uHu = 0, uu = 0;
  for (let a = 0; a < u.length; a++) {
    uHu += u[a]! * Hu[a]!;
    uu += u[a]! * u[a]!;
  }
  const E = uHu / uu;
  const dU = new Float64Array(u.length);
  for (let a = 0; a < u.length; a++) dU[a] = (2 * (Hu[a]! - E * u[a]!)) / uu;
  return { value: E, dU };
}

/** Pre-training targets of the papers: ψ₀ = e^{−b²q²/2}, ψ₂ = q² e^{−b²q²/2} (b in fm). */
export function pretrainTargets(k: ArrayLike<number>, b = 1.5): { S: Float64Array; D: Float64Array } {
  const S = new Float64Array(k.length), D = new Float64Array(k.length);
  for (let i = 0; i < k.length; i++) {
    const q = k[i]!;
    S[i] = Math.exp((-b * b * q * q) / 2);
    D[i] = q * q * S[i]!;
  }
  return { S, D };
}

/**
 * Pre-training loss (K_S − 1)² + (K_D − 1)² with K_L the fidelity against the target, and its gradient
 * with respect to u (targets given as u-vectors t = √w k ψ_target).
 */
export function overlapLossAndGradU(u: Float64Array, t: Float64Array, n: number): { value: number; dU: Float64Array } {
  const dU = new Float64Array(2 * n);
  let value = 0;
  for (const off of [0, n]) {
    let ut = 0, uu = 0, tt = 0;
    for (let i = off; i < off + n; i++) {
      ut += u[i]! * t[i]!;
      uu += u[i]! * u[i]!;
      tt += t[i]! * t[i]!;
    }
    const K = (ut * ut) / (uu * tt);
    value += (K - 1) ** 2;
    for (let i = off; i < off + n; i++) dU[i] = 2 * (K - 1) * ((2 * ut * t[i]!) / (uu * tt) - (2 * ut * ut * u[i]!) / (uu * uu * tt));
  }
  return { value, dU };
}

/**
 * Lowest eigenpair of the weighted mesh matrix (float64, dense), as amplitudes ψ_S, ψ_D. Used as an
 * independent check in tests; the CLI uses `solveDeuteron` of @nqs/benchmarks-exact.
 */
export function meshGroundState(p: MeshProblem): MeshReference {
  const m = 2 * p.n;
  const ed = new EigenvalueDecomposition(new Matrix(Array.from({ length: m }, (_, a) => Array.from(p.H.subarray(a * m, (a + 1) * m)))), { assumeSymmetric: true });
  const ev = ed.realEigenvalues;
  let i0 = 0;
  ev.forEach((e, i) => {
    if (e < ev[i0]!) i0 = i;
  });
  const v = ed.eigenvectorMatrix.getColumn(i0);
  const psiS = new Float64Array(p.n), psiD = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    psiS[i] = v[i]! / p.scale[i]!;
    psiD[i] = v[p.n + i]! / p.scale[i]!;
  }
  return { energyMeV: ev[i0]!, psiS, psiD };
}

/**
 * Pre-training residual r = [s_S û_S − t̂_S, s_D û_D − t̂_D] (length 2N) with û_L = u_L/|u_L| and
 * t̂_L = t_L/|t_L| the normalised network and target u-vectors of channel L and fixed signs s_L = ±1.
 * |r_L|² = 2(1 − s_L û_L·t̂_L) = 2(1 − √K_L) when s_L = sign(u_L·t_L), so |r| → 0 ⇔ K_S, K_D → 1.
 * Unlike the papers' (K_L − 1)², whose gradient carries a factor û_L·t̂_L and vanishes when the network
 * is orthogonal to the target (an initial two-layer net whose constant tail dominates the norm up to
 * 500 fm⁻¹ sits there), this residual has a non-degenerate Jacobian at such points.
 * With `Ju` (row-major 2N × P, ∂u/∂θ) also returns ∂r/∂θ = s_L (1 − û_L û_Lᵀ) ∂u_L/∂θ / |u_L|.
 */
export function pretrainResidual(u: Float64Array, t: Float64Array, n: number, signs: readonly [number, number], Ju?: Float64Array): { r: Float64Array; J?: Float64Array } {
  if (u.length !== 2 * n || t.length !== 2 * n) throw new MeshProblemInputError(`pretrainResidual: u and t must have 2N = ${2 * n} entries (got ${u.length}, ${t.length})`);
  const r = new Float64Array(2 * n);
  const P = Ju ? Ju.length / (2 * n) : 0;
  const J = Ju ? new Float64Array(2 * n * P) : undefined;
  for (let c = 0; c < 2; c++) {
    const off = c * n, s = signs[c]!;
    let uu = 0, tt = 0;
    for (let i = off; i < off + n; i++) {
      uu += u[i]! * u[i]!;
      tt += t[i]! * t[i]!;
    }
    const nu = Math.sqrt(uu), nt = Math.sqrt(tt);
    for (let i = off; i < off + n; i++) r[i] = (s * u[i]!) / nu - t[i]! / nt;
    if (Ju && J) {
      // ûᵀ ∂u/∂θ, then rows s (∂u_i − û_i ûᵀ∂u)/|u|
      const uJ = new Float64Array(P);
      for (let i = off; i < off + n; i++) {
        const ui = u[i]! / nu, oi = i * P;
        for (let p = 0; p < P; p++) uJ[p] += ui * Ju[oi + p]!;
      }
      for (let i = off; i < off + n; i++) {
        const ui = u[i]! / nu, oi = i * P;
        for (let p = 0; p < P; p++) J[oi + p] = (s * (Ju[oi + p]! - ui * uJ[p]!)) / nu;
      }
    }
  }
  return J ? { r, J } : { r };
}
