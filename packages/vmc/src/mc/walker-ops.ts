/**
 * Per-walker computations of the trapped-fermion VMC that run the same way on the main thread and
 * in a worker of the walker pool: log|ψ|² for the sampler, local energies read back as float64,
 * and the score-function gradient Σ_i c_i ∂θ ln|ψ(x_i)|.
 */
import { tf, treeLeaves, treeMap, type ParamTree } from '@nqs/autodiff-core';
import { hoOrbitals, type SlaterNet, type SlaterNetParams } from '@nqs/ansatz';
import type { WalkerHamiltonian } from '@nqs/hamiltonians/tf';
import type { LogProbFn } from '@nqs/sampler';

/** log|ψ_θ|² for the sampler (forward-only evaluation of the network). */
export function netLogProb(net: SlaterNet, params: SlaterNetParams): LogProbFn {
  return (x) => tf.tidy(() => tf.mul(2, net.logAbsForward(params, x).logAbs) as tf.Tensor1D);
}

/** Replace the leaves of `tree` by `leaves` (same traversal order as treeLeaves). */
export function withLeaves<T extends ParamTree>(tree: T, leaves: readonly tf.Tensor[]): T {
  let i = 0;
  return treeMap(tree, () => leaves[i++]!) as T;
}

/** Local energies of walkers x [B, A]: total and per term (one async read; float64 arrays). */
export async function localEnergyArrays(
  hamiltonian: WalkerHamiltonian,
  net: SlaterNet,
  params: SlaterNetParams,
  x: tf.Tensor2D,
): Promise<{ total: Float64Array; terms: Record<string, Float64Array> }> {
  const le = hamiltonian.localEnergy(net, params, x);
  const names = Object.keys(le.terms);
  const stacked = tf.tidy(() => tf.stack([le.total, ...names.map((n) => le.terms[n]!)]));
  tf.dispose([le.total, le.logAbs, le.sign, ...Object.values(le.terms)]);
  const data = await stacked.data();
  stacked.dispose();
  const B = x.shape[0];
  const total = Float64Array.from(data.subarray(0, B));
  const terms: Record<string, Float64Array> = {};
  names.forEach((n, i) => (terms[n] = Float64Array.from(data.subarray((i + 1) * B, (i + 2) * B))));
  return { total, terms };
}

/**
 * Gradient leaves of Σ_i coef_i ln|ψ_θ(x_i)| (coef [B], e.g. 2(E_L,i − Ē)/B), in treeLeaves order.
 * The caller owns the returned tensors.
 */
export function scoreGradient(net: SlaterNet, params: SlaterNetParams, x: tf.Tensor2D, coef: Float32Array): tf.Tensor[] {
  const coefT = tf.tensor1d(coef);
  const { value, grads } = tf.valueAndGrads((...ls: tf.Tensor[]) => {
    const p = withLeaves(params, ls);
    return tf.sum(tf.mul(coefT, net.apply(p, x).logAbs)) as tf.Scalar;
  })(treeLeaves(params));
  value.dispose();
  coefT.dispose();
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
