/**
 * Test oracle: the exact deuteron ground state on a mesh by shifted inverse iteration (LU with
 * partial pivoting), independent of the ml-matrix eigensolver of @nqs/benchmarks-exact.
 * H_(Li),(L'j) = δδ ħ²k_i²/M + √w_i k_i V_LL'(k_i, k_j) k_j √w_j, block order [S…, D…].
 */
import type { Mesh } from '@nqs/quadrature';
import { HBARC, kineticMeV } from '../../units.js';
import { deuteronBlock, type PartialWavePotential } from '../../nn/potential.js';

const HC3 = HBARC ** 3;

/**
 * Ground state energy E (MeV) and D-state probability of `pot` on `mesh`, by inverse iteration at
 * σ = −2.6 MeV (below the ground state). `round` maps each matrix element in MeV⁻² before use
 * (identity for the exact potential; e.g. rounding to the digits of a published table).
 */
export function deuteronInverseIteration(pot: PartialWavePotential, mesh: Mesh, round: (v: number) => number = (v) => v): { E: number; pD: number } {
  const { points: k, weights: w } = mesh;
  const n = k.length;
  const N = 2 * n;
  const H = Array.from({ length: N }, () => new Float64Array(N));
  const r = (v: number) => round(v / HC3) * HC3;
  for (let i = 0; i < n; i++) {
    H[i]![i]! += kineticMeV(k[i]!);
    H[n + i]![n + i]! += kineticMeV(k[i]!);
    for (let j = 0; j < n; j++) {
      const b = deuteronBlock(pot, k[i]!, k[j]!);
      const f = Math.sqrt(w[i]! * w[j]!) * k[i]! * k[j]!;
      H[i]![j]! += f * r(b.SS);
      H[i]![n + j]! += f * r(b.SD);
      H[n + i]![j]! += f * r(b.DS);
      H[n + i]![n + j]! += f * r(b.DD);
    }
  }
  const sigma = -2.6;
  const A = H.map((row, i) => {
    const a = Float64Array.from(row);
    a[i]! -= sigma;
    return a;
  });
  const piv = Array.from({ length: N }, (_, i) => i);
  for (let c = 0; c < N; c++) {
    let best = c;
    for (let i = c + 1; i < N; i++) if (Math.abs(A[i]![c]!) > Math.abs(A[best]![c]!)) best = i;
    [A[c], A[best]] = [A[best]!, A[c]!];
    [piv[c], piv[best]] = [piv[best]!, piv[c]!];
    for (let i = c + 1; i < N; i++) {
      const m = (A[i]![c]! /= A[c]![c]!);
      for (let j = c + 1; j < N; j++) A[i]![j]! -= m * A[c]![j]!;
    }
  }
  let x = new Float64Array(N).fill(1);
  for (let it = 0; it < 60; it++) {
    const y = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let s = x[piv[i]!]!;
      for (let j = 0; j < i; j++) s -= A[i]![j]! * y[j]!;
      y[i] = s;
    }
    for (let i = N - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let j = i + 1; j < N; j++) s -= A[i]![j]! * y[j]!;
      y[i] = s / A[i]![i]!;
    }
    const norm = Math.hypot(...y);
    x = y.map((v) => v / norm);
  }
  let E = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) E += x[i]! * H[i]![j]! * x[j]!;
  let pD = 0;
  for (let i = n; i < N; i++) pD += x[i]! ** 2;
  return { E, pD };
}
