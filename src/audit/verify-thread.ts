/**
 * The main thread's side of a verification worker thread: where the compiled worker module is,
 * whether it is there, and starting one. Node starts a worker thread from compiled JavaScript
 * only, so this runs from dist/ (tested there by test/audit/verify-parallel.test.ts); it holds no
 * check of its own, which is why the mutation group leaves it out (stryker/audit.conf.mjs).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RangeWorker } from './verify-parallel.js';
import type { WorkerSetup } from './verify-range.js';

/** Compiled next to this module in dist/. Run from the TypeScript sources (vitest) it is absent. */
const WORKER_URL = new URL('./verify-worker.js', import.meta.url);
let workerPresent: boolean | undefined;

export function workerAvailable(): boolean {
  workerPresent ??= existsSync(fileURLToPath(WORKER_URL));
  return workerPresent;
}

/** A worker thread running verify-worker.js. */
export function startWorkerThread(setup: WorkerSetup): RangeWorker {
  // Every row makes short-lived strings: a small young generation keeps each worker's memory
  // down (about 5 MB less each, measured on 1,000,000 entries) at no cost in time.
  return new Worker(WORKER_URL, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
}
