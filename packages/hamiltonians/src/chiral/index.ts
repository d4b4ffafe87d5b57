/**
 * Chiral EFT potentials beyond LO: two-pion-exchange functions (NLO, NNLO, N3LO), loop functions,
 * a builder with per-part regulators on top of the partial-wave engine, EM N3LO (2003) and EMN
 * NLO500 / N2LO500 (2017).
 */
export { loopL, loopA, loopLSfr, loopASfr, wSquared, wTildeSquared } from './loops.js';
export {
  type PionNucleonConstants,
  type LoopValues,
  type TwoPionParts,
  type LoopRegularization,
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
} from './tpe.js';
export {
  type RegulatedTerms,
  type RegulatedContact,
  type RegulatedChiralOptions,
  regulator,
  regulatedChiralPotential,
  adaptiveAngularOrder,
  ANGULAR_ORDERS,
} from './builder.js';
export {
  type EmN3loOptions,
  EM_N3LO_PION_NUCLEON,
  EM_N3LO_CONTACTS,
  EM_N3LO_OPE,
  CHIRAL_CHANNELS,
  piGammaFunction,
  emOnePionExchangeNp,
  emN3lo,
} from './em-n3lo.js';
export {
  type EmnLec,
  type EmnParameters,
  type EmnOptions,
  EMN_SFR_CUTOFF_MEV,
  EMN_LAMBDA_MEV,
  EMN_NP_MASS_MEV,
  EMN_OPE,
  EMN_NLO500,
  EMN_N2LO500,
  emnPotential,
  emnNlo500,
  emnN2lo500,
} from './emn.js';
