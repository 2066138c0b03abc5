import { groupConfig } from './group.mjs';

// The egress policy (which addresses the gateway may connect to) and the delivery retry policy
// (which HTTP answers count as delivered, which are retried, how long to wait).
export default groupConfig('egress-delivery', {
  mutate: ['src/net/address-policy.ts', 'src/delivery/retry-policy.ts'],
  tests: [
    'test/reliability/ssrf.test.ts',
    'test/delivery/retry-policy.test.ts',
    'test/delivery/webhook-target.test.ts',
  ],
});
