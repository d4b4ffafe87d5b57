/**
 * Harmonic-oscillator orbitals in one dimension (ħ = m = ω = 1):
 * φ_n(x) = (2ⁿ n! √π)^{-1/2} H_n(x) e^{−x²/2}, by the stable three-term recursion
 * φ_{n+1} = √(2/(n+1)) x φ_n − √(n/(n+1)) φ_{n−1}.
 * φ_n' = √(n/2) φ_{n−1} − √((n+1)/2) φ_{n+1};  φ_n'' = (x² − (2n+1)) φ_n.
 */
import { tf } from '@nqs/autodiff-core';

/** Bad orbital request (n < 1 orbitals, …). */
export class OrbitalInputError extends Error {
  override readonly name = 'OrbitalInputError';
}

/** φ_0…φ_{n−1} at the points of `x` (float64, any length). Returns n arrays of x.length values. */
export function hoOrbitalsF64(n: number, x: ArrayLike<number>): Float64Array[] {
  if (!Number.isInteger(n) || n < 1) throw new OrbitalInputError(`n: ${n} is not allowed (must be an integer ≥ 1)`);
  const out: Float64Array[] = [];
  const p0 = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) p0[i] = Math.PI ** -0.25 * Math.exp(-0.5 * x[i]! * x[i]!);
  out.push(p0);
  for (let k = 1; k < n; k++) {
    const prev = out[k - 1]!;
    const prev2 = k >= 2 ? out[k - 2]! : null;
    const cur = new Float64Array(x.length);
    const a = Math.sqrt(2 / k);
    const c = Math.sqrt((k - 1) / k);
    for (let i = 0; i < x.length; i++) cur[i] = a * x[i]! * prev[i]! - (prev2 ? c * prev2[i]! : 0);
    out.push(cur);
  }
  return out;
}

/**
 * φ_0…φ_{n−1} evaluated at every element of `x` (any shape S): returns a tensor of shape [...S, n].
 * Runs in tf.tidy; `x` is not disposed.
 */
export function hoOrbitals(x: tf.Tensor, n: number): tf.Tensor {
  if (!Number.isInteger(n) || n < 1) throw new OrbitalInputError(`n: ${n} is not allowed (must be an integer ≥ 1)`);
  return tf.tidy(() => {
    const cols: tf.Tensor[] = [tf.mul(Math.PI ** -0.25, tf.exp(tf.mul(-0.5, tf.square(x))))];
    for (let k = 1; k < n; k++) {
      let next = tf.mul(tf.mul(Math.sqrt(2 / k), x), cols[k - 1]!);
      if (k >= 2) next = tf.sub(next, tf.mul(Math.sqrt((k - 1) / k), cols[k - 2]!));
      cols.push(next);
    }
    return tf.stack(cols, x.rank);
  });
}

/**
 * Orbitals and their first and second derivatives, each [...S, n] (see the module comment).
 */
export function hoOrbitalsWithDerivatives(x: tf.Tensor, n: number): { phi: tf.Tensor; dphi: tf.Tensor; d2phi: tf.Tensor } {
  return tf.tidy(() => {
    const all = hoOrbitals(x, n + 1); // one extra for the derivative recursion
    const cols = tf.unstack(all, x.rank);
    const d: tf.Tensor[] = [];
    const d2: tf.Tensor[] = [];
    for (let k = 0; k < n; k++) {
      let dk = tf.mul(-Math.sqrt((k + 1) / 2), cols[k + 1]!);
      if (k >= 1) dk = tf.add(dk, tf.mul(Math.sqrt(k / 2), cols[k - 1]!));
      d.push(dk);
      d2.push(tf.mul(tf.sub(tf.square(x), 2 * k + 1), cols[k]!));
    }
    return { phi: tf.stack(cols.slice(0, n), x.rank), dphi: tf.stack(d, x.rank), d2phi: tf.stack(d2, x.rank) };
  });
}
