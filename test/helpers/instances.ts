import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startEmulator, type Emulator } from '../../src/identity/index.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { testServerEnv, type GqlOptions, type GqlResult } from './harness.js';

export type Instance = {
  server: RunningServer;
  gql<T = Record<string, unknown>>(query: string, opts?: GqlOptions): Promise<GqlResult<T>>;
  /** One sample of a metric in this instance's registry (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
};

export type Instances = {
  emulator: Emulator;
  /** The Passage ids of `adminEmails`, in order. */
  adminIds: string[];
  a: Instance;
  b: Instance;
  /** Seeds an active Passage user with one passkey; returns its id and a token. */
  user(email: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
};

/**
 * Two passgraph instances in this process, as two machines behind a load balancer would run:
 * one SQLite file (WAL lets both open it), one identity service, the same settings.
 */
export async function startInstances(opts: { env?: Record<string, string>; adminEmails?: string[] } = {}): Promise<Instances> {
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-instances-'));
  const emulator = await startEmulator({ dbFile: join(dir, 'emulator.sqlite') });
  const adminIds: string[] = [];
  for (const email of opts.adminEmails ?? []) adminIds.push((await emulator.seedUser({ email, status: 'active' })).id);
  const config = loadConfig({
    ...testServerEnv(dir, emulator, adminIds),
    DIRECTORY_SYNC_INTERVAL_MS: '3600000',
    DIRECTORY_SWEEP_INTERVAL_MS: '3600000',
    METRICS_ENABLED: 'false',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    ...opts.env,
  });
  const log = createLogger(config.logLevel);
  const started: RunningServer[] = [];
  try {
    for (let i = 0; i < 2; i++) started.push(await startServer(config, log));
  } catch (err) {
    for (const server of started) await server.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const instance = (server: RunningServer): Instance => ({
    server,
    async gql(query, { variables, token, headers } = {}) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResult['body'] } as GqlResult<never>;
    },
    async metric(name, labels = {}) {
      const metric = server.app.metrics.registry.getSingleMetric(name);
      if (!metric) return 0;
      const { values } = await metric.get();
      const sample = values.find((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want));
      return sample?.value ?? 0;
    },
  });
  return {
    emulator,
    adminIds,
    a: instance(started[0]!),
    b: instance(started[1]!),
    async user(email) {
      const user = await emulator.seedUser({ email, status: 'active', devices: [{ friendlyName: `${email} passkey`, type: 'passkey' }] });
      return { id: user.id, token: await emulator.mintToken(user.id) };
    },
    async close() {
      // A test may have stopped one instance already.
      for (const server of started) await server.close().catch(() => undefined);
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
