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
export type { LogProbFn, AsyncLogProbFn, WalkerState, MetropolisOptions, WalkerStateJSON } from './metropolis.js';
