import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatorStore } from '../../src/identity/store.js';

/** `npm run identity`: the identity service as its own process. */

const dir = mkdtempSync(join(tmpdir(), 'passgraph-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/identity/main.ts', ...args], { env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 30_000 });

// Each case starts Node with tsx, which takes seconds on a busy machine.
describe('identity service process', { timeout: 90_000 }, () => {
  it('refuses a production start without its settings, naming each problem', () => {
    const result = run([], { NODE_ENV: 'production', IDENTITY_DB: join(dir, 'refused.sqlite') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PASSAGE_APP_ID');
    expect(result.stderr).toContain('PASSAGE_API_KEY');
    expect(result.stderr).toContain('IDENTITY_AUTH_ORIGIN');
  });

  it('rotate-keys adds a key and keeps the old one published for the grace period only', () => {
    const db = join(dir, 'keys.sqlite');
    const first = run(['rotate-keys', '--grace-seconds', '3600'], { IDENTITY_DB: db });
    expect(first.status, first.stderr).toBe(0);
    const store = EmulatorStore.open(db);
    try {
      const published = store.publishedKeys();
      expect(published).toHaveLength(2);
      expect(store.currentKey()!.kid).toBe(JSON.parse(first.stdout).kid);
      const second = run(['rotate-keys', '--grace-seconds', '0'], { IDENTITY_DB: db });
      expect(second.status, second.stderr).toBe(0);
      // The previous current key retires at once; the one from the first rotation is still in its hour.
      const kids = store.publishedKeys().map((k) => k.kid);
      expect(kids).toHaveLength(2);
      expect(kids).toContain(JSON.parse(second.stdout).kid);
      expect(kids).not.toContain(JSON.parse(first.stdout).kid);
    } finally {
      store.close();
    }
  });

  it('starts in production without test doubles or the dev mailbox', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/identity/main.ts'], {
      env: {
        ...baseEnv,
        NODE_ENV: 'production',
        IDENTITY_DB: join(dir, 'prod.sqlite'),
        IDENTITY_PORT: '0',
        PASSAGE_APP_ID: 'prodapp',
        PASSAGE_API_KEY: 'k'.repeat(40),
        IDENTITY_AUTH_ORIGIN: 'https://app.example.com',
      },
    });
    try {
      const ready = await new Promise<{ url: string; apiKey?: string }>((resolve, reject) => {
        let buffer = '';
        child.stderr.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const line = buffer.split('\n').find((l) => l.includes('identity service ready'));
          if (line) resolve(JSON.parse(line));
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${buffer}`)));
      });
      expect(ready.apiKey).toBeUndefined();
      expect((await fetch(`${ready.url}/dev/mailbox`)).status).toBe(404);
      const app = await fetch(`${ready.url}/v1/apps/prodapp`);
      expect(((await app.json()) as any).app).toMatchObject({ id: 'prodapp', auth_origin: 'https://app.example.com' });
      // Without SMTP nothing can be sent: refused before anything is stored.
      const sent = await fetch(`${ready.url}/v1/apps/prodapp/register/magic-link`, { method: 'POST', body: JSON.stringify({ identifier: 'a@example.com' }) });
      expect(sent.status).toBe(403);
      expect(((await sent.json()) as any).code).toBe('operation_not_allowed');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
