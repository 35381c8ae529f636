import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The test files of one mutation-testing group (`MUTATION_TESTS`, set by stryker.config.mjs), so
 * each mutant re-runs only the files that pin its module's rules. (Spread, not mergeConfig:
 * mergeConfig would append this list to the base one.)
 */
const files = process.env['MUTATION_TESTS']?.split(',').filter(Boolean) ?? [];
if (files.length === 0) throw new Error('vitest.mutation.config.ts is for npm run test:mutation (MUTATION_TESTS is empty)');

export default defineConfig({
  ...base,
  test: { ...base.test, include: files },
});
