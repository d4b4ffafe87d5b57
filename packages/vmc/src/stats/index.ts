/**
 * Monte Carlo statistics in float64: mean, variance, blocking error of the mean, integrated
 * autocorrelation time and split-R̂. Inputs are plain number arrays (already read from the device).
 */

/** Too few samples or ragged chains. */
export class StatsInputError extends Error {
  override readonly name = 'StatsInputError';
}

/** Arithmetic mean (float64). */
export function mean(a: ArrayLike<number>): number {
  if (a.length === 0) throw new StatsInputError('mean: empty sample');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

/** Unbiased sample variance (n − 1 in the denominator; 0 for one sample). */
export function variance(a: ArrayLike<number>): number {
  const m = mean(a);
  if (a.length < 2) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - m) ** 2;
  return s / (a.length - 1);
}

/** Median (float64; the input is not modified). */
export function median(a: ArrayLike<number>): number {
  if (a.length === 0) throw new StatsInputError('median: empty sample');
  const s = Float64Array.from(a).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : 0.5 * (s[n / 2 - 1]! + s[n / 2]!);
}

/** One level of the blocking analysis. */
export interface BlockingLevel {
  /** block length in samples */
  blockSize: number;
  /** number of blocks */
  blocks: number;
  /** naive error of the mean from the block means, σ_blocks/√blocks */
  error: number;
}

/** Result of {@link blockingError}. */
export interface BlockingResult {
  mean: number;
  /** error of the mean: the largest estimate over levels with ≥ `minBlocks` blocks (the plateau) */
  error: number;
  /** naive error σ/√n assuming independent samples */
  naiveError: number;
  levels: BlockingLevel[];
}

/**
 * Error of the mean of a correlated series by repeated pairwise blocking (Flyvbjerg–Petersen):
 * the naive error of the block means grows with the block size until blocks are independent and
 * then plateaus. Returns the maximum over levels that keep at least `minBlocks` blocks (default 16),
 * a conservative plateau estimate.
 */
export function blockingError(series: ArrayLike<number>, minBlocks = 16): BlockingResult {
  if (series.length < 2) throw new StatsInputError(`blockingError: need at least 2 samples (got ${series.length})`);
  let cur = Float64Array.from(series);
  const m = mean(cur);
  const levels: BlockingLevel[] = [];
  let size = 1;
  while (cur.length >= Math.min(minBlocks, series.length)) {
    levels.push({ blockSize: size, blocks: cur.length, error: Math.sqrt(variance(cur) / cur.length) });
    if (cur.length < 2 * minBlocks) break;
    const next = new Float64Array(cur.length >> 1);
    for (let i = 0; i < next.length; i++) next[i] = 0.5 * (cur[2 * i]! + cur[2 * i + 1]!);
    cur = next;
    size *= 2;
  }
  const error = Math.max(...levels.map((l) => l.error));
  return { mean: m, error, naiveError: levels[0]!.error, levels };
}

/**
 * Integrated autocorrelation time τ = 1 + 2 Σ_{t=1}^{W} ρ(t) with Sokal's automatic window
 * (smallest W with W ≥ c·τ(W), c = 5), in units of the series' steps. τ = 1 for independent samples;
 * the error of the mean is ≈ σ √(τ/n). Returns 1 for a constant series.
 */
export function integratedAutocorrTime(series: ArrayLike<number>, c = 5): number {
  const n = series.length;
  if (n < 4) throw new StatsInputError(`integratedAutocorrTime: need at least 4 samples (got ${n})`);
  const m = mean(series);
  const d = Float64Array.from(series, (v) => v - m);
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += d[i]! * d[i]!;
  if (c0 === 0) return 1;
  let tau = 1;
  for (let t = 1; t < n; t++) {
    let ct = 0;
    for (let i = 0; i + t < n; i++) ct += d[i]! * d[i + t]!;
    tau += (2 * ct) / c0;
    if (t >= c * tau) break;
  }
  // short or anticorrelated series can sum below 0; 1/n is the smallest meaningful value
  return Math.max(tau, 1 / n);
}

/**
 * Split-R̂ (Gelman et al.): each chain is split in halves and R̂ = √(V̂/W) with
 * V̂ = (n−1)/n·W + B/n, W the mean within-chain variance and B/n the variance of the chain means.
 * ≈ 1 for converged chains. `chains`: m chains of equal length n ≥ 4.
 */
export function splitRHat(chains: readonly ArrayLike<number>[]): number {
  if (chains.length < 1) throw new StatsInputError('splitRHat: need at least one chain');
  const n0 = chains[0]!.length;
  if (n0 < 4) throw new StatsInputError(`splitRHat: chains need at least 4 samples (got ${n0})`);
  for (const ch of chains) if (ch.length !== n0) throw new StatsInputError('splitRHat: chains must have equal length');
  const half = Math.floor(n0 / 2);
  const parts: Float64Array[] = [];
  for (const ch of chains) {
    const a = Float64Array.from(ch);
    parts.push(a.subarray(0, half), a.subarray(n0 - half));
  }
  const means = parts.map((p) => mean(p));
  const W = mean(parts.map((p) => variance(p)));
  const Bn = variance(means); // B/n
  if (W === 0) return Bn === 0 ? 1 : Infinity;
  const V = ((half - 1) / half) * W + Bn;
  return Math.sqrt(V / W);
}
