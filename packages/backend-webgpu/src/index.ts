/**
 * @nqs/backend-webgpu — the optional GPU path of nqs. Registers a provider with
 * `@nqs/autodiff-core` that starts Dawn (the `webgpu` npm package) and the tfjs `webgpu` backend
 * when a hardware adapter exists; `initBackend()` then prefers it and falls back to wasm otherwise.
 *
 * ```ts
 * import { registerWebGPU } from '@nqs/backend-webgpu';
 * import { initBackend } from '@nqs/autodiff-core';
 * registerWebGPU();
 * const choice = await initBackend(); // { name: 'webgpu' | 'wasm' | ..., reason, skipped }
 * ```
 */
export {
  registerWebGPU,
  createWebGPUProvider,
  lastWebGPUProbe,
  releaseWebGPU,
  findVulkanLoader,
  WebGPUSyncReadInputError,
} from './provider.js';
export { countSyncReads } from './sync-reads.js';
export type { SyncReadReport } from './sync-reads.js';
export type { WebGPUOptions, WebGPUProbe, AdapterSummary, DawnModule, GpuLike } from './provider.js';
