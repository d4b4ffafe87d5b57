/**
 * Partial-wave channels in spectroscopic notation and the error class for bad potential input.
 *
 * Channel names: `'1S0'`, `'3P1'`, … for an uncoupled wave (L' = L) and `'BRA-KET'` for a coupled
 * off-diagonal element, e.g. `'3S1-3D1'` = ⟨³S₁, k'|V|³D₁, k⟩ (bra L' = 0, ket L = 2) and `'3D1-3S1'`
 * the reverse. Both halves of a coupled name must have the same S and J.
 */

/** Bad input to a potential: unknown name/channel, malformed table, non-finite momenta. */
export class PotentialInputError extends Error {
  override readonly name = 'PotentialInputError';
}

/** The channels of the deuteron (³S₁–³D₁) block, the ones every built-in potential provides. */
export const DEUTERON_CHANNELS = ['3S1', '3D1', '3S1-3D1', '3D1-3S1'] as const;
/** Channels of the issue-2 CLI (`nqs potential --channel`). */
export const BASIC_CHANNELS = ['1S0', '3S1', '3D1', '3S1-3D1', '3D1-3S1'] as const;

/** Quantum numbers of a partial-wave matrix element ⟨(L'S)J|V|(LS)J⟩. */
export interface ChannelSpec {
  /** total spin 0 or 1 */
  readonly S: 0 | 1;
  /** orbital angular momentum of the bra (final state) */
  readonly Lp: number;
  /** orbital angular momentum of the ket (initial state) */
  readonly L: number;
  /** total angular momentum */
  readonly J: number;
}

const LETTERS = 'SPDFGHIKLMNOQRTUVWXYZ';

function parseWave(w: string, full: string): { S: 0 | 1; L: number; J: number } {
  const m = /^([13])([A-Z])(\d+)$/.exec(w);
  if (!m) throw new PotentialInputError(`channel '${full}': '${w}' is not a partial wave like 1S0 or 3D1`);
  const S = m[1] === '1' ? 0 : 1;
  const L = LETTERS.indexOf(m[2]!);
  if (L < 0 || m[2] === 'J') throw new PotentialInputError(`channel '${full}': unknown orbital letter '${m[2]}'`);
  const J = Number(m[3]);
  if (S === 0 && J !== L) throw new PotentialInputError(`channel '${full}': a singlet wave needs J = L`);
  if (S === 1 && Math.abs(J - L) > 1) throw new PotentialInputError(`channel '${full}': a triplet wave needs |J − L| ≤ 1`);
  if (S === 1 && J === 0 && L !== 1) throw new PotentialInputError(`channel '${full}': J = 0 triplet exists only for L = 1`);
  return { S: S as 0 | 1, L, J };
}

/** Parse `'1S0'`, `'3D1'`, `'3S1-3D1'`, … into quantum numbers; throws {@link PotentialInputError}. */
export function parseChannel(name: string): ChannelSpec {
  const parts = name.trim().split('-');
  if (parts.length === 1) {
    const w = parseWave(parts[0]!, name);
    return { S: w.S, Lp: w.L, L: w.L, J: w.J };
  }
  if (parts.length === 2) {
    const a = parseWave(parts[0]!, name);
    const b = parseWave(parts[1]!, name);
    if (a.S !== b.S || a.J !== b.J) throw new PotentialInputError(`channel '${name}': bra and ket must share S and J`);
    if ((a.L - b.L) % 2 !== 0) throw new PotentialInputError(`channel '${name}': parity forbids coupling L'=${a.L} to L=${b.L}`);
    return { S: a.S, Lp: a.L, L: b.L, J: a.J };
  }
  throw new PotentialInputError(`channel '${name}': expected a wave like 1S0 or a coupled pair like 3S1-3D1`);
}

/** The spectroscopic name of a channel (inverse of {@link parseChannel}). */
export function channelName(c: ChannelSpec): string {
  const w = (L: number) => `${2 * c.S + 1}${LETTERS[L]}${c.J}`;
  return c.Lp === c.L ? w(c.L) : `${w(c.Lp)}-${w(c.L)}`;
}

/** Isospin T ∈ {0, 1} fixed by antisymmetry: (−1)^{L+S+T} = −1. */
export function isospinOf(c: ChannelSpec): 0 | 1 {
  return ((c.L + c.S + 1) % 2) as 0 | 1;
}
