import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { migrationsApplied, runMigrations } from '../src/db/migrate.js';

describe('database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-db-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens with WAL, foreign keys, a busy timeout and FULL sync', () => {
    const database = openDatabase(join(dir, 'a.sqlite'));
    try {
      const { sqlite } = database;
      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(sqlite.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      database.close();
    }
  });

  it('applies migrations once; a second run is a no-op', () => {
    const database = openDatabase(join(dir, 'b.sqlite'));
    try {
      expect(migrationsApplied(database)).toBe(false);
      runMigrations(database);
      expect(migrationsApplied(database)).toBe(true);
      const count = () => (database.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n;
      const before = count();
      runMigrations(database);
      expect(count()).toBe(before);
      expect(database.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      database.close();
    }
  });

  it('rolls back a failed transaction completely', async () => {
    const database = openDatabase(join(dir, 'c.sqlite'));
    runMigrations(database);
    try {
      await expect(
        database.transaction((tx) => {
          tx.run(`insert into users (id, app_role, created_at, updated_at) values ('u1', 'USER', 0, 0)`);
          throw new Error('halfway');
        }),
      ).rejects.toThrow('halfway');
      expect(database.sqlite.prepare(`select count(*) as n from users`).get()).toEqual({ n: 0 });
    } finally {
      database.close();
    }
  });
});
