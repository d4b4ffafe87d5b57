import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '@nqs/autodiff-core';
import { createWebGPUProvider, lastWebGPUProbe, type DawnModule } from '../index.js';

/** A stand-in for Dawn: `create()` returns a GPU whose adapter has the given info (or none). */
function fakeDawn(info: Record<string, unknown> | null, onCreate?: (opts: string[]) => void): DawnModule {
  return {
    create(opts: string[]) {
      onCreate?.(opts);
      return {
        async requestAdapter() {
          if (!info) return null;
          return {
            info,
            features: new Set<string>(),
            limits: { maxBufferSize: 1 << 28 },
            async requestDevice() {
              throw new Error('fake device');
            },
          };
        },
      };
    },
  };
}

const haveLoader = () => '/fake/libvulkan.so.1';

describe('WebGPU provider decisions (fake Dawn)', () => {
  it('missing Vulkan loader: false with the reason, Dawn never loaded', async () => {
    let loaded = false;
    const ok = await createWebGPUProvider({
      findVulkanLoader: () => null,
      loadDawn: async () => {
        loaded = true;
        return fakeDawn({ vendor: 'nvidia' });
      },
    })();
    if (process.platform === 'linux') {
      expect(ok).toBe(false);
      expect(loaded).toBe(false);
      expect(lastWebGPUProbe()!.reason).toMatch(/libvulkan\.so\.1 not found/);
    }
  });

  it('native module that fails to load: false, one-line reason, no throw', async () => {
    const ok = await createWebGPUProvider({
      findVulkanLoader: haveLoader,
      loadDawn: async () => {
        throw new Error('libEGL.so.1: cannot open shared object file\n    at stack line');
      },
    })();
    expect(ok).toBe(false);
    const r = lastWebGPUProbe()!.reason;
    expect(r).toMatch(/failed to load: libEGL\.so\.1: cannot open shared object file$/);
    expect(r).not.toMatch(/\n/);
  });

  it('no adapter: false, and the Dawn options are passed through', async () => {
    let seen: string[] = [];
    const ok = await createWebGPUProvider({
      findVulkanLoader: haveLoader,
      dawnOptions: ['backend=vulkan'],
      loadDawn: async () => fakeDawn(null, (o) => (seen = o)),
    })();
    expect(ok).toBe(false);
    expect(seen).toEqual(['backend=vulkan']);
    expect(lastWebGPUProbe()!.reason).toMatch(/no GPU adapter/);
  });

  it('software adapters (SwiftShader, llvmpipe, fallback flag) are refused', async () => {
    for (const info of [{ vendor: 'google', description: 'SwiftShader Device (Subzero)' }, { vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, { isFallbackAdapter: true, vendor: 'x' }]) {
      const ok = await createWebGPUProvider({ findVulkanLoader: haveLoader, loadDawn: async () => fakeDawn(info) })();
      expect(ok).toBe(false);
      expect(lastWebGPUProbe()!.reason).toMatch(/software adapter/);
    }
  });

  it('hardware adapter: registers the tfjs webgpu backend; a device failure surfaces at setBackend', async () => {
    await initBackend({ backend: 'wasm' });
    expect(tf.engine().registryFactory.webgpu).toBeUndefined();
    const ok = await createWebGPUProvider({
      findVulkanLoader: haveLoader,
      loadDawn: async () => fakeDawn({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' }),
    })();
    expect(ok).toBe(true);
    const probe = lastWebGPUProbe()!;
    expect(probe.reason).toMatch(/hardware adapter nvidia \/ hopper \/ NVIDIA H100/);
    expect(tf.engine().registryFactory.webgpu).toBeDefined();
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeDefined();
    // the fake adapter cannot make a device: tfjs reports the failure (setBackend resolves false)
    const warn = console.warn;
    console.warn = () => {};
    try {
      expect(await tf.setBackend('webgpu')).toBe(false);
    } finally {
      console.warn = warn;
    }
    // tfjs leaves its backend name at 'webgpu' after a failed init; switching back must work
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(await tf.scalar(2).square().data()).toEqual(new Float32Array([4]));
  });

  it('a software adapter is accepted with allowSoftware (after the hardware case registered the backend)', async () => {
    const ok = await createWebGPUProvider({
      findVulkanLoader: haveLoader,
      allowSoftware: true,
      loadDawn: async () => fakeDawn({ vendor: 'mesa', device: 'llvmpipe' }),
    })();
    expect(ok).toBe(true);
    expect(lastWebGPUProbe()!.adapter?.device).toBe('llvmpipe');
  });
});
