import { loadConfig } from '../config.js';
import { runPgMigrations } from './migrate-pg.js';

/**
 * `npm run db:migrate:pg`: applies the PostgreSQL migrations to DATABASE_URL. Safe to run from
 * several machines at once (advisory lock). The server does not serve from PostgreSQL yet, so this
 * is how a PostgreSQL database is prepared today.
 */
const config = loadConfig();
if (!config.postgres) {
  process.stderr.write('DATABASE_URL: must be a postgres:// URL to apply the PostgreSQL migrations\n');
  process.exit(1);
}
const { applied, waitedMs } = await runPgMigrations(config.postgres.url);
process.stdout.write(`${applied} migration(s) applied${waitedMs > 1000 ? ` after waiting ${waitedMs} ms for another instance` : ''}\n`);
