/**
 * A worker thread of parallel verification (verify-parallel.ts). It opens its own read-only
 * connection to the SQLite file, so that reading rows (the larger cost) and hashing them both run
 * on every core, and the main thread only stitches ranges together. What it checks, and how, is
 * rangeChecker in verify-range.ts (tested from the sources); this module only opens the
 * connection and passes messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { type RangeTask, rangeChecker, type WorkerSetup } from './verify-range.js';

const setup = workerData as WorkerSetup;
const db = new BetterSqlite3(setup.file, { readonly: true, fileMustExist: true });
// A writer in another process may hold a lock briefly (the store sets the same).
db.pragma('busy_timeout = 5000');
const check = rangeChecker(setup, db);

parentPort?.on('message', (task: RangeTask) => parentPort?.postMessage(check(task)));
