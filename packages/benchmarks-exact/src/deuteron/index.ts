/**
 * The deuteron on a momentum mesh (float64, ml-matrix), REFERENCE.md §1:
 *
 *   (ħ²k²/M) ψ_L(k) + Σ_{L'} ∫dk' k'² V_{LL'}(k, k') ψ_L'(k') = E ψ_L(k),   Σ_L ∫dk k² ψ_L² = 1,
 *
 * discretised as the symmetric matrix H_(Li),(L'j) = δδ ħ²k_i²/M + √w_i k_i V_LL'(k_i, k_j) k_j √w_j
 * with block order [S (L = 0) …, D (L = 2) …].
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Mesh } from '@nqs/quadrature';
import { type PartialWavePotential, PotentialInputError, deuteronBlock, kineticMeV } from '@nqs/hamiltonians';

/** The unweighted deuteron Hamiltonian on a mesh of N points. */
export interface DeuteronMeshHamiltonian {
  /** ħ²k_i²/M in MeV, length N */
  kinetic: Float64Array;
  /**
   * V_{LL'}(k_i, k_j) in MeV fm³, row-major 2N × 2N, row index L·N + i (bra), column L'·N + j (ket),
   * block order [S…, D…]; NOT multiplied by weights or k².
   */
  V: Float64Array;
  /** the mesh (k in fm⁻¹, weights in fm⁻¹) */
  mesh: Mesh;
}

/** Exact deuteron ground state on a mesh. */
export interface DeuteronSolution {
  /** ground-state energy in MeV (= kineticMeV + potentialMeV, the Rayleigh quotient of the eigenvector) */
  energyMeV: number;
  /** the lowest eigenvalue as returned by the eigensolver (differs from energyMeV by ~ε‖H‖) */
  eigenvalueMeV: number;
  /** D-state probability (fraction, not percent) */
  pD: number;
  /** ψ_S(k_i) in fm^{3/2}, Σ_L Σ_i w_i k_i² ψ_L² = 1, ψ_S > 0 at the smallest k */
  psiS: Float64Array;
  /** ψ_D(k_i) in fm^{3/2}, same normalisation */
  psiD: Float64Array;
  /** ⟨T⟩ in MeV */
  kineticMeV: number;
  /** ⟨V⟩ in MeV */
  potentialMeV: number;
  /** number of mesh points N */
  meshPoints: number;
}

/** Energy and its parts for a (not necessarily normalised) wavefunction on the mesh. */
export interface DeuteronExpectation {
  energyMeV: number;
  kineticMeV: number;
  potentialMeV: number;
  /** D-state probability (fraction) */
  pD: number;
  /** Σ_L Σ_i w_i k_i² ψ_L² */
  norm: number;
}

function checkMesh(mesh: Mesh): void {
  const n = mesh.points.length;
  if (n < 2 || mesh.weights.length !== n) {
    throw new PotentialInputError(`deuteron mesh: need ≥ 2 points and as many weights (got ${n} points, ${mesh.weights.length} weights)`);
  }
}

/**
 * Tabulate the deuteron Hamiltonian of `potential` on `mesh` (the potential must provide
 * 3S1, 3D1, 3S1-3D1, 3D1-3S1).
 */
export function deuteronMeshHamiltonian(potential: PartialWavePotential, mesh: Mesh): DeuteronMeshHamiltonian {
  checkMesh(mesh);
  const n = mesh.points.length;
  const k = mesh.points;
  const kinetic = new Float64Array(n);
  for (let i = 0; i < n; i++) kinetic[i] = kineticMeV(k[i]!);
  const V = new Float64Array(4 * n * n);
  const n2 = 2 * n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const b = deuteronBlock(potential, k[i]!, k[j]!);
      V[i * n2 + j] = b.SS;
      V[i * n2 + n + j] = b.SD;
      V[(n + i) * n2 + j] = b.DS;
      V[(n + i) * n2 + n + j] = b.DD;
    }
  }
  return { kinetic, V, mesh };
}

/**
 * ⟨ψ|H|ψ⟩/⟨ψ|ψ⟩ with parts, in float64 (REFERENCE.md energy functional); ψ_S, ψ_D need not be
 * normalised. Used to check a network's energy.
 */
export function deuteronExpectation(H: DeuteronMeshHamiltonian, psiS: ArrayLike<number>, psiD: ArrayLike<number>): DeuteronExpectation {
  const { mesh, kinetic, V } = H;
  const n = mesh.points.length;
  if (psiS.length !== n || psiD.length !== n) {
    throw new PotentialInputError(`deuteron expectation: psiS and psiD must have ${n} entries (got ${psiS.length}, ${psiD.length})`);
  }
  // u_(L i) = w_i k_i² ψ_L(k_i)
  const u = new Float64Array(2 * n);
  let norm = 0;
  let normD = 0;
  let kin = 0;
  for (let i = 0; i < n; i++) {
    const wk2 = mesh.weights[i]! * mesh.points[i]! * mesh.points[i]!;
    const s = Number(psiS[i]);
    const d = Number(psiD[i]);
    u[i] = wk2 * s;
    u[n + i] = wk2 * d;
    norm += wk2 * (s * s + d * d);
    normD += wk2 * d * d;
    kin += wk2 * (s * s + d * d) * kinetic[i]!;
  }
  if (!(norm > 0)) throw new PotentialInputError('deuteron expectation: the wavefunction is zero on the mesh');
  let pot = 0;
  const n2 = 2 * n;
  for (let a = 0; a < n2; a++) {
    if (u[a] === 0) continue;
    let row = 0;
    for (let b = 0; b < n2; b++) row += V[a * n2 + b]! * u[b]!;
    pot += u[a]! * row;
  }
  return { energyMeV: (kin + pot) / norm, kineticMeV: kin / norm, potentialMeV: pot / norm, pD: normD / norm, norm };
}

/** Rayleigh quotient E[ψ] in MeV for unnormalised ψ_S, ψ_D on the mesh of `H` (float64). */
export function deuteronRayleighQuotient(H: DeuteronMeshHamiltonian, psiS: ArrayLike<number>, psiD: ArrayLike<number>): number {
  return deuteronExpectation(H, psiS, psiD).energyMeV;
}

/**
 * Fidelity of two functions of one channel on the mesh:
 * F = (Σ w k² a b)² / (Σ w k² a² · Σ w k² b²) ∈ [0, 1].
 */
export function fidelity(mesh: Mesh, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = mesh.points.length;
  if (a.length !== n || b.length !== n) throw new PotentialInputError(`fidelity: arrays must have ${n} entries (got ${a.length}, ${b.length})`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const w = mesh.weights[i]! * mesh.points[i]! * mesh.points[i]!;
    const x = Number(a[i]);
    const y = Number(b[i]);
    ab += w * x * y;
    aa += w * x * x;
    bb += w * y * y;
  }
  return (ab * ab) / (aa * bb);
}

/** Solve an already tabulated Hamiltonian (see {@link solveDeuteron}). */
export function solveDeuteronHamiltonian(H: DeuteronMeshHamiltonian): DeuteronSolution {
  const { mesh, kinetic, V } = H;
  const n = mesh.points.length;
  const n2 = 2 * n;
  const sq = new Float64Array(n2);
  for (let i = 0; i < n; i++) {
    const s = Math.sqrt(mesh.weights[i]!) * mesh.points[i]!;
    sq[i] = s;
    sq[n + i] = s;
  }
  const A = new Matrix(n2, n2);
  for (let a = 0; a < n2; a++) {
    for (let b = a; b < n2; b++) {
      // average the two triangles so a slightly asymmetric (e.g. tabulated) input stays symmetric
      const v = 0.5 * (V[a * n2 + b]! + V[b * n2 + a]!) * sq[a]! * sq[b]!;
      A.set(a, b, v);
      A.set(b, a, v);
    }
    A.set(a, a, A.get(a, a) + kinetic[a % n]!);
  }
  const eig = new EigenvalueDecomposition(A, { assumeSymmetric: true });
  const ev = eig.realEigenvalues;
  let imin = 0;
  for (let i = 1; i < ev.length; i++) if (ev[i]! < ev[imin]!) imin = i;
  const vec = eig.eigenvectorMatrix.getColumn(imin);
  const psiS = new Float64Array(n);
  const psiD = new Float64Array(n);
  let nrm = 0;
  for (let a = 0; a < n2; a++) nrm += vec[a]! * vec[a]!;
  nrm = Math.sqrt(nrm);
  // sign: ψ_S > 0 at small k (first point with a non-negligible S amplitude)
  let sign = 1;
  for (let i = 0; i < n; i++) {
    if (Math.abs(vec[i]!) > 1e-12 * nrm) {
      sign = vec[i]! < 0 ? -1 : 1;
      break;
    }
  }
  for (let i = 0; i < n; i++) {
    psiS[i] = (sign * vec[i]!) / (nrm * sq[i]!);
    psiD[i] = (sign * vec[n + i]!) / (nrm * sq[i]!);
  }
  const ex = deuteronExpectation(H, psiS, psiD);
  // The Rayleigh quotient of the eigenvector is accurate to ~1e-14 MeV, while the eigenvalue of
  // tql2 carries errors ~ ε‖H‖ (‖H‖ ~ ħ²k_max²/M is huge on tan meshes): report the former.
  return {
    energyMeV: ex.energyMeV,
    eigenvalueMeV: ev[imin]!,
    pD: ex.pD,
    psiS,
    psiD,
    kineticMeV: ex.kineticMeV,
    potentialMeV: ex.potentialMeV,
    meshPoints: n,
  };
}

/** Exact deuteron ground state of `potential` on `mesh` (symmetric eigenproblem of size 2N). */
export function solveDeuteron(potential: PartialWavePotential, mesh: Mesh): DeuteronSolution {
  return solveDeuteronHamiltonian(deuteronMeshHamiltonian(potential, mesh));
}
