/**
 * What one database transaction may remember about itself (issue 11): the audit chain head it
 * has already locked and read, so a transaction appending several entries reads it once. Keyed
 * by the transaction object; the store clears it when the transaction (or, under SQLite's group
 * commit, one member's savepoint) rolls back, and when it ends.
 */
const scopes = new WeakMap<object, Map<symbol, unknown>>();

export function txScope(tx: object): Map<symbol, unknown> {
  let scope = scopes.get(tx);
  if (!scope) {
    scope = new Map();
    scopes.set(tx, scope);
  }
  return scope;
}

export function clearTxScope(tx: object): void {
  scopes.delete(tx);
}
