import { groupConfig } from './group.mjs';

// The intake tests reach the check through the profiles' `nhs-number` format (profiles.ts) and
// parsePatient (parse-event.ts: the identifier chosen, the verification status read).
export default groupConfig('nhs-number', {
  mutate: ['src/fhir/nhs-number.ts'],
  tests: [
    'test/fhir/nhs-number.test.ts',
    'test/ingest/check-message.test.ts',
    'test/ingest/envelope.test.ts',
    'test/ingest/event-content.test.ts',
    'test/ingest/parse-event.test.ts',
    'test/ingest/profiles.test.ts',
    'test/ingest/remote-references.test.ts',
  ],
});
