import { PotentialInputError } from '../nn/channels.js';
import { lo500 } from '../nn/chiral.js';
import type { PartialWavePotential } from '../nn/potential.js';
import { malflietTjon } from './malfliet-tjon.js';
import { parsePotentialTable } from './tabulated.js';
import { yamaguchi } from './yamaguchi.js';
import { emN3lo } from '../chiral/em-n3lo.js';
import { emnN2lo500, emnNlo500 } from '../chiral/emn.js';

/** Names accepted by {@link getPotential} (`table:FILE` reads a table through `readTable`). */
export const POTENTIAL_NAMES = ['yamaguchi', 'malfliet-tjon', 'lo500', 'table:FILE', 'n3lo', 'nlo500', 'n2lo500'] as const;

const BUILTIN: Record<string, () => PartialWavePotential> = {
  yamaguchi: () => yamaguchi(),
  'malfliet-tjon': () => malflietTjon(),
  lo500: () => lo500(),
  n3lo: () => emN3lo(),
  nlo500: () => emnNlo500(),
  n2lo500: () => emnN2lo500(),
};

/** Options of {@link getPotential}. */
export interface GetPotentialOptions {
  /**
   * Returns the text of a table file for `table:FILE` (the CLI passes a file reader; the library
   * never touches the file system). Errors it throws are reported as PotentialInputError.
   */
  readTable?: (path: string) => string;
}

/**
 * Resolve a potential by name: 'yamaguchi', 'malfliet-tjon', 'lo500', 'n3lo' (EM N3LO 2003),
 * 'nlo500', 'n2lo500' (EMN 2017) or 'table:FILE'.
 * @throws PotentialInputError for an unknown name (listing the allowed ones) or a bad table
 */
export function getPotential(name: string, opts: GetPotentialOptions = {}): PartialWavePotential {
  const b = BUILTIN[name];
  if (b) return b();
  if (name.startsWith('table:')) {
    const path = name.slice('table:'.length);
    if (path === '') throw new PotentialInputError(`potential 'table:': missing file name (use table:FILE)`);
    if (!opts.readTable) throw new PotentialInputError(`potential '${name}': no table reader given`);
    let text: string;
    try {
      text = opts.readTable(path);
    } catch (e) {
      throw new PotentialInputError(`potential '${name}': cannot read '${path}': ${(e as Error).message}`);
    }
    return parsePotentialTable(text, name);
  }
  throw new PotentialInputError(`unknown potential '${name}' (allowed: ${POTENTIAL_NAMES.join(', ')})`);
}
