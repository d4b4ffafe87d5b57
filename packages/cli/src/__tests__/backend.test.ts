import { describe, expect, it } from 'vitest';
import { tf } from '@nqs/autodiff-core';
import { setupBackend } from '../backend.js';

/*
 * On this project's machines there is no GPU: NQS_BACKEND=webgpu must fail with the probe's reason
 * (one clean error), and the automatic order must land on wasm and name why webgpu was skipped.
 * On a GPU machine the automatic order must choose webgpu.
 */
describe('setupBackend', () => {
  it('explicit webgpu either starts or fails with the reason; automatic order falls back', async () => {
    delete process.env.NQS_BACKEND;
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stderr.write;
    let explicitError: Error | null = null;
    try {
      await setupBackend({ backend: 'webgpu', quiet: true }).catch((e: Error) => (explicitError = e));
      if (explicitError) {
        expect((explicitError as Error).name).toBe('BackendInputError');
        expect((explicitError as Error).message).toMatch(/^backend 'webgpu' could not be started: \S/);
        expect((explicitError as Error).message).not.toMatch(/found no usable device/);
        const choice = await setupBackend();
        expect(choice.name).toBe('wasm');
        const w = choice.skipped.find((s) => s.name === 'webgpu');
        expect(w?.why).toBe((explicitError as Error).message.replace("backend 'webgpu' could not be started: ", ''));
        expect(lines.join('')).toMatch(/^backend: wasm — automatic .*; skipped webgpu: /m);
      }
    } finally {
      process.stderr.write = write;
    }
    const y = tf.tidy(() => tf.tensor1d([1, 2]).mul(3).sum());
    expect(await y.data()).toEqual(new Float32Array([9]));
    y.dispose();
  });
});
