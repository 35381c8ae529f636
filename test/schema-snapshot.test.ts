import { readFileSync } from 'node:fs';
import { buildSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createSchema } from '../src/graphql/schema.js';
import { schemaSnapshot, SNAPSHOT_FILE } from '../src/graphql/schema-snapshot.js';

describe('schema.graphql (the snapshot client teams generate types from)', () => {
  it('is exactly what `npm run schema:snapshot` would write now', () => {
    // Stale means a client team would generate against yesterday's API: run `npm run schema:snapshot`.
    expect(readFileSync(SNAPSHOT_FILE, 'utf8')).toBe(schemaSnapshot());
  });

  it('describes the same types and fields as the running schema', () => {
    const fromSnapshot = buildSchema(readFileSync(SNAPSHOT_FILE, 'utf8'));
    expect(printSchema(fromSnapshot)).toBe(printSchema(createSchema()));
  });
});
