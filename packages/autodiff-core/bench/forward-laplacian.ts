/**
 * Benchmark (not a test): forward Laplacian vs nested reverse mode, slogdet, per-sample Jacobians
 * on the paper network (REFERENCE.md §2). Run from the repo root:
 *   npx tsx --conditions=source packages/autodiff-core/bench/forward-laplacian.ts
 * Knobs (env): B=4096 A=6 H=64 L=2 D=1 REPS=5 NESTED=1 (0 skips the slow nested-grad run)
 *   NQS_BACKEND=wasm|cpu|webgpu
 */
import { initBackend, perSampleJacobian, Rng, slogdetInverse, tf, treeEntries, treeSize, type ParamTree } from '../src/index.js';
import { initNet, localEnergyFL, nestedDerivatives, netFL, netLogAbs, type NetConfig } from '../src/__tests__/paper-net.js';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const c: NetConfig = { A: env('A', 6), H: env('H', 64), L: env('L', 2), D: env('D', 1) };
const B = env('B', 4096);
const REPS = env('REPS', 5);

const backend = await initBackend();
if (env('FAST_MATMUL_GRAD', 0)) {
  // Experiment: BatchMatMul gradient with explicit transposes instead of transpose flags (on wasm a
  // flagged matmul is ~8× slower than transpose + plain matmul). Not installed by the library.
  const T = (t: tf.Tensor) => tf.transpose(t, [...Array.from({ length: t.rank - 2 }, (_, i) => i), t.rank - 1, t.rank - 2]);
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as tf.Tensor[];
      const d = dy as tf.Tensor;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return { a: () => tf.matMul(d, T(b!)), b: () => tf.matMul(T(a!), d) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(d, b!), b: () => tf.matMul(T(d), a!) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b!, T(d)), b: () => tf.matMul(a!, d) };
      return { a: () => tf.matMul(T(b!), T(d)), b: () => tf.matMul(T(d), T(a!)) };
    },
  });
  console.log('FAST_MATMUL_GRAD: BatchMatMul gradient re-registered with explicit transposes');
}
const rng = new Rng(1);
const p = initNet(rng, c);
const xs = new Float32Array(B * c.A);
for (let b = 0; b < B; b++) for (let i = 0; i < c.A; i++) xs[b * c.A + i] = (i - (c.A - 1) / 2) * 0.9 + 0.3 * rng.normal();
const x = tf.tensor2d(xs, [B, c.A]);

/** median wall time (ms) of `fn`, including an async read of its outputs (forces execution). */
async function time(name: string, fn: () => tf.Tensor[], reps = REPS): Promise<number> {
  const ts: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const t0 = performance.now();
    const out = fn();
    await Promise.all(out.map((t) => t.data()));
    const dt = performance.now() - t0;
    tf.dispose(out);
    if (r > 0 || reps === 0) ts.push(dt); // first run is warm-up
  }
  ts.sort((a, b) => a - b);
  const med = ts[Math.floor(ts.length / 2)]!;
  console.log(`${name.padEnd(58)} ${med.toFixed(1).padStart(9)} ms  (runs: ${ts.map((t) => t.toFixed(0)).join(', ')})`);
  return med;
}

console.log(`backend ${backend.name}; B=${B} A=${c.A} H=${c.H} L=${c.L} D=${c.D}; P=${treeSize(p)}; tensors=${tf.memory().numTensors}`);
const m = tf.tidy(() => tf.add(tf.randomNormal([B, c.A, c.A], 0, 1, 'float32', 3), tf.mul(3, tf.eye(c.A))));
await time(`slogdetInverse [${B},${c.A},${c.A}]`, () => { const r = slogdetInverse(m as tf.Tensor3D); return [r.sign, r.logAbs, r.inv]; });
await time('plain ln|ψ| forward', () => [netLogAbs(c, p, x)]);
await time('forward Laplacian (ln|ψ|, ∇, Δ)', () => { const r = netFL(c, p, x); return [r.sign, r.logAbs, r.grad, r.lap]; });
const entries = treeEntries(p);
const leaves = entries.map(([, t]) => t);
const rebuild = (ls: tf.Tensor[]): ParamTree => {
  const root: Record<string, unknown> = {};
  entries.forEach(([path], i) => {
    const keys = path.split('.');
    let node = root;
    for (let k = 0; k < keys.length - 1; k++) node = (node[keys[k]!] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1]!] = ls[i];
  });
  return root as ParamTree;
};
await time('FL local energy + tf.grad w.r.t. all params', () => tf.grads((...ls: tf.Tensor[]) => tf.mean(localEnergyFL(c, rebuild(ls), x)))(leaves), Math.max(1, REPS - 2));
await time('per-sample Jacobian of ln|ψ| [B, P] (probe trick)', () => { const r = perSampleJacobian((q, xx, tr) => netLogAbs(c, q, xx, tr), p, x); return [r.value, r.jacobian]; }, Math.max(1, REPS - 2));
await time('KFAC factors only (a, δ per dense use; no O)', () => { const r = perSampleJacobian((q, xx, tr) => netLogAbs(c, q, xx, tr), p, x, { factors: true, jacobian: false }); return [r.value, r.jacobian, ...r.factors!.flatMap((u) => [u.a, u.delta])]; }, Math.max(1, REPS - 2));
await time('per-sample Jacobian of the FL local energy [B, P]', () => { const r = perSampleJacobian((q, xx, tr) => localEnergyFL(c, q, xx as tf.Tensor2D, tr), p, x); return [r.value, r.jacobian]; }, Math.max(1, REPS - 3));
{
  const nb = 16;
  const xsmall = tf.slice(x, [0, 0], [nb, c.A]);
  const ms = await time(`loop of per-walker tf.grad, ${nb} walkers`, () => {
    const out: tf.Tensor[] = [];
    for (let b = 0; b < nb; b++) {
      const xb = tf.slice(xsmall, [b, 0], [1, -1]);
      out.push(...tf.grads((...ls: tf.Tensor[]) => tf.sum(netLogAbs(c, rebuild(ls), xb)))(leaves));
      xb.dispose();
    }
    return out;
  }, 1);
  console.log(`${'  → extrapolated to B walkers'.padEnd(58)} ${((ms * B) / nb).toFixed(0).padStart(9)} ms`);
  xsmall.dispose();
}
if (env('NESTED', 1)) {
  await time(`nested tf.grad Laplacian (${c.A} reverse-over-reverse passes)`, () => { const r = nestedDerivatives(c, p, x); return [r.grad, r.lap]; }, 1);
}
tf.dispose([x, m]);
console.log(`tensors at end: ${tf.memory().numTensors}`);
