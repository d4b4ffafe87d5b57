import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';

/**
 * Parameters are data: a nested record of tensors. No `tf.Variable`, no hidden state.
 * Leaves are visited in key insertion order (deterministic for a given constructor).
 */
export type ParamTree = { readonly [name: string]: tf.Tensor | ParamTree };

/** Error for trees that do not match a spec (checkpoints, flattening). */
export class ParamTreeInputError extends Error {
  override readonly name = 'ParamTreeInputError';
}

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/** Leaves with their dotted paths, in traversal order. */
export function treeEntries(tree: ParamTree, prefix = ''): [string, tf.Tensor][] {
  const out: [string, tf.Tensor][] = [];
  for (const [k, v] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (isTensor(v)) out.push([path, v]);
    else out.push(...treeEntries(v, path));
  }
  return out;
}

/** Leaves in traversal order. */
export function treeLeaves(tree: ParamTree): tf.Tensor[] {
  return treeEntries(tree).map(([, t]) => t);
}

/** Apply `f` to every leaf (same structure). `f` may receive leaves of several trees via {@link treeZipMap}. */
export function treeMap(tree: ParamTree, f: (t: tf.Tensor, path: string) => tf.Tensor, prefix = ''): ParamTree {
  const out: Record<string, tf.Tensor | ParamTree> = {};
  for (const [k, v] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${k}` : k;
    out[k] = isTensor(v) ? f(v, path) : treeMap(v, f, path);
  }
  return out;
}

/** Map over several trees of the same structure. */
export function treeZipMap(trees: readonly ParamTree[], f: (ts: tf.Tensor[], path: string) => tf.Tensor, prefix = ''): ParamTree {
  const first = trees[0]!;
  const out: Record<string, tf.Tensor | ParamTree> = {};
  for (const [k, v] of Object.entries(first)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const vs = trees.map((t) => {
      const x = t[k];
      if (x === undefined) throw new ParamTreeInputError(`treeZipMap: tree has no leaf '${path}'`);
      return x;
    });
    out[k] = isTensor(v) ? f(vs as tf.Tensor[], path) : treeZipMap(vs as ParamTree[], f, path);
  }
  return out;
}

/** Total number of scalar parameters. */
export function treeSize(tree: ParamTree): number {
  return treeLeaves(tree).reduce((s, t) => s + t.size, 0);
}

/** Dispose every leaf. */
export function treeDispose(tree: ParamTree): void {
  for (const t of treeLeaves(tree)) t.dispose();
}

/** Shape description of a tree, enough to rebuild it from a flat vector. */
export interface TreeSpec {
  paths: string[];
  shapes: number[][];
}

/** Paths (dotted, traversal order) and shapes of the leaves of `tree`. */
export function treeSpec(tree: ParamTree): TreeSpec {
  const e = treeEntries(tree);
  return { paths: e.map(([p]) => p), shapes: e.map(([, t]) => t.shape.slice()) };
}

/** Concatenate all leaves into one float64 vector (reads the tensors synchronously). */
export function treeToFlat(tree: ParamTree): Float64Array {
  const leaves = treeLeaves(tree);
  const n = leaves.reduce((s, t) => s + t.size, 0);
  const out = new Float64Array(n);
  let o = 0;
  for (const t of leaves) {
    out.set(t.dataSync() as Float32Array, o);
    o += t.size;
  }
  return out;
}

/** Async variant of {@link treeToFlat} for backends where reads must be async (WebGPU). */
export async function treeToFlatAsync(tree: ParamTree): Promise<Float64Array> {
  const leaves = treeLeaves(tree);
  const n = leaves.reduce((s, t) => s + t.size, 0);
  const out = new Float64Array(n);
  let o = 0;
  for (const t of leaves) {
    out.set((await t.data()) as Float32Array, o);
    o += t.size;
  }
  return out;
}

/** Concatenate all leaves into one 1-D tensor (stays on the device). */
export function treeToFlatTensor(tree: ParamTree): tf.Tensor1D {
  return tf.tidy(() => tf.concat(treeLeaves(tree).map((t) => t.reshape([-1])), 0) as tf.Tensor1D);
}

/** Rebuild a tree from a flat vector and a spec. */
export function treeFromFlat(spec: TreeSpec, flat: ArrayLike<number> | tf.Tensor1D): ParamTree {
  const n = spec.shapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  const len = flat instanceof tf.Tensor ? flat.size : flat.length;
  if (len !== n) throw new ParamTreeInputError(`treeFromFlat: vector has ${len} entries, spec needs ${n}`);
  const root: Record<string, unknown> = {};
  let o = 0;
  spec.paths.forEach((path, i) => {
    const shape = spec.shapes[i]!;
    const size = shape.reduce((a, b) => a * b, 1);
    let leaf: tf.Tensor;
    if (flat instanceof tf.Tensor) leaf = tf.tidy(() => flat.slice(o, size).reshape(shape));
    else leaf = tf.tensor(Float32Array.from(Array.prototype.slice.call(flat, o, o + size) as number[]), shape, 'float32');
    o += size;
    const keys = path.split('.');
    let node = root;
    for (let k = 0; k < keys.length - 1; k++) node = (node[keys[k]!] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1]!] = leaf;
  });
  return root as ParamTree;
}

/** JSON-serialisable form of a tree (for checkpoints). */
export interface SerializedTree {
  spec: TreeSpec;
  values: number[];
}

/** Spec plus all values (float32 → number[]); reads the tensors synchronously. */
export function treeToJSON(tree: ParamTree): SerializedTree {
  return { spec: treeSpec(tree), values: Array.from(treeToFlat(tree)) };
}

/**
 * Rebuild a tree from {@link treeToJSON} output; with `expected`, throw {@link ParamTreeInputError}
 * unless paths and shapes match it (e.g. a checkpoint of another model).
 */
export function treeFromJSON(s: SerializedTree, expected?: TreeSpec): ParamTree {
  if (!s || !s.spec || !Array.isArray(s.values)) throw new ParamTreeInputError('serialized tree: missing spec or values');
  if (expected) {
    const same = expected.paths.length === s.spec.paths.length && expected.paths.every((p, i) => p === s.spec.paths[i] && expected.shapes[i]!.join('x') === s.spec.shapes[i]!.join('x'));
    if (!same) throw new ParamTreeInputError(`serialized tree does not match the model (expected ${expected.paths.length} leaves ${expected.paths.join(',')}, got ${s.spec.paths.join(',')})`);
  }
  return treeFromFlat(s.spec, s.values);
}

/** A float32 tensor with entries U[lo, hi) drawn from `rng`. */
export function uniformTensor(rng: Rng, shape: number[], lo: number, hi: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillUniform(new Float32Array(n), lo, hi), shape, 'float32');
}

/** A float32 tensor with entries N(0, std²) drawn from `rng`. */
export function normalTensor(rng: Rng, shape: number[], std = 1, mean = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillNormal(new Float32Array(n), mean, std), shape, 'float32');
}

/** Glorot/Xavier-normal initialisation for a [fanIn, fanOut] weight. */
export function glorotNormal(rng: Rng, fanIn: number, fanOut: number): tf.Tensor {
  return normalTensor(rng, [fanIn, fanOut], Math.sqrt(2 / (fanIn + fanOut)));
}
