import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '@nqs/autodiff-core';
import { createWebGPUProvider, findVulkanLoader, lastWebGPUProbe, registerWebGPU } from '../index.js';

/*
 * Runs on the real machine. Without a hardware GPU adapter (the CI/dev machines of this project)
 * the provider must say no without throwing and initBackend must fall back to wasm, naming why.
 * On a GPU machine with the Vulkan driver the same test checks that WebGPU is chosen and computes.
 */
describe('WebGPU provider on this machine', () => {
  it('answers cleanly and initBackend picks webgpu only when a hardware adapter exists', async () => {
    delete process.env.NQS_BACKEND;
    registerWebGPU();
    const choice = await initBackend();
    const probe = lastWebGPUProbe();
    expect(probe).not.toBeNull();
    expect(probe!.reason.length).toBeGreaterThan(10);
    if (probe!.ok) {
      expect(choice.name).toBe('webgpu');
      const y = tf.tidy(() => tf.tensor1d([1, 2, 3]).square().sum());
      expect(Array.from(await y.data())).toEqual([14]);
      y.dispose();
    } else {
      expect(choice.name).toBe('wasm');
      const skipped = choice.skipped.find((s) => s.name === 'webgpu');
      expect(skipped).toBeDefined();
      expect(choice.reason).toMatch(/webgpu/);
      if (process.platform === 'linux' && findVulkanLoader() === null) {
        expect(probe!.reason).toMatch(/libvulkan\.so\.1 not found/);
      }
    }
  });

  it('an explicit NQS_BACKEND=webgpu without a GPU fails with a named error, not a crash', async () => {
    const probe = await createWebGPUProvider()();
    if (probe) return expect(tf.engine().registryFactory.webgpu).toBeDefined();
    await expect(initBackend({ backend: 'webgpu' })).rejects.toThrow(/could not be started/);
    // the previously chosen backend still works
    const y = tf.tidy(() => tf.scalar(3).mul(2));
    expect(await y.data()).toEqual(new Float32Array([6]));
    y.dispose();
  });
});
