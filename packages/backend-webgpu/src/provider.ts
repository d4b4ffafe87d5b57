import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, registerBackendProvider } from '@nqs/autodiff-core';

/*
 * Minimal structural types for the parts of WebGPU this package touches. They are declared here
 * (instead of pulling in @webgpu/types) so that the package type-checks, and its users build,
 * whether or not the optional native module is installed.
 */

/** Identification strings of a WebGPU adapter (`GPUAdapter.info`); any may be empty. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

interface GpuAdapterLike {
  info?: Partial<AdapterSummary> & { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: object): Promise<GpuDeviceLike>;
}

interface GpuDeviceLike {
  destroy?: () => void;
}

/** The `GPU` object Dawn creates (`navigator.gpu` in a browser). */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power'; forceFallbackAdapter?: boolean }): Promise<unknown>;
}

/** What `import('webgpu')` gives: `create(dawnOptions)` returns a {@link GpuLike}. */
export interface DawnModule {
  create(options: string[]): GpuLike;
}

/** Outcome of one probe for a usable WebGPU device. */
export interface WebGPUProbe {
  /** True when a hardware adapter was found and the tfjs webgpu backend is registered. */
  ok: boolean;
  /** One line: what was found, or why WebGPU is not usable (e.g. "Vulkan loader libvulkan.so.1 not found"). */
  reason: string;
  /** The adapter that was found (also set when it was rejected as a software adapter). */
  adapter?: AdapterSummary;
}

/** A synchronous read (`dataSync`, `arraySync`, `bufferSync`) of a tensor that lives on the GPU. */
export class WebGPUSyncReadInputError extends Error {
  override readonly name = 'WebGPUSyncReadInputError';
}

/** Options of {@link createWebGPUProvider} and {@link registerWebGPU}. */
export interface WebGPUOptions {
  /** Options passed to Dawn's `create()` (e.g. `['backend=vulkan']`); default none. */
  dawnOptions?: string[];
  /** Accept a software adapter (SwiftShader, llvmpipe/lavapipe); default false, or `NQS_WEBGPU_ALLOW_SOFTWARE=1`. */
  allowSoftware?: boolean;
  /** Adapter power preference; default `'high-performance'`. */
  powerPreference?: 'high-performance' | 'low-power';
  /** Replaces `import('webgpu')` (tests inject a fake Dawn here). */
  loadDawn?: () => Promise<DawnModule>;
  /**
   * Returns where the Vulkan loader is (any non-empty string) or null when it is missing. Linux
   * only; default looks in `LD_LIBRARY_PATH`, `/etc/ld.so.cache` and the usual library folders.
   * Checking first keeps Dawn from printing its native "Couldn't load Vulkan" warning.
   */
  findVulkanLoader?: () => string | null;
}

/** Dynamic import through a variable so that tsc and bundlers leave the optional module alone. */
async function optionalImport(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

const LIB_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/lib64',
  '/usr/lib',
  '/lib',
  '/usr/local/lib',
];

/**
 * Where the Vulkan loader `libvulkan.so.1` is on this Linux machine, or null when the dynamic linker
 * would not find it (looks in `LD_LIBRARY_PATH`, `/etc/ld.so.cache`, then the usual folders).
 */
export function findVulkanLoader(): string | null {
  const name = 'libvulkan.so.1';
  for (const dir of (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  try {
    if (readFileSync('/etc/ld.so.cache').includes(name)) return `${name} (ld.so.cache)`;
  } catch {
    /* no cache: fall through to the folders */
  }
  for (const dir of LIB_DIRS) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim();
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render/i;

function summarise(adapter: GpuAdapterLike): AdapterSummary {
  const info = adapter.info ?? {};
  return {
    vendor: String(info.vendor ?? ''),
    architecture: String(info.architecture ?? ''),
    device: String(info.device ?? ''),
    description: String(info.description ?? ''),
  };
}

function describe(a: AdapterSummary): string {
  return [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unnamed adapter';
}

/** Make `navigator.gpu` the Dawn GPU object (tfjs-backend-webgpu reads it on import and on init). */
function installNavigatorGpu(gpu: GpuLike): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator && typeof g.navigator === 'object') {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

interface WebGPUBackendCtor {
  new (device: GpuDeviceLike, adapterInfo?: object): tf.KernelBackend;
}

let lastProbe: WebGPUProbe | null = null;
let liveDevice: GpuDeviceLike | null = null;

/** The result of the most recent provider run in this process, or null if none ran yet. */
export function lastWebGPUProbe(): WebGPUProbe | null {
  return lastProbe;
}

/**
 * Build the provider that @nqs/autodiff-core's `initBackend` calls when it tries `webgpu`. The
 * provider resolves to true after registering the tfjs `webgpu` backend on a hardware adapter, and to
 * false (never throws, prints nothing) when the Vulkan loader or the native `webgpu` module is
 * missing, Dawn finds no adapter, or only a software adapter exists. The reason is kept in
 * {@link lastWebGPUProbe}.
 */
export function createWebGPUProvider(opts: WebGPUOptions = {}): () => Promise<boolean> {
  return async () => {
    lastProbe = await probe(opts);
    return lastProbe.ok;
  };
}

async function probe(opts: WebGPUOptions): Promise<WebGPUProbe> {
  const fail = (reason: string, adapter?: AdapterSummary): WebGPUProbe => ({ ok: false, reason, ...(adapter ? { adapter } : {}) });
  if (process.platform === 'linux') {
    const loader = (opts.findVulkanLoader ?? findVulkanLoader)();
    if (!loader) return fail('Vulkan loader libvulkan.so.1 not found (install libvulkan1 and the GPU driver; see @nqs/backend-webgpu README)');
  }
  let dawn: DawnModule;
  try {
    dawn = opts.loadDawn ? await opts.loadDawn() : ((await optionalImport('webgpu')) as DawnModule);
    if (typeof dawn?.create !== 'function') return fail("the 'webgpu' module has no create() function");
  } catch (e) {
    return fail(`native module 'webgpu' (Dawn) failed to load: ${firstLine(e)}`);
  }
  let gpu: GpuLike;
  let adapter: GpuAdapterLike | null;
  try {
    gpu = dawn.create(opts.dawnOptions ?? []);
    adapter = (await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' })) as GpuAdapterLike | null;
  } catch (e) {
    return fail(`Dawn could not enumerate adapters: ${firstLine(e)}`);
  }
  if (!adapter) return fail('Dawn found no GPU adapter (no Vulkan driver/ICD for a GPU? check `vulkaninfo --summary` and VK_DRIVER_FILES)');
  const summary = summarise(adapter);
  const software = adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(describe(summary));
  const allowSoftware = opts.allowSoftware ?? process.env.NQS_WEBGPU_ALLOW_SOFTWARE === '1';
  if (software && !allowSoftware) return fail(`only a software adapter was found (${describe(summary)})`, summary);

  installNavigatorGpu(gpu);
  let ctor: WebGPUBackendCtor;
  try {
    const mod = (await optionalImport('@tensorflow/tfjs-backend-webgpu')) as { WebGPUBackend?: WebGPUBackendCtor };
    if (typeof mod.WebGPUBackend !== 'function') return fail('@tensorflow/tfjs-backend-webgpu exports no WebGPUBackend', summary);
    ctor = mod.WebGPUBackend;
  } catch (e) {
    return fail(`@tensorflow/tfjs-backend-webgpu failed to load: ${firstLine(e)}`, summary);
  }
  // The package registered a factory of its own on import (it asks navigator.gpu for a second
  // adapter); ours reuses the adapter found above and keeps the device so it can be released.
  const engine = tf.engine();
  if (engine.registryFactory.webgpu && !engine.registry.webgpu) tf.removeBackend('webgpu');
  if (!engine.registryFactory.webgpu) {
    tf.registerBackend('webgpu', () => createBackend(ctor, adapter!), 3);
  }
  return { ok: true, reason: `hardware adapter ${describe(summary)}`, adapter: summary };
}

const LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

async function createBackend(ctor: WebGPUBackendCtor, adapter: GpuAdapterLike): Promise<tf.KernelBackend> {
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMITS) if (typeof adapter.limits[k] === 'number') requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  liveDevice = device;
  const backend = new ctor(device, adapter.info);
  guardSyncReads(backend);
  return backend;
}

/**
 * tfjs-backend-webgpu implements synchronous reads with an OffscreenCanvas, which Node lacks; turn
 * the resulting ReferenceError into a clear error that names the fix. Values already on the CPU
 * (small tensors kept there, or data read before) still read synchronously.
 */
function guardSyncReads(backend: tf.KernelBackend): void {
  const b = backend as unknown as { readSync(id: object): unknown; tensorMap?: { get(id: object): { values?: unknown; dtype?: string } | undefined } };
  const original = b.readSync.bind(backend);
  b.readSync = (dataId: object) => {
    const d = b.tensorMap?.get(dataId);
    if (d && (d.values != null || d.dtype === 'string')) return original(dataId);
    throw new WebGPUSyncReadInputError(
      'synchronous read (dataSync/arraySync/bufferSync) of a GPU tensor on the webgpu backend is not supported in Node; use `await tensor.data()` / `await tensor.array()`',
    );
  };
}

/**
 * Register the WebGPU provider with @nqs/autodiff-core so that `initBackend()` tries WebGPU first
 * (or uses it for `NQS_BACKEND=webgpu`). Cheap and synchronous: nothing native is loaded until the
 * provider runs. Call it once, before `initBackend()`.
 */
export function registerWebGPU(opts: WebGPUOptions = {}): void {
  registerBackendProvider('webgpu', createWebGPUProvider(opts));
}

/**
 * Remove the tfjs `webgpu` backend (if it was created) and destroy the Dawn device so the process
 * can exit promptly. Tensors on that backend are lost. Safe to call when WebGPU was never used.
 */
export function releaseWebGPU(): void {
  if (tf.engine().registry.webgpu) tf.removeBackend('webgpu');
  try {
    liveDevice?.destroy?.();
  } finally {
    liveDevice = null;
  }
}
