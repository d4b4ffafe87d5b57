import { describe, expect, it } from 'vitest';
import { initBackend, Rng, tf, treeFromFlat, treeFromJSON, treeMap, treeSize, treeSpec, treeToFlat, treeToJSON, ParamTreeInputError } from '../index.js';

describe('Rng', () => {
  it('is reproducible and seed-sensitive', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xa);
  });
  it('has the right first two moments (uniform and normal)', () => {
    const r = new Rng(7);
    const n = 200_000;
    let su = 0, su2 = 0, sn = 0, sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      su += u; su2 += u * u;
      const z = r.normal();
      sn += z; sn2 += z * z;
    }
    // tolerances ≈ 5 standard errors
    expect(Math.abs(su / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(su2 / n - 1 / 3)).toBeLessThan(5 * 0.3 / Math.sqrt(n));
    expect(Math.abs(sn / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
  it('restores from state exactly (including the cached normal)', () => {
    const r = new Rng(3);
    r.normal();
    const st = r.getState();
    const x = [r.normal(), r.uniform(), r.normal()];
    const s = Rng.fromState(JSON.parse(JSON.stringify(st)));
    expect([s.normal(), s.uniform(), s.normal()]).toEqual(x);
  });
  it('splits into distinct streams', () => {
    const r = new Rng(1);
    const [p, q] = r.splitN(2);
    expect(p!.uniform()).not.toBe(q!.uniform());
    expect(new Rng(1).fold(5).uniform()).toBe(new Rng(1).fold(5).uniform());
  });
});

describe('ParamTree', () => {
  it('flattens and rebuilds, and round-trips through JSON', async () => {
    await initBackend({ backend: 'cpu' });
    const tree = { layer1: { w: tf.tensor2d([[1, 2], [3, 4]]), b: tf.tensor1d([5, 6]) }, out: tf.tensor1d([7]) };
    expect(treeSize(tree)).toBe(7);
    expect(Array.from(treeToFlat(tree))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const spec = treeSpec(tree);
    const back = treeFromFlat(spec, [1, 2, 3, 4, 5, 6, 8]);
    expect(Array.from(treeToFlat(back))).toEqual([1, 2, 3, 4, 5, 6, 8]);
    const j = treeFromJSON(JSON.parse(JSON.stringify(treeToJSON(tree))), spec);
    expect(Array.from(treeToFlat(j))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const doubled = treeMap(tree, (t) => t.mul(2));
    expect(Array.from(treeToFlat(doubled))).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(() => treeFromFlat(spec, [1, 2])).toThrow(ParamTreeInputError);
    expect(() => treeFromJSON(treeToJSON({ x: tf.scalar(1) }), spec)).toThrow(ParamTreeInputError);
  });
});

describe('initBackend', () => {
  it('rejects unknown names and selects wasm automatically on this machine', async () => {
    await expect(initBackend({ backend: 'quantum' })).rejects.toThrow(/allowed: webgpu, tensorflow, wasm, cpu/);
    const b = await initBackend({ backend: 'wasm' });
    expect(b.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
