import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '@nqs/autodiff-core';
import { countSyncReads } from '../index.js';

describe('countSyncReads', () => {
  it('counts dataSync/arraySync and not the async reads, and restores the prototype', async () => {
    await initBackend({ backend: 'wasm' });
    const original = tf.Tensor.prototype.dataSync;
    const x = tf.tensor1d([1, 2, 3]);
    const asyncOnly = await countSyncReads(async () => {
      const y = tf.tidy(() => x.square().sum());
      const v = await y.data();
      y.dispose();
      return v[0];
    });
    expect(asyncOnly.result).toBe(14);
    expect(asyncOnly.syncReads).toBe(0);
    const sync = await countSyncReads(() => {
      const a = x.dataSync()[0]!;
      const b = (x.arraySync() as number[])[1]!;
      return a + b;
    });
    expect(sync.result).toBe(3);
    expect(sync.syncReads).toBe(2);
    expect(sync.sites[0]).toMatch(/sync-reads\.test\.ts/);
    expect(tf.Tensor.prototype.dataSync).toBe(original);
    x.dispose();
  });
});
