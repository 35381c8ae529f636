import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from './app.js';
import { createTokenVerifier } from './auth/token.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { startDevPassage } from './dev.js';
import type { Emulator } from './emulator/index.js';
import type { Logger } from './logger.js';
import { PassageClient } from './passage/client.js';

export type RunningServer = {
  url: string;
  app: App;
  /** Exposed for operational tooling and tests that check what was stored. */
  database: Database;
  config: Config;
  emulator: Emulator | null;
  /** Stops accepting, drains in-flight requests, then closes the app, the emulator and SQLite. */
  close(): Promise<void>;
};

/** Everything `npm start` does except reading the environment and handling signals. */
export async function startServer(initial: Config, log: Logger): Promise<RunningServer> {
  let config = initial;
  let emulator: Emulator | null = null;
  if (!config.passage) ({ config, emulator } = await startDevPassage(config, log));
  const passageConfig = config.passage!;

  let database: Database | undefined;
  let server: Server | undefined;
  try {
    database = openDatabase(config.databaseFile);
    runMigrations(database);

    const tokens = createTokenVerifier({ jwksUrl: passageConfig.jwksUrl, appId: passageConfig.appId });
    // Warm the key cache so the first request does not wait for it; an unreachable JWKS is not
    // fatal here (requests answer 503 until it is back).
    await tokens.warm().catch((err: unknown) => log.warn({ err }, 'JWKS not reachable at start-up'));

    const passage = new PassageClient({
      appId: passageConfig.appId,
      apiKey: passageConfig.apiKey,
      apiUrl: passageConfig.apiUrl,
      timeoutMs: passageConfig.timeoutMs,
    });
    const app = await createApp({ config, log, database, passage, tokens });

    server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000 }, app.handler);
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.port, config.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    log.info({ url: `${url}/graphql` }, 'passgraph ready');

    const srv = server;
    const db = database;
    return {
      url,
      app,
      database: db,
      config,
      emulator,
      async close() {
        app.beginShutdown();
        await new Promise<void>((resolve) => {
          srv.close(() => resolve());
          srv.closeIdleConnections();
        });
        await app.stop();
        await emulator?.close();
        db.close();
      },
    };
  } catch (err) {
    server?.close();
    database?.close();
    await emulator?.close();
    throw err;
  }
}
