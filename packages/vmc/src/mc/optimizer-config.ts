/**
 * Optimiser choice of the trapped-fermion energy minimisation: the first-order transforms
 * (adam, rmsprop, sgd) or a second-order method of @nqs/optimizers (sr, ngd, kfac, qn-kfac, dgd).
 *
 * The second-order step needs per-walker data of the current walkers: the Jacobian of ln|ψ|
 * (probe trick), KFAC's layer factors, the mixed derivatives ∂θ∂x_k ln|ψ| (DGD, from the
 * forward-Laplacian gradient path, one probe pass per coordinate k) and, for the quasi-Hessian,
 * ∂θE_L = −½(∂θΔ ln|ψ| + 2 Σ_k ∂_k ln|ψ| ∂θ∂_k ln|ψ|) (the potential does not depend on θ).
 */
import { tf, perSampleJacobian, treeSpec, treeFromFlat, type ParamTracer, type ParamTree } from '@nqs/autodiff-core';
import type { SlaterNet, SlaterNetParams } from '@nqs/ansatz';
import {
  OptimizerInputError,
  SecondOrderOptimizer,
  adam,
  applyUpdates,
  defaultCurvature,
  isSecondOrder,
  parseOptimizerName,
  rmsprop,
  sgd,
  validateSecondOrderOptions,
  type GradientTransform,
  type OptState,
  type OptStateRecord,
  type OptimizerName,
  type SecondOrderInfo,
  type SecondOrderInputs,
  type SecondOrderOptions,
  type SecondOrderState,
} from '@nqs/optimizers';

/** Optimiser of the energy phase. */
export interface FermionOptimizerConfig {
  /** adam | rmsprop | sgd | sr | ngd | kfac | qn-kfac | dgd (default adam) */
  name: OptimizerName;
  /** hyper-parameters of the second-order methods (see {@link SecondOrderOptions}) */
  secondOrder?: Omit<SecondOrderOptions, 'kind' | 'onWarning'>;
}

/** Validate (throws OptimizerInputError naming the field) and fill the default (adam). */
export function resolveOptimizerConfig(c: FermionOptimizerConfig | undefined): FermionOptimizerConfig {
  if (c === undefined) return { name: 'adam' };
  if (!c || typeof c !== 'object') throw new OptimizerInputError(`optimizer: ${JSON.stringify(c)} is not an optimiser configuration`);
  const name = parseOptimizerName(c.name);
  if (isSecondOrder(name)) validateSecondOrderOptions({ ...(c.secondOrder ?? {}), kind: name });
  else if (c.secondOrder) throw new OptimizerInputError(`optimizer.secondOrder applies only to sr, ngd, kfac, qn-kfac, dgd (got ${name})`);
  return { name, ...(c.secondOrder ? { secondOrder: { ...c.secondOrder } } : {}) };
}

/** First-order transform of the energy phase (a placeholder with empty state for second-order methods). */
export function energyTransform(c: FermionOptimizerConfig, learningRate: number): GradientTransform<OptState[]> {
  switch (c.name) {
    case 'rmsprop':
      return rmsprop({ learningRate });
    case 'sgd':
      return sgd({ learningRate });
    case 'adam':
      return adam({ learningRate });
    default:
      return {
        init: () => [],
        update: () => {
          throw new OptimizerInputError(`${c.name} is a second-order method; it does not act on gradients alone`);
        },
      };
  }
}

/** Whether the run's optimiser is second-order. */
export function usesSecondOrder(c: FermionOptimizerConfig): boolean {
  return isSecondOrder(c.name);
}

const live = new WeakMap<object, SecondOrderOptimizer>();

function stateToOpt(s: SecondOrderState): OptStateRecord {
  const r: OptStateRecord = {
    steps: s.steps,
    damping: s.damping,
    kfacDamping: s.kfacDamping,
    factorUpdates: s.factorUpdates,
  };
  if (s.prevStep) r.prevStep = s.prevStep;
  if (s.prevDirection) r.prevDirection = s.prevDirection;
  if (s.prevPredicted !== null) r.prevPredicted = s.prevPredicted;
  if (s.prevEnergy !== null) r.prevEnergy = s.prevEnergy;
  if (s.prevEnergyError !== undefined && s.prevEnergyError !== null) r.prevEnergyError = s.prevEnergyError;
  if (s.pool) r.pool = [s.pool.actual, s.pool.predicted, s.pool.variance];
  if (s.factors) r.factors = s.factors.map((f) => ({ w: [...f.w].map((ch) => ch.charCodeAt(0)), b: f.b ? [...f.b].map((ch) => ch.charCodeAt(0)) : [], dimA: f.dimA, dimG: f.dimG, A: f.A, G: f.G }));
  return r;
}

function optToState(kind: SecondOrderState['kind'], o: OptState): SecondOrderState | null {
  if (!o || typeof o !== 'object' || Array.isArray(o) || o instanceof tf.Tensor || typeof (o as OptStateRecord).steps !== 'number') return null;
  const r = o as Record<string, any>;
  const str = (a: number[]) => String.fromCharCode(...a);
  return {
    kind,
    steps: r.steps,
    damping: r.damping,
    kfacDamping: r.kfacDamping,
    factorUpdates: r.factorUpdates,
    prevStep: r.prevStep ?? null,
    prevDirection: r.prevDirection ?? null,
    prevPredicted: r.prevPredicted ?? null,
    prevEnergy: r.prevEnergy ?? null,
    prevEnergyError: r.prevEnergyError ?? null,
    ...(Array.isArray(r.pool) && r.pool.length === 3 ? { pool: { actual: r.pool[0], predicted: r.pool[1], variance: r.pool[2] } } : {}),
    factors: r.factors ? r.factors.map((f: any) => ({ w: str(f.w), ...(f.b.length ? { b: str(f.b) } : {}), dimA: f.dimA, dimG: f.dimG, A: f.A, G: f.G })) : null,
  };
}

/** The live optimiser of a run (rebuilt from the serialised state after a restore). */
export function secondOrderOptimizer(owner: object, c: FermionOptimizerConfig, optState: OptState): SecondOrderOptimizer {
  let opt = live.get(owner);
  if (!opt || opt.kind !== c.name) {
    opt = new SecondOrderOptimizer({ ...(c.secondOrder ?? {}), kind: c.name as SecondOrderState['kind'] });
    const s = optToState(opt.kind, optState);
    if (s) opt.setState(s);
    live.set(owner, opt);
  }
  return opt;
}

/** What {@link secondOrderUpdate} needs from the run. */
export interface SecondOrderContext {
  net: SlaterNet;
  params: SlaterNetParams;
  /** walkers [B, A] */
  x: tf.Tensor2D;
  /** clipped local energies [B] */
  localEnergies: Float64Array;
  /** local energies of the same walkers under new params (for ρ by reweighting); optional */
  energyAt?: (params: SlaterNetParams, x: tf.Tensor2D) => Promise<{ energies: Float64Array; logAbs: Float64Array }>;
  /** ln|ψ| of the walkers under the current params [B] (for the reweighting) */
  logAbs?: Float64Array;
}

/**
 * One second-order step: builds the inputs the method needs, asks the optimiser for δ and
 * returns the new parameters (the caller disposes the old ones) and the serialised state.
 */
export async function secondOrderUpdate(
  owner: object,
  c: FermionOptimizerConfig,
  optState: OptState,
  ctx: SecondOrderContext,
): Promise<{ params: SlaterNetParams; optState: OptStateRecord; info: SecondOrderInfo }> {
  const opt = secondOrderOptimizer(owner, c, optState);
  const { net, params, x } = ctx;
  const kind = opt.kind;
  const A = x.shape[1];
  const logAbsF = (p: ParamTree, xx: tf.Tensor, tr: ParamTracer) => net.logAbsTraced(p as SlaterNetParams, xx as tf.Tensor2D, tr);
  const needFactors = kind === 'kfac' || kind === 'qn-kfac';
  const curvature = c.secondOrder?.curvature ?? defaultCurvature(kind);
  const needMixed = kind === 'dgd' || curvature === 'quasi-hessian';
  const owned: tf.Tensor[] = [];
  try {
    const J = perSampleJacobian(logAbsF, params, x, { factors: needFactors });
    owned.push(J.value, J.jacobian);
    if (J.factors) for (const f of J.factors) owned.push(f.a, f.delta);
    const inputs: SecondOrderInputs = {
      jacobian: J.jacobian,
      localEnergies: ctx.localEnergies,
      ...(J.factors ? { factors: J.factors, layout: treeSpec(params) } : {}),
    };
    if (needMixed) {
      const mixed: tf.Tensor2D[] = [];
      for (let k = 0; k < A; k++) {
        const fk = (p: ParamTree, xx: tf.Tensor, tr: ParamTracer) =>
          tf.tidy(() => {
            const d = net.applyWithDerivatives(p as SlaterNetParams, xx as tf.Tensor2D, tr);
            // + 0·Δ ln|ψ|: the probes of the Laplacian path must stay connected (zero columns otherwise error)
            return tf.add(tf.reshape(tf.slice(d.gradX, [0, k], [-1, 1]), [-1]), tf.mul(0, d.lapX)) as tf.Tensor1D;
          });
        const r = perSampleJacobian(fk, params, x);
        owned.push(r.value, r.jacobian);
        mixed.push(r.jacobian);
      }
      if (kind === 'dgd') inputs.mixed = mixed;
      if (curvature === 'quasi-hessian') {
        const fl = (p: ParamTree, xx: tf.Tensor, tr: ParamTracer) => tf.tidy(() => net.applyWithDerivatives(p as SlaterNetParams, xx as tf.Tensor2D, tr).lapX);
        const rl = perSampleJacobian(fl, params, x);
        owned.push(rl.value, rl.jacobian);
        const gradX = tf.tidy(() => net.applyWithDerivatives(params, x).gradX);
        owned.push(gradX);
        const JE = tf.tidy(() => {
          let s: tf.Tensor = rl.jacobian;
          for (let k = 0; k < A; k++) s = tf.add(s, tf.mul(tf.mul(2, tf.slice(gradX, [0, k], [-1, 1])), mixed[k]!));
          return tf.mul(-0.5, s) as tf.Tensor2D;
        });
        owned.push(JE);
        inputs.energyJacobian = JE;
      }
    }
    const wantAfter = opt.wantsEnergyAfterStep && !!ctx.energyAt && !!ctx.logAbs;
    const { update, info } = await opt.step(inputs);
    const delta = treeFromFlat(treeSpec(params), update);
    const next = applyUpdates(params, delta) as SlaterNetParams;
    for (const t of Object.values(flatLeaves(delta))) t.dispose();
    if (wantAfter) {
      // E(θ+δ) on the same walkers, reweighted by |ψ_new/ψ_old|²: a low-noise ρ
      const after = await ctx.energyAt!(next, x);
      const r = reweightedChange(ctx.localEnergies, after.energies, ctx.logAbs!, after.logAbs);
      opt.observeEnergy(r.energyAfter, r.stderr);
    }
    return { params: next, optState: stateToOpt(opt.getState()), info };
  } finally {
    tf.dispose(owned);
  }
}

/**
 * E(θ+δ) from the walkers of θ, reweighted by w = |ψ_θ+δ/ψ_θ|², and the standard error of the
 * change E(θ+δ) − E(θ) from the same walkers (delta method: the change is the mean of
 * u_i = (w_i/w̄)(E'_i − Ê') − (E_i − Ē) up to second order; walkers taken as independent).
 *
 * @param before E_L(θ) [B]; @param after E_L(θ+δ) at the same walkers [B];
 * @param logAbsBefore ln|ψ_θ| [B]; @param logAbsAfter ln|ψ_θ+δ| [B].
 */
export function reweightedChange(
  before: ArrayLike<number>,
  after: ArrayLike<number>,
  logAbsBefore: ArrayLike<number>,
  logAbsAfter: ArrayLike<number>,
): { energyAfter: number; stderr: number } {
  const B = before.length;
  if (after.length !== B || logAbsBefore.length !== B || logAbsAfter.length !== B) {
    throw new OptimizerInputError(`reweightedChange: ${B}, ${after.length}, ${logAbsBefore.length}, ${logAbsAfter.length} values (all must agree)`);
  }
  const lw = Float64Array.from({ length: B }, (_, i) => 2 * (logAbsAfter[i]! - logAbsBefore[i]!));
  let m = -Infinity;
  for (let i = 0; i < B; i++) m = Math.max(m, lw[i]!);
  const w = Float64Array.from(lw, (v) => Math.exp(v - m));
  let sw = 0;
  let se = 0;
  let e0 = 0;
  for (let i = 0; i < B; i++) {
    sw += w[i]!;
    se += w[i]! * after[i]!;
    e0 += before[i]!;
  }
  const energyAfter = se / sw;
  e0 /= B;
  const wm = sw / B;
  let su = 0;
  let su2 = 0;
  for (let i = 0; i < B; i++) {
    const u = (w[i]! / wm) * (after[i]! - energyAfter) - (before[i]! - e0);
    su += u;
    su2 += u * u;
  }
  const vu = B > 1 ? (su2 - (su * su) / B) / (B - 1) : 0;
  return { energyAfter, stderr: Math.sqrt(Math.max(0, vu) / B) };
}

function flatLeaves(t: ParamTree): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (const v of Object.values(t)) {
    if (v instanceof tf.Tensor) out.push(v);
    else out.push(...flatLeaves(v as ParamTree));
  }
  return out;
}
