/**
 * Messages between the page (main thread) and the training worker. Everything is plain data
 * (numbers, strings, arrays) so that it survives structured cloning.
 */

/** Backend preference: 'auto' tries WebGPU → WebGL → wasm → cpu. */
export const BACKEND_PREFS = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendPref = (typeof BACKEND_PREFS)[number];

/** Optimisers the page offers for the deuteron (all from @nqs/vmc / @nqs/optimizers). */
export const PAGE_OPTIMIZERS = ['lbfgs', 'adam', 'rmsprop', 'sgd'] as const;
export type PageOptimizer = (typeof PAGE_OPTIMIZERS)[number];

/** Settings of one deuteron run (validated again by the libraries in the worker). */
export interface DeuteronConfig {
  potential: string;
  /** mesh spec of @nqs/quadrature parseMeshSpec: paper64, paper:N[:KMAX], tan:N:C, gl:N:A:B */
  mesh: string;
  arch: string;
  hidden: number;
  activation: string;
  optimizer: PageOptimizer;
  /** first-order learning rate */
  learningRate: number;
  /** pre-training iterations (towards the Gaussian targets of REFERENCE.md §1) */
  pretrainEpochs: number;
  /** energy iterations */
  epochs: number;
  seed: number;
  backend: BackendPref;
}

/** Where a resumed run starts: the parameters and counters of the last progress message. */
export interface ResumePoint {
  params: number[];
  phase: 'pretrain' | 'energy';
  /** steps already done in that phase */
  step: number;
  /** global iteration counter (x axis of the curves) */
  iteration: number;
  /** seconds already trained */
  seconds: number;
}

export type ToWorker = { type: 'deuteron'; config: DeuteronConfig; resume?: ResumePoint };

/** One point of the training curves. */
export interface TrainRecord {
  phase: 'pretrain' | 'energy';
  /** global iteration (pre-training then energy) */
  iteration: number;
  /** step within the phase */
  step: number;
  /** objective of the phase (pre-training loss or energy in MeV) */
  loss: number;
  /** float64 Rayleigh quotient of the network's amplitudes, MeV */
  energyMeV: number;
  /** (E − E_exact)/|E_exact| */
  relativeError: number;
  /** 1 − F_S and 1 − F_D against the exact eigenvector */
  infidelityS: number;
  infidelityD: number;
  /** D-state probability (fraction) */
  pD: number;
  seconds: number;
}

export interface BackendInfo {
  name: string;
  reason: string;
  skipped: { name: string; why: string }[];
}

export interface ExactInfo {
  potential: string;
  mesh: string;
  /** k_i in fm⁻¹ and w_i */
  k: number[];
  w: number[];
  energyMeV: number;
  pD: number;
  /** normalised Σ w k² (ψ_S² + ψ_D²) = 1, ψ in fm^{3/2} */
  psiS: number[];
  psiD: number[];
  numParams: number;
}

export type FromWorker =
  | { type: 'backend'; backend: BackendInfo }
  | { type: 'setup'; exact: ExactInfo }
  | {
      type: 'progress';
      records: TrainRecord[];
      /** current network amplitudes, normalised like the exact ones and sign-aligned to them */
      psiS: number[];
      psiD: number[];
      resume: ResumePoint;
    }
  | { type: 'done'; reason: string }
  | { type: 'error'; name: string; message: string };

// ---------------------------------------------------------------------------------------------
// 1D fermions in a harmonic trap (Monte Carlo state of @nqs/vmc)

/** Settings of one trapped-fermion run (energies in ħω, lengths in oscillator lengths). */
export interface FermionsConfig {
  particles: number;
  /** Gaussian pair interaction strength V₀ (0 = free fermions) and width σ */
  V0: number;
  sigma: number;
  walkers: number;
  hidden: number;
  pretrainEpochs: number;
  epochs: number;
  learningRate: number;
  seed: number;
  backend: BackendPref;
}

export type ToFermionsWorker = { type: 'start'; config: FermionsConfig } | { type: 'stop' } | { type: 'resume' };

/** One epoch of either phase. */
export interface FermionsRecord {
  phase: 'pretrain' | 'train';
  epoch: number;
  /** pre-training loss, or the mean local energy (ħω) */
  value: number;
  energyError?: number;
  variance?: number;
  acceptance?: number;
  seconds: number;
}

export type FromFermionsWorker =
  | { type: 'backend'; backend: BackendInfo }
  | {
      type: 'progress';
      records: FermionsRecord[];
      /** one-body density from the walkers, ∫n = A, at bin centres */
      density: { x: number[]; n: number[] };
      /** pair distribution from the walkers on a bins × bins grid, ∫∫g = A(A−1) */
      pair: { x: number[]; g: number[][] };
    }
  | { type: 'paused'; checkpoint: unknown }
  | { type: 'done'; checkpoint: unknown }
  | { type: 'error'; name: string; message: string };

/** Reference energies computed in a separate worker (float64 exact solvers). */
export type ToReferenceWorker = { particles: number; V0: number; sigma: number };
export type FromReferenceWorker =
  | { type: 'reference'; method: string; energy: number; seconds: number }
  | { type: 'error'; name: string; message: string };
