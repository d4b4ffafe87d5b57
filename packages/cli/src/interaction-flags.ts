/**
 * The pair-interaction flags of the trapped-fermion commands (`nqs fermions`, `nqs bench fermions`,
 * `nqs exact fermions`, …): `--interaction gaussian|harmonic|none`, `--V0`, `--sigma`, `--k`, and their parsing into
 * a {@link PairInteraction} (ħ = m = ω = 1; REFERENCE.md §2).
 */
import { DEFAULT_SIGMA, type PairInteraction } from '@nqs/hamiltonians';
import { UsageError, type FlagSpecs, type Parsed } from './args.js';

/** Flag specs of --V0, --sigma, --interaction and --k (spread them into a command's flag table). */
export const interactionFlags: FlagSpecs = {
  V0: { type: 'number', help: 'Gaussian interaction strength V₀ (ħω·osc. length)' },
  sigma: { type: 'number', help: 'Gaussian width σ₀ (osc. lengths, > 0)', default: DEFAULT_SIGMA },
  interaction: { type: 'string', help: 'pair interaction', choices: ['gaussian', 'harmonic', 'none'], default: 'gaussian' },
  k: { type: 'number', help: 'harmonic pair strength k in (k/2)(x_i − x_j)²' },
};

/** How {@link interactionFromFlags} treats V₀ and σ. */
export interface InteractionFlagOptions {
  /** UsageError message when the Gaussian interaction has no V₀ */
  missingV0: string;
  /** reject σ ≤ 0 here (default false: left to the caller's validation) */
  checkSigma?: boolean;
}

/**
 * The pair interaction from --interaction/--sigma/--k and the Gaussian strength `V0` (undefined when --V0 was not
 * given; callers with a V₀ range pass one value). Throws {@link UsageError} for inconsistent flags: --V0/--sigma with
 * a non-Gaussian interaction, --k without --interaction harmonic, missing --V0 or --k.
 */
export function interactionFromFlags(args: Parsed, V0: number | undefined, opts: InteractionFlagOptions): PairInteraction {
  const kind = args.flags.interaction as string;
  if (kind === 'gaussian') {
    if (V0 === undefined) throw new UsageError(opts.missingV0);
    if (args.given.has('k')) throw new UsageError('--k applies only with --interaction harmonic');
    const sigma = args.flags.sigma as number;
    if (opts.checkSigma && !(sigma > 0)) throw new UsageError(`--sigma: ${sigma} is not allowed (must be > 0)`);
    return { kind: 'gaussian', V0, sigma };
  }
  if (args.given.has('V0')) throw new UsageError(`--V0 applies only to the Gaussian interaction (got --interaction ${kind})`);
  if (args.given.has('sigma')) throw new UsageError(`--sigma applies only to the Gaussian interaction (got --interaction ${kind})`);
  if (kind === 'harmonic') {
    if (!args.given.has('k')) throw new UsageError('--k is required with --interaction harmonic');
    return { kind: 'harmonic', k: args.flags.k as number };
  }
  if (args.given.has('k')) throw new UsageError('--k applies only with --interaction harmonic');
  return { kind: 'none' };
}
