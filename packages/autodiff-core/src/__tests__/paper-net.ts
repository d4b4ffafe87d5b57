/**
 * Test fixture: the equivariant Slater network of REFERENCE.md §2 (tanh, mean-field concat,
 * residual from the second layer, orbitals (w_j·h_i + b_j)·exp(−(κ_j x_i)²), ψ = Σ_d det Φ⁽ᵈ⁾),
 * written three ways: plain ops (for nested tf.grad), forward Laplacian, and float64 JS.
 * All tfjs paths route parameters through a ParamTracer so the Jacobian tests can use them.
 */
import { LuDecomposition, Matrix } from 'ml-matrix';
import {
  flAdd,
  flDense,
  flGaussianEnvelope,
  flInput,
  flMeanFieldDense,
  flMul,
  flSlaterSum,
  flTanh,
  logSumSignedExp,
  plainTracer,
  slogdet,
  tf,
  type FLLogDet,
  type ParamTracer,
  type ParamTree,
  type Rng,
} from '../index.js';

export interface NetConfig {
  A: number;
  H: number;
  L: number;
  D: number;
}

export function initNet(rng: Rng, c: NetConfig): ParamTree {
  const layers: Record<string, ParamTree> = {};
  let hin = 1;
  const rnd = (shape: number[], s: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = s * rng.normal();
    return tf.tensor(a, shape);
  };
  for (let l = 0; l < c.L; l++) {
    layers[`l${l}`] = { w: rnd([2 * hin, c.H], 1 / Math.sqrt(2 * hin)), b: rnd([c.H], 0.3) };
    hin = c.H;
  }
  const J = c.D * c.A;
  const kappa = new Float32Array(J);
  for (let j = 0; j < J; j++) kappa[j] = Math.sqrt(0.5) * (1 + 0.2 * rng.normal());
  return { layers, orb: { w: rnd([c.H, J], 1 / Math.sqrt(c.H)), b: rnd([J], 0.5) }, kappa: tf.tensor1d(kappa) };
}

type Leaves = { layers: Record<string, { w: tf.Tensor2D; b: tf.Tensor1D }>; orb: { w: tf.Tensor2D; b: tf.Tensor1D }; kappa: tf.Tensor1D };

/** ln|ψ| [B] with plain ops (differentiable to any order with nested-safe gradients). */
export function netLogAbs(c: NetConfig, p: ParamTree, x: tf.Tensor, tr: ParamTracer = plainTracer): tf.Tensor1D {
  return tf.tidy(() => {
    const q = p as unknown as Leaves;
    const [B, A] = x.shape as [number, number];
    let h: tf.Tensor = tf.reshape(x, [B, A, 1]);
    for (let l = 0; l < c.L; l++) {
      const lay = q.layers[`l${l}`]!;
      // [h_i, mean_j h_j]·W as row blocks (the mean [B, 1, H] broadcasts over particles)
      const m = tf.mean(h, 1, true);
      const z = tf.tanh(tr.dense([h, m], lay.w, lay.b, { w: `layers.l${l}.w`, b: `layers.l${l}.b` }));
      h = l > 0 ? tf.add(z, h) : z;
    }
    const o = tr.dense(h, q.orb.w, q.orb.b, { w: 'orb.w', b: 'orb.b' }); // [B, A, J]
    const kap = tr.param(q.kappa, 'kappa'); // [1|B, J]
    const kx = tf.mul(tf.reshape(x, [B, A, 1]), tf.expandDims(kap, 1));
    const phi = tf.mul(o, tf.exp(tf.neg(tf.square(kx))));
    const dets = [];
    for (let d = 0; d < c.D; d++) dets.push(slogdet(tf.slice(phi, [0, 0, d * A], [B, A, A]) as tf.Tensor3D));
    return logSumSignedExp(dets).logAbs;
  });
}

/** Forward-Laplacian version: {sign, logAbs, grad [B, A], lap}. */
export function netFL(c: NetConfig, p: ParamTree, x: tf.Tensor2D, tr: ParamTracer = plainTracer): FLLogDet {
  return tf.tidy(() => {
    const q = p as unknown as Leaves;
    let h = flInput(x);
    for (let l = 0; l < c.L; l++) {
      const lay = q.layers[`l${l}`]!;
      const z = flTanh(flMeanFieldDense(h, lay.w, lay.b, { tracer: tr, paths: { w: `layers.l${l}.w`, b: `layers.l${l}.b` } }));
      h = l > 0 ? flAdd(z, h) : z;
    }
    const o = flDense(h, q.orb.w, q.orb.b, { tracer: tr, paths: { w: 'orb.w', b: 'orb.b' } });
    const env = flGaussianEnvelope(x, tr.param(q.kappa, 'kappa'));
    return flSlaterSum(flMul(o, env), c.D);
  });
}

/** Local energy of H = Σ(−½∂² + ½x²) (no interaction) from the FL outputs, [B]. */
export function localEnergyFL(c: NetConfig, p: ParamTree, x: tf.Tensor2D, tr: ParamTracer = plainTracer): tf.Tensor1D {
  return tf.tidy(() => {
    const r = netFL(c, p, x, tr);
    const kin = tf.mul(-0.5, tf.add(r.lap, tf.sum(tf.square(r.grad), 1)));
    return tf.add(kin, tf.mul(0.5, tf.sum(tf.square(x), 1))) as tf.Tensor1D;
  });
}

/** Same local energy with the Laplacian from nested tf.grad (K = A backward passes), [B]. */
export function localEnergyNested(c: NetConfig, p: ParamTree, x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const { grad, lap } = nestedDerivatives(c, p, x);
    const kin = tf.mul(-0.5, tf.add(lap, tf.sum(tf.square(grad), 1)));
    return tf.add(kin, tf.mul(0.5, tf.sum(tf.square(x), 1))) as tf.Tensor1D;
  });
}

/** ∇ₓ ln|ψ| [B, A] and Δₓ ln|ψ| [B] by reverse mode (gradient) and reverse-over-reverse (Laplacian). */
export function nestedDerivatives(c: NetConfig, p: ParamTree, x: tf.Tensor2D): { grad: tf.Tensor2D; lap: tf.Tensor1D } {
  return tf.tidy(() => {
    const A = x.shape[1];
    const g = (xx: tf.Tensor2D) => tf.grad((y: tf.Tensor2D) => tf.sum(netLogAbs(c, p, y)))(xx);
    const grad = g(x);
    const cols: tf.Tensor[] = [];
    for (let k = 0; k < A; k++) {
      const hk = tf.grad((y: tf.Tensor2D) => tf.sum(tf.slice(g(y), [0, k], [-1, 1])))(x);
      cols.push(tf.slice(hk, [0, k], [-1, 1]));
    }
    return { grad, lap: tf.reshape(tf.sum(tf.concat(cols, 1), 1), [-1]) as tf.Tensor1D };
  });
}

/** float64 JS evaluation of ln|ψ| for one walker from downloaded parameters. */
export function netLogAbs64(c: NetConfig, flat: Record<string, number[]>, x: number[]): number {
  const A = c.A;
  let h: number[][] = x.map((v) => [v]);
  let hin = 1;
  for (let l = 0; l < c.L; l++) {
    const w = flat[`layers.l${l}.w`]!;
    const b = flat[`layers.l${l}.b`]!;
    const mean = new Array<number>(hin).fill(0);
    for (let i = 0; i < A; i++) for (let f = 0; f < hin; f++) mean[f]! += h[i]![f]! / A;
    const next: number[][] = [];
    for (let i = 0; i < A; i++) {
      const inp = [...h[i]!, ...mean];
      const z: number[] = [];
      for (let o = 0; o < c.H; o++) {
        let s = b[o]!;
        for (let f = 0; f < 2 * hin; f++) s += inp[f]! * w[f * c.H + o]!;
        z.push(Math.tanh(s) + (l > 0 ? h[i]![o]! : 0));
      }
      next.push(z);
    }
    h = next;
    hin = c.H;
  }
  const J = c.D * A;
  const ow = flat['orb.w']!;
  const ob = flat['orb.b']!;
  const kap = flat['kappa']!;
  let psi = 0;
  for (let d = 0; d < c.D; d++) {
    const M: number[][] = [];
    for (let i = 0; i < A; i++) {
      const row: number[] = [];
      for (let jj = 0; jj < A; jj++) {
        const j = d * A + jj;
        let s = ob[j]!;
        for (let f = 0; f < c.H; f++) s += h[i]![f]! * ow[f * J + j]!;
        row.push(s * Math.exp(-((kap[j]! * x[i]!) ** 2)));
      }
      M.push(row);
    }
    psi += new LuDecomposition(new Matrix(M)).determinant;
  }
  return Math.log(Math.abs(psi));
}

/** Download parameters as float64 arrays keyed by path. */
export function downloadParams(p: ParamTree, entries: [string, tf.Tensor][]): Record<string, number[]> {
  void p;
  return Object.fromEntries(entries.map(([k, t]) => [k, Array.from(t.dataSync())]));
}
