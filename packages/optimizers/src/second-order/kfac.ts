/**
 * Kronecker-factored approximate curvature (KFAC) over per-layer factors (REFERENCE.md §3):
 * for a dense use z = a·W + b (W [in, out]) the per-sample weight gradient of y_b is
 * Σ_n ā_{b,n} ⊗ δ_{b,n} (ā = [a, 1] with a 1 for the bias, δ = ∂y_b/∂z), and the curvature block of
 * [W; b] is approximated by A ⊗ G with
 *
 *   A = (1/(B·N)) Σ_{b,n} ā āᵀ   [(in+1)², or in² without bias],
 *   G = (1/B) Σ_{b,n} δ δᵀ        [out²],
 *
 * (N > 1: weights shared over N positions, e.g. particles — the "expand" approximation; for N = 1
 * A ⊗ G is the exact block ⟨vec∇W vec∇Wᵀ⟩ whenever δ does not vary over the samples).
 * Factors are averaged over steps with ε_t = min(1 − 1/(t+1), 0.95) and damped with the factored
 * Tikhonov rule: Δ = (A + γπI)⁻¹ ∇W̃ (G + (γ/π)I)⁻¹, π = sqrt((tr A/dim A)/(tr G/dim G)).
 * Parameters outside dense uses (e.g. envelope widths) get the diagonal ⟨O_p²⟩ + γ².
 */
import { tf, type DenseFactors, type TreeSpec } from '@nqs/autodiff-core';
import { OptimizerInputError } from '../first-order.js';
import { spdInverse } from './linalg.js';

/** Averaged factors of one weight matrix (all its dense uses combined). */
export interface KfacBlock {
  /** ParamTree path of W [in, out] */
  w: string;
  /** path of the bias [out], when the uses add one */
  b?: string;
  /** in (+1 with bias) */
  dimA: number;
  /** out */
  dimG: number;
  /** A, row-major [dimA, dimA] */
  A: Float64Array;
  /** G, row-major [dimG, dimG] */
  G: Float64Array;
}

/**
 * Per-step factors A, G (float32 products on the device, float64 results) from the layer inputs
 * and deltas of {@link perSampleJacobian} with `factors: true`. Several uses of the same W are
 * summed (they must agree on the bias and the shapes).
 */
export async function kfacFactors(uses: readonly DenseFactors[]): Promise<KfacBlock[]> {
  const byW = new Map<string, KfacBlock>();
  for (const u of uses) {
    const [B, N, din] = u.a.shape;
    const dout = u.delta.shape[2];
    if (u.delta.shape[0] !== B || u.delta.shape[1] !== N) {
      throw new OptimizerInputError(`kfacFactors: use of '${u.w}': a [${u.a.shape}] and delta [${u.delta.shape}] disagree on samples/positions`);
    }
    const dimA = din + (u.b ? 1 : 0);
    const [Ad, Gd] = tf.tidy(() => {
      let a2: tf.Tensor2D = tf.reshape(u.a, [B * N, din]);
      if (u.b) a2 = tf.concat([a2, tf.ones([B * N, 1])], 1);
      const d2 = tf.reshape(u.delta, [B * N, dout]);
      return [tf.div(tf.matMul(tf.transpose(a2), a2), B * N), tf.div(tf.matMul(tf.transpose(d2), d2), B)];
    });
    const A = Float64Array.from(await Ad.data());
    const G = Float64Array.from(await Gd.data());
    Ad.dispose();
    Gd.dispose();
    const prev = byW.get(u.w);
    if (!prev) {
      byW.set(u.w, { w: u.w, ...(u.b ? { b: u.b } : {}), dimA, dimG: dout, A, G });
      continue;
    }
    if (prev.dimA !== dimA || prev.dimG !== dout || prev.b !== u.b) {
      throw new OptimizerInputError(`kfacFactors: the uses of '${u.w}' differ in shape or bias; KFAC needs one dense layout per weight`);
    }
    for (let i = 0; i < A.length; i++) prev.A[i]! += A[i]!;
    for (let i = 0; i < G.length; i++) prev.G[i]! += G[i]!;
  }
  return [...byW.values()];
}

/** EMA weight of step t (0-based count of previous factor updates): min(1 − 1/(t+1), 0.95). */
export function kfacDecay(t: number): number {
  return Math.min(1 - 1 / (t + 1), 0.95);
}

/** Blend new factors into the running ones: X ← ε X + (1 − ε) X̂. Returns new blocks. */
export function kfacAverage(old: readonly KfacBlock[] | null, fresh: readonly KfacBlock[], t: number): KfacBlock[] {
  if (!old) return fresh.map((b) => ({ ...b, A: Float64Array.from(b.A), G: Float64Array.from(b.G) }));
  const eps = kfacDecay(t);
  const prev = new Map(old.map((b) => [b.w, b]));
  return fresh.map((b) => {
    const o = prev.get(b.w);
    if (!o || o.dimA !== b.dimA || o.dimG !== b.dimG) return { ...b, A: Float64Array.from(b.A), G: Float64Array.from(b.G) };
    return {
      ...b,
      A: Float64Array.from(b.A, (v, i) => eps * o.A[i]! + (1 - eps) * v),
      G: Float64Array.from(b.G, (v, i) => eps * o.G[i]! + (1 - eps) * v),
    };
  });
}

/** π = sqrt((tr A / dim A) / (tr G / dim G)) of the factored damping. */
export function kfacPi(b: KfacBlock): number {
  let ta = 0;
  let tg = 0;
  for (let i = 0; i < b.dimA; i++) ta += b.A[i * b.dimA + i]!;
  for (let i = 0; i < b.dimG; i++) tg += b.G[i * b.dimG + i]!;
  const p = Math.sqrt((ta / b.dimA) / (tg / b.dimG));
  return Number.isFinite(p) && p > 0 ? p : 1;
}

/** Offsets and sizes of the leaves of a flat parameter vector (treeToFlat order). */
export function leafOffsets(layout: TreeSpec): Map<string, { offset: number; size: number; shape: number[] }> {
  const m = new Map<string, { offset: number; size: number; shape: number[] }>();
  let o = 0;
  layout.paths.forEach((p, i) => {
    const shape = layout.shapes[i]!;
    const size = shape.reduce((a, b) => a * b, 1);
    m.set(p, { offset: o, size, shape });
    o += size;
  });
  return m;
}

/**
 * Apply the damped KFAC inverse to a flat gradient g [P]:
 * per block Δ = (A + γπI)⁻¹ [∇W; ∇b] (G + (γ/π)I)⁻¹; other entries g_p / (diag_p + γ²).
 *
 * @param diag diagonal curvature ⟨O_p²⟩ [P] used for parameters outside the blocks.
 * @param gamma factored Tikhonov damping γ > 0.
 */
export function kfacPrecondition(blocks: readonly KfacBlock[], layout: TreeSpec, g: Float64Array, diag: Float64Array, gamma: number): Float64Array {
  const offs = leafOffsets(layout);
  const out = new Float64Array(g.length);
  const covered = new Uint8Array(g.length);
  for (const b of blocks) {
    const w = offs.get(b.w);
    const bias = b.b ? offs.get(b.b) : undefined;
    if (!w || (b.b && !bias)) throw new OptimizerInputError(`kfac: factor path '${!w ? b.w : b.b}' is not a leaf of the parameter layout`);
    const din = b.dimA - (b.b ? 1 : 0);
    const dout = b.dimG;
    if (w.size !== din * dout || (bias && bias.size !== dout)) {
      throw new OptimizerInputError(`kfac: '${b.w}' has ${w.size} entries but its factors are ${din}×${dout}`);
    }
    const pi = kfacPi(b);
    const Ad = Float64Array.from(b.A);
    for (let i = 0; i < b.dimA; i++) Ad[i * b.dimA + i]! += gamma * pi;
    const Gd = Float64Array.from(b.G);
    for (let i = 0; i < dout; i++) Gd[i * dout + i]! += gamma / pi;
    const Ai = spdInverse(Ad, b.dimA);
    const Gi = spdInverse(Gd, dout);
    // X = [∇W; ∇b] [dimA, dout]
    const X = new Float64Array(b.dimA * dout);
    X.set(g.subarray(w.offset, w.offset + w.size), 0);
    if (bias) X.set(g.subarray(bias.offset, bias.offset + dout), din * dout);
    const Y = matmul(matmul(Ai, X, b.dimA, b.dimA, dout), Gi, b.dimA, dout, dout);
    out.set(Y.subarray(0, din * dout), w.offset);
    covered.fill(1, w.offset, w.offset + w.size);
    if (bias) {
      out.set(Y.subarray(din * dout), bias.offset);
      covered.fill(1, bias.offset, bias.offset + dout);
    }
  }
  const g2 = gamma * gamma;
  for (let i = 0; i < g.length; i++) if (!covered[i]) out[i] = g[i]! / (diag[i]! + g2);
  return out;
}

/** Dense float64 product [n, k]·[k, m] (row-major). */
export function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p]!;
      if (x === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += x * b[p * m + j]!;
    }
  return out;
}

/** Column groups of the flat vector: one per KFAC block (W with its bias), one per other leaf. */
export function layerGroups(blocks: readonly KfacBlock[], layout: TreeSpec): number[][] {
  const offs = leafOffsets(layout);
  const used = new Set<string>();
  const groups: number[][] = [];
  const range = (p: string) => {
    const l = offs.get(p)!;
    return Array.from({ length: l.size }, (_, i) => l.offset + i);
  };
  for (const b of blocks) {
    if (!offs.has(b.w)) continue;
    const idx = range(b.w);
    used.add(b.w);
    if (b.b && offs.has(b.b)) {
      idx.push(...range(b.b));
      used.add(b.b);
    }
    groups.push(idx);
  }
  for (const p of layout.paths) if (!used.has(p)) groups.push(range(p));
  return groups;
}
