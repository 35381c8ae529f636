import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server.js';

describe('a PostgreSQL DATABASE_URL', () => {
  it('stops start-up with POSTGRES_NOT_SERVED instead of serving from SQLite (the services are SQLite-only so far)', async () => {
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', DATABASE_URL: 'postgres://passgraph@127.0.0.1:1/passgraph', LOG_LEVEL: 'silent' });
    await expect(startServer(config, createLogger('silent'))).rejects.toMatchObject({ code: 'POSTGRES_NOT_SERVED' });
  });
});
