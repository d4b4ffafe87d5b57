/**
 * Flags of the energy-phase optimiser, shared by `nqs fermions` and `nqs compare-optimizers`:
 * `--optimizer adam|rmsprop|sgd|sr|ngd|kfac|qn-kfac|dgd` (first-order: `--lr`) and the
 * second-order hyper-parameters (REFERENCE.md §3).
 */
import { OPTIMIZER_NAMES, SOLVE_METHODS, CG_PRECONDITIONERS, isSecondOrder, type OptimizerName, type SecondOrderOptions } from '@nqs/optimizers';
import type { FermionOptimizerConfig } from '@nqs/vmc';
import type { FlagSpecs, Parsed } from './args.js';

/** Second-order hyper-parameter flags (defaults follow REFERENCE.md §3). */
export const secondOrderFlags: FlagSpecs = {
  damping: { type: 'number', help: 'initial Levenberg–Marquardt damping λ₀ (sr, ngd, kfac, qn-kfac, dgd)', default: 1e3, gt: 0 },
  'damping-interval': { type: 'int', help: 'steps between λ updates from the reduction ratio ρ', default: 5, min: 1 },
  'min-damping': { type: 'number', help: 'lower bound of the adapted λ', default: 1e-8, gt: 0 },
  'fixed-damping': { type: 'boolean', help: 'keep λ fixed (no Levenberg–Marquardt adaptation)', default: false },
  'rho-significance': {
    type: 'number',
    help: 'noise-aware λ rule: λ rises only when E(θ+δ) falls short of ¼ of the model decrease by more than this many standard errors, and falls unless it falls short of ¾ by more (0 = classic ρ rule)',
    default: 2,
    min: 0,
  },
  'fast-decrease-rho': {
    type: 'number',
    help: 'λ falls by ω² instead of ω when ρ is significantly above this (the damping dominates the step model); a large value turns it off',
    default: 1.5,
    gt: 0.75,
  },
  curvature: { type: 'string', help: 'curvature of the step model (default: sr/ngd/dgd their metric, kfac fisher, qn-kfac quasi-hessian)', choices: ['metric', 'fisher', 'quasi-hessian'] },
  shift: { type: 'number', help: 'fixed diagonal shift added to λ in the metric solve', default: 0, min: 0 },
  'kfac-damping': { type: 'number', help: 'initial factored Tikhonov damping γ of KFAC (default √λ₀)', gt: 0 },
  'minres-iterations': { type: 'int', help: 'iterations of the MINRES correction (qn-kfac)', default: 50, min: 1 },
  'cg-iterations': { type: 'int', help: 'iterations of the iterative metric solve (cg/minres)', default: 100, min: 1 },
  'cg-tol': { type: 'number', help: 'relative residual tolerance of the iterative metric solve (products run in float32)', default: 1e-6, gt: 0, max: 0.5 },
  solver: { type: 'string', help: 'metric solve for sr/ngd/dgd', choices: SOLVE_METHODS, default: 'auto' },
  'cg-warm-start': { type: 'number', help: 'initial guess of the iterative metric solve: this × the previous direction (0: cold start)', default: 0.95, min: 0, max: 1 },
  'cg-precondition': { type: 'string', help: 'preconditioner of the conjugate-gradient metric solve (jacobi: diagonal of the damped metric)', choices: CG_PRECONDITIONERS, default: 'none' },
  'step-scale': { type: 'number', help: 'multiplies the step of the quadratic model', default: 1, gt: 0 },
  'max-step-norm': { type: 'number', help: 'clip ‖δ‖₂ of second-order steps', gt: 0 },
  momentum: { type: 'boolean', help: 'use the model momentum μ* (--no-momentum: μ = 0)', default: true },
};

/** `--optimizer` and the second-order flags. */
export const optimizerFlags: FlagSpecs = {
  optimizer: { type: 'string', help: 'optimiser of the energy phase', choices: OPTIMIZER_NAMES, default: 'adam' },
  ...secondOrderFlags,
};

/** Second-order options from the flags (without the kind). */
export function secondOrderOptions(args: Parsed): Omit<SecondOrderOptions, 'kind' | 'onWarning'> {
  const f = args.flags;
  return {
    damping: f.damping as number,
    dampingInterval: f['damping-interval'] as number,
    adaptDamping: !(f['fixed-damping'] as boolean),
    rhoSignificance: f['rho-significance'] as number,
    fastDecreaseRho: f['fast-decrease-rho'] as number,
    ...(f.curvature !== undefined ? { curvature: f.curvature as SecondOrderOptions['curvature'] } : {}),
    minDamping: f['min-damping'] as number,
    shift: f.shift as number,
    ...(f['kfac-damping'] !== undefined ? { kfacDamping: f['kfac-damping'] as number } : {}),
    minresIterations: f['minres-iterations'] as number,
    maxIterations: f['cg-iterations'] as number,
    tol: f['cg-tol'] as number,
    solver: f.solver as SecondOrderOptions['solver'],
    preconditioner: f['cg-precondition'] as SecondOrderOptions['preconditioner'],
    warmStart: f['cg-warm-start'] as number,
    learningRate: f['step-scale'] as number,
    ...(f['max-step-norm'] !== undefined ? { maxStepNorm: f['max-step-norm'] as number } : {}),
    momentum: f.momentum as boolean,
  };
}

/** The run's optimiser configuration for one optimiser name. */
export function optimizerConfig(name: OptimizerName, args: Parsed): FermionOptimizerConfig {
  return isSecondOrder(name) ? { name, secondOrder: secondOrderOptions(args) } : { name };
}
