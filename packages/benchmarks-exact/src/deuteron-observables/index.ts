/**
 * Deuteron observables from the momentum-space ground state on a mesh (float64).
 *
 * Input: ψ_S(k_i), ψ_D(k_i) in fm^{3/2} with Σ_L Σ_i w_i k_i² ψ_L² = 1 (REFERENCE.md §1, as returned
 * by `solveDeuteron`). Coordinate space by Fourier–Bessel (Hankel) transforms on the same mesh,
 *
 *   u(r) = r √(2/π) Σ_i w_i k_i² j₀(k_i r) ψ_S(k_i),   w(r) = r √(2/π) Σ_i w_i k_i² j₂(k_i r) ψ_D(k_i),
 *
 * so that ∫(u² + w²) dr = 1 (with the Idaho phase convention of the coupled potential elements,
 * u and w come out with the same sign at large r, i.e. Q > 0, η > 0). With α = √(M|E|)/ħc:
 *
 *   u → A_S e^{−αr},  w → η A_S e^{−αr} (1 + 3/(αr) + 3/(αr)²)   (r → ∞),
 *   r_d = ½ ⟨r²⟩^{1/2},  ⟨r²⟩ = ∫ r² (u² + w²) dr,   Q = (1/20) ∫ r² w (√8 u − w) dr.
 *
 * A_S and η come from the pole of the momentum-space wavefunction at k² = −α² (the bound-state
 * pole): the asymptotic forms transform to ψ_S → √(2/π) A_S/(k² + α²) and
 * ψ_D → √(2/π) η A_S k²/(α²(k² + α²)), and (k² + α²)ψ_S, (k² + α²)ψ_D/k² are analytic in k² up to
 * the one-pion singularity near k² ≈ −m_π², so a least-squares polynomial in k² through the mesh
 * points with k ≤ kFit extrapolates them to k² = −α² to ~1e−7. The radial integrals use the
 * Fourier–Bessel sums up to `rMatch` (where the mesh still resolves the oscillations) and the
 * asymptotic forms beyond (exact there up to e^{−m_π r} corrections).
 */
import type { Mesh } from '@nqs/quadrature';
import { gaussLegendre } from '@nqs/quadrature';
import { Matrix, QrDecomposition } from 'ml-matrix';
import { HBARC, NUCLEON_MASS, PotentialInputError } from '@nqs/hamiltonians';

/** Spherical Bessel j₀(x) = sin x / x. */
export function sphericalJ0(x: number): number {
  if (Math.abs(x) < 1e-4) return 1 - (x * x) / 6;
  return Math.sin(x) / x;
}

/** Spherical Bessel j₂(x) = (3/x³ − 1/x) sin x − 3 cos x / x² (series for small x). */
export function sphericalJ2(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.1) {
    const x2 = x * x;
    return (x2 / 15) * (1 - x2 / 14 + (x2 * x2) / 504 - (x2 * x2 * x2) / 33264);
  }
  const s = Math.sin(x);
  const c = Math.cos(x);
  return (3 / (x * x * x) - 1 / x) * s - (3 * c) / (x * x);
}

/** u(r), w(r) in fm^{−1/2} on a radial grid (fm). */
export interface RadialWavefunctions {
  r: Float64Array;
  u: Float64Array;
  w: Float64Array;
}

function checkInputs(mesh: Mesh, psiS: ArrayLike<number>, psiD: ArrayLike<number>): void {
  const n = mesh.points.length;
  if (psiS.length !== n || psiD.length !== n) {
    throw new PotentialInputError(`deuteron observables: psiS and psiD must have ${n} entries like the mesh (got ${psiS.length}, ${psiD.length})`);
  }
}

/**
 * u(r) and w(r) (fm^{−1/2}) by Fourier–Bessel sums over the mesh (k in fm⁻¹).
 * @param r radii in fm
 */
export function radialWavefunctions(mesh: Mesh, psiS: ArrayLike<number>, psiD: ArrayLike<number>, r: ArrayLike<number>): RadialWavefunctions {
  checkInputs(mesh, psiS, psiD);
  const n = mesh.points.length;
  const pref = Math.sqrt(2 / Math.PI);
  const aS = new Float64Array(n);
  const aD = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = mesh.points[i]!;
    const wk2 = mesh.weights[i]! * k * k;
    aS[i] = wk2 * Number(psiS[i]);
    aD[i] = wk2 * Number(psiD[i]);
  }
  const nr = r.length;
  const out: RadialWavefunctions = { r: Float64Array.from(r), u: new Float64Array(nr), w: new Float64Array(nr) };
  for (let j = 0; j < nr; j++) {
    const rj = Number(r[j]);
    let su = 0;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      const x = mesh.points[i]! * rj;
      su += aS[i]! * sphericalJ0(x);
      sw += aD[i]! * sphericalJ2(x);
    }
    out.u[j] = pref * rj * su;
    out.w[j] = pref * rj * sw;
  }
  return out;
}

/** Options of {@link deuteronObservables}. */
export interface DeuteronObservableOptions {
  /** nucleon mass M of ħ²k²/M in MeV (default 938.9182) */
  nucleonMassMeV?: number;
  /** largest momentum (fm⁻¹) of the mesh points used for the pole extrapolation (default 0.5) */
  poleFitKMax?: number;
  /** degree in k² of the pole-extrapolation polynomial (default 6, lowered if too few points) */
  poleFitDegree?: number;
  /** radius (fm) beyond which the asymptotic forms replace the Fourier sums in the integrals (default 12) */
  rMatchFm?: number;
  /** number of Gauss–Legendre points on [0, rMatch] (default 400) */
  radialPoints?: number;
}

/** Deuteron observables (see the module comment for the definitions). */
export interface DeuteronObservables {
  /** binding momentum α = √(M|E|)/ħc in fm⁻¹ */
  alphaFmInv: number;
  /** matter radius r_d = ½⟨r²⟩^{1/2} in fm */
  rmsRadiusFm: number;
  /** ⟨r²⟩ of the relative coordinate in fm² */
  r2Fm2: number;
  /** quadrupole moment Q in fm² */
  quadrupoleFm2: number;
  /** asymptotic S normalisation A_S in fm^{−1/2} */
  asymptoticS: number;
  /** asymptotic D/S ratio η */
  asymptoticDS: number;
  /** D-state probability from the radial functions, ∫w² dr (fraction; equals P_D of the mesh) */
  pDRadial: number;
  /** norm ∫(u² + w²) dr (≈ 1: a check of the transform) */
  normRadial: number;
  /** u(rMatch) e^{α rMatch}/A_S − 1: how asymptotic u is where the tail takes over (quality indicator) */
  matchDeviation: number;
}

/**
 * Observables of a normalised mesh ground state (energy in MeV, ψ in fm^{3/2}, mesh in fm⁻¹).
 * The mesh must resolve small k well (a tan map with c ≈ 1 fm⁻¹ and N ≥ 64 does).
 */
export function deuteronObservables(
  state: { energyMeV: number; psiS: ArrayLike<number>; psiD: ArrayLike<number> },
  mesh: Mesh,
  opts: DeuteronObservableOptions = {},
): DeuteronObservables {
  checkInputs(mesh, state.psiS, state.psiD);
  if (!(state.energyMeV < 0)) throw new PotentialInputError(`deuteron observables: need a bound state (energyMeV < 0, got ${state.energyMeV})`);
  const M = opts.nucleonMassMeV ?? NUCLEON_MASS;
  const alpha = Math.sqrt(M * -state.energyMeV) / HBARC;
  const rMatch = opts.rMatchFm ?? 12;
  const nRad = opts.radialPoints ?? 400;
  if (!(rMatch > 0)) throw new PotentialInputError(`deuteron observables: rMatchFm must be > 0 (got ${rMatch})`);
  const { AS, eta } = asymptoticFromPole(state, mesh, alpha, opts.poleFitKMax ?? 0.5, opts.poleFitDegree ?? 6);

  // radial integrals: GL on [0, rMatch] with the Fourier sums, GL on the asymptotic tail
  const g = gaussLegendre(nRad);
  const rr = new Float64Array(nRad);
  const wr = new Float64Array(nRad);
  for (let i = 0; i < nRad; i++) {
    rr[i] = 0.5 * rMatch * (g.points[i]! + 1);
    wr[i] = 0.5 * rMatch * g.weights[i]!;
  }
  const inner = radialWavefunctions(mesh, state.psiS, state.psiD, rr);
  let norm = 0;
  let pD = 0;
  let r2 = 0;
  let q = 0;
  const s8 = Math.sqrt(8);
  const accumulate = (r: number, weight: number, u: number, w: number) => {
    norm += weight * (u * u + w * w);
    pD += weight * w * w;
    r2 += weight * r * r * (u * u + w * w);
    q += weight * r * r * w * (s8 * u - w);
  };
  for (let i = 0; i < nRad; i++) accumulate(rr[i]!, wr[i]!, inner.u[i]!, inner.w[i]!);
  // tail: r = rMatch + t, t ∈ [0, ∞) mapped by t = L·s/(1−s), L = 1/α
  const gt = gaussLegendre(200);
  const Lsc = 1 / alpha;
  for (let i = 0; i < gt.points.length; i++) {
    const s = 0.5 * (gt.points[i]! + 1);
    const t = (Lsc * s) / (1 - s);
    const weight = 0.5 * gt.weights[i]! * (Lsc / ((1 - s) * (1 - s)));
    const r = rMatch + t;
    const x = alpha * r;
    const e = Math.exp(-x);
    accumulate(r, weight, AS * e, eta * AS * e * (1 + 3 / x + 3 / (x * x)));
  }
  return {
    alphaFmInv: alpha,
    rmsRadiusFm: 0.5 * Math.sqrt(r2 / norm),
    r2Fm2: r2 / norm,
    quadrupoleFm2: q / 20 / norm,
    asymptoticS: AS,
    asymptoticDS: eta,
    pDRadial: pD / norm,
    normRadial: norm,
    matchDeviation: (radialWavefunctions(mesh, state.psiS, state.psiD, [rMatch]).u[0]! * Math.exp(alpha * rMatch)) / AS - 1,
  };
}

/**
 * A_S (fm^{−1/2}) and η from the bound-state pole of ψ_S, ψ_D (see the module comment):
 * least-squares fits of (k² + α²)ψ_S = Σ_d a_d x^d and (k² + α²)ψ_D = k² Σ_d b_d x^d, x = k²/kFit²,
 * over the mesh points k ≤ kFit, evaluated at x = −α²/kFit²: A_S = √(π/2)·S(−α²), η = α² D/S.
 */
export function asymptoticFromPole(
  state: { psiS: ArrayLike<number>; psiD: ArrayLike<number> },
  mesh: Mesh,
  alphaFmInv: number,
  kFit = 0.5,
  degree = 6,
): { AS: number; eta: number } {
  checkInputs(mesh, state.psiS, state.psiD);
  const a2 = alphaFmInv * alphaFmInv;
  const ks: number[] = [];
  const yS: number[] = [];
  const yD: number[] = [];
  for (let i = 0; i < mesh.points.length; i++) {
    const k = mesh.points[i]!;
    if (k > kFit) continue;
    ks.push(k);
    yS.push((k * k + a2) * Number(state.psiS[i]));
    yD.push((k * k + a2) * Number(state.psiD[i]));
  }
  const deg = Math.min(degree, ks.length - 3);
  if (deg < 1) throw new PotentialInputError(`deuteron observables: only ${ks.length} mesh points below ${kFit} fm⁻¹; the pole fit needs ≥ 4 (use a finer mesh or a larger poleFitKMax)`);
  const x0 = -a2 / (kFit * kFit);
  const fit = (y: number[], weight: (k: number) => number) => {
    const A = new Matrix(ks.length, deg + 1);
    ks.forEach((k, i) => {
      const x = (k * k) / (kFit * kFit);
      for (let d = 0; d <= deg; d++) A.set(i, d, weight(k) * x ** d);
    });
    const c = new QrDecomposition(A).solve(Matrix.columnVector(y)).getColumn(0);
    return c.reduce((s, cd, d) => s + cd * x0 ** d, 0);
  };
  const S = fit(yS, () => 1);
  const D = fit(yD, (k) => k * k);
  return { AS: Math.sqrt(Math.PI / 2) * S, eta: (a2 * D) / S };
}

/** Tabulated wavefunctions for plots: ψ_S, ψ_D on the mesh and u, w on a uniform r grid. */
export interface DeuteronWavefunctionTables {
  k: Float64Array;
  psiS: Float64Array;
  psiD: Float64Array;
  r: Float64Array;
  u: Float64Array;
  w: Float64Array;
}

/**
 * Wavefunctions for plotting: momentum space on the mesh points with k ≤ kMax (fm⁻¹) and
 * coordinate space on `nR` uniform radii in (0, rMax] fm.
 */
export function deuteronWavefunctionTables(
  state: { psiS: ArrayLike<number>; psiD: ArrayLike<number> },
  mesh: Mesh,
  opts: { kMax?: number; rMax?: number; nR?: number } = {},
): DeuteronWavefunctionTables {
  checkInputs(mesh, state.psiS, state.psiD);
  const kMax = opts.kMax ?? 5;
  const rMax = opts.rMax ?? 20;
  const nR = opts.nR ?? 200;
  const idx: number[] = [];
  for (let i = 0; i < mesh.points.length; i++) if (mesh.points[i]! <= kMax) idx.push(i);
  const r = new Float64Array(nR);
  for (let i = 0; i < nR; i++) r[i] = (rMax * (i + 1)) / nR;
  const rad = radialWavefunctions(mesh, state.psiS, state.psiD, r);
  return {
    k: Float64Array.from(idx.map((i) => mesh.points[i]!)),
    psiS: Float64Array.from(idx.map((i) => Number(state.psiS[i]))),
    psiD: Float64Array.from(idx.map((i) => Number(state.psiD[i]))),
    r,
    u: rad.u,
    w: rad.w,
  };
}
