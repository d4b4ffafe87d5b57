import { describe, expect, it } from 'vitest';
import { tanMesh } from '@nqs/quadrature';
import { PotentialInputError, getPotential, lo500, parsePotentialTable, writePotentialTable, yamaguchi } from '../index.js';

describe('tabulated potentials', () => {
  it('round trip on the grid is exact (LO500, 12 points)', () => {
    const pot = lo500();
    const mesh = tanMesh(12, 1);
    const text = writePotentialTable(pot, mesh.points);
    const tab = parsePotentialTable(text, 'table:lo500');
    for (const i of [0, 5, 11]) {
      for (const j of [0, 3, 11]) {
        for (const c of ['3S1', '3D1', '3S1-3D1', '3D1-3S1']) {
          expect(tab.value(c, mesh.points[i]!, mesh.points[j]!)).toBe(pot.value(c, mesh.points[i]!, mesh.points[j]!));
        }
      }
    }
  });
  it('spline interpolation between grid points (Yamaguchi on a 60×60 grid, h = 0.1 fm⁻¹) to 5e-5', () => {
    const pot = yamaguchi();
    const grid = Array.from({ length: 60 }, (_, i) => i * 0.1);
    const tab = parsePotentialTable(writePotentialTable(pot, grid, grid, ['3S1']));
    for (const [a, b] of [[0.05, 0.37], [1.234, 2.71], [4.44, 0.66]] as const) {
      const exact = pot.value('3S1', a, b);
      expect(Math.abs(tab.value('3S1', a, b) - exact)).toBeLessThan(5e-5 * Math.abs(pot.value('3S1', 0, 0)));
    }
    expect(tab.value('3S1', 7, 1)).toBe(0); // beyond the table
  });
  it('derives a missing coupled partner by hermiticity and reads MeV⁻² units', () => {
    const text = ['# units: MeV-2', 'kp, k, 3S1, 3S1-3D1', '0 0 1e-6 0', '0 1 2e-6 3e-6', '1 0 2e-6 4e-6', '1 1 1e-6 5e-6'].join('\n');
    const t = parsePotentialTable(text);
    const hc3 = 197.32968 ** 3;
    expect(t.value('3D1-3S1', 0, 1)).toBeCloseTo(4e-6 * hc3, 9);
    expect(t.value('3S1-3D1', 0, 1)).toBeCloseTo(3e-6 * hc3, 9);
    expect(t.channels).toContain('3D1-3S1');
  });
  it('malformed tables give PotentialInputError naming the problem', () => {
    const bad: [string, RegExp][] = [
      ['', /empty table/],
      ['kp k 3S1', /no rows/],
      ['k kp 3S1\n0 0 1', /header/],
      ['kp k 3Q1\n0 0 1', /bad channel/],
      ['kp k 3S1\n0 0 1 2', /line 2: expected 3 columns/],
      ['kp k 3S1\n0 0 abc', /'abc' is not a number/],
      ['kp k 3S1\n0 0 1\n0 1 1\n1 0 1', /rectangular/],
      ['kp k 3S1\n0 0 1\n0 0 2', /duplicate|rectangular/],
      ['# units: eV\nkp k 3S1\n0 0 1', /unknown units/],
    ];
    for (const [text, re] of bad) {
      expect(() => parsePotentialTable(text)).toThrow(PotentialInputError);
      expect(() => parsePotentialTable(text)).toThrow(re);
    }
  });
  it('getPotential("table:FILE") uses the given reader', () => {
    const text = writePotentialTable(yamaguchi(), [0.1, 0.5, 1]);
    const p = getPotential('table:y.txt', { readTable: (f) => (f === 'y.txt' ? text : '') });
    expect(p.value('3S1', 0.5, 1)).toBe(yamaguchi().value('3S1', 0.5, 1));
  });
});
