import { randomUUID } from 'node:crypto';

/** The one id generator; replaceable in tests (design.md, Conventions). */
export interface Ids {
  next(): string;
}

export const uuidIds: Ids = { next: () => randomUUID() };

/** Deterministic ids for tests: prefix-1, prefix-2, ... */
export function sequentialIds(prefix = 'id'): Ids {
  let n = 0;
  return { next: () => `${prefix}-${++n}` };
}
