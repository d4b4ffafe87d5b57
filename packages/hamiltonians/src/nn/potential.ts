/**
 * The partial-wave potential interface used by the deuteron solvers and networks.
 *
 * Convention (Idaho / Machleidt, as in REFERENCE.md §1): `value(channel, kp, k)` is
 * V_{L'L}(k', k) = ⟨(L'S)J, k'|V|(LS)J, k⟩ in MeV fm³ with k' (bra, final) and k (ket, initial) in
 * fm⁻¹, for the Schrödinger kernel  Σ_L' ∫ dk' k'² V_{LL'}(k, k') ψ_L'(k')  (no 2/π, no 4π).
 */
import { PotentialInputError, parseChannel } from './channels.js';
import { mevfm3ToMeVm2 } from '../units.js';

/** A nucleon–nucleon potential in the partial-wave momentum basis. */
export interface PartialWavePotential {
  /** registry name, e.g. `'lo500'` */
  readonly name: string;
  /** one line: what it is, parameters, source */
  readonly description: string;
  /** channel names it provides (see {@link parseChannel}); others throw {@link PotentialInputError} */
  readonly channels: readonly string[];
  /**
   * ⟨channel bra, k'|V|channel ket, k⟩ in MeV fm³, k' and k in fm⁻¹ (≥ 0).
   * For coupled names `'3S1-3D1'` the bra is ³S₁ and the ket ³D₁.
   */
  value(channel: string, kp: number, k: number): number;
  /**
   * Optional fast path for a coupled block (S = 1, L = J∓1): returns
   * [V_{−−}, V_{−+}, V_{+−}, V_{++}](k', k) in MeV fm³ where − = J−1, + = J+1 and the first index is
   * the bra, e.g. for J = 1: [⟨S|V|S⟩, ⟨S|V|D⟩, ⟨D|V|S⟩, ⟨D|V|D⟩].
   */
  coupledBlock?(J: number, kp: number, k: number): [number, number, number, number];
}

/** The deuteron (³S₁–³D₁) block at (k', k): `SD` = ⟨³S₁, k'|V|³D₁, k⟩, all in MeV fm³. */
export interface DeuteronBlock {
  SS: number;
  SD: number;
  DS: number;
  DD: number;
}

/** Evaluate the deuteron block of `pot` at (k', k) in fm⁻¹, using `coupledBlock` when present. */
export function deuteronBlock(pot: PartialWavePotential, kp: number, k: number): DeuteronBlock {
  if (pot.coupledBlock) {
    const [SS, SD, DS, DD] = pot.coupledBlock(1, kp, k);
    return { SS, SD, DS, DD };
  }
  return {
    SS: pot.value('3S1', kp, k),
    SD: pot.value('3S1-3D1', kp, k),
    DS: pot.value('3D1-3S1', kp, k),
    DD: pot.value('3D1', kp, k),
  };
}

/**
 * The element V_{LL'}(k', k) of the deuteron block by orbital indices L, L' ∈ {0, 2} (bra L, ket L'),
 * in MeV fm³ — the form used in the Schrödinger equation of REFERENCE.md §1.
 */
export function deuteronElement(pot: PartialWavePotential, L: 0 | 2, Lp: 0 | 2, kp: number, k: number): number {
  const name = L === 0 ? (Lp === 0 ? '3S1' : '3S1-3D1') : Lp === 0 ? '3D1-3S1' : '3D1';
  return pot.value(name, kp, k);
}

/** `value` converted to MeV⁻² (divide by (ħc)³). */
export function valueMeVm2(pot: PartialWavePotential, channel: string, kp: number, k: number): number {
  return mevfm3ToMeVm2(pot.value(channel, kp, k));
}

/** Throw a {@link PotentialInputError} unless `channel` is one of `pot.channels`; returns the canonical name. */
export function checkChannel(pot: Pick<PartialWavePotential, 'name' | 'channels'>, channel: string): string {
  if (pot.channels.includes(channel)) return channel;
  try {
    parseChannel(channel);
  } catch (e) {
    throw new PotentialInputError(`${(e as Error).message} (allowed for '${pot.name}': ${pot.channels.join(', ')})`);
  }
  throw new PotentialInputError(`potential '${pot.name}': channel '${channel}' not provided (allowed: ${pot.channels.join(', ')})`);
}

/** Throw a {@link PotentialInputError} unless k', k are finite and ≥ 0. */
export function checkMomenta(kp: number, k: number): void {
  if (!Number.isFinite(kp) || kp < 0) throw new PotentialInputError(`momentum k' must be a finite number ≥ 0 fm⁻¹ (got ${kp})`);
  if (!Number.isFinite(k) || k < 0) throw new PotentialInputError(`momentum k must be a finite number ≥ 0 fm⁻¹ (got ${k})`);
}
