/**
 * One-body density matrix of a walker wavefunction on a uniform grid (REFERENCE.md §2):
 *
 *   ρ(x, x') = A ∫ψ*(x, x₂…x_A) ψ(x', x₂…x_A) dx₂…dx_A / ∫|ψ|²,   ∫ρ(x, x) dx = A,
 *
 * estimated from walkers X ~ |ψ|² by moving one particle to every grid point:
 *
 *   ρ(x_k, x'_g) ≈ (1/Δ) ⟨Σ_i 1[x_i ∈ bin k] ψ(X with x_i → x'_g)/ψ(X)⟩.
 *
 * Bin k has its centre at grid point k and width Δ, so the estimate is ρ averaged over bin k in x
 * and taken at the point x'_g. The |ψ(X)|² of the sampling density cancels against the ratio's
 * denominator, so every element has finite variance (nodes of ψ do no harm): per walker,
 * Var M_kg ≈ n(x'_g)/Δ, set by the density at the *target* point and not by the bin of x_i.
 * M_kg and M_gk estimate the same symmetric ρ, so they are combined with inverse-variance weights,
 *
 *   ρ_kg = (c_k M_kg + c_g M_gk)/(c_k + c_g),   c_k = particle count in bin k ∝ n(x_k),
 *
 * instead of (M + Mᵀ)/2: a tail bin k is rarely visited, and its row is then replaced by the
 * well-sampled moves *into* x_k (the plain average is biased low there by half in a finite sample).
 * Natural occupations are the eigenvalues of ρ·Δ (float64), descending, Σ ≈ A.
 *
 * The ratios are computed on the device in chunks (one tf.tidy and one asynchronous read per chunk);
 * sums are float64. Lengths in oscillator lengths.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { tf, type Rng } from '@nqs/autodiff-core';
import type { LogPsi } from '@nqs/ansatz';

/** Bad grid or estimator options. */
export class ObdmInputError extends Error {
  override readonly name = 'ObdmInputError';
}

/** A wavefunction bound to its parameters: x [rows, A] → sign and ln|ψ| per row, [rows]. */
export type LogPsiFn = (x: tf.Tensor2D) => LogPsi;

/**
 * A uniform grid of `points` points on [xMin, xMax]: point g sits at the centre of bin
 * [xMin + gΔ, xMin + (g+1)Δ], Δ = (xMax − xMin)/points (oscillator lengths).
 */
export interface ObdmGrid {
  xMin: number;
  xMax: number;
  points: number;
}

/** Running float64 sums of the grid estimator (create with {@link gridObdmAccumulator}). */
export interface GridObdmAccumulator {
  readonly grid: ObdmGrid;
  /** Σ over walkers of the unsymmetrised estimator, row-major [points, points] (row: bin of x_i, column: grid point x'). */
  readonly sums: Float64Array;
  /** Particle counts per bin of x_i (weighted like the estimator), [points]. */
  readonly counts: Float64Array;
  /** Walkers accumulated so far. */
  samples: number;
  /** Particle positions that fell outside the grid (weighted like the estimator, i.e. ×A for 'random'). */
  outside: number;
}

/** Options of {@link accumulateGridObdm}. */
export interface AccumulateGridObdmOptions {
  /**
   * 'all' (default): move every particle of every walker (A·points evaluations per walker).
   * 'random': move one particle per walker, drawn with `rng`, weight A (points evaluations per walker).
   */
  particles?: 'all' | 'random';
  /** Needed for particles = 'random'. */
  rng?: Rng;
  /** Wavefunction evaluations per device chunk (default 16384). */
  chunkRows?: number;
  /** Positions of `x` already read to the host (row-major [B, A]); skips one read. */
  xData?: ArrayLike<number>;
}

/** The grid one-body density matrix (oscillator lengths). */
export interface GridObdm {
  /** grid points x_g, [points] */
  grid: number[];
  /** grid spacing Δ (= bin width) */
  binWidth: number;
  /** symmetric ρ(x_k, x_g), [points][points], in 1/oscillator length; ∫ρ(x,x)dx ≈ Σ_k ρ_kk Δ = A */
  matrix: number[][];
  /** eigenvalues of ρ·Δ, descending (Σ ≈ A; A of them ≈ 1 for a single Slater determinant) */
  naturalOccupations: number[];
  /** Σ_k ρ_kk Δ (≈ A less the weight outside the grid) */
  trace: number;
  /** walkers that went into the estimate */
  samples: number;
}

/** Check a grid and return its points and spacing. */
export function gridPoints(grid: ObdmGrid): { x: number[]; dx: number } {
  const { xMin, xMax, points } = grid;
  if (!Number.isInteger(points) || points < 1) throw new ObdmInputError(`points: ${points} is not allowed (must be an integer ≥ 1)`);
  if (!Number.isFinite(xMin) || !Number.isFinite(xMax) || !(xMax > xMin)) {
    throw new ObdmInputError(`grid range [${xMin}, ${xMax}] is not allowed (must be finite with xMax > xMin)`);
  }
  const dx = (xMax - xMin) / points;
  return { x: Array.from({ length: points }, (_, g) => xMin + (g + 0.5) * dx), dx };
}

/**
 * The default symmetric grid for A particles: [−L, L] with L = max(4.5, √(2A−1) + 2.5), i.e. the
 * classical turning point of the highest occupied HO orbital plus 2.5 oscillator lengths of tail.
 */
export function defaultObdmGrid(particles: number, points = 40): ObdmGrid {
  const L = Math.max(4.5, Math.sqrt(2 * particles - 1) + 2.5);
  return { xMin: -L, xMax: L, points };
}

/** Empty float64 sums for `grid`. */
export function gridObdmAccumulator(grid: ObdmGrid): GridObdmAccumulator {
  const { x } = gridPoints(grid);
  return { grid: { ...grid }, sums: new Float64Array(x.length * x.length), counts: new Float64Array(x.length), samples: 0, outside: 0 };
}

/**
 * Add the walkers `x` [B, A] (distributed as |ψ|²) to `acc`: for every walker and moved particle i,
 * evaluates ψ with x_i at every grid point and adds the ratios to the row of the bin of x_i.
 * Does not dispose `x`; no tensors survive the call.
 */
export async function accumulateGridObdm(psi: LogPsiFn, x: tf.Tensor2D, acc: GridObdmAccumulator, o: AccumulateGridObdmOptions = {}): Promise<void> {
  if (x.rank !== 2) throw new ObdmInputError(`x: rank ${x.rank} is not allowed (must be [walkers, A])`);
  const [B, A] = x.shape as [number, number];
  const mode = o.particles ?? 'all';
  if (mode !== 'all' && mode !== 'random') throw new ObdmInputError(`particles: '${String(mode)}' is not allowed (allowed: all, random)`);
  if (mode === 'random' && !o.rng) throw new ObdmInputError("particles: 'random' needs an rng");
  const chunkRows = o.chunkRows ?? 16384;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new ObdmInputError(`chunkRows: ${chunkRows} is not allowed (must be an integer ≥ 1)`);
  const { x: gx, dx } = gridPoints(acc.grid);
  const G = gx.length;
  const { xMin } = acc.grid;
  const xs = o.xData ?? (await x.data());
  if (xs.length !== B * A) throw new ObdmInputError(`xData: ${xs.length} values is not allowed (must be walkers·A = ${B * A})`);
  // the moved particles of every walker and their weights (sum over i, or A × one random i)
  const nSel = mode === 'all' ? A : 1;
  const weight = mode === 'all' ? 1 : A;
  const sel = new Int32Array(B * nSel);
  for (let b = 0; b < B; b++) {
    if (mode === 'all') for (let i = 0; i < A; i++) sel[b * A + i] = i;
    else sel[b] = o.rng!.int(A);
  }
  const gx32 = Float32Array.from(gx);
  const perWalker = nSel * G;
  const chunk = Math.max(1, Math.floor(chunkRows / perWalker));
  for (let b0 = 0; b0 < B; b0 += chunk) {
    const c = Math.min(chunk, B - b0);
    const moved = new Float32Array(c * perWalker * A);
    for (let b = 0; b < c; b++) {
      const row = (b0 + b) * A;
      for (let s = 0; s < nSel; s++) {
        const i = sel[(b0 + b) * nSel + s]!;
        for (let g = 0; g < G; g++) {
          const o0 = ((b * nSel + s) * G + g) * A;
          for (let j = 0; j < A; j++) moved[o0 + j] = xs[row + j]!;
          moved[o0 + i] = gx32[g]!;
        }
      }
    }
    const ratio = tf.tidy(() => {
      const base = psi(tf.slice(x, [b0, 0], [c, A]) as tf.Tensor2D);
      const mt = psi(tf.tensor2d(moved, [c * perWalker, A]));
      const dl = tf.sub(tf.reshape(mt.logAbs, [c, perWalker]), tf.expandDims(base.logAbs, 1));
      const sg = tf.mul(tf.reshape(mt.sign, [c, perWalker]), tf.expandDims(base.sign, 1));
      return tf.mul(sg, tf.exp(dl));
    });
    const r = await ratio.data();
    ratio.dispose();
    for (let b = 0; b < c; b++) {
      for (let s = 0; s < nSel; s++) {
        const xi = xs[(b0 + b) * A + sel[(b0 + b) * nSel + s]!]!;
        const k = Math.floor((xi - xMin) / dx);
        if (!(k >= 0 && k < G)) {
          acc.outside += weight;
          continue;
        }
        acc.counts[k]! += weight;
        const o0 = (b * nSel + s) * G;
        for (let g = 0; g < G; g++) {
          const v = r[o0 + g]!;
          // ψ(X) = 0 exactly (a walker on a node) has probability zero under |ψ|²; skip its 0/0
          if (Number.isFinite(v)) acc.sums[k * G + g]! += weight * v;
        }
      }
    }
  }
  acc.samples += B;
}

/** Normalise, symmetrise (count-weighted, see the module note) and diagonalise the sums (float64). */
export function gridObdmResult(acc: GridObdmAccumulator): GridObdm {
  const { x, dx } = gridPoints(acc.grid);
  const G = x.length;
  if (acc.samples < 1) throw new ObdmInputError('gridObdmResult: no walkers were accumulated');
  const norm = 1 / (acc.samples * dx);
  const m = Matrix.zeros(G, G);
  const matrix: number[][] = [];
  let trace = 0;
  for (let k = 0; k < G; k++) {
    const row: number[] = [];
    for (let g = 0; g < G; g++) {
      const ck = acc.counts[k]!;
      const cg = acc.counts[g]!;
      const v = (ck + cg > 0 ? (ck * acc.sums[k * G + g]! + cg * acc.sums[g * G + k]!) / (ck + cg) : 0) * norm;
      row.push(v);
      m.set(k, g, v * dx);
    }
    trace += row[k]! * dx;
    matrix.push(row);
  }
  const eig = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  return {
    grid: x,
    binWidth: dx,
    matrix,
    naturalOccupations: [...eig.realEigenvalues].sort((p, q) => q - p),
    trace,
    samples: acc.samples,
  };
}
