export {};
export {
  FermionInputError,
  DEFAULT_SIGMA,
  gaussianInteraction,
  validatePairInteraction,
  validateFermionSystem,
  trapPotential,
  gaussianPair,
  harmonicPair,
  pairPotential,
  pairPotentialFn,
  trapPotentialEnergy,
  freeFermionEnergy,
  harmonicModelEnergy,
} from './trap/index.js';
export type { PairInteraction } from './trap/index.js';
// --- nucleon–nucleon potentials in partial waves (issue 2) ---
export {
  HBARC,
  NEUTRON_MASS,
  PROTON_MASS,
  NUCLEON_MASS,
  HBAR2_OVER_M,
  fmInvToMeV,
  mevToFmInv,
  mevm2ToMeVfm3,
  mevfm3ToMeVm2,
  kineticMeV,
} from './units.js';
export {
  PotentialInputError,
  DEUTERON_CHANNELS,
  BASIC_CHANNELS,
  parseChannel,
  channelName,
  isospinOf,
} from './nn/channels.js';
export type { ChannelSpec } from './nn/channels.js';
export { deuteronBlock, deuteronElement, valueMeVm2, checkChannel, checkMomenta } from './nn/potential.js';
export type { PartialWavePotential, DeuteronBlock } from './nn/potential.js';
export {
  projectOperators,
  tauDotTau,
  legendreP,
  clebschGordan,
  sphericalHarmonicAzimuth0,
  DEFAULT_ANGULAR_ORDER,
} from './nn/pwd.js';
export type { OperatorKey, OperatorCoefficients, OperatorTerm, ProjectionOptions } from './nn/pwd.js';
export { chiralPotential, allChannels, onePionExchangeNp, lo500, LO500_PARAMS } from './nn/chiral.js';
export type { ChiralPotentialOptions, ContactFunction, OnePionExchangeParams } from './nn/chiral.js';
export { yamaguchi, yamaguchiSolution } from './potentials/yamaguchi.js';
export type { YamaguchiParams, YamaguchiSolution } from './potentials/yamaguchi.js';
export { malflietTjon, yukawaSWave, MT3_PARAMS } from './potentials/malfliet-tjon.js';
export { parsePotentialTable, writePotentialTable } from './potentials/tabulated.js';
export { getPotential, POTENTIAL_NAMES } from './potentials/registry.js';
export type { GetPotentialOptions } from './potentials/registry.js';
// --- chiral potentials beyond LO: 2PE, EM N3LO (issue 6) ---
export {
  loopL,
  loopA,
  wSquared,
  wTildeSquared,
  loopValues,
  tpeNLO,
  tpeN2LO,
  tpeN2LOOverM,
  tpeIterativeCorrection,
  tpeN3LOFootball,
  tpeN3LOCiOverM,
  tpeN3LOTwoLoop,
  tpeN3LOOverM2,
  twoPionExchange,
  twoPionExchangeTerm,
  regulator,
  regulatedChiralPotential,
  adaptiveAngularOrder,
  ANGULAR_ORDERS,
  EM_N3LO_PION_NUCLEON,
  EM_N3LO_CONTACTS,
  EM_N3LO_OPE,
  CHIRAL_CHANNELS,
  piGammaFunction,
  emOnePionExchangeNp,
  emN3lo,
  loopLSfr,
  loopASfr,
  EMN_SFR_CUTOFF_MEV,
  EMN_LAMBDA_MEV,
  EMN_NP_MASS_MEV,
  EMN_OPE,
  EMN_NLO500,
  EMN_N2LO500,
  emnPotential,
  emnNlo500,
  emnN2lo500,
} from './chiral/index.js';
export type {
  PionNucleonConstants,
  LoopValues,
  TwoPionParts,
  RegulatedTerms,
  RegulatedContact,
  RegulatedChiralOptions,
  EmN3loOptions,
  LoopRegularization,
  EmnLec,
  EmnParameters,
  EmnOptions,
} from './chiral/index.js';
