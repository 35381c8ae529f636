/**
 * Which database a deployment asked for, and what the server cannot do with it yet. No driver is
 * imported here, so a SQLite deployment never loads pg.
 */

/**
 * DATABASE_URL names PostgreSQL, but the services still take the synchronous SQLite handle.
 * Starting anyway would serve from a SQLite file the operator did not ask for, so start-up stops.
 */
export class PostgresNotServedError extends Error {
  override readonly name = 'PostgresNotServedError';
  readonly code = 'POSTGRES_NOT_SERVED';
  constructor() {
    super(
      'DATABASE_URL is a PostgreSQL URL, but serving from PostgreSQL is not yet supported: the services still run on SQLite only. ' +
        'Unset DATABASE_URL or point it at a SQLite file; the PostgreSQL schema and migrations can already be applied (see "Running more than one instance" in README.md).',
    );
  }
}
