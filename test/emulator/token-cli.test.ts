import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/identity/index.js';
import { makeTempDir } from './support.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

async function runCli(dbFile: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npx', ['tsx', 'src/identity/token-cli.ts', ...args], {
      cwd: projectRoot,
      env: { ...process.env, EMULATOR_DB: dbFile },
      timeout: 15_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('token CLI', () => {
  const tmp = makeTempDir();
  const dbFile = tmp.file('cli.sqlite');
  let emulator: Emulator;
  let userId: string;

  beforeAll(async () => {
    // The emulator keeps running, like a dev server sharing the file with the CLI.
    emulator = await startEmulator({ dbFile, authOrigin: 'http://localhost:4321' });
    userId = (await emulator.seedUser({ email: 'cli@example.com' })).id;
  });
  afterAll(async () => {
    await emulator?.close();
    tmp.remove();
  });

  it('prints, as the last stdout line, a token the running emulator JWKS verifies', async () => {
    const { code, stdout } = await runCli(dbFile, 'CLI@Example.com');
    expect(code).toBe(0);
    const token = stdout.trim().split('\n').at(-1)!;
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(emulator.jwksUrl)), { audience: emulator.appId });
    expect(payload.sub).toBe(userId);
    expect(payload.aud).toEqual(['http://localhost:4321', emulator.appId]);
    expect(protectedHeader.kid).toEqual(expect.any(String));
  });

  it('exits 1 with a message on stderr for an unknown email', async () => {
    const { code, stdout, stderr } = await runCli(dbFile, 'stranger@example.com');
    expect(code).toBe(1);
    expect(stdout.trim()).toBe('');
    expect(stderr.trim()).not.toBe('');
  });

  it('exits 1 when the database file does not exist, without creating it', async () => {
    const missing = tmp.file('missing.sqlite');
    const { code, stderr } = await runCli(missing, 'cli@example.com');
    expect(code).toBe(1);
    expect(stderr.trim()).not.toBe('');
    const { existsSync } = await import('node:fs');
    expect(existsSync(missing)).toBe(false);
  });
});
