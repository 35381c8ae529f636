import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What a new user does: `npm start` with no Passage configuration, then
 * `npm run -s token -- admin@example.com`, then a query with that token.
 */
describe('dev mode (npm start without PASSAGE_APP_ID)', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passgraph-dev-'));
    env = {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      DATABASE_URL: join(dir, 'passgraph.sqlite'),
      EMULATOR_DB: join(dir, 'emulator.sqlite'),
      LOG_LEVEL: 'info',
    };
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not become ready in 20 s')), 20_000);
      child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'passgraph ready' && entry.url) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // not a log line
        }
      });
    });
  });

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (email: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/emulator/token-cli.ts', email], { env, encoding: 'utf8', timeout: 30_000 });

  it('prints a token for a seeded demo user that the running server accepts', async () => {
    for (const [email, appRole] of [['admin@example.com', 'ADMIN'], ['member@example.com', 'USER']] as const) {
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
