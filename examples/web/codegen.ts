import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Types for every operation in src/ from passgraph's schema. By default the committed snapshot
 * (../../schema.graphql), so no server is needed; set PASSGRAPH_SCHEMA to a running server's
 * /graphql URL to generate from introspection instead.
 */
const config: CodegenConfig = {
  schema: process.env['PASSGRAPH_SCHEMA'] || '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  // Finding no operations means the glob broke; fail instead of generating nothing to check.
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      // persistedDocuments: also writes src/gql/persisted-documents.json (hash -> document), the
      // manifest a server started with TRUSTED_DOCUMENTS runs, and gives each document its hash.
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
      config: {
        // Documents as plain strings: the console posts them with fetch, no GraphQL client needed.
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
