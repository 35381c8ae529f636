import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests that pin the security rules, for `npm run test:mutation` (StrykerJS). Only these run
 * for each mutant, so a run stays within its time bound on a small machine.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: [
        'test/policy.test.ts',
        'test/directives.test.ts',
        'test/auth.test.ts',
        'test/cache.test.ts',
        'test/membership.test.ts',
        'test/hardening/tokens.test.ts',
      ],
    },
  }),
);
