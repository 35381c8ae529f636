// Mutation testing of the modules that hold the security rules (`npm run test:mutation`).
// Not part of CI: it is slow on two cores. Scores are recorded in README.md.
//
// The modules are tested in groups, each with only the test files that pin its rules: every
// mutant re-runs the files covering it, and a real-HTTP file costs a server start each time.
const groups = {
  policy: {
    mutate: ['src/auth/policy.ts'],
    tests: ['test/policy.test.ts', 'test/directives.test.ts'],
  },
  directives: {
    mutate: ['src/graphql/guards.ts', 'src/graphql/directives.ts'],
    tests: ['test/directives.test.ts', 'test/policy.test.ts'],
  },
  tokens: {
    mutate: ['src/auth/token.ts', 'src/auth/token-cache.ts'],
    tests: ['test/token.test.ts', 'test/token-cache.test.ts', 'test/auth.test.ts', 'test/hardening/tokens.test.ts', 'test/cache.test.ts'],
  },
  memberships: {
    mutate: ['src/services/membership.ts'],
    tests: ['test/membership.test.ts', 'test/policy.test.ts'],
  },
};

const name = process.env.MUTATION_GROUP ?? 'policy';
const group = groups[name];
// A narrowed run (one module) reports under its own name so it does not overwrite the group's.
const report = process.env.MUTATION_REPORT || name;
if (!group) throw new Error(`MUTATION_GROUP must be one of ${Object.keys(groups).join(', ')}`);
// Read by vitest.mutation.config.ts in Stryker's test-runner processes, which inherit it. A
// MUTATION_TESTS already set narrows a run to fewer files (with --mutate on one module).
process.env.MUTATION_TESTS ||= group.tests.join(',');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: group.mutate,
  coverageAnalysis: 'perTest',
  // Messages and descriptions are not rules; their strings are not mutated (the rules' own
  // comparisons are mutated by the equality, conditional and logical mutators).
  mutator: { excludedMutations: ['StringLiteral'] },
  // The first run collects per-test coverage over real HTTP tests; give it time on a busy machine.
  dryRunTimeoutMinutes: 15,
  disableTypeChecks: true,
  checkers: [],
  concurrency: 2,
  timeoutMS: 20_000,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
  tempDirName: `.stryker-tmp/${report}`,
  // Other runs' sandboxes (runs of different modules may go side by side) and local data are not
  // part of the project copy a run works in.
  ignorePatterns: ['/.stryker-tmp', '/reports', '/data', '/coverage', '/dist'],
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: 85 },
};
