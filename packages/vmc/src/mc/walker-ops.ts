/**
 * Per-walker computations of the trapped-fermion VMC that run the same way on the main thread and
 * in a worker of the walker pool: log|ψ|² for the sampler, local energies read back as float64,
 * and the score-function gradient Σ_i c_i ∂θ ln|ψ(x_i)|.
 */
import { tf, treeLeaves, treeMap, type ParamTree } from '@nqs/autodiff-core';
import { hoOrbitals, type SlaterNet, type SlaterNetParams } from '@nqs/ansatz';
import type { WalkerHamiltonian } from '@nqs/hamiltonians/tf';
import type { AsyncLogProbFn, LogProbFn } from '@nqs/sampler';

/** log|ψ_θ|² for the sampler (forward-only evaluation of the network). */
export function netLogProb(net: SlaterNet, params: SlaterNetParams): LogProbFn {
  return (x) => tf.tidy(() => tf.mul(2, net.logAbsForward(params, x).logAbs) as tf.Tensor1D);
}

/**
 * log|ψ_θ|² for the sampler with the determinants taken on the host (one async read of Φ per call,
 * {@link SlaterNet.logAbsHost}): what the energy-phase sweeps use.
 */
export function netLogProbAsync(net: SlaterNet, params: SlaterNetParams): AsyncLogProbFn {
  return async (x) => {
    const r = await net.logAbsHost(params, x);
    const lp = new Float32Array(r.logAbs.length);
    for (let i = 0; i < lp.length; i++) lp[i] = 2 * r.logAbs[i]!;
    return tf.tensor1d(lp);
  };
}

/** Replace the leaves of `tree` by `leaves` (same traversal order as treeLeaves). */
export function withLeaves<T extends ParamTree>(tree: T, leaves: readonly tf.Tensor[]): T {
  let i = 0;
  return treeMap(tree, () => leaves[i++]!) as T;
}

/**
 * Local energies of walkers x [B, A]: total and per term (float64 arrays). ∇ₓ ln|ψ| and Δₓ ln|ψ|
 * come from {@link SlaterNet.applyWithDerivativesHost} (orbital triple on the device, determinant
 * derivatives in float64 on the host); the terms are then evaluated and summed exactly as
 * `WalkerHamiltonian.localEnergy` does (in term order, starting from zero).
 */
export async function localEnergyArrays(
  hamiltonian: WalkerHamiltonian,
  net: SlaterNet,
  params: SlaterNetParams,
  x: tf.Tensor2D,
  opts: { phiGradient?: boolean } = {},
): Promise<{ total: Float64Array; terms: Record<string, Float64Array>; phiGradient?: Float32Array }> {
  let stacked: tf.Tensor;
  let names: string[];
  let phiGradient: Float32Array | undefined;
  if (hamiltonian.terms.some((t) => t.needsDerivatives)) {
    const d = await net.applyWithDerivativesHost(params, x, opts);
    phiGradient = d.phiGradient;
    names = hamiltonian.terms.map((t) => t.name);
    stacked = tf.tidy(() => {
      const vals = hamiltonian.terms.map((t) => t.local(net, params, x, d));
      let total: tf.Tensor = tf.zeros([x.shape[0]]);
      for (const v of vals) total = tf.add(total, v);
      return tf.stack([total, ...vals]);
    });
    tf.dispose([d.sign, d.logAbs, d.gradX, d.lapX]);
  } else {
    const le = hamiltonian.localEnergy(net, params, x);
    names = Object.keys(le.terms);
    stacked = tf.tidy(() => tf.stack([le.total, ...names.map((n) => le.terms[n]!)]));
    tf.dispose([le.total, le.logAbs, le.sign, ...Object.values(le.terms)]);
  }
  const data = await stacked.data();
  stacked.dispose();
  const B = x.shape[0];
  const total = Float64Array.from(data.subarray(0, B));
  const terms: Record<string, Float64Array> = {};
  names.forEach((n, i) => (terms[n] = Float64Array.from(data.subarray((i + 1) * B, (i + 2) * B))));
  return phiGradient ? { total, terms, phiGradient } : { total, terms };
}

/**
 * Gradient leaves of Σ_i coef_i ln|ψ_θ(x_i)| (coef [B], e.g. 2(E_L,i − Ē)/B), in treeLeaves order.
 * With `phiGradient` (∂ ln|ψ| / ∂Φ [B, D, A, A] at these very walkers and parameters, from
 * {@link localEnergyArrays}) the backward pass starts at the orbital matrices with the cotangent
 * coef_b · ∂ ln|ψ_b| / ∂Φ_b and no determinant is taken on the device; otherwise through
 * `net.apply`. The caller owns the returned tensors.
 */
export function scoreGradient(net: SlaterNet, params: SlaterNetParams, x: tf.Tensor2D, coef: Float32Array, phiGradient?: Float32Array): tf.Tensor[] {
  const B = x.shape[0];
  const A = net.particles;
  const D = net.determinants;
  if (phiGradient && phiGradient.length !== B * D * A * A) {
    throw new Error(`scoreGradient: phiGradient has ${phiGradient.length} entries, expected B·D·A² = ${B * D * A * A}`);
  }
  let cot: tf.Tensor;
  if (phiGradient) {
    const c = new Float32Array(phiGradient.length);
    const per = D * A * A;
    for (let b = 0; b < B; b++) for (let i = 0; i < per; i++) c[b * per + i] = coef[b]! * phiGradient[b * per + i]!;
    cot = tf.tensor4d(c, [B, D, A, A]);
  } else {
    cot = tf.tensor1d(coef);
  }
  const { value, grads } = tf.valueAndGrads((...ls: tf.Tensor[]) => {
    const p = withLeaves(params, ls);
    if (phiGradient) return net.orbitalContraction(p, x, cot);
    return tf.sum(tf.mul(cot, net.apply(p, x).logAbs)) as tf.Scalar;
  })(treeLeaves(params));
  value.dispose();
  cot.dispose();
  return grads;
}

/**
 * Pre-training loss on walkers x [b, A] as a part of B walkers: (1/B) Σ_walkers Σ_dij (Φ⁽ᵈ⁾_ij −
 * φ_j(x_i))² (φ_j the HO orbitals), and its gradient leaves. With b = B it is the full loss.
 * The caller owns the returned tensors.
 */
export function pretrainLoss(net: SlaterNet, params: SlaterNetParams, x: tf.Tensor2D, totalWalkers: number): { loss: tf.Scalar; grads: tf.Tensor[] } {
  const A = x.shape[1];
  const target = tf.tidy(() => tf.expandDims(hoOrbitals(x, A), 1)); // [b, 1, A, A]
  const { value, grads } = tf.valueAndGrads((...ls: tf.Tensor[]) => {
    const phi = net.orbitals(withLeaves(params, ls), x, undefined, true);
    return tf.div(tf.sum(tf.square(tf.sub(phi, target))), totalWalkers) as tf.Scalar;
  })(treeLeaves(params));
  target.dispose();
  return { loss: value, grads };
}
