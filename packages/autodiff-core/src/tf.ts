/**
 * The one place nqs loads tfjs. Importing `@tensorflow/tfjs` registers the gradients and the cpu
 * backend (importing only tfjs-core registers no gradients in Node); the wasm backend registers
 * itself on import. Everything else in nqs imports `tf` from here or from tfjs-core.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
// Nested-safe gradients (Tanh, Sigmoid, Exp, …) replace the stock ones that read saved outputs.
import './gradients.js';

export { tf };
