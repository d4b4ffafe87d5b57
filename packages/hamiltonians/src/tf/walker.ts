/**
 * Walker-side Hamiltonians for particles in one dimension (oscillator units ħ = m = ω = 1):
 * local energies E_L(x) = (Hψ)(x)/ψ(x) evaluated on a batch of walker configurations.
 *
 * H = Σ_i (−½ ∂²_i + ½ x_i²) + Σ_{i<j} V(x_i − x_j).
 * The kinetic term uses the log-domain identity ∂²ψ/ψ = ∂² ln|ψ| + (∂ ln|ψ|)², so only ∇ₓ ln|ψ| and
 * Δₓ ln|ψ| of the wavefunction are needed (the ansatz supplies them, e.g. by a forward Laplacian).
 */
import * as tf from '@tensorflow/tfjs-core';
import { validatePairInteraction, type PairInteraction } from '../trap/index.js';

/** Bad Hamiltonian options (unknown interaction, non-positive width, …). */
export class WalkerHamiltonianInputError extends Error {
  override readonly name = 'WalkerHamiltonianInputError';
}

/** A wavefunction evaluated on walkers: sign and ln|ψ| per walker, shapes [B]. */
export interface WalkerLogPsi {
  sign: tf.Tensor1D;
  logAbs: tf.Tensor1D;
}

/** Also ∇ₓ ln|ψ| ([B, A]) and Δₓ ln|ψ| = Σ_i ∂²_i ln|ψ| ([B]). */
export interface WalkerDerivatives extends WalkerLogPsi {
  gradX: tf.Tensor2D;
  lapX: tf.Tensor1D;
}

/**
 * What a local-energy term needs from a wavefunction (structural, so the ansatz package need not be
 * imported here). `x`: [B, A] walker positions in oscillator lengths.
 */
export interface WalkerWavefunction<P> {
  apply(params: P, x: tf.Tensor2D): WalkerLogPsi;
  applyWithDerivatives(params: P, x: tf.Tensor2D): WalkerDerivatives;
}

/** One named term of a Hamiltonian; `local` returns the term's local energy per walker, [B]. */
export interface LocalTerm {
  readonly name: string;
  /** Whether the term needs ∇ₓ ln|ψ| / Δₓ ln|ψ| (only then `applyWithDerivatives` is called). */
  readonly needsDerivatives: boolean;
  /**
   * Local energy of this term, [B]. `derivs` may carry an already computed evaluation of ψ at `x`
   * (to share one forward-Laplacian pass between terms); otherwise the term evaluates ψ itself.
   */
  local<P>(psi: WalkerWavefunction<P>, params: P, x: tf.Tensor2D, derivs?: WalkerDerivatives): tf.Tensor1D;
}

/** Kinetic energy −½ Σ_i ∂²_i ψ / ψ = −½ (Δ ln|ψ| + |∇ ln|ψ||²), per walker [B]. */
export function kineticFromDerivatives(d: { gradX: tf.Tensor2D; lapX: tf.Tensor1D }): tf.Tensor1D {
  return tf.tidy(() => tf.mul(-0.5, tf.add(d.lapX, tf.sum(tf.square(d.gradX), 1))) as tf.Tensor1D);
}

/** The kinetic term −½ Σ_i ∂²_i. */
export function kineticTerm(): LocalTerm {
  return {
    name: 'kinetic',
    needsDerivatives: true,
    local<P>(psi: WalkerWavefunction<P>, params: P, x: tf.Tensor2D, derivs?: WalkerDerivatives): tf.Tensor1D {
      if (derivs) return kineticFromDerivatives(derivs);
      return tf.tidy(() => kineticFromDerivatives(psi.applyWithDerivatives(params, x)));
    },
  };
}

/** Potential-only term from a function of the positions [B, A] → [B]. */
function potentialTerm(name: string, v: (x: tf.Tensor2D) => tf.Tensor1D): LocalTerm {
  return {
    name,
    needsDerivatives: false,
    local<P>(_psi: WalkerWavefunction<P>, _params: P, x: tf.Tensor2D): tf.Tensor1D {
      return tf.tidy(() => v(x));
    },
  };
}

/** Harmonic trap ½ ω² Σ_i x_i² (ω = 1 in oscillator units unless given). */
export function trapTerm(omega = 1): LocalTerm {
  if (!(omega > 0)) throw new WalkerHamiltonianInputError(`trap: omega must be > 0 (got ${omega})`);
  return potentialTerm('trap', (x) => tf.mul(0.5 * omega * omega, tf.sum(tf.square(x), 1)) as tf.Tensor1D);
}

/** Differences r_ij = x_i − x_j over pairs i < j, [B, A(A−1)/2]; null when A < 2. */
function pairDifferences(x: tf.Tensor2D): tf.Tensor2D | null {
  const a = x.shape[1];
  if (a < 2) return null;
  const ii: number[] = [];
  const jj: number[] = [];
  for (let i = 0; i < a; i++) for (let j = i + 1; j < a; j++) {
    ii.push(i);
    jj.push(j);
  }
  const xi = tf.gather(x, tf.tensor1d(ii, 'int32'), 1);
  const xj = tf.gather(x, tf.tensor1d(jj, 'int32'), 1);
  return tf.sub(xi, xj) as tf.Tensor2D;
}

/** Pair potential Σ_{i<j} V(x_i − x_j), per walker [B]. */
export function pairPotentialTf(x: tf.Tensor2D, p: PairInteraction): tf.Tensor1D {
  return tf.tidy(() => {
    const r = pairDifferences(x);
    if (!r || p.kind === 'none') return tf.zeros([x.shape[0]]) as tf.Tensor1D;
    if (p.kind === 'gaussian') {
      const pre = p.V0 / (Math.sqrt(2 * Math.PI) * p.sigma);
      return tf.mul(pre, tf.sum(tf.exp(tf.mul(-1 / (2 * p.sigma * p.sigma), tf.square(r))), 1)) as tf.Tensor1D;
    }
    return tf.mul(0.5 * p.k, tf.sum(tf.square(r), 1)) as tf.Tensor1D;
  });
}

/** The pair-interaction term (name 'pair'); validates `p` (throws FermionInputError). */
export function pairTerm(p: PairInteraction): LocalTerm {
  validatePairInteraction(p);
  return potentialTerm('pair', (x) => pairPotentialTf(x, p));
}

/** Local energy per walker and its breakdown by term name; all tensors [B]. */
export interface LocalEnergy {
  total: tf.Tensor1D;
  terms: Record<string, tf.Tensor1D>;
  /** ln|ψ| and sign at the walkers (from the same evaluation; handy for the sampler). */
  logAbs: tf.Tensor1D;
  sign: tf.Tensor1D;
}

/** A Hamiltonian as a list of named terms. */
export class WalkerHamiltonian {
  constructor(readonly terms: readonly LocalTerm[]) {
    const names = new Set<string>();
    for (const t of terms) {
      if (names.has(t.name)) throw new WalkerHamiltonianInputError(`duplicate term name '${t.name}'`);
      names.add(t.name);
    }
  }

  /**
   * Local energy of wavefunction `psi` with parameters `params` at walkers `x` ([B, A]).
   * ψ is evaluated once (with derivatives when any term needs them). Returns new tensors (caller
   * disposes them); inputs are not disposed.
   */
  localEnergy<P>(psi: WalkerWavefunction<P>, params: P, x: tf.Tensor2D): LocalEnergy {
    const needD = this.terms.some((t) => t.needsDerivatives);
    return tf.tidy(() => {
      const ev = needD ? psi.applyWithDerivatives(params, x) : psi.apply(params, x);
      const terms: Record<string, tf.Tensor1D> = {};
      let total: tf.Tensor1D = tf.zeros([x.shape[0]]);
      for (const t of this.terms) {
        const v = t.local(psi, params, x, needD ? (ev as WalkerDerivatives) : undefined);
        terms[t.name] = v;
        total = tf.add(total, v);
      }
      const out: LocalEnergy = { total, terms, logAbs: ev.logAbs, sign: ev.sign };
      return out as unknown as tf.TensorContainer;
    }) as unknown as LocalEnergy;
  }
}

/** Options of {@link trappedFermionHamiltonian}. */
export interface TrapHamiltonianOptions {
  /** Pair interaction (`{kind:'none'}` or null for free particles in the trap). */
  interaction: PairInteraction | null;
  /** Trap frequency in units of ω (default 1). */
  omega?: number;
}

/** H = Σ(−½∂² + ½x²) + Σ_{i<j} V: terms 'kinetic', 'trap' and 'pair'. */
export function trappedFermionHamiltonian(opts: TrapHamiltonianOptions): WalkerHamiltonian {
  const terms: LocalTerm[] = [kineticTerm(), trapTerm(opts.omega ?? 1)];
  // 'pair' is always present (zero for free particles) so every breakdown has the same keys.
  terms.push(pairTerm(opts.interaction ?? { kind: 'none' }));
  return new WalkerHamiltonian(terms);
}
