import { describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { buildDeterminantBasis, buildFermionHamiltonian, lanczos, TwoBodyElements, tridiagonalEigen } from '../fermions/index.js';

describe('tridiagonal eigensolver and Lanczos', () => {
  it('tridiagonalEigen matches ml-matrix and returns eigenvectors', () => {
    const n = 40;
    const d = Array.from({ length: n }, (_, i) => Math.sin(1.3 * i) * 3 + i * 0.1);
    const e = Array.from({ length: n - 1 }, (_, i) => Math.cos(0.7 * i + 0.2));
    e[10] = 0; // a split block
    const T = new Matrix(n, n);
    for (let i = 0; i < n; i++) {
      T.set(i, i, d[i]!);
      if (i < n - 1) {
        T.set(i, i + 1, e[i]!);
        T.set(i + 1, i, e[i]!);
      }
    }
    const ref = new EigenvalueDecomposition(T, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b);
    const r = tridiagonalEigen(d, e, true);
    for (let k = 0; k < n; k++) expect(r.values[k]).toBeCloseTo(ref[k]!, 11);
    for (const k of [0, 17, n - 1]) {
      for (let i = 0; i < n; i++) {
        let tv = d[i]! * r.vectors[i * n + k]!;
        if (i > 0) tv += e[i - 1]! * r.vectors[(i - 1) * n + k]!;
        if (i < n - 1) tv += e[i]! * r.vectors[(i + 1) * n + k]!;
        expect(tv).toBeCloseTo(r.values[k]! * r.vectors[i * n + k]!, 10);
      }
    }
  });

  it('Lanczos on a small FCI Hamiltonian equals dense diagonalisation (ml-matrix)', () => {
    const tb = new TwoBodyElements({ kind: 'gaussian', V0: -10, sigma: 0.5 }, 10);
    for (const parity of ['even', 'odd'] as const) {
      const basis = buildDeterminantBasis(3, 10, parity);
      const H = buildFermionHamiltonian(basis, tb);
      const n = basis.size;
      const dense = new Matrix(n, n);
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        x.fill(0);
        x[j] = 1;
        H.matvec(x, y);
        for (let i = 0; i < n; i++) dense.set(i, j, y[i]!);
      }
      // the on-the-fly operator generates full rows: it must be symmetric and equal the stored upper triangle
      const Hf = buildFermionHamiltonian(basis, tb, { maxStoredNonzeros: 10 });
      expect(Hf.nnz).toBe(0);
      const denseF = new Matrix(n, n);
      for (let j = 0; j < n; j++) {
        x.fill(0);
        x[j] = 1;
        Hf.matvec(x, y);
        for (let i = 0; i < n; i++) denseF.set(i, j, y[i]!);
      }
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          expect(denseF.get(i, j)).toBeCloseTo(denseF.get(j, i), 12);
          expect(denseF.get(i, j)).toBeCloseTo(dense.get(i, j), 12);
        }
      const ref = new EigenvalueDecomposition(dense, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b);
      const lz = lanczos(H.matvec, n, { nEig: 4, tol: 1e-11 });
      expect(lz.converged).toBe(true);
      for (let k = 0; k < 4; k++) expect(lz.values[k]).toBeCloseTo(ref[k]!, 9);
      // Ritz vector residual
      H.matvec(lz.vectors[0]!, y);
      let res = 0;
      for (let i = 0; i < n; i++) res = Math.max(res, Math.abs(y[i]! - lz.values[0]! * lz.vectors[0]![i]!));
      expect(res).toBeLessThan(1e-8);
      const lz2 = lanczos(Hf.matvec, n, { nEig: 2, tol: 1e-11 });
      expect(lz2.values[0]).toBeCloseTo(ref[0]!, 9);
    }
  });
});
