/**
 * Full configuration interaction for A spinless fermions in the HO basis of M modes (ω = 1):
 * Slater determinants with fixed parity and an optional total-quanta cut, a sparse Hamiltonian
 * (CSR, or applied on the fly when it would not fit), and Lanczos for the lowest states.
 */
import { FermionInputError, validateFermionSystem, type PairInteraction } from '@nqs/hamiltonians';
import { hoFunctions, TwoBodyElements } from './ho.js';
import { lanczos, type MatVec } from './lanczos.js';

/** Parity sector of a determinant: (−1)^{Σ n_i}; 'even' = +1. */
export type Parity = 'even' | 'odd';

/** The Slater-determinant basis of one parity sector. */
export interface DeterminantBasis {
  A: number;
  nModes: number;
  parity: Parity;
  /** Total-quanta cut: Σ n_i − A(A−1)/2 ≤ cut (Infinity = none). */
  cut: number;
  /** Number of determinants. */
  size: number;
  /** Occupied modes, ascending, `occ[i*A + k]`. */
  occ: Uint8Array;
  /** Colex rank (over all C(M,A) determinants) → basis index, −1 if not in the basis. */
  rankToIndex: Int32Array;
  /** binom[n*(A+1) + k] = C(n, k) for n ≤ M, k ≤ A. */
  binom: Float64Array;
}

/** Number of determinants C(M, A) of A fermions in M modes (as a float; exact below 2^53). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Lowest total quanta A(A−1)/2 of A fermions (the free ground state). */
export function minQuanta(A: number): number {
  return (A * (A - 1)) / 2;
}

/** Parity of the free-fermion ground state, (−1)^{A(A−1)/2}. */
export function freeParity(A: number): Parity {
  return minQuanta(A) % 2 === 0 ? 'even' : 'odd';
}

const MAX_FULL_SPACE = 5e7; // rank table of Int32 (200 MB)

/**
 * Enumerate the determinants of A fermions in `nModes` modes with the given parity and cut.
 * Throws {@link FermionInputError} when A > nModes or the sector is empty.
 */
export function buildDeterminantBasis(A: number, nModes: number, parity: Parity, cut = Infinity): DeterminantBasis {
  if (!Number.isInteger(A) || A < 1) throw new FermionInputError(`A: ${A} is not allowed (must be an integer ≥ 1)`);
  if (!Number.isInteger(nModes) || nModes < 1 || nModes > 255) {
    throw new FermionInputError(`basis: ${nModes} is not allowed (must be an integer between 1 and 255)`);
  }
  if (A > nModes) throw new FermionInputError(`A: ${A} is larger than the basis size ${nModes} (need A ≤ basis)`);
  if (!(cut >= 0)) throw new FermionInputError(`cut: ${cut} is not allowed (must be ≥ 0 or Infinity)`);
  const full = binomial(nModes, A);
  if (full > MAX_FULL_SPACE) throw new FermionInputError(`basis: C(${nModes}, ${A}) = ${full} determinants is too many (limit ${MAX_FULL_SPACE})`);
  const binom = new Float64Array((nModes + 1) * (A + 1));
  for (let n = 0; n <= nModes; n++) for (let k = 0; k <= A; k++) binom[n * (A + 1) + k] = binomial(n, k);
  const rankToIndex = new Int32Array(full).fill(-1);
  const want = parity === 'even' ? 0 : 1;
  const q0 = minQuanta(A);
  const occList: number[] = [];
  let size = 0;
  // colex enumeration: combinations in increasing rank
  const c = Array.from({ length: A }, (_, i) => i);
  for (let rank = 0; rank < full; rank++) {
    let q = 0;
    for (let k = 0; k < A; k++) q += c[k]!;
    if ((q & 1) === want && q - q0 <= cut) {
      rankToIndex[rank] = size++;
      for (let k = 0; k < A; k++) occList.push(c[k]!);
    }
    // next combination in colex order
    let k = 0;
    while (k < A - 1 && c[k]! + 1 === c[k + 1]!) {
      c[k] = k;
      k++;
    }
    c[k] = c[k]! + 1;
  }
  if (size === 0) throw new FermionInputError(`basis: the ${parity} sector of A = ${A} in ${nModes} modes with cut ${cut} is empty`);
  return { A, nModes, parity, cut, size, occ: Uint8Array.from(occList), rankToIndex, binom };
}

/** Sparse symmetric many-body Hamiltonian in a determinant basis. */
export interface FermionHamiltonian {
  basis: DeterminantBasis;
  /** y ← H x. */
  matvec: MatVec;
  /** Stored nonzeros of the upper triangle (j ≥ i), or 0 when applied on the fly. */
  nnz: number;
  /** Diagonal of H. */
  diagonal: Float64Array;
  /** The antisymmetrised pair elements used: W[p(a,b)·P + p(c,d)] for a<b, c<d. */
  pairElements: Float64Array;
}

/** Index of the pair a < b among the M(M−1)/2 pairs. */
function pairIndex(a: number, b: number, M: number): number {
  return a * M - (a * (a + 1)) / 2 + (b - a - 1);
}

/**
 * Antisymmetrised two-body matrix elements ⟨ab||cd⟩ for a<b, c<d (P × P, P = M(M−1)/2),
 * from the exact Moshinsky-transformed elements.
 */
export function antisymmetrisedPairElements(tb: TwoBodyElements): Float64Array {
  const M = tb.nModes;
  const P = (M * (M - 1)) / 2;
  const W = new Float64Array(P * P);
  for (let a = 0; a < M; a++)
    for (let b = a + 1; b < M; b++) {
      const p = pairIndex(a, b, M);
      for (let c = 0; c < M; c++)
        for (let d = c + 1; d < M; d++) W[p * P + pairIndex(c, d, M)] = tb.anti(a, b, c, d);
    }
  return W;
}

/**
 * Visit the nonzero elements of row `i`: calls `sink(j, value)` for every (possibly repeated) j.
 * H = Σ_a (a+½) n_a + Σ_{a<b,c<d} ⟨ab||cd⟩ a†_a a†_b a_d a_c.
 */
function visitRow(
  basis: DeterminantBasis,
  W: Float64Array,
  i: number,
  scratch: { inR: Uint8Array; below: Int32Array; R: Int32Array; S0: Float64Array; S1: Float64Array; S2: Float64Array },
  sink: (j: number, v: number) => void,
): void {
  const { A, nModes: M, occ, rankToIndex, binom, cut } = basis;
  const P = (M * (M - 1)) / 2;
  const A1 = A + 1;
  const o = occ.subarray(i * A, i * A + A);
  let q = 0;
  let one = 0;
  for (let k = 0; k < A; k++) {
    q += o[k]!;
    one += o[k]! + 0.5;
  }
  sink(i, one);
  const qMax = cut === Infinity ? Infinity : cut + minQuanta(A);
  const { inR, below, R, S0, S1, S2 } = scratch;
  const nR = A - 2;
  for (let ic = 0; ic < A; ic++) {
    for (let id = ic + 1; id < A; id++) {
      const c = o[ic]!;
      const d = o[id]!;
      // remaining determinant R
      let t = 0;
      inR.fill(0);
      for (let k = 0; k < A; k++) if (k !== ic && k !== id) { R[t++] = o[k]!; inR[o[k]!] = 1; }
      let cnt = 0;
      for (let x = 0; x < M; x++) {
        below[x] = cnt;
        if (inR[x]) cnt++;
      }
      S0[0] = 0;
      S1[0] = 0;
      S2[0] = 0;
      for (let m = 0; m < nR; m++) {
        const e = R[m]!;
        S0[m + 1] = S0[m]! + binom[e * A1 + m + 1]!;
        S1[m + 1] = S1[m]! + binom[e * A1 + m + 2]!;
        S2[m + 1] = S2[m]! + binom[e * A1 + m + 3]!;
      }
      const signCD = (ic + id - 1) & 1 ? -1 : 1;
      const pcd = pairIndex(c, d, M);
      const qR = q - c - d;
      const par = (c + d) & 1;
      for (let a = 0; a < M; a++) {
        if (inR[a]) continue;
        const pa = below[a]!;
        const base = S0[pa]! + binom[a * A1 + pa + 1]! - S1[pa]!;
        // b > a with a + b ≡ c + d (mod 2): the pair interaction conserves parity
        for (let b = a + (par ? 1 : 2); b < M; b += 2) {
          if (inR[b]) continue;
          if (qR + a + b > qMax) break;
          const w = W[pairIndex(a, b, M) * P + pcd]!;
          if (w === 0) continue;
          const pb = below[b]!;
          const rank = base + S1[pb]! + binom[b * A1 + pb + 2]! + (S2[nR]! - S2[pb]!);
          const j = rankToIndex[rank]!;
          if (j < 0) continue;
          const sign = (pa + pb) & 1 ? -signCD : signCD;
          sink(j, sign * w);
        }
      }
    }
  }
}

function makeScratch(basis: DeterminantBasis) {
  const M = basis.nModes;
  const A = basis.A;
  return {
    inR: new Uint8Array(M),
    below: new Int32Array(M),
    R: new Int32Array(Math.max(1, A)),
    S0: new Float64Array(A + 1),
    S1: new Float64Array(A + 1),
    S2: new Float64Array(A + 1),
  };
}

/** Options of {@link buildFermionHamiltonian}. */
export interface HamiltonianOptions {
  /** Store at most this many nonzeros; beyond, H is applied on the fly (default 3e7). */
  maxStoredNonzeros?: number;
}

/** Build the sparse Hamiltonian of `basis` for the pair elements of `tb`. */
export function buildFermionHamiltonian(basis: DeterminantBasis, tb: TwoBodyElements, opts: HamiltonianOptions = {}): FermionHamiltonian {
  if (tb.nModes !== basis.nModes) throw new FermionInputError(`basis: two-body elements for ${tb.nModes} modes, determinants for ${basis.nModes}`);
  const W = antisymmetrisedPairElements(tb);
  const dim = basis.size;
  const maxNnz = opts.maxStoredNonzeros ?? 3e7;
  const scratch = makeScratch(basis);
  const diagonal = new Float64Array(dim);
  // accumulate one row at a time in a dense scratch row with a touched list
  const acc = new Float64Array(dim);
  const mark = new Uint8Array(dim);
  const touched = new Int32Array(dim);
  let nTouched = 0;
  const sinkAcc = (j: number, v: number) => {
    if (!mark[j]) {
      mark[j] = 1;
      touched[nTouched++] = j;
    }
    acc[j] = acc[j]! + v;
  };
  let cap = Math.min(maxNnz, Math.max(1024, dim * 64));
  let cols = new Int32Array(cap);
  let vals = new Float64Array(cap);
  const rowPtr = new Float64Array(dim + 1);
  let nnz = 0;
  let stored = true;
  for (let i = 0; i < dim && stored; i++) {
    nTouched = 0;
    visitRow(basis, W, i, scratch, sinkAcc);
    if (nnz + nTouched > cap) {
      if (nnz + nTouched > maxNnz) {
        stored = false;
      } else {
        cap = Math.min(maxNnz, Math.max(cap * 2, nnz + nTouched));
        const nc = new Int32Array(cap);
        nc.set(cols.subarray(0, nnz));
        cols = nc;
        const nv = new Float64Array(cap);
        nv.set(vals.subarray(0, nnz));
        vals = nv;
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t]!;
      const v = acc[j]!;
      // H is symmetric: keep the upper triangle only (half the memory traffic per product)
      if (stored && j >= i) {
        cols[nnz] = j;
        vals[nnz] = v;
        nnz++;
      }
      if (j === i) diagonal[i] = v;
      acc[j] = 0;
      mark[j] = 0;
    }
    rowPtr[i + 1] = nnz;
  }
  if (stored) {
    const c = cols;
    const v = vals;
    const matvec: MatVec = (x, y) => {
      y.fill(0);
      for (let i = 0; i < dim; i++) {
        const xi = x[i]!;
        let s = 0;
        const e = rowPtr[i + 1]!;
        for (let k = rowPtr[i]!; k < e; k++) {
          const j = c[k]!;
          const h = v[k]!;
          s += h * x[j]!;
          if (j !== i) y[j] = y[j]! + h * xi;
        }
        y[i] = y[i]! + s;
      }
    };
    return { basis, matvec, nnz, diagonal, pairElements: W };
  }
  // on the fly: recompute each row at every product
  for (let i = 0; i < dim; i++) {
    let dsum = 0;
    visitRow(basis, W, i, scratch, (j, v) => {
      if (j === i) dsum += v;
    });
    diagonal[i] = dsum;
  }
  let xRef: Float64Array = new Float64Array(0);
  let rowSum = 0;
  const sinkApply = (j: number, v: number) => {
    rowSum += v * xRef[j]!;
  };
  const matvec: MatVec = (x, y) => {
    xRef = x;
    for (let i = 0; i < dim; i++) {
      rowSum = 0;
      visitRow(basis, W, i, scratch, sinkApply);
      y[i] = rowSum;
    }
  };
  return { basis, matvec, nnz: 0, diagonal, pairElements: W };
}

/** Options of {@link solveFermionsFCI}. */
export interface FciOptions {
  /** Number of HO modes M (≥ A). */
  nModes: number;
  /** Total-quanta cut Σn_i − A(A−1)/2 ≤ cut; default none. */
  cut?: number;
  /** Parity sectors to solve; default both. */
  parities?: Parity[];
  /** Eigenstates per sector (default 3). */
  nStates?: number;
  /** Lanczos residual tolerance ‖Hv − λv‖ ≤ tol·max(1,|λ|) (default 1e−7; the energy error is ~ residual²/gap). */
  tol?: number;
  /** Maximum Lanczos iterations (default 300). */
  maxIter?: number;
  /** Compute the one-body density matrix of the ground state (default false). */
  densityMatrix?: boolean;
  /** Passed to {@link buildFermionHamiltonian}. */
  maxStoredNonzeros?: number;
}

/** Lowest states of one parity sector. */
export interface FciSector {
  parity: Parity;
  basisSize: number;
  nnz: number;
  energies: number[];
  residuals: number[];
  iterations: number;
  converged: boolean;
}

/** Result of {@link solveFermionsFCI}. Energies in ħω. */
export interface FciResult {
  A: number;
  nModes: number;
  cut: number;
  /** Lowest energy over the solved sectors. */
  energy: number;
  /** Parity of the ground state. */
  groundParity: Parity;
  /** All computed levels, ascending, with their parity. */
  levels: { energy: number; parity: Parity }[];
  sectors: FciSector[];
  /** Total number of determinants over the solved sectors. */
  basisSize: number;
  /** One-body density matrix ρ_ab = ⟨a†_a a_b⟩ of the ground state (M × M row-major), if requested. */
  densityMatrix?: Float64Array;
  /** Seconds spent. */
  seconds: number;
}

/**
 * Full CI in the HO basis with Lanczos: the lowest `nStates` states of each requested parity sector.
 * Throws {@link FermionInputError} for A < 1, A > nModes, invalid interactions.
 */
export function solveFermionsFCI(A: number, p: PairInteraction, opts: FciOptions, tbIn?: TwoBodyElements): FciResult {
  const t0 = performance.now();
  validateFermionSystem(A, p);
  const M = opts.nModes;
  if (!Number.isInteger(M) || M < 1) throw new FermionInputError(`basis: ${M} is not allowed (must be an integer ≥ 1)`);
  if (A > M) throw new FermionInputError(`A: ${A} is larger than the basis size ${M} (need A ≤ basis)`);
  const cut = opts.cut ?? Infinity;
  const parities = opts.parities ?? ['even', 'odd'];
  const nStates = opts.nStates ?? 3;
  const tb = tbIn && tbIn.nModes === M ? tbIn : new TwoBodyElements(p, M);
  const sectors: FciSector[] = [];
  const levels: { energy: number; parity: Parity }[] = [];
  let best = Infinity;
  let groundParity: Parity = parities[0]!;
  let groundVec: Float64Array | undefined;
  let groundBasis: DeterminantBasis | undefined;
  for (const par of parities) {
    let basis: DeterminantBasis;
    try {
      basis = buildDeterminantBasis(A, M, par, cut);
    } catch (e) {
      if (e instanceof FermionInputError && /is empty/.test(e.message) && parities.length > 1) continue;
      throw e;
    }
    const H = buildFermionHamiltonian(basis, tb, opts.maxStoredNonzeros !== undefined ? { maxStoredNonzeros: opts.maxStoredNonzeros } : {});
    // start: lowest-diagonal determinant plus a small generic admixture
    const start = new Float64Array(basis.size);
    let iMin = 0;
    for (let i = 0; i < basis.size; i++) {
      start[i] = 1e-3 * (1 + 0.5 * Math.sin(12.9898 * (i + 1) + 0.37 * i * i));
      if (H.diagonal[i]! < H.diagonal[iMin]!) iMin = i;
    }
    start[iMin] = 1;
    const lz = lanczos(H.matvec, basis.size, {
      nEig: Math.min(nStates, basis.size),
      tol: opts.tol ?? 1e-7,
      maxIter: opts.maxIter ?? 300,
      start,
      wantVectors: opts.densityMatrix === true,
    });
    sectors.push({
      parity: par,
      basisSize: basis.size,
      nnz: H.nnz,
      energies: lz.values,
      residuals: lz.residuals,
      iterations: lz.iterations,
      converged: lz.converged,
    });
    for (const e of lz.values) levels.push({ energy: e, parity: par });
    if (lz.values[0]! < best) {
      best = lz.values[0]!;
      groundParity = par;
      groundVec = lz.vectors[0];
      groundBasis = basis;
    }
  }
  levels.sort((x, y) => x.energy - y.energy);
  const res: FciResult = {
    A,
    nModes: M,
    cut,
    energy: best,
    groundParity,
    levels,
    sectors,
    basisSize: sectors.reduce((s, x) => s + x.basisSize, 0),
    seconds: 0,
  };
  if (opts.densityMatrix && groundVec && groundBasis) res.densityMatrix = oneBodyDensityMatrix(groundBasis, groundVec);
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

/**
 * One-body density matrix ρ_ab = ⟨Ψ|a†_a a_b|Ψ⟩ (M × M, trace A) of a state given by its
 * coefficients in `basis`. ρ_ab vanishes for a + b odd in a parity eigenstate; excitations leaving
 * a cut basis meet zero coefficients and are dropped exactly.
 */
export function oneBodyDensityMatrix(basis: DeterminantBasis, c: Float64Array): Float64Array {
  const { A, nModes: M, occ, rankToIndex, binom } = basis;
  const A1 = A + 1;
  const rho = new Float64Array(M * M);
  const inD = new Uint8Array(M);
  const R = new Int32Array(Math.max(1, A - 1));
  const below = new Int32Array(M);
  const S0 = new Float64Array(A + 1);
  const S1 = new Float64Array(A + 1);
  for (let i = 0; i < basis.size; i++) {
    const ci = c[i]!;
    if (ci === 0) continue;
    const o = occ.subarray(i * A, i * A + A);
    for (let ib = 0; ib < A; ib++) {
      const b = o[ib]!;
      // a_b |D⟩: sign (−1)^ib, remaining R
      let t = 0;
      inD.fill(0);
      for (let k = 0; k < A; k++) if (k !== ib) { R[t++] = o[k]!; inD[o[k]!] = 1; }
      let cnt = 0;
      for (let x = 0; x < M; x++) {
        below[x] = cnt;
        if (inD[x]) cnt++;
      }
      S0[0] = 0;
      S1[0] = 0;
      for (let m = 0; m < A - 1; m++) {
        S0[m + 1] = S0[m]! + binom[R[m]! * A1 + m + 1]!;
        S1[m + 1] = S1[m]! + binom[R[m]! * A1 + m + 2]!;
      }
      for (let a = b & 1; a < M; a += 2) {
        if (inD[a]) continue;
        const pa = below[a]!;
        const rank = S0[pa]! + binom[a * A1 + pa + 1]! + (S1[A - 1]! - S1[pa]!);
        const j = rankToIndex[rank]!;
        if (j < 0) continue;
        const sign = (ib + pa) & 1 ? -1 : 1;
        // ⟨D_j| a†_a a_b |D_i⟩
        rho[a * M + b] = rho[a * M + b]! + sign * c[j]! * ci;
      }
    }
  }
  return rho;
}

/** Density n(x) = Σ_ab ρ_ab φ_a(x) φ_b(x) on `xs` for a one-body density matrix ρ (M × M). */
export function densityFromMatrix(rho: Float64Array, nModes: number, xs: ArrayLike<number>): Float64Array {
  const M = nModes;
  const out = new Float64Array(xs.length);
  const phi = new Float64Array(M);
  for (let k = 0; k < xs.length; k++) {
    hoFunctions(M - 1, xs[k]!, phi);
    let s = 0;
    for (let a = 0; a < M; a++) {
      let t = 0;
      for (let b = 0; b < M; b++) t += rho[a * M + b]! * phi[b]!;
      s += phi[a]! * t;
    }
    out[k] = s;
  }
  return out;
}
