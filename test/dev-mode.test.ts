import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devEnv, mintDevToken, startDevProcess } from './helpers/dev-process.js';

/**
 * What a new user does: `npm start` with no Passage configuration, then
 * `npm run -s token -- admin@example.com`, then a query with that token.
 */
describe('dev mode (npm start without PASSAGE_APP_ID)', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let env: NodeJS.ProcessEnv;
  let logs: Array<{ level?: number; msg?: string }>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passgraph-dev-'));
    // Like a fresh clone: the folder both SQLite files live in does not exist yet.
    env = { ...devEnv(dir), DATABASE_URL: join(dir, 'data', 'passgraph.sqlite'), EMULATOR_DB: join(dir, 'data', 'emulator.sqlite') };
    ({ child, url, logs } = await startDevProcess(env));
  });

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (email: string) => mintDevToken(env, email);

  it('starts without a warning (pino level 40 and above)', () => {
    expect(logs.filter((entry) => (entry.level ?? 0) >= 40)).toEqual([]);
  });

  it('prints a token for a seeded demo user that the running server accepts', async () => {
    for (const [email, appRole] of [
      ['admin@example.com', 'ADMIN'],
      ['member@example.com', 'USER'],
    ] as const) {
      const result = token(email);
      expect(result.status).toBe(0);
      const jwt = result.stdout.trim().split('\n').at(-1)!;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
        body: JSON.stringify({ query: '{ me { email appRole devices { friendlyName } } }' }),
      });
      const body = (await res.json()) as { data: { me: { email: string; appRole: string; devices: unknown[] } } };
      expect(body.data.me).toMatchObject({ email, appRole });
      expect(body.data.me.devices).toHaveLength(1);
    }
  });

  it('refuses to mint a token for an unknown email', () => {
    const result = token('nobody@example.com');
    expect(result.status).toBe(1);
    expect(result.stdout.trim()).toBe('');
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
