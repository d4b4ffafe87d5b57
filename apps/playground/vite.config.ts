import { defineConfig } from 'vite';

/**
 * The playground imports the PUBLISHED @nqs packages (their dist/ via the exports' default
 * condition; Vite does not use the "source" condition), so `pnpm build` of the libraries must run
 * first (turbo: build dependsOn ^build). `base: './'` keeps the static build relocatable.
 */
export default defineConfig({
  base: './',
  worker: { format: 'es' },
  resolve: {
    // one tfjs instance for the app, the libraries and the backends
    dedupe: ['@tensorflow/tfjs-core', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu'],
  },
  // pre-bundle tfjs up front so that the dev server does not reload the page when a worker first
  // imports it (nested names: these are dependencies of the @nqs packages, not of the app)
  optimizeDeps: {
    include: ['@nqs/autodiff-core > @tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', '@nqs/vmc > ml-matrix'],
  },
  build: { target: 'es2022', outDir: 'dist', chunkSizeWarningLimit: 6000, sourcemap: false },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
