/**
 * Browser backend selection for the training worker: WebGPU → WebGL → wasm → cpu, skipping
 * software GPUs (SwiftShader, llvmpipe: wasm is faster there). The wasm binaries are imported as
 * asset URLs so that Vite serves them (dev) and copies them into dist/ (build).
 */
import { tf, initBackend } from '@nqs/autodiff-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendInfo, BackendPref } from './protocol.js';

/** Thrown when no backend (or not the requested one) can be started; shown in the page. */
export class PlaygroundBackendInputError extends Error {
  override readonly name = 'PlaygroundBackendInputError';
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|basic render/i;

setWasmPaths({
  'tfjs-backend-wasm.wasm': new URL(wasmPlain, self.location.href).href,
  'tfjs-backend-wasm-simd.wasm': new URL(wasmSimd, self.location.href).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL(wasmThreadedSimd, self.location.href).href,
});

async function tryWebGPU(auto: boolean): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return 'navigator.gpu is missing (no WebGPU in this browser)';
  const adapter = (await gpu.requestAdapter()) as { info?: { description?: string; device?: string; isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean } | null;
  if (!adapter) return 'no WebGPU adapter';
  const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  if (auto && (fallback || SOFTWARE.test(`${adapter.info?.description ?? ''} ${adapter.info?.device ?? ''}`))) return 'software WebGPU adapter (wasm is faster)';
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) return "tf.setBackend('webgpu') failed";
  await tf.ready();
  return null;
}

function webglRenderer(): string {
  try {
    const canvas = new OffscreenCanvas(1, 1);
    const gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null;
    if (!gl) return '';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const r = ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return r || 'unknown renderer';
  } catch {
    return '';
  }
}

async function tryWebGL(auto: boolean): Promise<string | null> {
  if (typeof OffscreenCanvas === 'undefined') return 'OffscreenCanvas is missing (WebGL needs it in a worker)';
  const renderer = webglRenderer();
  if (!renderer) return 'no WebGL2 context';
  if (auto && SOFTWARE.test(renderer)) return `software WebGL (${renderer}; wasm is faster)`;
  if (!(await tf.setBackend('webgl'))) return "tf.setBackend('webgl') failed";
  await tf.ready();
  if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')) return 'WebGL cannot render float32 (precision too low)';
  return null;
}

async function tryWasm(): Promise<string | null> {
  try {
    await initBackend({ backend: 'wasm' });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

async function tryCpu(): Promise<string | null> {
  if (!(await tf.setBackend('cpu'))) return "tf.setBackend('cpu') failed";
  await tf.ready();
  return null;
}

/** Start the preferred backend (or the first that works for 'auto'). */
export async function chooseBackend(pref: BackendPref): Promise<BackendInfo> {
  const order: Exclude<BackendPref, 'auto'>[] = pref === 'auto' ? ['webgpu', 'webgl', 'wasm', 'cpu'] : [pref];
  const auto = pref === 'auto';
  const skipped: { name: string; why: string }[] = [];
  for (const name of order) {
    let why: string | null;
    try {
      why = name === 'webgpu' ? await tryWebGPU(auto) : name === 'webgl' ? await tryWebGL(auto) : name === 'wasm' ? await tryWasm() : await tryCpu();
    } catch (e) {
      why = (e as Error).message || String(e);
    }
    if (why === null) {
      let extra = '';
      if (name === 'wasm') {
        const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT').catch(() => false);
        const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT').catch(() => false);
        extra = ` (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'threads' : 'one thread'})`;
      }
      return { name, reason: (auto ? (skipped.length ? `automatic; ${skipped.map((s) => s.name).join(', ')} unavailable` : 'automatic') : 'requested') + extra, skipped };
    }
    skipped.push({ name, why });
  }
  throw new PlaygroundBackendInputError(`no backend could be started: ${skipped.map((s) => `${s.name}: ${s.why}`).join('; ')}`);
}
