import { describe, expect, it } from 'vitest';
import { gaussLegendre } from '@nqs/quadrature';
import {
  type ChannelSpec,
  type OperatorCoefficients,
  type OperatorTerm,
  allChannels,
  clebschGordan,
  legendreP,
  parseChannel,
  projectOperators,
} from '../index.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/**
 * Legendre functions of the second kind Q_l(x), x > 1: forward recurrence near 1, and for x > 1.5
 * the hypergeometric series Q_l = √π l!/(Γ(l+3/2)(2x)^{l+1}) ₂F₁((l+1)/2, (l+2)/2; l+3/2; 1/x²)
 * (the recurrence loses digits at large x).
 */
function legendreQ(l: number, x: number): number {
  if (x > 1.5) {
    let gam = Math.sqrt(Math.PI) / 2; // Γ(3/2)
    for (let i = 1; i <= l; i++) gam *= i + 0.5;
    let fac = 1;
    for (let i = 2; i <= l; i++) fac *= i;
    const a = (l + 1) / 2, b = (l + 2) / 2, c = l + 1.5, u = 1 / (x * x);
    let term = 1, sum = 1;
    for (let n = 0; n < 400 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
      term *= ((a + n) * (b + n) * u) / ((c + n) * (n + 1));
      sum += term;
    }
    return (Math.sqrt(Math.PI) * fac * sum) / (gam * Math.pow(2 * x, l + 1));
  }
  let q0 = 0.5 * Math.log((x + 1) / (x - 1));
  if (l === 0) return q0;
  let q1 = x * q0 - 1;
  for (let k = 1; k < l; k++) {
    const q2 = ((2 * k + 1) * x * q1 - k * q0) / (k + 1);
    q0 = q1;
    q1 = q2;
  }
  return q1;
}

const yukawa = (mu: number, key: keyof OperatorCoefficients = 'VC'): OperatorTerm => ({
  name: `yukawa-${key}`,
  coefficients: (pp, p, z) => ({ [key]: 1 / (pp * pp + p * p - 2 * pp * p * z + mu * mu) }),
});

describe('partial-wave projection: central Yukawa vs Legendre Q', () => {
  const mu = 138;
  for (const [pp, p] of [[100, 250], [300, 300], [50, 400]] as const) {
    it(`p'=${pp}, p=${p}: 2π Q_L(x)/(p'p) in every wave, zero off-diagonal`, () => {
      const x = (pp * pp + p * p + mu * mu) / (2 * pp * p);
      const chans = allChannels(4).map(parseChannel);
      const v = projectOperators([yukawa(mu)], chans, pp, p);
      chans.forEach((c, i) => {
        if (c.L !== c.Lp) expect(Math.abs(v[i]!)).toBeLessThan(1e-16);
        else expect(rel(v[i]!, (2 * Math.PI * legendreQ(c.L, x)) / (pp * p))).toBeLessThan(1e-10);
      });
    });
  }
});

describe('partial-wave projection: spin-spin', () => {
  it('σ₁·σ₂ gives 2S(S+1) − 3 times the central projection', () => {
    const mu = 200;
    const chans = allChannels(3).map(parseChannel);
    const vc = projectOperators([yukawa(mu, 'VC')], chans, 150, 220);
    const vs = projectOperators([yukawa(mu, 'VS')], chans, 150, 220);
    chans.forEach((c, i) => {
      const f = 2 * c.S * (c.S + 1) - 3;
      if (c.L === c.Lp) expect(rel(vs[i]!, f * vc[i]!)).toBeLessThan(1e-12);
      else expect(Math.abs(vs[i]!)).toBeLessThan(1e-16);
    });
  });
  it('isospin: W_C gets τ₁·τ₂ = −3 (T = 0) or 1 (T = 1)', () => {
    const chans = ['1S0', '3S1', '1P1', '3P0'].map(parseChannel); // T = 1, 0, 0, 1
    const vc = projectOperators([yukawa(150, 'VC')], chans, 120, 80);
    const wc = projectOperators([yukawa(150, 'WC')], chans, 120, 80);
    expect(rel(wc[0]!, vc[0]!)).toBeLessThan(1e-13);
    expect(rel(wc[1]!, -3 * vc[1]!)).toBeLessThan(1e-13);
    expect(rel(wc[2]!, -3 * vc[2]!)).toBeLessThan(1e-13);
    expect(rel(wc[3]!, vc[3]!)).toBeLessThan(1e-13);
  });
});

describe('partial-wave projection: tensor vs the closed formulas of REFERENCE.md', () => {
  const m = 138;
  const W = (pp: number, p: number, z: number) => 1 / (pp * pp + p * p - 2 * pp * p * z + m * m);
  const g = gaussLegendre(200);
  const I = (f: (z: number) => number) => {
    let s = 0;
    for (let i = 0; i < g.points.length; i++) s += g.weights[i]! * f(g.points[i]!);
    return 2 * Math.PI * s;
  };
  for (const [pp, p] of [[100, 250], [400, 150], [200, 200]] as const) {
    for (const j of [1, 2, 3, 4]) {
      it(`J=${j}, p'=${pp}, p=${p}`, () => {
        const P = legendreP;
        const f = (h: (z: number) => number) => I((z) => h(z) * W(pp, p, z));
        const c2 = (2 * Math.sqrt(j * (j + 1))) / (2 * j + 1);
        const expected = [
          f((z) => (pp * pp + p * p) * P(j - 1, z) - 2 * pp * p * P(j, z)) / (2 * j + 1),
          f((z) => -(pp * pp + p * p) * P(j + 1, z) + 2 * pp * p * P(j, z)) / (2 * j + 1),
          c2 * f((z) => pp * pp * P(j + 1, z) + p * p * P(j - 1, z) - 2 * pp * p * P(j, z)),
          c2 * f((z) => pp * pp * P(j - 1, z) + p * p * P(j + 1, z) - 2 * pp * p * P(j, z)),
          f((z) => (-(pp * pp + p * p) + 2 * pp * p * z) * P(j, z)),
        ];
        const chans: ChannelSpec[] = [
          { S: 1, Lp: j - 1, L: j - 1, J: j },
          { S: 1, Lp: j + 1, L: j + 1, J: j },
          { S: 1, Lp: j - 1, L: j + 1, J: j }, // S←D type: bra L' = j−1, ket L = j+1
          { S: 1, Lp: j + 1, L: j - 1, J: j },
          { S: 0, Lp: j, L: j, J: j },
        ];
        const v = projectOperators([{ name: 't', coefficients: (a, b, z) => ({ VT: W(a, b, z) }) }], chans, pp, p);
        expected.forEach((e, i) => expect(rel(v[i]!, e)).toBeLessThan(1e-10));
      });
    }
  }
});

// ---- independent brute-force oracle: 4D angular integral with complex spinors ----------------
type C = [number, number];
const cmul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
type CM = C[]; // 4×4 row-major complex
function kron2(A: C[], B: C[]): CM {
  const out: CM = [];
  for (let r = 0; r < 16; r++) out.push([0, 0]);
  for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 2; c++) for (let d = 0; d < 2; d++) {
    out[(2 * a + b) * 4 + 2 * c + d] = cmul(A[2 * a + c]!, B[2 * b + d]!);
  }
  return out;
}
const I2: C[] = [[1, 0], [0, 0], [0, 0], [1, 0]];
const PAULI: C[][] = [
  [[0, 0], [1, 0], [1, 0], [0, 0]],
  [[0, 0], [0, -1], [0, 1], [0, 0]],
  [[1, 0], [0, 0], [0, 0], [-1, 0]],
];
const S1 = PAULI.map((s) => kron2(s, I2));
const S2 = PAULI.map((s) => kron2(I2, s));
function mmul(A: CM, B: CM): CM {
  const out: CM = [];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
    let re = 0, im = 0;
    for (let k = 0; k < 4; k++) {
      const t = cmul(A[i * 4 + k]!, B[k * 4 + j]!);
      re += t[0];
      im += t[1];
    }
    out.push([re, im]);
  }
  return out;
}
const lin = (ms: CM[], cs: number[]): CM => {
  const out: CM = [];
  for (let i = 0; i < 16; i++) {
    let re = 0, im = 0;
    ms.forEach((m, k) => {
      re += cs[k]! * m[i]![0];
      im += cs[k]! * m[i]![1];
    });
    out.push([re, im]);
  }
  return out;
};
const dot = (S: CM[], v: number[]) => lin(S, v);
function ylm(l: number, m: number, th: number, ph: number): C {
  const z = Math.cos(th);
  const am = Math.abs(m);
  let fac = 1;
  for (let i = l - am + 1; i <= l + am; i++) fac *= i;
  // P_l^m by recurrence (Condon–Shortley)
  const s = Math.sin(th);
  let pmm = 1;
  for (let i = 1; i <= am; i++) pmm *= -(2 * i - 1) * s;
  let plm = pmm;
  if (l > am) {
    let p0 = pmm;
    let p1 = z * (2 * am + 1) * pmm;
    for (let ll = am + 2; ll <= l; ll++) {
      const p2 = ((2 * ll - 1) * z * p1 - (ll + am - 1) * p0) / (ll - am);
      p0 = p1;
      p1 = p2;
    }
    plm = p1;
  }
  let y = Math.sqrt((2 * l + 1) / (4 * Math.PI) / fac) * plm;
  if (m < 0 && am % 2 === 1) y = -y;
  return [y * Math.cos(m * ph), y * Math.sin(m * ph)];
}
function spin(S: number, sg: number): number[] {
  const r = Math.SQRT1_2;
  if (S === 0) return [0, r, -r, 0];
  return sg === 1 ? [1, 0, 0, 0] : sg === -1 ? [0, 0, 0, 1] : [0, r, r, 0];
}
/** ⟨(L'S)JM|V|(LS)JM⟩ by brute force over p̂' and p̂ (M = 0 or given). */
function bruteForce(c: ChannelSpec, M: number, pp: number, p: number, coef: (pp: number, p: number, z: number) => OperatorCoefficients, T: 0 | 1): number {
  const nt = 14;
  const nph = 12;
  const g = gaussLegendre(nt);
  const tt = T === 0 ? -3 : 1;
  let re = 0;
  const dirs: { th: number; ph: number; w: number }[] = [];
  for (let a = 0; a < nt; a++) for (let b = 0; b < nph; b++) dirs.push({ th: Math.acos(g.points[a]!), ph: (2 * Math.PI * b) / nph, w: (g.weights[a]! * 2 * Math.PI) / nph });
  // coupled spinor-harmonics 𝒴(p̂)_σ as complex 4-vectors
  const Y = (L: number, th: number, ph: number): C[] => {
    const v: C[] = [[0, 0], [0, 0], [0, 0], [0, 0]];
    for (let sg = -c.S; sg <= c.S; sg++) {
      const m = M - sg;
      if (Math.abs(m) > L) continue;
      const cg = clebschGordan(L, m, c.S, sg, c.J, M);
      const y = ylm(L, m, th, ph);
      spin(c.S, sg).forEach((s, i) => {
        v[i]![0] += cg * s * y[0];
        v[i]![1] += cg * s * y[1];
      });
    }
    return v;
  };
  const one = lin([kron2(I2, I2)], [1]);
  const ss = lin([mmul(S1[0]!, S2[0]!), mmul(S1[1]!, S2[1]!), mmul(S1[2]!, S2[2]!)], [1, 1, 1]);
  const ketY = dirs.map((d) => Y(c.L, d.th, d.ph));
  for (const d1 of dirs) {
    const bra = Y(c.Lp, d1.th, d1.ph);
    const pv1 = [pp * Math.sin(d1.th) * Math.cos(d1.ph), pp * Math.sin(d1.th) * Math.sin(d1.ph), pp * Math.cos(d1.th)];
    dirs.forEach((d2, i2) => {
      const pv = [p * Math.sin(d2.th) * Math.cos(d2.ph), p * Math.sin(d2.th) * Math.sin(d2.ph), p * Math.cos(d2.th)];
      const z = (pv1[0]! * pv[0]! + pv1[1]! * pv[1]! + pv1[2]! * pv[2]!) / (pp * p);
      const co = coef(pp, p, Math.max(-1, Math.min(1, z)));
      const q = pv1.map((x, i) => x - pv[i]!);
      const k = pv1.map((x, i) => (x + pv[i]!) / 2);
      const n = [q[1]! * k[2]! - q[2]! * k[1]!, q[2]! * k[0]! - q[0]! * k[2]!, q[0]! * k[1]! - q[1]! * k[0]!];
      const Sn = lin([dot(S1, n), dot(S2, n)], [0.5, 0.5]); // S·n
      const miSn = Sn.map(([a, b]) => [b, -a] as C); // −i S·n
      const tq = mmul(dot(S1, q), dot(S2, q));
      const tn = mmul(dot(S1, n), dot(S2, n));
      const f = (v?: number, w?: number) => (v ?? 0) + tt * (w ?? 0);
      const V = lin([one, ss, miSn, tq, tn], [f(co.VC, co.WC), f(co.VS, co.WS), f(co.VLS, co.WLS), f(co.VT, co.WT), f(co.VSL, co.WSL)]);
      const ket = ketY[i2]!;
      // bra† V ket
      for (let i = 0; i < 4; i++) {
        const bc: C = [bra[i]![0], -bra[i]![1]];
        for (let j = 0; j < 4; j++) {
          const t = cmul(bc, cmul(V[i * 4 + j]!, ket[j]!));
          re += d1.w * d2.w * t[0];
        }
      }
    });
  }
  return re;
}

describe('partial-wave projection vs a brute-force 4D angular integral (all operators)', () => {
  const mu = 400;
  const coef = (pp: number, p: number, z: number): OperatorCoefficients => {
    const y = 1 / (pp * pp + p * p - 2 * pp * p * z + mu * mu);
    return { VC: 0.7 * y, WC: 0.2 * y, VS: -0.3 * y, WS: 0.1 * y, VLS: 1e-5 * y, WLS: -2e-6 * y, VT: 2e-5 * y, WT: 1e-5 * y, VSL: 3e-10 * y, WSL: 1e-10 * y };
  };
  const term: OperatorTerm = { name: 'mix', coefficients: coef };
  const pp = 180;
  const p = 240;
  for (const name of ['1S0', '3P1', '3D1', '3S1-3D1', '3F2-3P2', '3D2']) {
    it(`${name}`, () => {
      const c = parseChannel(name);
      const T = ((c.L + c.S + 1) % 2) as 0 | 1;
      const v = projectOperators([term], [c], pp, p)[0]!;
      const b = bruteForce(c, Math.min(c.J, 1) === 0 ? 0 : 1, pp, p, coef, T);
      expect(Math.abs(v - b)).toBeLessThan(1e-6 * Math.abs(b)); // the 14×12 angular grid of the oracle limits this
    });
  }
});

describe('partial-wave projection: symmetry and convergence', () => {
  const term: OperatorTerm = {
    name: 'ope-like',
    coefficients: (pp, p, z) => {
      const y = 1 / (pp * pp + p * p - 2 * pp * p * z + 138 * 138);
      return { VT: -1e-5 * y, VLS: 2e-6 * y, VSL: 1e-11 * y, VC: 1e-3 * y };
    },
  };
  it("⟨L'|V|L⟩(p', p) = ⟨L|V|L'⟩(p, p') for J ≤ 4", () => {
    const chans = allChannels(4).map(parseChannel);
    const swapped = chans.map((c) => ({ ...c, Lp: c.L, L: c.Lp }));
    const a = projectOperators([term], chans, 130, 310);
    const b = projectOperators([term], swapped, 310, 130);
    chans.forEach((_, i) => expect(rel(a[i]!, b[i]!)).toBeLessThan(1e-12));
  });
  it('the default angular order is converged to 1e-10 at the test momenta', () => {
    const chans = ['3S1', '3D1', '3S1-3D1', '1S0'].map(parseChannel);
    for (const [pp, p] of [[0.5 * 197.33, 1.0 * 197.33], [2 * 197.33, 2 * 197.33], [0.1 * 197.33, 0.1 * 197.33]]) {
      const a = projectOperators([term], chans, pp!, p!);
      const b = projectOperators([term], chans, pp!, p!, { angularOrder: 200 });
      a.forEach((v, i) => expect(rel(v, b[i]!)).toBeLessThan(1e-10));
    }
  });
  it('rejects waves that do not exist', () => {
    expect(() => projectOperators([term], [{ S: 1, Lp: 0, L: 0, J: 2 }], 100, 100)).toThrow(/does not exist/);
  });
});
