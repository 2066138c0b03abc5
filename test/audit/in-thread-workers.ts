/**
 * Verification workers run in this thread, from the sources: each one opens its own read-only
 * connection to the file and checks ranges with rangeChecker, exactly what verify-worker.ts does in
 * a worker thread (which Node can start only from the compiled dist/). Results are posted back
 * asynchronously, after a delay of the test's choosing (to make later ranges finish first), and a
 * result already on its way is still delivered after terminate, as a worker's queued message can be.
 */
import { EventEmitter } from 'node:events';
import BetterSqlite3 from 'better-sqlite3';
import type { RangeWorker, StartWorker } from '../../src/audit/verify-parallel.js';
import {
  type RangeResult,
  type RangeTask,
  rangeChecker,
  type WorkerSetup,
} from '../../src/audit/verify-range.js';

export interface InThreadWorkers {
  start: StartWorker;
  /** workerData of every worker started. */
  setups: WorkerSetup[];
  /** Every task handed out, in order, with the worker it went to. */
  tasks: Array<RangeTask & { worker: number }>;
  /** Every result posted back, in order. */
  results: RangeResult[];
  /** The most tasks one worker held unanswered at once. */
  maxInFlight: number;
  /** Tasks handed to a worker after it was terminated (never right). */
  afterTerminate: number;
  terminated: number;
}

export interface InThreadOptions {
  /** Milliseconds before the result of a task is posted (default 0). */
  delay?: (task: RangeTask) => number;
  /** Replace a result before it is posted (a worker that fails). */
  tamper?: (result: RangeResult, worker: EventEmitter) => RangeResult | undefined;
}

export function inThreadWorkers(options: InThreadOptions = {}): InThreadWorkers {
  const log: InThreadWorkers = {
    start: (setup) => startOne(setup),
    setups: [],
    tasks: [],
    results: [],
    maxInFlight: 0,
    afterTerminate: 0,
    terminated: 0,
  };
  const startOne = (setup: WorkerSetup): RangeWorker => {
    const index = log.setups.push(setup) - 1;
    const events = new EventEmitter();
    let check: ((task: RangeTask) => RangeResult) | undefined;
    let db: BetterSqlite3.Database | undefined;
    try {
      db = new BetterSqlite3(setup.file, { readonly: true, fileMustExist: true });
      check = rangeChecker(setup, db);
    } catch (err) {
      // A worker thread that cannot open the file fails as it starts: an 'error' event.
      setImmediate(() => events.emit('error', err));
    }
    let live = true;
    let inFlight = 0;
    const worker: RangeWorker = {
      postMessage(task) {
        if (!live) log.afterTerminate++;
        log.tasks.push({ ...task, worker: index });
        inFlight++;
        log.maxInFlight = Math.max(log.maxInFlight, inFlight);
        const answer = check?.(task);
        setTimeout(() => {
          inFlight--;
          const result = answer && (options.tamper ? options.tamper(answer, events) : answer);
          if (result === undefined) return;
          log.results.push(result);
          events.emit('message', result);
        }, options.delay?.(task) ?? 0);
      },
      on(event: string, listener: (value: never) => void) {
        events.on(event, listener as (value: unknown) => void);
        return worker;
      },
      async terminate() {
        if (live) log.terminated++;
        live = false;
        db?.close();
        return 0;
      },
    };
    return worker;
  };
  return log;
}
