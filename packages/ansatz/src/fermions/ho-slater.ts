/**
 * The Slater determinant of the lowest A harmonic-oscillator orbitals,
 * ψ(x) = det[φ_j(x_i)], j = 0…A−1: the exact ground state of A free spinless fermions in the trap
 * (E = A²/2, zero local-energy variance). No parameters (the params argument is ignored).
 */
import { tf, slogdet, flLogAbsDet } from '@nqs/autodiff-core';
import { hoOrbitals, hoOrbitalsWithDerivatives } from './ho.js';
import { SlaterNetInputError, type LogPsi, type LogPsiDerivatives } from './slater-net.js';

/** Parameter placeholder of {@link HOSlater} (it has none). */
export type HOSlaterParams = Record<string, never>;

/** ψ = det[φ_j(x_i)] for A particles (x [B, A] in oscillator lengths). */
export class HOSlater {
  constructor(readonly particles: number) {
    if (!Number.isInteger(particles) || particles < 1) {
      throw new SlaterNetInputError(`particles: ${particles} is not allowed (must be an integer ≥ 1)`);
    }
  }

  /** No parameters: returns an empty tree. */
  init(): HOSlaterParams {
    return {};
  }

  private checkX(x: tf.Tensor): void {
    if (x.rank !== 2 || x.shape[1] !== this.particles) {
      throw new SlaterNetInputError(`x: shape [${x.shape.join(', ')}] is not allowed (must be [B, ${this.particles}])`);
    }
  }

  /** Orbital matrix φ_j(x_i), [B, A, A]. */
  matrix(x: tf.Tensor2D): tf.Tensor3D {
    this.checkX(x);
    return hoOrbitals(x, this.particles) as tf.Tensor3D;
  }

  /** sign and ln|ψ| per walker, [B]. */
  apply(_params: unknown, x: tf.Tensor2D): LogPsi {
    return tf.tidy(() => slogdet(this.matrix(x)));
  }

  /** sign, ln|ψ|, ∇ₓ ln|ψ| [B, A], Δₓ ln|ψ| [B] (row i of the matrix depends on x_i only). */
  applyWithDerivatives(_params: unknown, x: tf.Tensor2D): LogPsiDerivatives {
    this.checkX(x);
    return tf.tidy(() => {
      const A = this.particles;
      const { phi, dphi, d2phi } = hoOrbitalsWithDerivatives(x, A); // [B, A, A] each
      // ∂_k Φ_ij = δ_ki φ_j'(x_i): g [B, K, A, A]
      const eye = tf.reshape(tf.eye(A), [1, A, A, 1]);
      const g = tf.mul(eye, tf.expandDims(dphi, 1));
      const r = flLogAbsDet({ v: phi, g, l: d2phi });
      return { sign: r.sign, logAbs: r.logAbs, gradX: r.grad, lapX: r.lap };
    });
  }
}
