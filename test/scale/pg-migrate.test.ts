import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { eq } from 'drizzle-orm';
import { expectedPgMigrations, pgMigrationsApplied, runPgMigrations } from '../../src/db/migrate-pg.js';
import { openPostgres } from '../../src/db/postgres.js';
import { auditLog, orgMemberships, orgs, users } from '../../src/db/schema-pg/index.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';

describe.skipIf(postgresUnavailable)('PostgreSQL migrations', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());

  it('four instances migrating one fresh database together apply each migration once, and all succeed', async () => {
    const url = await server.createDatabase();
    const results = await Promise.all([1, 2, 3, 4].map(() => runPgMigrations(url)));
    const expected = expectedPgMigrations();
    expect(expected).toBeGreaterThanOrEqual(2);
    // One instance applied them all; the other three found nothing left.
    expect(results.map((r) => r.applied).sort()).toEqual([0, 0, 0, expected]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string; hashes: string }>(
        'select count(*) as n, count(distinct hash) as hashes from drizzle.__drizzle_migrations',
      );
      expect(Number(rows[0]!.n)).toBe(expected);
      expect(Number(rows[0]!.hashes)).toBe(expected);
      // The lock was given back: nothing is left waiting on it.
      const locks = await client.query("select 1 from pg_locks where locktype = 'advisory'");
      expect(locks.rowCount).toBe(0);
    } finally {
      await client.end();
    }
    // A later start is a no-op.
    expect((await runPgMigrations(url)).applied).toBe(0);
  });

  it('gives a schema the drizzle PostgreSQL tables read and write, dates and JSON round-tripping', async () => {
    const url = await server.createDatabase();
    const database = openPostgres(url, { poolMax: 2 });
    try {
      expect(await pgMigrationsApplied(database.pool)).toBe(false);
      await runPgMigrations(url);
      expect(await pgMigrationsApplied(database.pool)).toBe(true);
      const { db } = database;
      await db.insert(users).values({ id: 'u1' });
      await db.insert(orgs).values({ id: 'o1', name: 'Acme', slug: 'acme', metadata: { plan: 'pro' } });
      await db.insert(orgMemberships).values({ orgId: 'o1', userId: 'u1', role: 'owner', additionalRoles: ['billing'] });
      const [org] = await db.select().from(orgs).where(eq(orgs.id, 'o1'));
      expect(org!.metadata).toEqual({ plan: 'pro' });
      expect(org!.createdAt).toBeInstanceOf(Date);
      // ON DELETE CASCADE, as on SQLite.
      await db.delete(orgs).where(eq(orgs.id, 'o1'));
      expect(await db.select().from(orgMemberships)).toEqual([]);
      // Duplicate slugs are refused by the unique index.
      await db.insert(orgs).values({ id: 'o2', name: 'A', slug: 'same' });
      await expect(db.insert(orgs).values({ id: 'o3', name: 'B', slug: 'same' })).rejects.toMatchObject({ cause: { code: '23505' } });
    } finally {
      await database.close();
    }
  });

  it('keeps the audit log append-only, as on SQLite', async () => {
    const url = await server.createDatabase();
    await runPgMigrations(url);
    const database = openPostgres(url, { poolMax: 1 });
    try {
      const [row] = await database.db.insert(auditLog).values({ action: 'org.create', targetType: 'org', targetId: 'o1' }).returning();
      expect(row!.id).toBe(1);
      // restrict_violation, raised by the trigger.
      await expect(database.db.update(auditLog).set({ detail: 'edited' })).rejects.toMatchObject({ cause: { code: '23001' } });
      await expect(database.db.delete(auditLog)).rejects.toMatchObject({ cause: { code: '23001' } });
      await expect(database.pool.query('truncate audit_log')).rejects.toMatchObject({ code: '23001' });
      expect(await database.db.select().from(auditLog)).toHaveLength(1);
    } finally {
      await database.close();
    }
  });
});
