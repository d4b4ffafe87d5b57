/**
 * Benchmark (not a test): forward Laplacian vs nested reverse mode, slogdet, per-sample Jacobians
 * on the paper network (REFERENCE.md §2). Run from the repo root:
 *   npx tsx --conditions=source packages/autodiff-core/bench/forward-laplacian.ts
 * Knobs (env): B=4096 A=6 H=64 L=2 D=1 REPS=5 NESTED=1 (0 skips the slow nested-grad run)
 *   STOCK_MATMUL_GRAD=1 (baseline: tfjs's stock BatchMatMul gradient)
 *   COMPARE_MATMUL_GRAD=1 (only: local energy + param gradient, stock vs installed matmul gradient, alternating)
 *   NQS_BACKEND=wasm|cpu|webgpu
 */
import { initBackend, perSampleJacobian, Rng, slogdetInverse, STOCK_MATMUL_GRADIENTS, tf, treeEntries, treeSize, withGradients, type ParamTree } from '../src/index.js';
import { initNet, localEnergyFL, nestedDerivatives, netFL, netLogAbs, type NetConfig } from '../src/__tests__/paper-net.js';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const c: NetConfig = { A: env('A', 6), H: env('H', 64), L: env('L', 2), D: env('D', 1) };
const B = env('B', 4096);
const REPS = env('REPS', 5);

const backend = await initBackend();
if (env('STOCK_MATMUL_GRAD', 0)) {
  // Baseline: tfjs's stock BatchMatMul gradient (transpose flags) instead of the installed one
  // (src/gradients.ts FAST_MATMUL_GRADIENTS: explicit transposes on wasm).
  for (const g of STOCK_MATMUL_GRADIENTS) tf.registerGradient(g);
  console.log('STOCK_MATMUL_GRAD: stock tfjs BatchMatMul gradient');
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
if (env('COMPARE_MATMUL_GRAD', 0)) {
  // Stock vs installed BatchMatMul gradient on "FL local energy + tf.grad w.r.t. all params",
  // alternating in one process (fair under a loaded machine); wall and CPU time (process.cpuUsage).
  const step = () => tf.grads((...ls: tf.Tensor[]) => tf.mean(localEnergyFL(c, rebuild(ls), x)))(leaves);
  const runs: Record<'stock' | 'installed', { wall: number[]; cpu: number[] }> = { stock: { wall: [], cpu: [] }, installed: { wall: [], cpu: [] } };
  for (let r = 0; r <= REPS; r++) {
    for (const which of ['stock', 'installed'] as const) {
      const go = async () => {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const out = step();
        await Promise.all(out.map((t) => t.data()));
        const cu = process.cpuUsage(c0);
        tf.dispose(out);
        if (r > 0) { runs[which].wall.push(performance.now() - t0); runs[which].cpu.push((cu.user + cu.system) / 1000); }
      };
      await (which === 'stock' ? withGradients(STOCK_MATMUL_GRADIENTS, go) : go());
    }
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  for (const [k, v] of Object.entries(runs)) console.log(`FL local energy + grad, ${k.padEnd(9)} matmul grad: wall ${med(v.wall).toFixed(0)} ms, CPU ${med(v.cpu).toFixed(0)} ms  (wall runs: ${v.wall.map((t) => t.toFixed(0)).join(', ')})`);
  console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}; tensors at end: ${tf.memory().numTensors}`);
  process.exit(0);
}
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
