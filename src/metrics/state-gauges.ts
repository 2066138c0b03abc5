/**
 * Gauges of state, computed from the database when Prometheus scrapes (collect callbacks), so
 * every gateway process reports the same, correct numbers however many share the store
 * (aggregate them with max(), not sum(): README, Operating). One read serves a whole scrape.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Registry as PartnerRegistry } from '../config/registry-types.js';
import { agreementEnds, EXPIRY_WARNING_DAYS, endingAgreements } from '../operations/agreement-expiry.js';
import { type OperationsState, operationsState } from '../operations/state.js';
import type { Store } from '../store/index.js';

export interface StateSource {
  store: Store;
  registry: PartnerRegistry;
  clock: Clock;
  /** A failed read is reported here (logged) and shows as homeward_state_up 0. */
  onError?: (err: unknown) => void;
}

export function registerStateGauges(registry: Registry, source: StateSource): void {
  const registers = [registry];
  // prom-client starts every collect of a scrape in the same tick: they share the read in flight,
  // and the next scrape reads again.
  let inFlight: Promise<OperationsState | undefined> | undefined;
  const read = (): Promise<OperationsState | undefined> => {
    inFlight ??= operationsState(source.store.db, source.clock.now())
      .catch((err: unknown) => {
        source.onError?.(err);
        return undefined;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  /** A gauge filled from that read; label sets gone from the store are dropped at each scrape. */
  const stateGauge = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    fill: (g: Gauge<L>, s: OperationsState) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const s = await read();
        this.reset();
        if (s) fill(this, s);
      },
    });

  new Gauge({
    name: 'homeward_state_up',
    help: 'Whether the state gauges could be read from the database at this scrape (1) or not (0)',
    registers,
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
  stateGauge(
    'homeward_outbox_depth',
    'Deliveries not yet delivered (pending or in flight), by channel',
    ['channel'],
    (g, s) => {
      for (const c of s.outbox) g.set({ channel: c.channel }, c.depth);
    },
  );
  stateGauge(
    'homeward_outbox_oldest_age_seconds',
    'Age of the oldest delivery not yet delivered, by channel (0 when none)',
    ['channel'],
    (g, s) => {
      const now = source.clock.now().getTime();
      for (const c of s.outbox) {
        const age = c.oldestQueuedAt ? Math.max(0, (now - Date.parse(c.oldestQueuedAt)) / 1000) : 0;
        g.set({ channel: c.channel }, age);
      }
    },
  );
  stateGauge('homeward_referrals', 'Referrals by type and status', ['type', 'status'], (g, s) => {
    for (const r of s.referrals) g.set({ type: r.type, status: r.status }, r.count);
  });
  stateGauge(
    'homeward_referrals_overdue',
    'Referrals past their SLA due time without an answer',
    [],
    (g, s) => {
      g.set(s.overdue);
    },
  );
  stateGauge('homeward_deliveries_failed', 'Dead-lettered deliveries waiting for a replay', [], (g, s) => {
    g.set(s.failedDeliveries);
  });
  // From the partner registry: no database read needed. A timestamp in seconds, not "days to end"
  // (issue 21 item 8): Prometheus naming wants base units, and a timestamp stays put between
  // scrapes (time left: `homeward_agreement_end_timestamp_seconds - time()`).
  new Gauge({
    name: 'homeward_agreement_end_timestamp_seconds',
    help: 'When the agreement version in force stops being in force (end of its last day in England), Unix time; only agreements with an end date and no next version',
    labelNames: ['agreement'],
    registers,
    collect() {
      this.reset();
      for (const a of agreementEnds(source.registry, source.clock.now()))
        this.set({ agreement: a.id }, a.endsAt.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'homeward_agreements_ending_soon',
    help: `Agreements ending within ${EXPIRY_WARNING_DAYS} days with no next version`,
    registers,
    collect() {
      this.set(endingAgreements(source.registry, source.clock.now()).length);
    },
  });
}
