import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from './app.js';
import { createTokenVerifier } from './auth/token.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { PostgresNotServedError } from './db/dialect.js';
import type { Emulator } from './identity/index.js';
import type { Logger } from './logger.js';
import { PassageClient } from './passage/client.js';
import { Metrics } from './metrics.js';
import { startTracing } from './tracing/index.js';
import { createIde } from './http/ide.js';
import { connectRedis, type SharedRedis } from './redis.js';
import { leaderLease } from './redis-lock.js';
import { leaseTtl } from './app.js';

export type RunningServer = {
  url: string;
  app: App;
  /** Exposed for operational tooling and tests that check what was stored. */
  database: Database;
  config: Config;
  emulator: Emulator | null;
  /** Re-reads the signing keys now, as the background timer does. */
  refreshJwks(): Promise<boolean>;
  /** Stops accepting, drains in-flight requests, then closes the app, the emulator and SQLite. */
  close(): Promise<void>;
};

/** Everything `npm start` does except reading the environment and handling signals. */
export async function startServer(initial: Config, log: Logger): Promise<RunningServer> {
  // Before anything starts: never serve from SQLite while the operator configured PostgreSQL.
  if (initial.postgres) throw new PostgresNotServedError();
  let config = initial;
  // First, so the emulator's and the app's work is traced from the start.
  const stopTracing = config.tracing ? await startTracing(config.tracing) : async () => {};
  if (config.tracing) log.info({ endpoint: config.tracing.endpoint }, 'tracing: exporting spans over OTLP/HTTP');
  let emulator: Emulator | null = null;
  // Loaded only when embedded, so a deployment against a separate identity service never loads it.
  const dev = config.identity.embedded ? await import('./dev.js') : undefined;
  if (dev) ({ config, emulator } = await dev.startEmbeddedIdentity(config, log));
  const passageConfig = config.passage!;

  let database: Database | undefined;
  let server: Server | undefined;
  let jwksTimer: NodeJS.Timeout | undefined;
  let intentTimer: NodeJS.Timeout | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  let redis: SharedRedis | undefined;
  try {
    // Not waited for beyond a moment: without Redis each instance works alone, just less in step.
    if (config.redis) redis = await connectRedis(config.redis.url, { log });
    database = openDatabase(config.databaseFile, { busyTimeoutMs: config.sqliteBusyTimeoutMs });
    runMigrations(database);

    const tokens = createTokenVerifier({ jwksUrl: passageConfig.jwksUrl, appId: passageConfig.appId });
    // Warm the key cache so the first request does not wait for it; an unreachable JWKS is not
    // fatal here (requests answer 503 until it is back).
    await tokens.warm().catch((err: unknown) => log.warn({ err }, 'JWKS not reachable at start-up'));
    // Re-reading the key set on a timer picks up rotations and drops removed keys; a failure
    // keeps the keys held. unref: this timer alone must not keep the process alive.
    jwksTimer = setInterval(() => {
      void tokens.refresh().then((ok) => {
        if (!ok) log.warn('JWKS refresh failed; keeping the keys already held');
      });
    }, config.jwksRefreshIntervalMs);
    jwksTimer.unref();

    const metrics = new Metrics();
    if (config.metrics.enabled) metrics.collectProcessMetrics();
    const passage = new PassageClient({
      appId: passageConfig.appId,
      apiKey: passageConfig.apiKey,
      apiUrl: passageConfig.apiUrl,
      timeoutMs: passageConfig.timeoutMs,
      breaker: config.passageBreaker,
      onCall: metrics.onPassageCall,
      onBreakerStateChange: (family, state) => log.warn({ family, state }, 'Passage circuit breaker changed state'),
    });
    metrics.watchBreakers(() => passage.breakerStates());
    // The console, GraphiQL and the sign-in are for trying things out, from this machine only;
    // production never gets them.
    const devMode = dev && emulator && config.nodeEnv !== 'production';
    const ide = devMode ? createIde() : undefined;
    const routes = devMode && dev && emulator ? dev.devRoutes(emulator, { extra: ide?.assets }) : undefined;
    const app = await createApp(
      { config, log, database, passage, tokens },
      { routes, metrics, ide: dev && ide ? dev.loopbackOnly(ide.page) : undefined, redis },
    );

    // Passage writes a previous process left half-done are settled before the first request is
    // served; pending ones already refuse their users' tokens meanwhile. Start-up waits a bounded
    // time for it (Passage may be down); the run goes on in the background.
    const { intents } = app.services;
    // With several instances, one reconciles at a time (the lease holder); the others skip.
    const reconcilerLease = redis ? leaderLease(redis, 'intent-reconcile', leaseTtl(config.intents.reconcileIntervalMs)) : undefined;
    const reconcile = () => (reconcilerLease ? reconcilerLease.exclusive(() => intents.reconcile()) : intents.reconcile());
    const firstRun = reconcile().catch((err: unknown) => log.warn({ err }, 'intent reconciliation failed at start-up'));
    await Promise.race([firstRun, new Promise((resolve) => setTimeout(resolve, 4 * passageConfig.timeoutMs).unref())]);
    intentTimer = setInterval(() => {
      void reconcile().catch((err: unknown) => log.warn({ err }, 'intent reconciliation failed'));
    }, config.intents.reconcileIntervalMs);
    intentTimer.unref();
    // Expired idempotency keys go in bounded batches; the timer is the process's, not the app's.
    purgeTimer = setInterval(() => {
      app.purgeIdempotencyKeys().then(
        (purged) => purged > 0 && log.debug({ purged }, 'expired idempotency keys purged'),
        (err: unknown) => log.warn({ err }, 'purging idempotency keys failed; retrying on the next run'),
      );
    }, config.idempotencyPurgeIntervalMs);
    purgeTimer.unref();

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
    if (dev && routes) {
      log.info({ console: `${url}${dev.CONSOLE_PATH}`, graphiql: `${url}/graphql` }, 'dev mode: web console and GraphiQL (sign in at /dev/sign-in)');
    }

    // Never awaited: requests are served from what the directory holds while it syncs.
    app.directorySync.start();

    const srv = server;
    const db = database;
    return {
      url,
      app,
      database: db,
      config,
      emulator,
      refreshJwks: () => tokens.refresh(),
      async close() {
        clearInterval(jwksTimer);
        clearInterval(intentTimer);
        clearInterval(purgeTimer);
        app.beginShutdown();
        await app.directorySync.stop();
        await new Promise<void>((resolve) => {
          srv.close(() => resolve());
          srv.closeIdleConnections();
        });
        await reconcilerLease?.release();
        await app.stop();
        await redis?.close();
        await emulator?.close();
        db.close();
        await stopTracing();
      },
    };
  } catch (err) {
    clearInterval(jwksTimer);
    clearInterval(intentTimer);
    clearInterval(purgeTimer);
    server?.close();
    database?.close();
    await redis?.close();
    await emulator?.close();
    await stopTracing();
    throw err;
  }
}
