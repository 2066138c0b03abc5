/**
 * For the crash test: a seeded random source (so kill moments replay) and a load generator that
 * keeps posting distinct admissions, re-sending a message whose gateway died under it, as a
 * trust's integration engine retries with the same MessageHeader.id.
 */
import { syntheticAdmission, syntheticNhsNumbers } from '../integration/multi-process-helpers.js';

/** mulberry32: small, seeded, good enough to spread kill moments. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Load {
  /** Every message made so far (its index is its number). */
  bodies: string[];
  /** The HTTP status each message finally got. */
  answered: Map<number, number>;
  /** Stop making new messages; resolves once every message made has an answer. */
  finish(): Promise<void>;
}

/** `lanes` concurrent senders to `url()` (read at each request: the gateway moves on restart). */
export function startLoad(url: () => string, authorization: string, lanes = 4): Load {
  const numbers = syntheticNhsNumbers();
  const bodies: string[] = [];
  const queue: number[] = [];
  const answered = new Map<number, number>();
  let loading = true;
  const lane = async () => {
    while (loading || queue.length > 0) {
      if (queue.length === 0) {
        bodies.push(syntheticAdmission(bodies.length, numbers.next().value as string));
        queue.push(bodies.length - 1);
      }
      const n = queue.shift() as number;
      try {
        const res = await fetch(`${url()}/fhir/$process-message`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/fhir+json' },
          body: bodies[n],
        });
        await res.arrayBuffer();
        answered.set(n, res.status);
      } catch {
        // The gateway died under it (or is restarting): send it again.
        queue.push(n);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const running = Promise.all(Array.from({ length: lanes }, lane));
  return {
    bodies,
    answered,
    finish: async () => {
      loading = false;
      await running;
    },
  };
}
