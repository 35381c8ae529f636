import BetterSqlite3 from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema/index.js';
import { ensureParentDir } from '../files.js';
import { tracing } from '../tracing/index.js';

/**
 * Services see `Db` and `Database.transaction`; the better-sqlite3 handle stays in this folder so
 * a PostgreSQL driver can replace it without touching callers.
 */
export type Db = BetterSQLite3Database<typeof schema>;

export type Database = {
  readonly db: Db;
  /**
   * Runs `fn` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so two
   * writers never both read the old state and then both commit. `fn` must not await network
   * calls: do those before, then write.
   */
  transaction<T>(fn: (tx: Db) => T): Promise<T>;
  /** `select 1` plus the applied-migration check used by /readyz. */
  ping(): boolean;
  close(): void;
  /** Statements run through drizzle since the database was opened (tests check for N+1). */
  readonly stats: { readonly queries: number };
  /** For migrations and diagnostics only. */
  readonly sqlite: BetterSqlite3.Database;
};

export type OpenDatabaseOptions = { busyTimeoutMs?: number };

/**
 * Another connection held the write lock for longer than busy_timeout. The transaction never
 * started or was rolled back, so nothing was written; trying again later is safe.
 */
export class DatabaseBusyError extends Error {
  override readonly name = 'DatabaseBusyError';
  constructor(options?: { cause?: unknown }) {
    super('the database is locked by another writer', options);
  }
}

const isBusy = (err: unknown) => typeof (err as { code?: unknown } | null)?.code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY');

const TRANSACTION_ATTRIBUTES = { 'db.system.name': 'sqlite', 'db.operation.name': 'BEGIN IMMEDIATE' };

export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Database {
  ensureParentDir(file);
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? 5000)}`);
  // FULL: a committed identity change must survive a power cut, not only a process crash;
  // writes are rare next to reads, so the extra fsync is cheap here.
  sqlite.pragma('synchronous = FULL');
  const stats = { queries: 0 };
  const db = drizzle(sqlite, { schema, logger: { logQuery: () => void stats.queries++ } });
  const ping = sqlite.prepare('select 1 as ok');

  return {
    db,
    sqlite,
    stats,
    transaction: async (fn) => {
      try {
        return tracing.inSpan('db.transaction', TRANSACTION_ATTRIBUTES, () => db.transaction((tx) => fn(tx as unknown as Db), { behavior: 'immediate' }));
      } catch (err) {
        if (isBusy(err)) throw new DatabaseBusyError({ cause: err });
        throw err;
      }
    },
    ping: () => (ping.get() as { ok: number } | undefined)?.ok === 1,
    close: () => sqlite.close(),
  };
}
