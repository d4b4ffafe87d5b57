/**
 * Final-energy evaluation and observables of a trapped-fermion run, accumulated in float64 over many
 * batches of the persistent chains (REFERENCE.md §2: density, ⟨x²⟩, pair distribution, one-body
 * density matrix and natural occupations, energy components). The one-body density matrix comes in
 * two forms: in the HO basis (`obdm`) and on a uniform grid in x (`obdmGrid`, see ./obdm.ts).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { tf } from '@nqs/autodiff-core';
import { hoOrbitalsF64 } from '@nqs/ansatz';
import { blockingError, integratedAutocorrTime, mean, splitRHat, variance } from '../stats/index.js';
import { FermionRunInputError, sampleEnergies, type FermionRun } from './fermions.js';
import { accumulateGridObdm, defaultObdmGrid, gridObdmAccumulator, gridObdmResult, type GridObdm, type ObdmGrid } from './obdm.js';

/** Options of {@link evaluateFermions}. */
export interface EvaluateOptions {
  /** Number of batches (default 100); each batch evaluates every walker once. */
  batches?: number;
  /** Sweeps between batches (default: the run's sweepsPerEpoch). */
  sweepsBetween?: number;
  /** Histogram range [−xMax, xMax] (default 5) and bins (default 100) of the density. */
  xMax?: number;
  bins?: number;
  /** Bins per axis of the pair distribution (default 50). */
  pairBins?: number;
  /** HO basis size of the one-body density matrix (default A + 8; 0 disables it). */
  obdmBasis?: number;
  /** Batches used for the one-body density matrix (default min(batches, 10)). */
  obdmBatches?: number;
  /** Width of the Gaussian from which the displaced coordinate x' is drawn (default 1.5). */
  obdmWidth?: number;
  /** Grid points of the grid one-body density matrix (default 40; 0 disables it). */
  obdmGridPoints?: number;
  /** Grid range [xMin, xMax] in oscillator lengths (default [−L, L], L = max(4.5, √(2A−1) + 2.5)). */
  obdmGridRange?: readonly [number, number];
  /** Batches used for the grid one-body density matrix (default min(batches, 5)). */
  obdmGridBatches?: number;
  /**
   * Particles moved per walker for the grid matrix: 'random' (default, one per walker, points
   * evaluations of ψ per walker) or 'all' (A·points evaluations, lower variance).
   */
  obdmGridParticles?: 'all' | 'random';
  /** Called after every batch (progress). */
  onBatch?: (done: number, total: number) => void;
}

/** A float64 estimate with its error of the mean. */
export interface Estimate {
  value: number;
  error: number;
}

/** Result of {@link evaluateFermions}. Lengths in oscillator lengths, energies in ħω. */
export interface FermionEvaluation {
  /** ⟨E_L⟩ over all batches and walkers */
  energy: number;
  /** blocking error of the mean over the batch-mean series */
  energyError: number;
  /** variance of E_L */
  variance: number;
  /** integrated autocorrelation time of the batch means (in batches) */
  tauCorr: number;
  /** split-R̂ with every walker a chain over the batches */
  rHat: number;
  /** mean acceptance of the evaluation sweeps */
  acceptance: number;
  batches: number;
  walkers: number;
  /** energy components */
  components: { kinetic: Estimate; trap: Estimate; pair: Estimate };
  /** ⟨x²⟩ per particle, (1/A)⟨Σ_i x_i²⟩ */
  x2: Estimate;
  /** density n(x) normalised to ∫n = A, at bin centres */
  density: { x: number[]; n: number[] };
  /** pair distribution g(x₁, x₂) = ⟨Σ_{i≠j} δ(x₁−x_i)δ(x₂−x_j)⟩, ∫∫g = A(A−1), on a bins×bins grid */
  pair: { x: number[]; g: number[][] };
  /** one-body density matrix in the HO basis ρ_nm, natural occupations (descending, Σ ≈ A) */
  obdm: { basis: number; matrix: number[][]; occupations: number[] } | null;
  /**
   * one-body density matrix ρ(x, x') on a uniform grid (bin-averaged in x, symmetrised) and its
   * natural occupations (eigenvalues of ρΔ, descending, Σ ≈ A); null when obdmGridPoints = 0
   */
  obdmGrid: GridObdm | null;
}

function blocked(series: number[]): Estimate {
  const b = series.length >= 2 ? blockingError(series) : { mean: series[0] ?? NaN, error: NaN };
  return { value: b.mean, error: b.error };
}

/**
 * Run `batches` batches of the run's chains at fixed parameters and accumulate the energy and the
 * observables. Continues the run's walkers and Rng (the run must be in the energy phase).
 */
export async function evaluateFermions(run: FermionRun, o: EvaluateOptions = {}): Promise<FermionEvaluation> {
  if (run.phase !== 'train') throw new FermionRunInputError('evaluateFermions: run the energy phase first');
  const A = run.config.particles;
  const batches = o.batches ?? 100;
  const sweeps = o.sweepsBetween ?? run.config.sweepsPerEpoch;
  const xMax = o.xMax ?? 5;
  const bins = o.bins ?? 100;
  const pairBins = o.pairBins ?? 50;
  const nb = o.obdmBasis ?? A + 8;
  const obdmBatches = Math.min(o.obdmBatches ?? Math.min(batches, 10), batches);
  const qw = o.obdmWidth ?? 1.5;
  if (!Number.isInteger(batches) || batches < 1) throw new FermionRunInputError(`batches: ${batches} is not allowed (must be an integer ≥ 1)`);
  const gridPointsN = o.obdmGridPoints ?? 40;
  if (!Number.isInteger(gridPointsN) || gridPointsN < 0) throw new FermionRunInputError(`obdmGridPoints: ${gridPointsN} is not allowed (must be an integer ≥ 0)`);
  const gridBatches = Math.min(o.obdmGridBatches ?? Math.min(batches, 5), batches);
  const obdmGrid: ObdmGrid | null =
    gridPointsN === 0 ? null : o.obdmGridRange ? { xMin: o.obdmGridRange[0], xMax: o.obdmGridRange[1], points: gridPointsN } : defaultObdmGrid(A, gridPointsN);
  const gridAcc = obdmGrid ? gridObdmAccumulator(obdmGrid) : null;
  const psi = (z: tf.Tensor2D) => run.net.apply(run.params, z);

  const B = run.config.walkers;
  const batchMeans: number[] = [];
  const compSeries: Record<'kinetic' | 'trap' | 'pair', number[]> = { kinetic: [], trap: [], pair: [] };
  const x2Series: number[] = [];
  const perWalker: Float64Array[] = []; // [batch][walker]
  let varSum = 0;
  const hist = new Float64Array(bins);
  const pairHist = new Float64Array(pairBins * pairBins);
  const dx = (2 * xMax) / bins;
  const pdx = (2 * xMax) / pairBins;
  const rho = nb > 0 ? new Float64Array(nb * nb) : null;
  let rhoSamples = 0;
  let accSum = 0;
  for (let t = 0; t < batches; t++) {
    const { total, terms, acceptance } = await sampleEnergies(run, sweeps);
    accSum += acceptance;
    perWalker.push(total);
    batchMeans.push(mean(total));
    varSum += variance(total);
    for (const k of ['kinetic', 'trap', 'pair'] as const) compSeries[k].push(mean(terms[k]!));
    const x = await run.walkers.x.data();
    let s2 = 0;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < A; i++) {
        const xi = x[b * A + i]!;
        s2 += xi * xi;
        const k = Math.floor((xi + xMax) / dx);
        if (k >= 0 && k < bins) hist[k]! += 1;
        const pi = Math.floor((xi + xMax) / pdx);
        if (pi < 0 || pi >= pairBins) continue;
        for (let j = 0; j < A; j++) {
          if (j === i) continue;
          const pj = Math.floor((x[b * A + j]! + xMax) / pdx);
          if (pj >= 0 && pj < pairBins) pairHist[pi * pairBins + pj]! += 1;
        }
      }
    }
    x2Series.push(s2 / (B * A));
    if (rho && t < obdmBatches) {
      await accumulateObdm(run, x, qw, nb, rho);
      rhoSamples += B;
    }
    if (gridAcc && t < gridBatches) {
      // a stream derived from the run's Rng without advancing it: the chains (and so the energy) do
      // not depend on whether the grid matrix is computed
      const particles = o.obdmGridParticles ?? 'random';
      await accumulateGridObdm(psi, run.walkers.x, gridAcc, { particles, rng: run.rng.fold(0x0bd6 + t), xData: x });
    }
    o.onBatch?.(t + 1, batches);
  }
  const samples = batches * B;
  const centres = Array.from({ length: bins }, (_, k) => -xMax + (k + 0.5) * dx);
  const pcentres = Array.from({ length: pairBins }, (_, k) => -xMax + (k + 0.5) * pdx);
  const g: number[][] = [];
  for (let i = 0; i < pairBins; i++) g.push(Array.from({ length: pairBins }, (_, j) => pairHist[i * pairBins + j]! / (samples * pdx * pdx)));
  let obdm: FermionEvaluation['obdm'] = null;
  if (rho && rhoSamples > 0) {
    const m = Matrix.zeros(nb, nb);
    for (let a = 0; a < nb; a++) for (let b = 0; b < nb; b++) m.set(a, b, (0.5 * (rho[a * nb + b]! + rho[b * nb + a]!)) / rhoSamples);
    const eig = new EigenvalueDecomposition(m, { assumeSymmetric: true });
    obdm = { basis: nb, matrix: m.to2DArray(), occupations: [...eig.realEigenvalues].sort((p, q) => q - p) };
  }
  const e = blockingError(batchMeans.length >= 2 ? batchMeans : [batchMeans[0]!, batchMeans[0]!]);
  const chains = Array.from({ length: B }, (_, b) => perWalker.map((row) => row[b]!));
  return {
    energy: mean(batchMeans),
    energyError: batches >= 2 ? e.error : Math.sqrt(varSum / samples),
    variance: varSum / batches,
    tauCorr: batches >= 4 ? integratedAutocorrTime(batchMeans) : NaN,
    rHat: batches >= 4 ? splitRHat(chains) : NaN,
    acceptance: accSum / batches,
    batches,
    walkers: B,
    components: { kinetic: blocked(compSeries.kinetic), trap: blocked(compSeries.trap), pair: blocked(compSeries.pair) },
    x2: blocked(x2Series),
    density: { x: centres, n: Array.from(hist, (c) => c / (samples * dx)) },
    pair: { x: pcentres, g },
    obdm,
    obdmGrid: gridAcc && gridAcc.samples > 0 ? gridObdmResult(gridAcc) : null,
  };
}

/**
 * ρ_nm += Σ_i φ_n(x_i) φ_m(x'_i) ψ(…x'_i…)/ψ(x) / q(x'_i) for every walker, x'_i ~ N(0, w²) = q.
 * ρ(x, x') = A∫ψ(x, x₂…)ψ(x', x₂…); summing over the particle index gives the factor A.
 */
async function accumulateObdm(run: FermionRun, x: Float32Array | Int32Array | Uint8Array, w: number, nb: number, rho: Float64Array): Promise<void> {
  const A = run.config.particles;
  const B = run.config.walkers;
  // sign and ln|ψ| in one tensor, so that each evaluation costs one asynchronous read
  const read = async (xt: tf.Tensor2D) => {
    const both = tf.tidy(() => {
      const r = run.net.apply(run.params, xt);
      return tf.stack([r.sign, r.logAbs]);
    });
    const d = await both.data();
    both.dispose();
    return { s: d.subarray(0, B), l: d.subarray(B) };
  };
  const { s: s0, l: l0 } = await read(run.walkers.x);
  for (let i = 0; i < A; i++) {
    const xp = run.rng.fillNormal(new Float64Array(B), 0, w);
    const moved = Float32Array.from(x);
    for (let b = 0; b < B; b++) moved[b * A + i] = xp[b]!;
    const xt = tf.tensor2d(moved, [B, A]);
    const { s: s1, l: l1 } = await read(xt);
    xt.dispose();
    const xi = new Float64Array(B);
    const xq = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      xi[b] = x[b * A + i]!;
      xq[b] = Float32Array.of(xp[b]!)[0]!;
    }
    const phiI = hoOrbitalsF64(nb, xi);
    const phiP = hoOrbitalsF64(nb, xq);
    for (let b = 0; b < B; b++) {
      const q = Math.exp((-0.5 * xq[b]! * xq[b]!) / (w * w)) / (Math.sqrt(2 * Math.PI) * w);
      const ratio = (s1[b]! * s0[b]! * Math.exp(l1[b]! - l0[b]!)) / q;
      if (!Number.isFinite(ratio)) continue;
      for (let n = 0; n < nb; n++) {
        const fn = phiI[n]![b]! * ratio;
        for (let m = 0; m < nb; m++) rho[n * nb + m]! += fn * phiP[m]![b]!;
      }
    }
  }
}
