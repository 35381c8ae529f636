import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { authClient, registerPasskey } from './support.js';

/** passgraph with the identity service in its own process: production (IDENTITY=embedded) and dev. */

const dir = mkdtempSync(join(tmpdir(), 'passgraph-embedded-'));
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function me(server: RunningServer, token: string) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ me { email } }' }),
  });
  return (await res.json()) as { data?: { me: { email: string } }; errors?: unknown[] };
}

describe('embedded identity service', () => {
  it('runs in production with IDENTITY=embedded: a passkey sign-in gives a token passgraph accepts', async () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      IDENTITY: 'embedded',
      PORT: '0',
      DATABASE_URL: join(dir, 'prod.sqlite'),
      PASSAGE_APP_ID: 'embeddedapp',
      PASSAGE_API_KEY: 'p'.repeat(40),
      IDENTITY_DB: join(dir, 'prod-identity.sqlite'),
      IDENTITY_AUTH_ORIGIN: 'https://app.example.com',
      IDENTITY_REFRESH: 'true',
    });
    const server = await startServer(config, createLogger('silent'));
    servers.push(server);
    const identity = server.emulator!;
    expect(identity.appId).toBe('embeddedapp');
    expect(identity.rpId).toBe('app.example.com');
    const { result } = await registerPasskey(authClient(identity), 'https://app.example.com', 'prod-user@example.com');
    expect(result.refresh_token).toEqual(expect.any(String));
    expect((await me(server, result.auth_token)).data?.me.email).toBe('prod-user@example.com');
    // No dev routes in production; no demo users either.
    expect((await fetch(`${server.url}/dev/identity`)).status).toBe(404);
    expect(identity.findUserByIdentifier('admin@example.com')).toBeUndefined();
    expect(() => identity.injectFault({ status: 500 })).toThrow();
  });

  it("dev mode: refresh on, RP ID localhost, passgraph's origin, and GET /dev/identity finds it", async () => {
    const config = loadConfig({
      NODE_ENV: 'development',
      PORT: '0',
      DATABASE_URL: join(dir, 'dev.sqlite'),
      EMULATOR_DB: join(dir, 'dev-identity.sqlite'),
      LOG_LEVEL: 'silent',
    });
    const server = await startServer(config, createLogger('silent'));
    servers.push(server);
    const found = (await (await fetch(`${server.url}/dev/identity`)).json()) as { url: string; appId: string };
    expect(found).toEqual({ url: server.emulator!.url, appId: server.emulator!.appId });
    expect(server.emulator!.rpId).toBe('localhost');
    expect(server.emulator!.origins).toEqual([`http://localhost:${config.port}`]);
    const origin = server.emulator!.origins[0]!;
    const { result } = await registerPasskey(authClient(server.emulator!, origin), origin, 'dev-user@example.com');
    expect(result.refresh_token).toEqual(expect.any(String));
    expect((await me(server, result.auth_token)).data?.me.email).toBe('dev-user@example.com');
  });

  it("passgraph's bundle keeps the identity service in a chunk loaded only when embedded", () => {
    const out = join(dir, 'bundle');
    execFileSync('node_modules/.bin/esbuild', [
      'src/main.ts',
      '--bundle',
      '--splitting',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      '--target=node20',
      `--outdir=${out}`,
      '--log-level=warning',
    ]);
    const main = readFileSync(join(out, 'main.js'), 'utf8');
    expect(main).not.toContain('@simplewebauthn/server');
    expect(main).toMatch(/import\(["']\.\/dev-[A-Z0-9]+\.js["']\)/);
    const chunks = readdirSync(out)
      .filter((f) => f !== 'main.js')
      .map((f) => readFileSync(join(out, f), 'utf8'));
    expect(chunks.some((c) => c.includes('@simplewebauthn/server'))).toBe(true);
  });
});
