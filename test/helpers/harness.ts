import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startEmulator, type Emulator } from '../../src/identity/index.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';

export type GqlResult<T = Record<string, unknown>> = {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }>;
  };
};

export type GqlOptions = {
  variables?: Record<string, unknown>;
  token?: string;
  headers?: Record<string, string>;
};

export type Harness = {
  url: string;
  emulator: Emulator;
  server: RunningServer;
  dir: string;
  /** Log lines, when started with `captureLogs`. */
  logs: string[];
  gql<T = Record<string, unknown>>(query: string, opts?: GqlOptions): Promise<GqlResult<T>>;
  /** Seeds (or finds) an active Passage user with one passkey and returns its id and a fresh token. */
  user(email: string): Promise<{ id: string; token: string }>;
  /** Restarts passgraph on the same database file and emulator. */
  restart(): Promise<void>;
  close(): Promise<void>;
};

export type HarnessOptions = {
  env?: Record<string, string>;
  adminEmails?: string[];
  /** Keep every log line passgraph writes in `harness.logs` (at LOG_LEVEL, default debug). */
  captureLogs?: boolean;
  /** Runs after the emulator starts and before passgraph does (e.g. to inject a fault). */
  beforeStart?: (emulator: Emulator) => void | Promise<void>;
};

/**
 * The settings every test server shares: loopback, a SQLite file in `dir`, the test's identity
 * service as Passage, short Passage time-outs and the given app admins.
 */
export function testServerEnv(dir: string, emulator: Emulator, adminIds: readonly string[]): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: join(dir, 'passgraph.sqlite'),
    PASSAGE_APP_ID: emulator.appId,
    PASSAGE_API_KEY: emulator.apiKey,
    PASSAGE_API_URL: emulator.apiUrl,
    PASSAGE_JWKS_URL: emulator.jwksUrl,
    PASSAGE_TIMEOUT_MS: '1000',
    ADMIN_USER_IDS: adminIds.join(','),
  };
}

/**
 * The real server on loopback against a real emulator: what a client sees over HTTP, with
 * state in temporary SQLite files that each test file owns.
 */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-test-'));
  const emulator = await startEmulator({ dbFile: join(dir, 'emulator.sqlite') });
  const adminIds: string[] = [];
  for (const email of opts.adminEmails ?? []) adminIds.push((await emulator.seedUser({ email, status: 'active' })).id);

  await opts.beforeStart?.(emulator);
  // loadConfig validates like production does; a bad env in a test fails the same way.
  const config = loadConfig({
    ...testServerEnv(dir, emulator, adminIds),
    // Tests run the directory sync with `syncNow()`; a timer firing mid-test would add Passage calls.
    DIRECTORY_SYNC_INTERVAL_MS: '3600000',
    DIRECTORY_SWEEP_INTERVAL_MS: '3600000',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? (opts.captureLogs ? 'debug' : 'silent'),
    // Tests create organizations freely (one per test case in places); the limit itself is
    // tested with its default turned back on.
    RATE_LIMIT_CREATE_ORG: 'off',
    ...opts.env,
  });
  const logs: string[] = [];
  const log = opts.captureLogs ? createLogger(config.logLevel, { write: (line: string) => void logs.push(line) }) : createLogger(config.logLevel);
  let server: RunningServer;
  try {
    server = await startServer(config, log);
    await settleDirectory(server);
  } catch (err) {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const harness: Harness = {
    get url() {
      return server.url;
    },
    emulator,
    logs,
    get server() {
      return server;
    },
    dir,
    async gql(query, { variables, token, headers } = {}) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      let body: GqlResult['body'];
      try {
        body = JSON.parse(text) as GqlResult['body'];
      } catch {
        throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
      }
      return { status: res.status, headers: res.headers, body } as GqlResult<never>;
    },
    async user(email) {
      const user = await emulator.seedUser({ email, status: 'active', devices: [{ friendlyName: `${email} passkey`, type: 'passkey' }] });
      return { id: user.id, token: await emulator.mintToken(user.id) };
    },
    async restart() {
      await server.close();
      server = await startServer(config, log);
      await settleDirectory(server);
    },
    async close() {
      await server.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/**
 * Waits (at most 3 s) for the start-up directory sync, so its Passage calls never land inside a
 * test's counts. A sync that fails (a fault injected before start) is the test's business.
 */
async function settleDirectory(server: RunningServer): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([server.app.directorySync.syncNow().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 3000)))]);
  clearTimeout(timer);
}

/** The `extensions.code` of each error, in order. */
export const codes = (result: GqlResult<unknown>): unknown[] => (result.body.errors ?? []).map((e) => e.extensions?.['code']);
