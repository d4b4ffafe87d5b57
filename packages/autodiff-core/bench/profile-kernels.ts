/**
 * Per-kernel time profile (tf.profile) of the forward Laplacian, the plain forward pass or the
 * per-sample Jacobian on the paper network, B = 4096, A = 6, H = 64, L = 2 (wasm). Run from the repo root:
 *   npx tsx --conditions=source packages/autodiff-core/bench/profile-kernels.ts fl|plain|jac
 */
import { initBackend, Rng, slogdetInverse, tf, perSampleJacobian } from '../src/index.js';
import { initNet, netFL, netLogAbs, type NetConfig } from '../src/__tests__/paper-net.js';
await initBackend({ backend: 'wasm' });
const c: NetConfig = { A: 6, H: 64, L: 2, D: 1 };
const B = 4096;
const rng = new Rng(1);
const p = initNet(rng, c);
const x = tf.randomNormal([B, c.A], 0, 1, 'float32', 1) as tf.Tensor2D;
async function prof(name: string, fn: () => tf.TensorContainer) {
  tf.dispose(fn() as any); // warm
  const t0 = performance.now();
  const info = await tf.profile(() => fn() as tf.TensorContainer);
  const agg = new Map<string, { ms: number; n: number; shapes: string }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const a = agg.get(k.name) ?? { ms: 0, n: 0, shapes: '' };
    a.ms += ms; a.n++; if (ms > 15) a.shapes += ` ${JSON.stringify(k.inputShapes)}:${ms.toFixed(0)}`;
    agg.set(k.name, a);
  }
  console.log(`== ${name}: total ${(performance.now() - t0).toFixed(0)} ms, ${info.kernels.length} kernels`);
  [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10).forEach(([k, v]) => console.log(`  ${k.padEnd(16)} ${v.ms.toFixed(1).padStart(8)} ms  x${v.n} ${v.shapes.slice(0, 400)}`));
}
const which = process.argv[2] ?? 'fl';
if (which === 'fl') await prof('FL', () => { const r = netFL(c, p, x); return [r.logAbs, r.lap, r.grad, r.sign]; });
if (which === 'plain') await prof('plain', () => netLogAbs(c, p, x));
if (which === 'jac') await prof('jac', () => { const r = perSampleJacobian((q, xx, tr) => netLogAbs(c, q, xx, tr), p, x); return [r.value, r.jacobian]; });
