import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql ships both .mjs and .js builds; Vite would load the ESM one for our code while
    // @graphql-tools and Apollo require() the CommonJS one, and graphql-js refuses objects from
    // "another realm". One build for everyone.
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start real HTTP servers on loopback and compile nothing; a few seconds is plenty
    // unless a deadline or retry test is waiting on purpose.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
