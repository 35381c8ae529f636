// Mutation testing of the modules that hold the security rules (`npm run test:mutation`).
// Not part of CI: a full run takes a long while on two cores. Scores are recorded in README.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/auth/token.ts',
    'src/auth/token-cache.ts',
    'src/auth/policy.ts',
    'src/graphql/guards.ts',
    'src/graphql/directives.ts',
    'src/services/membership.ts',
  ],
  coverageAnalysis: 'perTest',
  // Messages and descriptions are not rules; their strings are not mutated (the rules' own
  // comparisons are mutated by the equality, conditional and logical mutators).
  mutator: { excludedMutations: ['StringLiteral'] },
  // The first run collects per-test coverage over real HTTP tests; give it time on a busy machine.
  dryRunTimeoutMinutes: 30,
  // Mutants only change code in these files; the compiler is not asked again for each.
  disableTypeChecks: true,
  checkers: [],
  concurrency: 2,
  timeoutMS: 20_000,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: 85 },
};
