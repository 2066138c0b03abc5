import { groupConfig } from './group.mjs';

// The egress policy (which addresses the gateway may connect to) and the delivery retry policy
// (which HTTP answers count as delivered, which are retried, how long to wait).
// Stryker runs the tests in worker threads, where a test cannot change the time zone: run them in
// one that is not UTC, so a date read as the host's local time (an asctime Retry-After) shows.
process.env.TZ = 'America/New_York';

export default groupConfig('egress-delivery', {
  mutate: ['src/net/address-policy.ts', 'src/delivery/retry-policy.ts'],
  tests: [
    'test/reliability/ssrf.test.ts',
    'test/delivery/retry-policy.test.ts',
    'test/delivery/webhook-target.test.ts',
  ],
});
