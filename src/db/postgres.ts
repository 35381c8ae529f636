import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as schema from './schema-pg/index.js';

/**
 * The PostgreSQL side of the database layer: one pool per process and the schema in
 * `schema-pg/`. Only the migrator uses it so far; the services still run on SQLite (`client.ts`).
 */
export type PgDb = NodePgDatabase<typeof schema>;

export type PostgresDatabase = { readonly pool: pg.Pool; readonly db: PgDb; close(): Promise<void> };

export function openPostgres(url: string, opts: { poolMax?: number } = {}): PostgresDatabase {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolMax ?? 10, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its connection emits on the pool; unhandled, it would end the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  return { pool, db, close: () => pool.end() };
}
