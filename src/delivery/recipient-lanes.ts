/**
 * The worker's lanes (issue 17 point 5): the sends in flight, counted per recipient. A recipient
 * whose endpoint is slow or hangs fills only its own lane (DELIVERY_RECIPIENT_CONCURRENCY sends);
 * other recipients' rows are still claimed (claim.ts) and sent. There is no shared cap for a full
 * lane to exhaust: what is in flight at once is bounded by the lane size times the recipients.
 */
import type { DeliveryRow } from '../outbox/outbox.js';

export interface RecipientLanes {
  readonly size: number;
  /** Sends in flight per recipient now (recipients with none are absent). */
  busy(): ReadonlyMap<string, number>;
  /** Run `send` for `row` in its recipient's lane; `onFree` is called each time a lane frees up. */
  run(row: DeliveryRow, send: () => Promise<void>): Promise<void>;
  /** Resolves when every send in flight now has finished. */
  idle(): Promise<void>;
}

export function recipientLanes(size: number, onFree: () => void): RecipientLanes {
  const busy = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  return {
    size,
    busy: () => busy,
    run(row, send) {
      busy.set(row.recipient, (busy.get(row.recipient) ?? 0) + 1);
      const sending: Promise<void> = send()
        // `send` records its own failures (worker.ts); nothing here may reject or the lane leaks.
        .catch(() => undefined)
        .finally(() => {
          const left = (busy.get(row.recipient) ?? 1) - 1;
          if (left > 0) busy.set(row.recipient, left);
          else busy.delete(row.recipient);
          inFlight.delete(sending);
          onFree();
        });
      inFlight.add(sending);
      return sending;
    },
    idle: async () => {
      await Promise.all([...inFlight]);
    },
  };
}
