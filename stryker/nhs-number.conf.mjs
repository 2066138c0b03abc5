import { groupConfig } from './group.mjs';

export default groupConfig('nhs-number', {
  mutate: ['src/fhir/nhs-number.ts'],
  tests: ['test/fhir/nhs-number.test.ts'],
});
