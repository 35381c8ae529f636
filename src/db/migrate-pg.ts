import { readFileSync } from 'node:fs';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fromRoot } from '../paths.js';

export const pgMigrationsFolder = fromRoot('migrations', 'pg');

/**
 * One key for "passgraph is migrating this database" (an arbitrary constant; PostgreSQL advisory
 * locks are per database, so two passgraph databases on one server do not wait for each other).
 */
export const MIGRATION_LOCK_KEY = 7_361_923_004;

export type PgMigrationResult = { applied: number; waitedMs: number };

export type PgMigrationOptions = {
  folder?: string;
  /** How long to wait for another instance's migration before giving up. Default 5 minutes. */
  lockTimeoutMs?: number;
};

/**
 * Applies pending migrations under a session-level advisory lock, so N instances starting
 * together migrate once: the first takes the lock and migrates, the others wait for it, then find
 * nothing left to apply. The lock lives on the connection that migrates, so a process that dies
 * mid-way releases it (drizzle's migrator runs all pending migrations in one transaction, which
 * rolls back with it).
 */
export async function runPgMigrations(url: string, opts: PgMigrationOptions = {}): Promise<PgMigrationResult> {
  const folder = opts.folder ?? pgMigrationsFolder;
  const client = new pg.Client({ connectionString: url, application_name: 'passgraph-migrate' });
  await client.connect();
  try {
    const started = Date.now();
    const deadline = started + (opts.lockTimeoutMs ?? 300_000);
    // try-lock in a loop rather than pg_advisory_lock: the wait stays bounded and cancellable.
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [MIGRATION_LOCK_KEY]);
      if (rows[0]?.locked) break;
      if (Date.now() > deadline) throw new Error(`another instance held the migration lock for more than ${opts.lockTimeoutMs ?? 300_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const waitedMs = Date.now() - started;
    try {
      const before = await appliedCount(client);
      await migrate(drizzle(client), { migrationsFolder: folder });
      return { applied: (await appliedCount(client)) - before, waitedMs };
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function appliedCount(client: pg.Client | pg.Pool): Promise<number> {
  const exists = await client.query<{ t: string | null }>("select to_regclass('drizzle.__drizzle_migrations') as t");
  if (!exists.rows[0]?.t) return 0;
  const { rows } = await client.query<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations');
  return Number(rows[0]?.n ?? 0);
}

/** Number of PostgreSQL migrations shipped with this build (drizzle-kit's journal). */
export function expectedPgMigrations(folder: string = pgMigrationsFolder): number {
  return (JSON.parse(readFileSync(`${folder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }).entries.length;
}

/** True when every shipped migration has been applied (what a readiness check would ask). */
export async function pgMigrationsApplied(pool: pg.Pool, folder: string = pgMigrationsFolder): Promise<boolean> {
  return (await appliedCount(pool)) >= expectedPgMigrations(folder);
}
