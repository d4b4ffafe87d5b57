/**
 * Micro-benchmark (not a test): a MatMul with transposeA/transposeB flags vs an explicit transpose
 * followed by a plain MatMul, for the shapes of the paper network and its gradients, and the whole
 * matmul gradient with the stock tfjs config vs the one installed by `src/gradients.ts`.
 * Run from the repo root:
 *   npx tsx --conditions=source packages/autodiff-core/bench/matmul-grad.ts
 * Knobs (env): B=4096 A=2,6 H=64 REPS=7 NQS_BACKEND=wasm|cpu|webgpu
 */
import { FAST_MATMUL_GRADIENTS, initBackend, STOCK_MATMUL_GRADIENTS, tf, withGradients } from '../src/index.js';

const B = Number(process.env.B ?? 4096);
const H = Number(process.env.H ?? 64);
const As = (process.env.A ?? '2,6').split(',').map(Number);
const REPS = Number(process.env.REPS ?? 7);
const backend = await initBackend();

/** Median wall time (ms) of `fn` over REPS runs after one warm-up, including an async read. */
async function time(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const ts: number[] = [];
  for (let r = 0; r <= REPS; r++) {
    const t0 = performance.now();
    const out = [fn()].flat();
    await Promise.all(out.map((t) => t.data()));
    const dt = performance.now() - t0;
    tf.dispose(out);
    if (r > 0) ts.push(dt);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)]!;
}

/** Swap the last two axes. */
const T = (t: tf.Tensor) => tf.transpose(t, [...Array.from({ length: t.rank - 2 }, (_, i) => i), t.rank - 1, t.rank - 2]);

/** The shapes as stored (before the flags apply). */
type Case = { name: string; a: number[]; b: number[]; tA: boolean; tB: boolean };

function cases(A: number): Case[] {
  const N = B * A;
  return [
    // dense layer [B·A, H]×[H, H] and its two gradient products
    { name: 'dense fwd      a·W', a: [N, H], b: [H, H], tA: false, tB: false },
    { name: 'dense dA       dy·Wᵀ', a: [N, H], b: [H, H], tA: false, tB: true },
    { name: 'dense dW       aᵀ·dy', a: [N, H], b: [N, H], tA: true, tB: false },
    { name: 'dense both ᵀ', a: [H, N], b: [H, H], tA: true, tB: true },
    // first layer from one coordinate (D = 1) or the mean field [B·A, 2H]
    { name: 'dense dW (2H)  aᵀ·dy', a: [N, 2 * H], b: [N, H], tA: true, tB: false },
    // Jacobian / KFAC outer products: per walker [A, H]ᵀ·[A, H] → [B, H, H]
    { name: 'jac outer      [B,A,H]ᵀ·[B,A,H]', a: [B, A, H], b: [B, A, H], tA: true, tB: false },
    // slogdet / FL log-det: batched [B, A, A]·[B, A, A] and its gradients
    { name: 'det fwd        [B,A,A]·[B,A,A]', a: [B, A, A], b: [B, A, A], tA: false, tB: false },
    { name: 'det d1         [B,A,A]·[B,A,A]ᵀ', a: [B, A, A], b: [B, A, A], tA: false, tB: true },
    { name: 'det d2         [B,A,A]ᵀ·[B,A,A]', a: [B, A, A], b: [B, A, A], tA: true, tB: false },
    // particle mean by a broadcast matmul: [1, R, A]ᵀ·[B, R, H] (its gradient w.r.t. the data)
    { name: 'pavg grad      [1,1,A]ᵀ·[B,1,H]', a: [1, 1, A], b: [B, 1, H], tA: true, tB: false },
    { name: 'pavg grad      [1,A,A]ᵀ·[B,A,H]', a: [1, A, A], b: [B, A, H], tA: true, tB: false },
  ];
}

console.log(`backend ${backend.name}; B=${B} H=${H} REPS=${REPS}; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`${'case'.padEnd(36)} ${'A'.padStart(2)} ${'flags ms'.padStart(9)} ${'explicit ms'.padStart(12)} ${'ratio'.padStart(6)}`);
for (const A of As) {
  for (const c of cases(A)) {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', 1);
    const b = tf.randomNormal(c.b, 0, 1, 'float32', 2);
    const flags = await time(() => tf.matMul(a, b, c.tA, c.tB));
    const explicit = await time(() => tf.tidy(() => tf.matMul(c.tA ? T(a) : a, c.tB ? T(b) : b)));
    console.log(`${c.name.padEnd(36)} ${String(A).padStart(2)} ${flags.toFixed(2).padStart(9)} ${explicit.toFixed(2).padStart(12)} ${(flags / explicit).toFixed(2).padStart(6)}`);
    tf.dispose([a, b]);
  }
}

// The whole gradient of Σ w ⊙ (a·b) w.r.t. a and b, stock config vs the installed one.
console.log(`\n${'gradient of Σ w⊙(a·b) w.r.t. a, b'.padEnd(36)} ${'A'.padStart(2)} ${'stock ms'.padStart(9)} ${'installed ms'.padStart(12)} ${'ratio'.padStart(6)}`);
for (const A of As) {
  const N = B * A;
  const gcases: Case[] = [
    { name: 'dense [B·A,H]·[H,H]', a: [N, H], b: [H, H], tA: false, tB: false },
    { name: 'det [B,A,A]·[B,A,A]', a: [B, A, A], b: [B, A, A], tA: false, tB: false },
    { name: 'jac [B,A,H]ᵀ·[B,A,H]', a: [B, A, H], b: [B, A, H], tA: true, tB: false },
  ];
  for (const c of gcases) {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', 1);
    const b = tf.randomNormal(c.b, 0, 1, 'float32', 2);
    const w = tf.tidy(() => tf.randomNormal(tf.matMul(a, b, c.tA, c.tB).shape, 0, 1, 'float32', 3));
    const g = () => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(w, tf.matMul(x, y, c.tA, c.tB))))([a, b]);
    const stock = await withGradients(STOCK_MATMUL_GRADIENTS, () => time(g));
    const installed = await withGradients(FAST_MATMUL_GRADIENTS, () => time(g));
    console.log(`${c.name.padEnd(36)} ${String(A).padStart(2)} ${stock.toFixed(2).padStart(9)} ${installed.toFixed(2).padStart(12)} ${(stock / installed).toFixed(2).padStart(6)}`);
    tf.dispose([a, b, w]);
  }
}
