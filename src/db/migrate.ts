import { readFileSync } from 'node:fs';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Database } from './client.js';
import { fromRoot } from '../paths.js';

export const migrationsFolder = fromRoot('migrations', 'sqlite');

/**
 * Applies pending migrations. drizzle-kit rebuilds tables for many column changes and its
 * `PRAGMA foreign_keys=OFF` is ignored inside the migrator's transaction, so ON DELETE CASCADE
 * children of a rebuilt table would silently vanish. Turning foreign keys off on the connection
 * before the transaction, and checking them after, keeps those rows.
 */
export function runMigrations(database: Database, folder: string = migrationsFolder): void {
  const { sqlite } = database;
  sqlite.pragma('foreign_keys = OFF');
  try {
    migrate(database.db, { migrationsFolder: folder });
    const violations = sqlite.pragma('foreign_key_check') as unknown[];
    if (violations.length > 0) {
      throw new Error(`migration left ${violations.length} foreign key violation(s)`);
    }
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
}

let journalEntries: number | undefined;

/** Number of migrations shipped with this build (read once from drizzle-kit's journal). */
function expectedMigrations(): number {
  journalEntries ??= (JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }).entries.length;
  return journalEntries;
}

/** True when every migration shipped with this build has been applied (used by /readyz). */
export function migrationsApplied(database: Database): boolean {
  const expected = expectedMigrations();
  const row = database.sqlite.prepare("select count(*) as n from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get() as { n: number };
  if (row.n === 0) return expected === 0;
  const applied = database.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
  return applied.n >= expected;
}
