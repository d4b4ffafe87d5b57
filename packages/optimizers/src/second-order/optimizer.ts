/**
 * Second-order VMC optimisers (arXiv:2401.17550, REFERENCE.md §3) on generic inputs: the per-sample
 * Jacobian O = ∂θ ln|ψ| [B, P], the local energies [B], and — per method — KFAC layer factors, the
 * mixed derivatives ∂θ∂x_k ln|ψ| (DGD) or the per-sample ∂θ E_L (quasi-Hessian).
 *
 * One step:
 * 1. g = 2⟨(E_L − Ē) Ō⟩ (float64);
 * 2. direction Δ = (M + λI)⁻¹ g with M = S (sr), F = 4S (ngd), G (dgd), or the KFAC approximation
 *    (kfac, qn-kfac); optionally corrected by MINRES on (C)Δ = g (qn-kfac: per layer, warm start);
 * 3. δ = α*Δ + μ*δ₀ minimising M(δ) = gᵀδ + ½δᵀCδ, C = curvature + λI (first step μ* = 0);
 * 4. Levenberg–Marquardt: every `dampingInterval` steps λ ← λω if ρ > ¾, λ/ω if ρ < ¼,
 *    ρ = (E(θ+δ) − E(θ))/(M(δ) − M(0)) pooled over the steps of the interval, both thresholds
 *    tested against the standard error of the measured change, and λω² when ρ is well above 1.5
 *    (the damping dominates the model; see {@link dampingMove});
 *    KFAC's γ is re-chosen every `kfacDampingInterval` steps among {γω₂, γ, γ/ω₂} by the model value.
 * All products with M, C are Jacobian–vector products; no P×P matrix unless P is small.
 */
import type { DenseFactors, TreeSpec } from '@nqs/autodiff-core';
import { OptimizerInputError } from '../first-order.js';
import { dot, minres, norm2, type LinearOperator } from './linalg.js';
import { jacobianOperator, jacobianShape, stackOperators, type JacobianInput, type RowOperator } from './operators.js';
import { CG_PRECONDITIONERS, SOLVE_METHODS, dampedProduct, effectiveDimension, solveDamped, type CgPreconditioner, type GramMetric, type SolveMethod } from './metric.js';
import { kfacAverage, kfacFactors, kfacPrecondition, layerGroups, type KfacBlock } from './kfac.js';
import { applyDampingMove, dampingMove, optimalStep, reductionRatio } from './quadratic.js';

/** The second-order methods. */
export type SecondOrderKind = 'sr' | 'ngd' | 'kfac' | 'qn-kfac' | 'dgd';
/** Allowed values of {@link SecondOrderKind}. */
export const SECOND_ORDER_KINDS: readonly SecondOrderKind[] = ['sr', 'ngd', 'kfac', 'qn-kfac', 'dgd'];

/** Which matrix C (besides λI) the quadratic model uses. */
export type CurvatureKind = 'metric' | 'fisher' | 'quasi-hessian';

/**
 * The curvature C of the step model when none is chosen: the method's own metric for sr, ngd and
 * dgd (for dgd the VMC metric G, which is the energy's Hessian at the exact ground state where E_L
 * is constant), the Fisher matrix for kfac (the classic KFAC model) and the quasi-Hessian B for
 * qn-kfac.
 */
export function defaultCurvature(kind: SecondOrderKind): CurvatureKind {
  return kind === 'kfac' ? 'fisher' : kind === 'qn-kfac' ? 'quasi-hessian' : 'metric';
}

/** Options of {@link SecondOrderOptimizer}; defaults in brackets. */
export interface SecondOrderOptions {
  kind: SecondOrderKind;
  /** initial Levenberg–Marquardt damping λ₀ [1e3] */
  damping?: number;
  /** adapt λ from ρ [true] */
  adaptDamping?: boolean;
  /** steps between λ updates [5] */
  dampingInterval?: number;
  /** ω of the λ rule [(19/20)⁵] */
  dampingFactor?: number;
  /**
   * significance z of the noise-aware λ test ({@link dampingMove}): λ rises only when the measured
   * change is worse than ¼ of the predicted one by more than z standard errors, and falls unless it
   * is worse than ¾ of it by more than z standard errors; 0 = the classic rule [2]
   */
  rhoSignificance?: number;
  /**
   * test λ on the energy changes of all steps of the interval pooled (Σ actual against Σ predicted,
   * standard errors added in quadrature; a bad step anywhere in the interval counts) instead of the
   * last step alone [true]; the caller then reports E(θ+δ) after every step ({@link wantsEnergyAfterStep})
   */
  rhoPooling?: boolean;
  /**
   * ρ above which λ falls by ω² instead of ω (significantly, in the sense of `rhoSignificance`):
   * the damping then carries most of the model's curvature along the step ({@link dampingMove})
   * [1.5; Infinity: the classic single factor]
   */
  fastDecreaseRho?: number;
  /** bounds of λ [1e-8, 1e8] */
  minDamping?: number;
  maxDamping?: number;
  /** fixed diagonal shift added to λ in the metric solve [0] */
  shift?: number;
  /** use the momentum μ* of the model [true] */
  momentum?: boolean;
  /** multiplies the model step [1] */
  learningRate?: number;
  /** clip ‖δ‖₂ to this [∞] */
  maxStepNorm?: number;
  /** solver of the metric system (sr, ngd, dgd) ['auto'] */
  solver?: SolveMethod;
  /** iterations / relative tolerance of iterative metric solves [100, 1e-6: the products run in
   *  float32, tighter tolerances are not reached and only burn the iteration cap] */
  maxIterations?: number;
  tol?: number;
  /** preconditioner of the conjugate-gradient metric solve ['none'] ('jacobi': the diagonal of M + λI) */
  preconditioner?: CgPreconditioner;
  /** C of the model [{@link defaultCurvature}: sr, ngd, dgd 'metric'; kfac 'fisher'; qn-kfac 'quasi-hessian'] */
  curvature?: CurvatureKind;
  /** MINRES correction of Δ with C [qn-kfac: true, else false] */
  minres?: boolean;
  /** MINRES iterations [50] */
  minresIterations?: number;
  /** MINRES on per-layer diagonal blocks of C or on the full C ['layer'] */
  minresBlocks?: 'layer' | 'full';
  /** initial factored damping γ₀ of KFAC [√λ₀] */
  kfacDamping?: number;
  /** re-choose γ [true] */
  adaptKfacDamping?: boolean;
  /** steps between γ updates [20] */
  kfacDampingInterval?: number;
  /** warm start of iterative solves: this × previous direction [0.95] */
  warmStart?: number;
  /** called once with a warning message (default: console.warn) */
  onWarning?: (message: string) => void;
}

/** What a step consumes. Tensors are read, never disposed. */
export interface SecondOrderInputs {
  /** O = ∂θ ln|ψ| per sample, [B, P] (columns in treeToFlat order) */
  jacobian: JacobianInput;
  /** local energies E_L [B] (clipped as the caller wishes), float64 */
  localEnergies: Float64Array;
  /** estimate of E(θ) for ρ [mean of localEnergies] */
  energy?: number;
  /** KFAC: per dense use, the layer inputs and deltas ({@link perSampleJacobian} with factors) */
  factors?: readonly DenseFactors[];
  /** KFAC: parameter layout (treeSpec of the params) */
  layout?: TreeSpec;
  /** DGD: M_k = ∂θ∂x_k ln|ψ| for every coordinate k, each [B, P] */
  mixed?: readonly JacobianInput[];
  /** quasi-Hessian: ∂θ E_L per sample, [B, P] */
  energyJacobian?: JacobianInput;
}

/** Diagnostics of one step. */
export interface SecondOrderInfo {
  kind: SecondOrderKind;
  /** λ and γ used in this step */
  damping: number;
  kfacDamping?: number;
  alpha: number;
  mu: number;
  /** M(δ) − M(0) */
  predicted: number;
  /** ρ of the previous step, when known */
  rho?: number;
  /** standard error of the measured energy change behind ρ, when known */
  rhoError?: number;
  solver: string;
  iterations: number;
  /** relative residual ‖g − (M + λI)Δ‖/‖g‖ of an iterative metric solve (sr, ngd, dgd with cg/minres) */
  residual?: number;
  gradNorm: number;
  stepNorm: number;
  warnings: string[];
}

/** Result of {@link SecondOrderOptimizer.step}. */
export interface SecondOrderStep {
  /** δ [P] to add to the flat parameters (treeToFlat order) */
  update: Float64Array;
  info: SecondOrderInfo;
}

/** JSON state of {@link SecondOrderOptimizer} (for checkpoints). */
export interface SecondOrderState {
  kind: SecondOrderKind;
  steps: number;
  damping: number;
  kfacDamping: number;
  prevStep: number[] | null;
  prevDirection: number[] | null;
  prevPredicted: number | null;
  prevEnergy: number | null;
  /** standard error of prevEnergy (absent in states written before it existed) */
  prevEnergyError?: number | null;
  /** pooled energy changes since the last λ update (absent in older states) */
  pool?: { actual: number; predicted: number; variance: number };
  factorUpdates: number;
  factors: { w: string; b?: string; dimA: number; dimG: number; A: number[]; G: number[] }[] | null;
}

function check(name: string, v: number | undefined, ok: (v: number) => boolean, allowed: string): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new OptimizerInputError(`${name} = ${v} is invalid (allowed: ${allowed})`);
}

/** Validate options; throws {@link OptimizerInputError} naming the field. */
export function validateSecondOrderOptions(o: SecondOrderOptions): void {
  if (!SECOND_ORDER_KINDS.includes(o.kind)) throw new OptimizerInputError(`kind = '${String(o.kind)}' is unknown (allowed: ${SECOND_ORDER_KINDS.join(', ')})`);
  check('damping', o.damping, (v) => v > 0, '> 0');
  check('dampingInterval', o.dampingInterval, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
  check('dampingFactor', o.dampingFactor, (v) => v > 0 && v < 1, '0 < ω < 1');
  check('rhoSignificance', o.rhoSignificance, (v) => v >= 0, '≥ 0');
  if (o.fastDecreaseRho !== Infinity) check('fastDecreaseRho', o.fastDecreaseRho, (v) => v > 0.75, '> 0.75 or Infinity');
  check('minDamping', o.minDamping, (v) => v > 0, '> 0');
  check('maxDamping', o.maxDamping, (v) => v > 0, '> 0');
  if ((o.minDamping ?? 1e-8) > (o.maxDamping ?? 1e8)) throw new OptimizerInputError(`minDamping = ${o.minDamping} exceeds maxDamping = ${o.maxDamping}`);
  check('shift', o.shift, (v) => v >= 0, '≥ 0');
  check('learningRate', o.learningRate, (v) => v > 0, '> 0');
  check('maxStepNorm', o.maxStepNorm === Infinity ? undefined : o.maxStepNorm, (v) => v > 0, '> 0');
  check('maxIterations', o.maxIterations, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
  check('tol', o.tol, (v) => v > 0 && v < 1, '0 < tol < 1');
  check('minresIterations', o.minresIterations, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
  check('kfacDamping', o.kfacDamping, (v) => v > 0, '> 0');
  check('kfacDampingInterval', o.kfacDampingInterval, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
  check('warmStart', o.warmStart, (v) => v >= 0 && v <= 1, '[0, 1]');
  if (o.preconditioner !== undefined && !CG_PRECONDITIONERS.includes(o.preconditioner)) {
    throw new OptimizerInputError(`preconditioner = '${String(o.preconditioner)}' is unknown (allowed: ${CG_PRECONDITIONERS.join(', ')})`);
  }
  if (o.solver !== undefined && !SOLVE_METHODS.includes(o.solver)) throw new OptimizerInputError(`solver = '${String(o.solver)}' is unknown (allowed: ${SOLVE_METHODS.join(', ')})`);
  if (o.curvature !== undefined && !['metric', 'fisher', 'quasi-hessian'].includes(o.curvature)) {
    throw new OptimizerInputError(`curvature = '${String(o.curvature)}' is unknown (allowed: metric, fisher, quasi-hessian)`);
  }
  if (o.minresBlocks !== undefined && !['layer', 'full'].includes(o.minresBlocks)) {
    throw new OptimizerInputError(`minresBlocks = '${String(o.minresBlocks)}' is unknown (allowed: layer, full)`);
  }
}

/**
 * Quasi-Hessian product (REFERENCE.md §3):
 * B v = (1/B)[4 Ōᵀ((E_L − Ē) ⊙ Ōv) + Ōᵀ(J̄_E v) + J̄_Eᵀ(Ōv)],
 * Ō, J̄_E the centred Jacobians of ln|ψ| and E_L.
 */
export function quasiHessianProduct(O: RowOperator, JE: RowOperator, localEnergies: Float64Array): LinearOperator {
  const B = O.rows;
  let m = 0;
  for (let i = 0; i < B; i++) m += localEnergies[i]!;
  m /= B;
  const ec = Float64Array.from(localEnergies, (v) => v - m);
  return async (v) => {
    const [ov, jv] = await Promise.all([O.mul(v), JE.mul(v)]);
    const u = new Float64Array(B);
    for (let i = 0; i < B; i++) u[i] = 4 * ec[i]! * ov[i]! + jv[i]!;
    const [a, b] = await Promise.all([O.tmul(u), JE.tmul(ov)]);
    for (let i = 0; i < a.length; i++) a[i] = (a[i]! + b[i]!) / B;
    return a;
  };
}

/**
 * A stateful second-order optimiser (see the module doc). Not a GradientTransform: it needs the
 * per-sample data of the step, not just the gradient. `step` returns a flat update; the caller
 * applies it (treeFromFlat + applyUpdates) and may report E(θ+δ) via {@link observeEnergy}.
 */
export class SecondOrderOptimizer {
  readonly kind: SecondOrderKind;
  readonly options: Readonly<SecondOrderOptions>;
  private lambda: number;
  private gamma: number;
  private steps = 0;
  private prevStep: Float64Array | null = null;
  private prevDirection: Float64Array | null = null;
  private prevPredicted: number | null = null;
  private prevEnergy: number | null = null;
  private prevEnergyError: number | null = null;
  private observedAfter: number | null = null;
  private observedError: number | null = null;
  /** Σ actual, Σ predicted, Σ stderr² of the energy changes since the last λ update */
  private pool = { actual: 0, predicted: 0, variance: 0 };
  private factors: KfacBlock[] | null = null;
  private factorUpdates = 0;
  private warned = false;

  constructor(o: SecondOrderOptions) {
    validateSecondOrderOptions(o);
    this.kind = o.kind;
    this.options = { ...o };
    this.lambda = o.damping ?? 1e3;
    this.gamma = o.kfacDamping ?? Math.sqrt(this.lambda);
  }

  /** Current λ. */
  get damping(): number {
    return this.lambda;
  }

  /** Current KFAC γ. */
  get kfacDamping(): number {
    return this.gamma;
  }

  /** Steps taken. */
  get stepCount(): number {
    return this.steps;
  }

  /** Whether the next λ update uses the energy after the coming step (the caller may then measure E(θ+δ) on the same samples and report it with {@link observeEnergy}). */
  get wantsEnergyAfterStep(): boolean {
    const o = this.options;
    return (o.adaptDamping ?? true) && ((o.rhoPooling ?? true) || (this.steps + 1) % (o.dampingInterval ?? 5) === 0);
  }

  /**
   * Report E(θ+δ) of the last step (otherwise the next step's energy estimate is used for ρ).
   * @param stderr standard error of E(θ+δ) − E(θ) as measured (e.g. by reweighting the step's own
   *   samples); 0 or absent: treated as exact
   */
  observeEnergy(energyAfter: number, stderr?: number): void {
    this.observedAfter = energyAfter;
    this.observedError = stderr ?? 0;
  }

  private warn(msg: string, out: string[]): void {
    out.push(msg);
    if (this.warned) return;
    this.warned = true;
    (this.options.onWarning ?? ((m: string) => console.warn(`warning: ${m}`)))(msg);
  }

  /** One optimisation step; see {@link SecondOrderInputs}. */
  async step(inp: SecondOrderInputs): Promise<SecondOrderStep> {
    const o = this.options;
    const [B, P] = jacobianShape(inp.jacobian);
    const e = inp.localEnergies;
    if (!(e instanceof Float64Array) || e.length !== B) throw new OptimizerInputError(`localEnergies: ${e?.length} values for ${B} samples`);
    const warnings: string[] = [];
    const energy = inp.energy ?? e.reduce((s, v) => s + v, 0) / B;
    // standard error of the energy estimate from the spread of E_L (independent samples)
    let ev = 0;
    for (let i = 0; i < B; i++) ev += (e[i]! - energy) ** 2;
    const energyError = B > 1 ? Math.sqrt(ev / (B - 1) / B) : 0;

    // ρ of the previous step and Levenberg–Marquardt
    let rho: number | undefined;
    let rhoError: number | undefined;
    if (this.prevPredicted !== null && this.prevEnergy !== null) {
      const after = this.observedAfter ?? energy;
      rho = reductionRatio(this.prevEnergy, after, this.prevPredicted);
      // the reported error of a reweighted E(θ+δ), or two independent estimates on fresh samples
      const err = this.observedAfter !== null ? (this.observedError ?? 0) : Math.hypot(this.prevEnergyError ?? 0, energyError);
      rhoError = Math.abs(err / this.prevPredicted);
      const pooling = o.rhoPooling ?? true;
      if (!pooling) this.pool = { actual: 0, predicted: 0, variance: 0 };
      this.pool.actual += after - this.prevEnergy;
      this.pool.predicted += this.prevPredicted;
      this.pool.variance += err * err;
      if ((o.adaptDamping ?? true) && this.steps % (o.dampingInterval ?? 5) === 0) {
        const move = dampingMove({ actual: this.pool.actual, predicted: this.pool.predicted, stderr: Math.sqrt(this.pool.variance) }, o.rhoSignificance, o.fastDecreaseRho); // undefined: the defaults of dampingMove
        this.lambda = applyDampingMove(this.lambda, move, { factor: o.dampingFactor, min: o.minDamping, max: o.maxDamping });
        this.pool = { actual: 0, predicted: 0, variance: 0 };
      }
    }
    this.observedAfter = null;
    this.observedError = null;
    const lambda = this.lambda;
    const lambdaSolve = lambda + (o.shift ?? 0);

    const ops: RowOperator[] = [];
    try {
      const O = await jacobianOperator(inp.jacobian, true);
      ops.push(O);
      let mE = 0;
      for (let i = 0; i < B; i++) mE += e[i]!;
      mE /= B;
      const coef = Float64Array.from(e, (v) => (2 * (v - mE)) / B);
      const g = await O.tmul(coef);

      // curvature of the model
      const curvature: CurvatureKind = o.curvature ?? defaultCurvature(this.kind);
      let metric: GramMetric | null = null;
      if (this.kind === 'sr' || this.kind === 'ngd') metric = { op: O, scale: (this.kind === 'ngd' ? 4 : 1) / B };
      if (this.kind === 'dgd') {
        if (!inp.mixed || inp.mixed.length === 0) throw new OptimizerInputError('dgd: inputs.mixed (∂θ∂x_k ln|ψ| for every coordinate k, each [B, P]) is required');
        for (const m of inp.mixed) {
          const [b2, p2] = jacobianShape(m);
          if (b2 !== B || p2 !== P) throw new OptimizerInputError(`dgd: mixed Jacobian [${b2}, ${p2}] does not match O [${B}, ${P}]`);
        }
        const ms = await Promise.all(inp.mixed.map((m) => jacobianOperator(m, false)));
        ops.push(...ms);
        metric = { op: stackOperators(ms), scale: 1 / B };
      }
      // C = curvature + λI from row operators (the full ones, or their restrictions to a layer)
      const curvFrom = (Oc: RowOperator, JEc: RowOperator | null, Mc: GramMetric | null): LinearOperator => {
        if (curvature === 'quasi-hessian') {
          const Bq = quasiHessianProduct(Oc, JEc!, e);
          return async (v) => {
            const r = await Bq(v);
            for (let i = 0; i < r.length; i++) r[i]! += lambda * v[i]!;
            return r;
          };
        }
        if (curvature === 'fisher' || !Mc) return dampedProduct({ op: Oc, scale: 4 / B }, lambda);
        return dampedProduct(Mc, lambda);
      };
      let JE: RowOperator | null = null;
      if (curvature === 'quasi-hessian') {
        if (!inp.energyJacobian) throw new OptimizerInputError(`${this.kind}: the quasi-Hessian curvature needs inputs.energyJacobian (∂θ E_L per sample, [B, P])`);
        JE = await jacobianOperator(inp.energyJacobian, true);
        ops.push(JE);
      }
      const curv = curvFrom(O, JE, metric);

      // direction
      let direction: Float64Array;
      let solver = '';
      let iterations = 0;
      let residual: number | undefined;
      const warm = o.warmStart ?? 0.95;
      if (metric) {
        if (B < P) {
          const nEff = await effectiveDimension(metric, lambdaSolve);
          if (B < nEff) {
            this.warn(
              `${this.kind}: ${B} samples for ${P} parameters at damping ${lambdaSolve.toPrecision(3)}: the metric resolves ≈${Math.round(nEff)} directions, more than there are samples; raise the walkers or the damping`,
              warnings,
            );
          }
        }
        const r = await solveDamped(metric, g, lambdaSolve, {
          method: o.solver ?? 'auto',
          rowCoefficients: this.kind === 'dgd' ? undefined : coef,
          x0: this.prevDirection ? Float64Array.from(this.prevDirection, (v) => warm * v) : undefined,
          maxIterations: o.maxIterations,
          ...(o.preconditioner ? { preconditioner: o.preconditioner } : {}),
          tol: o.tol ?? 1e-6,
        });
        direction = r.x;
        solver = r.method;
        iterations = r.iterations;
        if (r.method === 'cg' || r.method === 'minres') residual = r.relativeResidual;
      } else {
        if (!inp.factors || !inp.layout) throw new OptimizerInputError(`${this.kind}: inputs.factors (per dense use a, δ) and inputs.layout (treeSpec of the params) are required`);
        const fresh = await kfacFactors(inp.factors);
        this.factors = kfacAverage(this.factors, fresh, this.factorUpdates);
        this.factorUpdates++;
        const raw = await jacobianOperator(inp.jacobian, false);
        ops.push(raw);
        const diag = await raw.colSquares();
        for (let i = 0; i < P; i++) diag[i]! /= B;
        const blocks = this.factors;
        const precond = (gm: number) => kfacPrecondition(blocks, inp.layout!, g, diag, gm);
        solver = 'kfac';
        if ((o.adaptKfacDamping ?? true) && this.steps > 0 && this.steps % (o.kfacDampingInterval ?? 20) === 0) {
          const w2 = Math.pow(Math.sqrt(19 / 20), o.kfacDampingInterval ?? 20);
          let best: { gm: number; val: number; dir: Float64Array } = { gm: this.gamma, val: Infinity, dir: new Float64Array(0) };
          for (const gm of [this.gamma * w2, this.gamma, this.gamma / w2]) {
            const dir = precond(gm);
            const val = (await optimalStep(g, dir, (o.momentum ?? true) ? this.prevStep : null, curv)).predicted;
            if (val < best.val) best = { gm, val, dir };
          }
          this.gamma = best.gm;
          direction = best.dir;
        } else {
          direction = precond(this.gamma);
        }
      }

      // MINRES correction with C
      if (o.minres ?? this.kind === 'qn-kfac') {
        const its = o.minresIterations ?? 50;
        if ((o.minresBlocks ?? 'layer') === 'layer' && this.factors && inp.layout) {
          const corrected = new Float64Array(P);
          // per layer: C restricted to the layer's columns, from column-restricted Jacobians (the
          // products of all layers together cost about one full product)
          for (const idx of layerGroups(this.factors, inp.layout)) {
            const Ol = await O.columns(idx);
            ops.push(Ol);
            const JEl = JE ? await JE.columns(idx) : null;
            if (JEl) ops.push(JEl);
            let Ml: GramMetric | null = null;
            if (metric && curvature === 'metric') {
              Ml = { op: await metric.op.columns(idx), scale: metric.scale };
              ops.push(Ml.op);
            }
            const r = await minres(curvFrom(Ol, JEl, Ml), Float64Array.from(idx, (p) => g[p]!), { x0: Float64Array.from(idx, (p) => direction[p]!), maxIterations: its, tol: 1e-8 });
            idx.forEach((p, i) => (corrected[p] = r.x[i]!));
            iterations += r.iterations;
          }
          direction = corrected;
        } else {
          const r = await minres(curv, g, { x0: direction, maxIterations: its, tol: 1e-8 });
          direction = r.x;
          iterations += r.iterations;
        }
        solver += '+minres';
      }

      // step from the model
      const ms = await optimalStep(g, direction, (o.momentum ?? true) ? this.prevStep : null, curv);
      let step = ms.step;
      let predicted = ms.predicted;
      let factor = o.learningRate ?? 1;
      const sn = norm2(step);
      if (o.maxStepNorm !== undefined && sn * factor > o.maxStepNorm) factor = o.maxStepNorm / sn;
      if (factor !== 1) {
        step = Float64Array.from(step, (v) => v * factor);
        predicted = dot(g, step) + 0.5 * dot(step, await curv(step));
      }
      this.prevStep = step;
      this.prevDirection = direction;
      this.prevPredicted = predicted;
      this.prevEnergy = energy;
      this.prevEnergyError = energyError;
      this.steps++;
      return {
        update: step,
        info: {
          kind: this.kind,
          damping: lambda,
          ...(this.factors ? { kfacDamping: this.gamma } : {}),
          alpha: ms.alpha * factor,
          mu: ms.mu * factor,
          predicted,
          ...(rho !== undefined ? { rho } : {}),
          ...(rhoError !== undefined ? { rhoError } : {}),
          solver,
          iterations,
          ...(residual !== undefined ? { residual } : {}),
          gradNorm: norm2(g),
          stepNorm: norm2(step),
          warnings,
        },
      };
    } finally {
      for (const op of ops) op.dispose();
    }
  }

  /** Serialisable state (float64 vectors as number arrays). */
  getState(): SecondOrderState {
    return {
      kind: this.kind,
      steps: this.steps,
      damping: this.lambda,
      kfacDamping: this.gamma,
      prevStep: this.prevStep ? Array.from(this.prevStep) : null,
      prevDirection: this.prevDirection ? Array.from(this.prevDirection) : null,
      prevPredicted: this.prevPredicted,
      prevEnergy: this.prevEnergy,
      prevEnergyError: this.prevEnergyError,
      pool: { ...this.pool },
      factorUpdates: this.factorUpdates,
      factors: this.factors ? this.factors.map((b) => ({ ...b, A: Array.from(b.A), G: Array.from(b.G) })) : null,
    };
  }

  /** Restore {@link getState} output (the kind must match). */
  setState(s: SecondOrderState): void {
    if (!s || s.kind !== this.kind) throw new OptimizerInputError(`optimizer state: kind '${s?.kind}' does not match '${this.kind}'`);
    this.steps = s.steps;
    this.lambda = s.damping;
    this.gamma = s.kfacDamping;
    this.prevStep = s.prevStep ? Float64Array.from(s.prevStep) : null;
    this.prevDirection = s.prevDirection ? Float64Array.from(s.prevDirection) : null;
    this.prevPredicted = s.prevPredicted;
    this.prevEnergy = s.prevEnergy;
    this.prevEnergyError = s.prevEnergyError ?? null;
    this.pool = s.pool ? { ...s.pool } : { actual: 0, predicted: 0, variance: 0 };
    this.factorUpdates = s.factorUpdates;
    this.factors = s.factors ? s.factors.map((b) => ({ ...b, A: Float64Array.from(b.A), G: Float64Array.from(b.G) })) : null;
  }
}

/** Every optimiser name the drivers accept. */
export const OPTIMIZER_NAMES = ['adam', 'rmsprop', 'sgd', 'sr', 'ngd', 'kfac', 'qn-kfac', 'dgd'] as const;
/** One of {@link OPTIMIZER_NAMES}. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Check an optimiser name; throws {@link OptimizerInputError} listing the allowed names. */
export function parseOptimizerName(name: string): OptimizerName {
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(name)) throw new OptimizerInputError(`optimizer = '${name}' is unknown (allowed: ${OPTIMIZER_NAMES.join(', ')})`);
  return name as OptimizerName;
}

/** Whether a name is one of the second-order methods. */
export function isSecondOrder(name: string): name is SecondOrderKind {
  return (SECOND_ORDER_KINDS as readonly string[]).includes(name);
}
