/**
 * Hartree–Fock for A spinless fermions in the HO basis (ω = 1), real orbitals, with DIIS,
 * from several starting guesses (parity-conserving and parity-breaking); the lowest solution wins.
 */
import { EigenvalueDecomposition, Matrix, solve } from 'ml-matrix';
import { gaussHermiteScaled } from '@nqs/quadrature';
import { FermionInputError, validateFermionSystem, type PairInteraction } from '@nqs/hamiltonians';
import { hoFunctions, TwoBodyElements } from './ho.js';

/** Options of {@link solveFermionsHF}. */
export interface HfOptions {
  /** Number of HO modes M (≥ A). */
  nModes: number;
  /** Maximum SCF iterations per start (default 300; a start that stalls is abandoned earlier). */
  maxIter?: number;
  /** Convergence on the commutator ‖Fρ − ρF‖_max (default 1e−9). */
  tol?: number;
  /** DIIS history length (default 8; 0 = plain damped iteration). Starts that stall are rerun level-shifted (μ = 2, 10, 40). */
  diis?: number;
  /** Extra starting orbital sets (M × A row-major each), tried after the built-in guesses. */
  starts?: Float64Array[];
}

/** One SCF run. */
export interface HfRun {
  guess: string;
  energy: number;
  converged: boolean;
  iterations: number;
  /** Parity breaking: ‖ρ_odd‖ = sqrt(Σ_{a+b odd} ρ_ab²). */
  parityBreaking: number;
}

/** Result of {@link solveFermionsHF}. Energies in ħω. */
export interface HfResult {
  A: number;
  nModes: number;
  /** Lowest HF energy over the starts. */
  energy: number;
  converged: boolean;
  /** Occupied orbitals, M × A row-major (`orbitals[a*A + i]` = coefficient of φ_a in orbital i). */
  orbitals: Float64Array;
  /** Occupied single-particle energies, ascending. */
  orbitalEnergies: number[];
  /** Density matrix ρ_ab = Σ_i C_ai C_bi (M × M). */
  densityMatrix: Float64Array;
  /** ‖odd part of ρ‖ of the winning solution (> 0 means parity broken). */
  parityBreaking: number;
  /** Every start, in the order tried. */
  runs: HfRun[];
  seconds: number;
}

function symEig(F: Float64Array, M: number): { values: number[]; vectors: Matrix } {
  const mat = new Matrix(M, M);
  for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) mat.set(i, j, F[i * M + j]!);
  const e = new EigenvalueDecomposition(mat, { assumeSymmetric: true });
  const vals = e.realEigenvalues;
  const order = vals.map((_, i) => i).sort((a, b) => vals[a]! - vals[b]!);
  const V = e.eigenvectorMatrix;
  const vectors = new Matrix(M, M);
  for (let k = 0; k < M; k++) for (let i = 0; i < M; i++) vectors.set(i, k, V.get(i, order[k]!));
  return { values: order.map((i) => vals[i]!), vectors };
}

function densityOf(C: Float64Array, M: number, A: number): Float64Array {
  const rho = new Float64Array(M * M);
  for (let a = 0; a < M; a++)
    for (let b = 0; b < M; b++) {
      let s = 0;
      for (let i = 0; i < A; i++) s += C[a * A + i]! * C[b * A + i]!;
      rho[a * M + b] = s;
    }
  return rho;
}

/**
 * Antisymmetrised elements rearranged for the Fock build: K[(a·M + c)·M² + b·M + d] = ⟨ab||cd⟩,
 * so that F_ac = (a+½)δ_ac + Σ_bd K[ac, bd] ρ_bd runs over contiguous memory (ρ is symmetric).
 */
function fockKernel(tb: TwoBodyElements): Float64Array {
  const M = tb.nModes;
  const M2 = M * M;
  const K = new Float64Array(M2 * M2);
  for (let a = 0; a < M; a++)
    for (let c = a; c < M; c++) {
      const o = (a * M + c) * M2;
      for (let b = 0; b < M; b++) for (let d = 0; d < M; d++) K[o + b * M + d] = tb.anti(a, b, c, d);
    }
  return K;
}

/** Fock matrix F_ac = (a+½)δ_ac + Σ_bd ⟨ab||cd⟩ ρ_db. */
function fock(K: Float64Array, M: number, rho: Float64Array): Float64Array {
  const M2 = M * M;
  const F = new Float64Array(M2);
  for (let a = 0; a < M; a++) {
    for (let c = a; c < M; c++) {
      const o = (a * M + c) * M2;
      let s = 0;
      for (let k = 0; k < M2; k++) s += K[o + k]! * rho[k]!;
      F[a * M + c] = s;
      F[c * M + a] = s;
    }
    F[a * M + a] = F[a * M + a]! + a + 0.5;
  }
  return F;
}

function hfEnergy(F: Float64Array, rho: Float64Array, M: number): number {
  let e = 0;
  for (let a = 0; a < M; a++) {
    e += (a + 0.5) * rho[a * M + a]!;
    for (let c = 0; c < M; c++) e += F[a * M + c]! * rho[c * M + a]!;
  }
  return 0.5 * e;
}

function orthonormalise(C: Float64Array, M: number, A: number): Float64Array {
  const out = Float64Array.from(C);
  for (let i = 0; i < A; i++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let a = 0; a < M; a++) d += out[a * A + i]! * out[a * A + j]!;
        for (let a = 0; a < M; a++) out[a * A + i] = out[a * A + i]! - d * out[a * A + j]!;
      }
    }
    let n = 0;
    for (let a = 0; a < M; a++) n += out[a * A + i]! ** 2;
    n = Math.sqrt(n);
    if (!(n > 1e-8)) throw new FermionInputError(`starts: orbital ${i} is linearly dependent on the others`);
    for (let a = 0; a < M; a++) out[a * A + i] = out[a * A + i]! / n;
  }
  return out;
}

/** Project functions f_i(x) (i < A) onto the HO basis by Gauss–Hermite quadrature. */
function project(fs: ((x: number) => number)[], M: number): Float64Array {
  const A = fs.length;
  const mesh = gaussHermiteScaled(Math.max(2 * M + 20, 60));
  const C = new Float64Array(M * A);
  const phi = new Float64Array(M);
  for (let q = 0; q < mesh.points.length; q++) {
    const x = mesh.points[q]!;
    hoFunctions(M - 1, x, phi);
    for (let i = 0; i < A; i++) {
      const f = mesh.weights[q]! * fs[i]!(x);
      for (let a = 0; a < M; a++) C[a * A + i] = C[a * A + i]! + f * phi[a]!;
    }
  }
  return C;
}

/** Built-in starting guesses: HO orbitals, parity-mixed HO orbitals, displaced HO orbitals, localised Gaussians. */
function guesses(A: number, M: number): { name: string; C: Float64Array }[] {
  const out: { name: string; C: Float64Array }[] = [];
  const ho = new Float64Array(M * A);
  for (let i = 0; i < A; i++) ho[i * A + i] = 1;
  out.push({ name: 'ho', C: ho });
  if (M > A) {
    for (const th of [0.3, 0.7]) {
      const C = new Float64Array(M * A);
      for (let i = 0; i < A; i++) {
        C[i * A + i] = Math.cos(th);
        C[(i + 1) * A + i] = Math.sin(th);
      }
      out.push({ name: `ho-mixed:${th}`, C: orthonormalise(C, M, A) });
    }
  }
  const phiN = (n: number, x: number) => hoFunctions(n, x)[n]!;
  for (const x0 of [0.4, 1.0]) {
    const fs = Array.from({ length: A }, (_, n) => (x: number) => phiN(n, x - x0));
    try {
      out.push({ name: `ho-shifted:${x0}`, C: orthonormalise(project(fs, M), M, A) });
    } catch {
      /* basis too small to hold the displaced set */
    }
  }
  for (const [label, spacing, width] of [
    ['localised', 1.2, 0.7],
    ['localised-wide', 2.0, 0.6],
  ] as const) {
    const fs = Array.from({ length: A }, (_, i) => {
      const c = (i - (A - 1) / 2) * spacing + 0.05 * i;
      return (x: number) => Math.exp(-((x - c) ** 2) / (2 * width * width));
    });
    try {
      out.push({ name: label, C: orthonormalise(project(fs, M), M, A) });
    } catch {
      /* skip */
    }
  }
  return out;
}

function scf(K: Float64Array, M: number, A: number, C0: Float64Array, maxIter: number, tol: number, nDiis: number, shift = 0) {
  let rho = densityOf(C0, M, A);
  const Fs: Float64Array[] = [];
  const Es: Float64Array[] = [];
  let energy = Infinity;
  let converged = false;
  let it = 0;
  let C = C0;
  let eps: number[] = [];
  let Fprev: Float64Array | undefined;
  const errHist: number[] = [NaN];
  for (it = 1; it <= maxIter; it++) {
    const F = fock(K, M, rho);
    const eNew = hfEnergy(F, rho, M);
    // commutator error Fρ − ρF
    const err = new Float64Array(M * M);
    let errMax = 0;
    for (let a = 0; a < M; a++)
      for (let b = 0; b < M; b++) {
        let s = 0;
        for (let c = 0; c < M; c++) s += F[a * M + c]! * rho[c * M + b]! - rho[a * M + c]! * F[c * M + b]!;
        err[a * M + b] = s;
        errMax = Math.max(errMax, Math.abs(s));
      }
    const dE = Math.abs(eNew - energy);
    energy = eNew;
    if (errMax < tol && dE < 1e-11) {
      converged = true;
      break;
    }
    // give up on a start that stalls (DIIS oscillating between solutions): no 10× gain in 40 steps
    errHist.push(errMax);
    if (shift === 0 && it > 80 && errMax > 0.1 * errHist[it - 41]!) break;
    let Fuse = F;
    if (nDiis > 0) {
      Fs.push(F);
      Es.push(err);
      if (Fs.length > nDiis) {
        Fs.shift();
        Es.shift();
      }
      const n = Fs.length;
      if (n >= 2) {
        const B = new Matrix(n + 1, n + 1);
        const rhs = new Matrix(n + 1, 1);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j <= i; j++) {
            let s = 0;
            const ei = Es[i]!;
            const ej = Es[j]!;
            for (let k = 0; k < ei.length; k++) s += ei[k]! * ej[k]!;
            B.set(i, j, s);
            B.set(j, i, s);
          }
          B.set(i, n, -1);
          B.set(n, i, -1);
        }
        rhs.set(n, 0, -1);
        try {
          const x = solve(B, rhs);
          const Fm = new Float64Array(M * M);
          let ok = true;
          for (let i = 0; i < n; i++) {
            const ci = x.get(i, 0);
            if (!Number.isFinite(ci)) ok = false;
            const Fi = Fs[i]!;
            for (let k = 0; k < Fm.length; k++) Fm[k] = Fm[k]! + ci * Fi[k]!;
          }
          if (ok) Fuse = Fm;
        } catch {
          Fs.splice(0, Fs.length - 1);
          Es.splice(0, Es.length - 1);
        }
      }
    } else if (Fprev && shift === 0) {
      const Fm = new Float64Array(M * M);
      for (let k = 0; k < Fm.length; k++) Fm[k] = 0.5 * F[k]! + 0.5 * Fprev[k]!;
      Fuse = Fm;
    }
    Fprev = Fuse;
    if (shift > 0) {
      // level shift: raise the virtual space by `shift` (F + μ(1 − ρ)); fixed points are unchanged
      const Fs2 = Float64Array.from(Fuse);
      for (let k = 0; k < Fs2.length; k++) Fs2[k] = Fs2[k]! - shift * rho[k]!;
      for (let a = 0; a < M; a++) Fs2[a * M + a] = Fs2[a * M + a]! + shift;
      Fuse = Fs2;
    }
    const { values, vectors } = symEig(Fuse, M);
    C = new Float64Array(M * A);
    for (let a = 0; a < M; a++) for (let i = 0; i < A; i++) C[a * A + i] = vectors.get(a, i);
    eps = values.slice(0, A);
    rho = densityOf(C, M, A);
  }
  // orbital energies of the final Fock matrix
  const Ffin = fock(K, M, rho);
  const fin = symEig(Ffin, M);
  let parityBreaking = 0;
  for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) if ((a + b) & 1) parityBreaking += rho[a * M + b]! ** 2;
  void eps;
  return {
    energy: hfEnergy(Ffin, rho, M),
    converged,
    iterations: Math.min(it, maxIter),
    C,
    rho,
    orbitalEnergies: fin.values.slice(0, A),
    parityBreaking: Math.sqrt(parityBreaking),
  };
}

/**
 * Hartree–Fock ground state of A fermions in M HO modes. Runs SCF from every built-in guess and
 * `opts.starts`; returns the lowest converged solution (the lowest overall if none converged).
 * Throws {@link FermionInputError} for A < 1, A > M, invalid interactions.
 */
export function solveFermionsHF(A: number, p: PairInteraction, opts: HfOptions, tbIn?: TwoBodyElements): HfResult {
  const t0 = performance.now();
  validateFermionSystem(A, p);
  const M = opts.nModes;
  if (!Number.isInteger(M) || M < 1) throw new FermionInputError(`basis: ${M} is not allowed (must be an integer ≥ 1)`);
  if (A > M) throw new FermionInputError(`A: ${A} is larger than the basis size ${M} (need A ≤ basis)`);
  const tb = tbIn && tbIn.nModes === M ? tbIn : new TwoBodyElements(p, M);
  const starts = guesses(A, M);
  for (const [i, C] of (opts.starts ?? []).entries()) {
    if (C.length !== M * A) throw new FermionInputError(`starts[${i}]: length ${C.length} ≠ M·A = ${M * A}`);
    starts.push({ name: `user:${i}`, C: orthonormalise(C, M, A) });
  }
  const K = fockKernel(tb);
  const runs: HfRun[] = [];
  let best: ReturnType<typeof scf> | undefined;
  for (const g of starts) {
    let r = scf(K, M, A, g.C, opts.maxIter ?? 300, opts.tol ?? 1e-9, opts.diis ?? 8);
    // DIIS can oscillate between solutions (strong attraction): fall back to a level-shifted,
    // undamped iteration, which lowers the energy monotonically for a large enough shift
    // (only when this start may still lead below the best converged solution so far)
    const bestConverged = best?.converged ? best.energy : Infinity;
    for (const mu of [2, 10, 40]) {
      if (r.converged || r.energy > bestConverged) break;
      const r2 = scf(K, M, A, g.C, 4 * (opts.maxIter ?? 300), opts.tol ?? 1e-9, 0, mu);
      if (r2.converged || r2.energy < r.energy) r = r2;
    }
    runs.push({ guess: g.name, energy: r.energy, converged: r.converged, iterations: r.iterations, parityBreaking: r.parityBreaking });
    const better = !best || (r.converged && !best.converged) || (r.converged === best.converged && r.energy < best.energy - 1e-12);
    if (better) best = r;
  }
  const b = best!;
  return {
    A,
    nModes: M,
    energy: b.energy,
    converged: b.converged,
    orbitals: b.C,
    orbitalEnergies: b.orbitalEnergies,
    densityMatrix: b.rho,
    parityBreaking: b.parityBreaking,
    runs,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** HF orbitals ψ_i(x) on `xs`: returns A arrays. */
export function hfOrbitalsOnGrid(hf: HfResult, xs: ArrayLike<number>): Float64Array[] {
  const { A, nModes: M, orbitals } = hf;
  const out = Array.from({ length: A }, () => new Float64Array(xs.length));
  const phi = new Float64Array(M);
  for (let k = 0; k < xs.length; k++) {
    hoFunctions(M - 1, xs[k]!, phi);
    for (let i = 0; i < A; i++) {
      let s = 0;
      for (let a = 0; a < M; a++) s += orbitals[a * A + i]! * phi[a]!;
      out[i]![k] = s;
    }
  }
  return out;
}
