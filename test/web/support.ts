import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type CDPSession } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_DIR = join(ROOT, 'examples/web');
export const WEB_DIST = join(WEB_DIR, 'dist');
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, as root in a sandbox-less container. Background networking and
 * component updates are off: this machine's closed network refuses their connections.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
export const IN_CI = process.env['CI'] === 'true';

/** Why the browser-side suites cannot run here, or null. In CI nothing may be missing. */
export function missingPrerequisite(opts: { browser: boolean }): string | null {
  if (opts.browser && !existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (!existsSync(join(WEB_DIR, 'node_modules/.bin/graphql-codegen'))) return 'examples/web has no node_modules (npm run web:install)';
  return null;
}

/** Skips locally with the reason logged; in CI it never skips, so a missing piece fails the run. */
export function skipUnlessReady(suite: string, opts: { browser: boolean }): boolean {
  const missing = missingPrerequisite(opts);
  if (missing === null || IN_CI) return false;
  console.warn(`skipping ${suite}: ${missing}`);
  return true;
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  // src/gql is written by the build itself.
  const names = readdirSync(path).filter((name) => name !== 'gql');
  return Math.max(stat.mtimeMs, ...names.map((name) => newestMtime(join(path, name))));
}

/**
 * Builds the console unless dist/ is newer than everything it is built from (its sources and the
 * schema snapshot). CI builds it in an earlier step, so this only costs time after a local edit.
 */
export function ensureConsoleBuilt(): void {
  const index = join(WEB_DIST, 'index.html');
  const inputs = ['index.html', 'src', 'codegen.ts', 'vite.config.ts', 'package-lock.json'].map((p) => join(WEB_DIR, p)).filter(existsSync);
  const newestSource = Math.max(...inputs.map(newestMtime), statSync(join(ROOT, 'schema.graphql')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource) return;
  const result = spawnSync('npm', ['run', '-s', 'build'], { cwd: WEB_DIR, encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0) throw new Error(`examples/web build failed:\n${result.stdout}\n${result.stderr}`);
}

export type DevServer = { server: RunningServer; url: string; dir: string; close(): Promise<void> };

/** passgraph exactly as `npm start` runs it without PASSAGE_APP_ID, on temporary SQLite files. */
export async function startDevServer(env: Record<string, string> = {}): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-web-'));
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: join(dir, 'passgraph.sqlite'),
      EMULATOR_DB: join(dir, 'emulator.sqlite'),
      LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
      ...env,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let server: RunningServer;
  try {
    server = await startServer(config, createLogger(config.logLevel));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    server,
    url: server.url,
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Gql = <T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
) => Promise<{ status: number; data: T | null; codes: unknown[] }>;

/** A bearer-token client for setting up and checking state beside the browser. */
export function gqlAs(url: string, token: string): Gql {
  return async (query, variables) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> };
    return { status: res.status, data: (body.data ?? null) as never, codes: (body.errors ?? []).map((e) => e.extensions?.code) };
  };
}

/** A port that was free a moment ago: the WebAuthn origin must be known before the server starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export type VirtualCredential = {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle: string;
  signCount: number;
};

/** A platform passkey authenticator as the task's checks specify: resident keys, user verification. */
export async function addAuthenticator(cdp: CDPSession): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

export const credentialsOf = async (cdp: CDPSession, authenticatorId: string) =>
  ((await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as { credentials: VirtualCredential[] }).credentials;
