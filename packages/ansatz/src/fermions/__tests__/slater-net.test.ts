import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, plainTracer, Rng, tf, treeToFlat, type ParamTree } from '@nqs/autodiff-core';
import { HOSlater, SlaterNet, SlaterNetInputError, hoOrbitalsF64, type SlaterNetParams } from '../../index.js';

/** Independent float64 implementation of the network: ln|ψ| and sign for one configuration. */
function refLogPsi(net: SlaterNet, p: SlaterNetParams, x: number[]): { sign: number; logAbs: number } {
  const A = net.particles;
  const H = net.hidden;
  const arr = (t: tf.Tensor) => Array.from(t.dataSync());
  let h: number[][] = x.map((v) => [v]);
  for (let l = 0; l < net.layers; l++) {
    const lp = p.layers[String(l)]!;
    const fin = h[0]!.length;
    const ws = arr(lp.ws), wm = arr(lp.wm), b = arr(lp.b);
    const mean = new Array(fin).fill(0);
    for (const hi of h) hi.forEach((v, f) => (mean[f] += v / A));
    h = h.map((hi) => {
      const out: number[] = [];
      for (let o = 0; o < H; o++) {
        let z = b[o]!;
        for (let f = 0; f < fin; f++) z += hi[f]! * ws[f * H + o]! + mean[f] * wm[f * H + o]!;
        out.push(Math.tanh(z) + (l >= 1 ? hi[o]! : 0));
      }
      return out;
    });
  }
  const w = arr(p.orbitals.w), bo = arr(p.orbitals.b), kap = arr(p.orbitals.kappa);
  const n = net.determinants * A;
  let total = 0;
  for (let d = 0; d < net.determinants; d++) {
    const M = h.map((hi, i) =>
      Array.from({ length: A }, (_, j) => {
        const c = d * A + j;
        let o = bo[c]!;
        for (let f = 0; f < H; f++) o += hi[f]! * w[f * n + c]!;
        return o * Math.exp(-((kap[c]! * x[i]!) ** 2));
      }),
    );
    total += det(M);
  }
  return { sign: Math.sign(total), logAbs: Math.log(Math.abs(total)) };
}

function det(M: number[][]): number {
  const a = M.map((r) => r.slice());
  const n = a.length;
  let d = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[p]![k]!)) p = i;
    if (p !== k) {
      [a[p], a[k]] = [a[k]!, a[p]!];
      d = -d;
    }
    d *= a[k]![k]!;
    for (let i = k + 1; i < n; i++) {
      const f = a[i]![k]! / a[k]![k]!;
      for (let j = k; j < n; j++) a[i]![j]! -= f * a[k]![j]!;
    }
  }
  return d;
}

/** float64 central differences of the reference: ∂_k ln|ψ| and Σ_k ∂²_k ln|ψ|. */
function refDerivs(net: SlaterNet, p: SlaterNetParams, x: number[], h = 1e-4) {
  const f = (y: number[]) => refLogPsi(net, p, y).logAbs;
  const f0 = f(x);
  const grad: number[] = [];
  let lap = 0;
  for (let k = 0; k < x.length; k++) {
    const xp = x.slice(), xm = x.slice();
    xp[k]! += h;
    xm[k]! -= h;
    const fp = f(xp), fm = f(xm);
    grad.push((fp - fm) / (2 * h));
    lap += (fp - 2 * f0 + fm) / (h * h);
  }
  return { grad, lap };
}

describe('SlaterNet (equivariant Slater network)', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('has 8448 + 66A parameters with the paper defaults (H = 64, L = 2, D = 1)', () => {
    for (const A of [2, 3, 6]) {
      const net = new SlaterNet({ particles: A });
      const p = net.init(new Rng(1));
      expect(treeToFlat(p as ParamTree).length).toBe(8448 + 66 * A);
      expect(net.parameterCount).toBe(8448 + 66 * A);
      expect(Array.from(p.orbitals.kappa.dataSync())[0]).toBeCloseTo(Math.SQRT1_2, 6);
    }
    expect(() => new SlaterNet({ particles: 0 })).toThrow(SlaterNetInputError);
  });

  const net = new SlaterNet({ particles: 4, hidden: 12, layers: 2, determinants: 2 });
  const xs = [
    [0.3, -1.1, 0.9, -0.2],
    [1.4, 0.2, -0.6, 0.75],
    [-0.5, 0.05, 1.7, -1.3],
  ];

  it('matches an independent float64 implementation (value)', () => {
    const p = net.init(new Rng(5));
    const x = tf.tensor2d(xs);
    // apply (inverse from the same elimination) and logAbsForward (determinant only, the sampler's path)
    for (const r of [net.apply(p, x), net.logAbsForward(p, x)]) {
      const la = r.logAbs.arraySync(), sa = r.sign.arraySync();
      xs.forEach((row, b) => {
        const ref = refLogPsi(net, p, row);
        expect(la[b]).toBeCloseTo(ref.logAbs, 4);
        expect(sa[b]).toBe(ref.sign);
      });
    }
  });

  it('is antisymmetric: swapping two particles flips the sign and keeps ln|ψ| (and permutes ∇ ln|ψ|)', () => {
    const p = net.init(new Rng(6));
    const x = tf.tensor2d(xs);
    const xsw = tf.tensor2d(xs.map((r) => [r[2]!, r[1]!, r[0]!, r[3]!]));
    const a = net.applyWithDerivatives(p, x);
    const b = net.applyWithDerivatives(p, xsw);
    const c = net.apply(p, xsw);
    const [la, lb, lc] = [a.logAbs.arraySync(), b.logAbs.arraySync(), c.logAbs.arraySync()];
    const [sa, sb, sc] = [a.sign.arraySync(), b.sign.arraySync(), c.sign.arraySync()];
    const [ga, gb] = [a.gradX.arraySync(), b.gradX.arraySync()];
    const [lpa, lpb] = [a.lapX.arraySync(), b.lapX.arraySync()];
    for (let i = 0; i < xs.length; i++) {
      expect(lb[i]).toBeCloseTo(la[i]!, 4);
      expect(lc[i]).toBeCloseTo(la[i]!, 4);
      expect(sb[i]).toBe(-sa[i]!);
      expect(sc[i]).toBe(-sa[i]!);
      expect(gb[i]![0]).toBeCloseTo(ga[i]![2]!, 3);
      expect(gb[i]![2]).toBeCloseTo(ga[i]![0]!, 3);
      expect(Math.abs(lpb[i]! - lpa[i]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(lpa[i]!)));
    }
  });

  it('the first-order determinant gradient (apply) equals back-propagation through the elimination (applyNestable)', () => {
    const p = net.init(new Rng(9));
    const x = tf.tensor2d(xs);
    const leaves = [p.layers['1']!.ws, p.orbitals.w, p.orbitals.kappa, p.layers['0']!.wm, p.layers['0']!.b, p.orbitals.b];
    const mk = (l: tf.Tensor[]) =>
      ({
        layers: { '0': { ...p.layers['0']!, wm: l[3], b: l[4] }, '1': { ...p.layers['1']!, ws: l[0] } },
        orbitals: { w: l[1], kappa: l[2], b: l[5] },
      }) as unknown as SlaterNetParams;
    const c = tf.tensor1d([0.3, -1.2, 0.7]);
    const ga = tf.grads((...l: tf.Tensor[]) => tf.sum(tf.mul(c, net.apply(mk(l), x).logAbs)))(leaves);
    const gb = tf.grads((...l: tf.Tensor[]) => tf.sum(tf.mul(c, net.applyNestable(mk(l), x).logAbs)))(leaves);
    ga.forEach((g, i) => {
      const a = g.dataSync(), b = gb[i]!.dataSync();
      const scale = Math.max(...Array.from(b, Math.abs));
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThan(1e-3 * scale);
    });
    const gx = tf.grad((y: tf.Tensor) => tf.sum(net.apply(p, y as tf.Tensor2D).logAbs))(x).arraySync() as number[][];
    const fl = net.applyWithDerivatives(p, x).gradX.arraySync();
    gx.forEach((row, b) => row.forEach((v, k) => expect(v).toBeCloseTo(fl[b]![k]!, 3)));
  });

  it('layers are permutation-equivariant: h(Px) = P h(x)', () => {
    const p = net.init(new Rng(7));
    const perm = [3, 0, 2, 1];
    const h = net.features(p, tf.tensor2d(xs)).arraySync();
    const hp = net.features(p, tf.tensor2d(xs.map((r) => perm.map((q) => r[q]!)))).arraySync();
    for (let b = 0; b < xs.length; b++) {
      for (let i = 0; i < 4; i++) {
        for (let f = 0; f < net.hidden; f++) expect(hp[b]![i]![f]).toBeCloseTo(h[b]![perm[i]!]![f]!, 5);
      }
    }
    // orbital matrices permute rows accordingly
    const phi = net.orbitals(p, tf.tensor2d(xs)).arraySync();
    const phip = net.orbitals(p, tf.tensor2d(xs.map((r) => perm.map((q) => r[q]!)))).arraySync();
    expect(phip[1]![1]![2]![3]).toBeCloseTo(phi[1]![1]![perm[2]!]![3]!, 5);
  });

  it('forward Laplacian = float64 finite differences = nested tf.grad Laplacian', () => {
    // D = 2 against finite differences; D = 1 also against nested reverse mode (the oracle)
    const nets = [net, new SlaterNet({ particles: 4, hidden: 12, layers: 3, determinants: 1 })];
    nets.forEach((nt, which) => {
      const p = nt.init(new Rng(8 + which));
      const x = tf.tensor2d(xs);
      const before = tf.memory().numTensors;
      const r = nt.applyWithDerivatives(p, x);
      const g = r.gradX.arraySync(), lap = r.lapX.arraySync();
      const la = r.logAbs.arraySync();
      tf.dispose([r.sign, r.logAbs, r.gradX, r.lapX]);
      expect(tf.memory().numTensors).toBe(before);
      let nestedLap: number[] | null = null;
      if (nt.determinants === 1) {
        const f = (y: tf.Tensor2D) => tf.sum(nt.applyNestable(p, y).logAbs);
        const gradFn = tf.grad(f);
        nestedLap = tf.tidy(() => {
          let acc = tf.zeros([xs.length]);
          for (let k = 0; k < 4; k++) {
            const hk = tf.grad((y: tf.Tensor) => tf.sum(tf.slice(gradFn(y as tf.Tensor2D), [0, k], [-1, 1])))(x);
            acc = tf.add(acc, tf.reshape(tf.slice(hk, [0, k], [-1, 1]), [-1]));
          }
          return acc;
        }).arraySync() as number[];
      }
      xs.forEach((row, b) => {
        const ref = refDerivs(nt, p, row);
        const scale = Math.max(1, Math.abs(ref.lap));
        const refL = refLogPsi(nt, p, row).logAbs;
        expect(Math.abs(la[b]! - refL)).toBeLessThan(2e-4 * Math.max(1, Math.abs(refL)));
        for (let k = 0; k < 4; k++) expect(Math.abs(g[b]![k]! - ref.grad[k]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(ref.grad[k]!)));
        // D = 2 at random init: the two determinants partly cancel, which amplifies float32 rounding
        expect(Math.abs(lap[b]! - ref.lap) / scale).toBeLessThan(nt.determinants === 1 ? 2e-4 : 3e-3);
        if (nestedLap) expect(Math.abs(nestedLap[b]! - ref.lap) / scale).toBeLessThan(2e-4);
      });
    });
  });
});

describe('SlaterNet fast paths (sampler and local energy)', () => {
  beforeAll(async () => {
    await initBackend();
  });

  // the walkers of the tests above (well-conditioned Φ at these inits), plus one with a pair 0.01
  // apart (nearly singular Φ: there the float32 rounding of Φ itself dominates, so that walker is
  // checked against a float64 LU of the very Φ that was read back)
  const xs = [
    [0.3, -1.1, 0.9, -0.2],
    [1.4, 0.2, -0.6, 0.75],
    [-0.5, 0.05, 1.7, -1.3],
  ];
  const xs4 = [...xs, [0.4, 0.41, -1.0, 1.2]];

  it('logAbsHost (Φ read back, float64 LU) matches the float64 reference, sign included', async () => {
    for (const D of [1, 3]) {
      const nt = new SlaterNet({ particles: 4, hidden: 12, layers: 2, determinants: D });
      const p = nt.init(new Rng(20 + D));
      const x = tf.tensor2d(xs4);
      const before = tf.memory().numTensors;
      const r = await nt.logAbsHost(p, x);
      expect(tf.memory().numTensors).toBe(before);
      xs.forEach((row, b) => {
        const ref = refLogPsi(nt, p, row);
        expect(r.sign[b]).toBe(ref.sign);
        expect(Math.abs(r.logAbs[b]! - ref.logAbs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.logAbs)));
      });
      // the near-singular walker: Σ_d det of the float32 orbitals, in float64
      const phi = nt.orbitalsForward(p, x).arraySync()[3]!;
      let psi = 0;
      for (let d = 0; d < D; d++) psi += det(phi.map((row) => row.slice(d * 4, d * 4 + 4)));
      expect(r.sign[3]).toBe(Math.sign(psi));
      expect(Math.abs(r.logAbs[3]! - Math.log(Math.abs(psi)))).toBeLessThan(1e-9 * Math.max(1, Math.abs(r.logAbs[3]!)));
      // swapping two particles flips the sign only
      const rs = await nt.logAbsHost(p, tf.tensor2d(xs4.map((q) => [q[1]!, q[0]!, q[2]!, q[3]!])));
      for (let b = 0; b < xs4.length; b++) {
        expect(rs.sign[b]).toBe(-r.sign[b]!);
        expect(rs.logAbs[b]).toBeCloseTo(r.logAbs[b]!, 4);
      }
    }
  });

  it('orbitalContraction with the host ∂ln|ψ|/∂Φ cotangent gives the score gradient of apply', async () => {
    for (const D of [1, 3]) {
      const nt = new SlaterNet({ particles: 4, hidden: 12, layers: 2, determinants: D });
      const p = nt.init(new Rng(50 + D));
      const x = tf.tensor2d(xs);
      const d = await nt.applyWithDerivativesHost(p, x, { phiGradient: true });
      tf.dispose([d.sign, d.logAbs, d.gradX, d.lapX]);
      const coef = [0.7, -1.3, 0.4];
      const pg = d.phiGradient!;
      expect(pg.length).toBe(3 * D * 16);
      const per = D * 16;
      const cot = tf.tensor4d(Float32Array.from(pg, (v, i) => coef[Math.floor(i / per)]! * v), [3, D, 4, 4]);
      const c = tf.tensor1d(coef);
      const leaves = [p.layers['0']!.ws, p.layers['1']!.wm, p.layers['1']!.b, p.orbitals.w, p.orbitals.b, p.orbitals.kappa];
      const mk = (l: tf.Tensor[]) =>
        ({
          layers: { '0': { ...p.layers['0']!, ws: l[0] }, '1': { ...p.layers['1']!, wm: l[1], b: l[2] } },
          orbitals: { w: l[3], b: l[4], kappa: l[5] },
        }) as unknown as SlaterNetParams;
      const ga = tf.grads((...l: tf.Tensor[]) => nt.orbitalContraction(mk(l), x, cot))(leaves);
      const gb = tf.grads((...l: tf.Tensor[]) => tf.sum(tf.mul(c, nt.apply(mk(l), x).logAbs)))(leaves);
      ga.forEach((g, i) => {
        const a = g.dataSync(), b = gb[i]!.dataSync();
        const scale = Math.max(...Array.from(b, Math.abs));
        expect(scale).toBeGreaterThan(0);
        let m = 0;
        for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs(a[j]! - b[j]!) / scale);
        // D > 1: the determinants partly cancel at random init, which amplifies the float32
        // rounding of apply's device elimination (the tolerance of the apply-vs-applyNestable test)
        expect(m).toBeLessThan(D === 1 ? 5e-5 : 1e-3);
      });
      tf.dispose([cot, c, ...ga, ...gb]);
    }
  });

  it('orbitalsForward (folded 2σ(2z) − 1 form) equals orbitals', () => {
    const nt = new SlaterNet({ particles: 4, hidden: 12, layers: 3, determinants: 2 });
    const p = nt.init(new Rng(4));
    const x = tf.tensor2d(xs4);
    const a = tf.transpose(nt.orbitals(p, x), [0, 2, 1, 3]).reshape([4, 4, 8]).arraySync() as number[][][];
    const b = nt.orbitalsForward(p, x).arraySync();
    a.forEach((m, i) => m.forEach((r, j) => r.forEach((v, k) => expect(Math.abs(b[i]![j]![k]! - v)).toBeLessThan(2e-6 * Math.max(1, Math.abs(v))))));
  });

  it('the structured forward Laplacian (L ≤ 2) and the host-determinant path equal float64 finite differences and the generic path', async () => {
    const xsep = xs;
    for (const [L, D, seed] of [
      [1, 1, 40],
      [2, 1, 40],
      [2, 3, 41],
      [3, 1, 40],
    ] as const) {
      const nt = new SlaterNet({ particles: 4, hidden: 12, layers: L, determinants: D });
      // seed with a well-conditioned Φ at these walkers: at random init, |ψ| ~ e⁻¹⁸ makes the float32
      // elimination of either path lose ~1e-3 of the Laplacian (both paths alike)
      const p = nt.init(new Rng(seed));
      const x = tf.tensor2d(xsep);
      const before = tf.memory().numTensors;
      const s = nt.applyWithDerivatives(p, x); // structured
      const g = nt.applyWithDerivatives(p, x, plainTracer); // generic forward Laplacian
      const [sg, sl, sla, ss] = [s.gradX.arraySync(), s.lapX.arraySync(), s.logAbs.arraySync(), s.sign.arraySync()];
      const [gg, gl] = [g.gradX.arraySync(), g.lapX.arraySync()];
      const hd = await nt.applyWithDerivativesHost(p, x); // orbital triple on the device, determinants in float64
      const [hg, hl, hla, hs] = [hd.gradX.arraySync(), hd.lapX.arraySync(), hd.logAbs.arraySync(), hd.sign.arraySync()];
      tf.dispose([s.sign, s.logAbs, s.gradX, s.lapX, g.sign, g.logAbs, g.gradX, g.lapX, hd.sign, hd.logAbs, hd.gradX, hd.lapX]);
      expect(tf.memory().numTensors).toBe(before);
      xsep.forEach((row, b) => {
        const ref = refDerivs(nt, p, row);
        const refV = refLogPsi(nt, p, row);
        expect(ss[b]).toBe(refV.sign);
        expect(Math.abs(sla[b]! - refV.logAbs)).toBeLessThan(2e-4 * Math.max(1, Math.abs(refV.logAbs)));
        const scale = Math.max(1, Math.abs(ref.lap));
        const tol = D === 1 ? 2e-4 : 3e-3;
        expect(Math.abs(sl[b]! - ref.lap) / scale).toBeLessThan(tol);
        expect(Math.abs(sl[b]! - gl[b]!) / scale).toBeLessThan(tol);
        expect(hs[b]).toBe(refV.sign);
        expect(Math.abs(hla[b]! - refV.logAbs)).toBeLessThan(2e-4 * Math.max(1, Math.abs(refV.logAbs)));
        expect(Math.abs(hl[b]! - ref.lap) / scale).toBeLessThan(tol);
        for (let k = 0; k < 4; k++) {
          const gs = Math.max(1, Math.abs(ref.grad[k]!));
          expect(Math.abs(sg[b]![k]! - ref.grad[k]!) / gs).toBeLessThan(1e-3);
          expect(Math.abs(sg[b]![k]! - gg[b]![k]!) / gs).toBeLessThan(1e-3);
          expect(Math.abs(hg[b]![k]! - ref.grad[k]!) / gs).toBeLessThan(1e-3);
        }
      });
    }
  });
});

describe('HOSlater (free-fermion ground state)', () => {
  it('gives E_L ≡ A²/2 with zero variance, from its forward-Laplacian derivatives', async () => {
    await initBackend();
    const rng = new Rng(3);
    for (const A of [1, 2, 3, 5]) {
      const psi = new HOSlater(A);
      const B = 64;
      // typical configurations of |ψ|²: no two particles closer than 0.3 (near a node the float32
      // cancellation between Δ ln|ψ| and |∇ ln|ψ||² grows like 1/r², which sampling makes rare)
      const xv = new Float32Array(B * A);
      for (let b = 0; b < B; b++) {
        for (;;) {
          const row = Array.from({ length: A }, () => 1.2 * rng.normal());
          const ok = row.every((u, i) => row.every((v, j) => j <= i || Math.abs(u - v) > 0.3));
          if (ok) {
            xv.set(row, b * A);
            break;
          }
        }
      }
      const x = tf.tensor2d(xv, [B, A]);
      const r = psi.applyWithDerivatives({}, x);
      const el = tf.tidy(() =>
        tf.add(tf.mul(-0.5, tf.add(r.lapX, tf.sum(tf.square(r.gradX), 1))), tf.mul(0.5, tf.sum(tf.square(x), 1))),
      ).arraySync() as number[];
      for (const e of el) expect(Math.abs(e - (A * A) / 2)).toBeLessThan(2e-3 * A * A);
      // value against a float64 determinant of the orbitals
      const la = psi.apply({}, x).logAbs.arraySync();
      for (let b = 0; b < 4; b++) {
        const row = Array.from(xv.subarray(b * A, (b + 1) * A));
        const orbs = hoOrbitalsF64(A, row);
        const M = row.map((_, i) => orbs.map((o) => o[i]!));
        expect(la[b]).toBeCloseTo(Math.log(Math.abs(det(M))), 4);
      }
    }
  });
});
