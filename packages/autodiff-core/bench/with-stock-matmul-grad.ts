/**
 * Baseline runner (not a test): runs a TypeScript entry point with tfjs's stock BatchMatMul
 * gradient (transpose flags) registered in place of the one `src/gradients.ts` installs, for
 * before/after timings of any script or the CLI. Run from the repo root, e.g.
 *   npx tsx --conditions=source packages/autodiff-core/bench/with-stock-matmul-grad.ts \
 *     packages/cli/src/bin.ts bench fermions --A 6 --walkers 4096 --epochs 3 --json
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { STOCK_MATMUL_GRADIENTS, tf } from '../src/index.js';

const entry = process.argv[2];
if (!entry) throw new Error('usage: with-stock-matmul-grad.ts ENTRY.ts [args…]');
for (const g of STOCK_MATMUL_GRADIENTS) tf.registerGradient(g);
process.stderr.write('with-stock-matmul-grad: stock tfjs BatchMatMul gradient registered\n');
process.argv.splice(1, 2, resolve(entry)); // the entry sees its own argv
await import(pathToFileURL(resolve(entry)).href);
