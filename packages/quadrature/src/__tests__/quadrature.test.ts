import { describe, expect, it } from 'vitest';
import {
  gaussHermite,
  gaussHermiteScaled,
  gaussLegendre,
  gaussLegendreInterval,
  integrate,
  MeshInputError,
  paperMesh,
  parseMeshSpec,
  tanMesh,
} from '../index.js';

describe('gaussLegendre', () => {
  it('integrates monomials exactly up to degree 2n-1', () => {
    for (const n of [1, 2, 3, 5, 8, 16, 33, 64]) {
      const m = gaussLegendre(n);
      for (let d = 0; d <= 2 * n - 1; d++) {
        const exact = d % 2 === 1 ? 0 : 2 / (d + 1);
        expect(Math.abs(integrate(m, (x) => x ** d) - exact)).toBeLessThan(2e-14);
      }
      if (n > 16) continue; // and not beyond: degree 2n is not exact
      const d = 2 * n;
      expect(Math.abs(integrate(m, (x) => x ** d) - 2 / (d + 1))).toBeGreaterThan(1e-15);
    }
  });
  it('matches the known 3-point rule to 1e-15', () => {
    const m = gaussLegendre(3);
    expect(m.points[0]).toBeCloseTo(-Math.sqrt(3 / 5), 15);
    expect(m.points[1]).toBe(0);
    expect(m.weights[0]).toBeCloseTo(5 / 9, 15);
    expect(m.weights[1]).toBeCloseTo(8 / 9, 15);
  });
  it('weights sum to 2 and nodes ascend for large n', () => {
    const m = gaussLegendre(500);
    const s = m.weights.reduce((a, b) => a + b, 0);
    expect(Math.abs(s - 2)).toBeLessThan(1e-13);
    for (let i = 1; i < 500; i++) expect(m.points[i]!).toBeGreaterThan(m.points[i - 1]!);
  });
  it('maps affinely', () => {
    const m = gaussLegendreInterval(10, 1, 3);
    expect(integrate(m, (x) => x ** 3)).toBeCloseTo((81 - 1) / 4, 12);
  });
});

describe('gaussHermite', () => {
  it('integrates e^{-x²} x^{2k} exactly', () => {
    // ∫ e^{-x²} x^{2k} = Γ(k+1/2)
    const gammaHalf = (k: number) => {
      let g = Math.sqrt(Math.PI);
      for (let j = 0; j < k; j++) g *= j + 0.5;
      return g;
    };
    for (const n of [1, 2, 4, 7, 10, 20]) {
      const m = gaussHermite(n);
      for (let k = 0; 2 * k <= 2 * n - 1; k++) {
        const exact = gammaHalf(k);
        expect(Math.abs(integrate(m, (x) => x ** (2 * k)) - exact) / exact).toBeLessThan(1e-13);
      }
    }
  });
  it('stays finite and accurate for large n; the scaled rule integrates Gaussians', () => {
    const m = gaussHermite(150);
    expect(Math.abs(m.weights.reduce((a, b) => a + b, 0) - Math.sqrt(Math.PI))).toBeLessThan(1e-13);
    const s = gaussHermiteScaled(60);
    // ∫ e^{-x²/2} dx = √(2π)
    expect(Math.abs(integrate(s, (x) => Math.exp(-x * x / 2)) - Math.sqrt(2 * Math.PI))).toBeLessThan(1e-12);
  });
});

describe('maps to [0, ∞)', () => {
  it('tan map integrates e^{-k²} to √π/2 within 1e-12', () => {
    const m = tanMesh(64, 1);
    expect(Math.abs(integrate(m, (k) => Math.exp(-k * k)) - Math.sqrt(Math.PI) / 2)).toBeLessThan(1e-12);
  });
  it('paper mesh: c = 0.2729095 fm^-1 and k_64 = 500 fm^-1 for N = 64', () => {
    const m = paperMesh(64, 500);
    expect(m.points[63]).toBeCloseTo(500, 9);
    // reconstruct c from the first point: k_1 = c tan(π x_1 / 2)
    const gl = gaussLegendre(64);
    const c = m.points[0]! / Math.tan((Math.PI * (gl.points[0]! + 1)) / 4);
    expect(c).toBeCloseTo(0.2729095, 6);
    expect(Math.abs(integrate(m, (k) => Math.exp(-k * k)) - Math.sqrt(Math.PI) / 2)).toBeLessThan(1e-6);
  });
  it('parses mesh specs and rejects malformed ones with named errors', () => {
    expect(parseMeshSpec('paper64').points.length).toBe(64);
    expect(parseMeshSpec('tan:96:1').points.length).toBe(96);
    expect(parseMeshSpec('gl:8:0:2').points.length).toBe(8);
    expect(parseMeshSpec('paper:32:100').points[31]).toBeCloseTo(100, 9);
    for (const bad of ['tan:1:1', 'tan:10:0', 'tan:10:-1', 'tan:x:1', 'paper', 'foo:1', 'gl:4:2:1', 'tan:10']) {
      expect(() => parseMeshSpec(bad)).toThrow(MeshInputError);
    }
  });
});
