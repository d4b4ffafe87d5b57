export {
  SamplerInputError,
  MetropolisSampler,
  cloneWalkers,
  resetAcceptance,
  disposeWalkers,
  readAcceptance,
  readWidth,
  walkersToJSON,
} from './metropolis.js';
export type { LogProbFn, WalkerState, MetropolisOptions, WalkerStateJSON } from './metropolis.js';
