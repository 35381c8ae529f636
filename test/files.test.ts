import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { startEmulator } from '../src/emulator/index.js';
import { ensureParentDir } from '../src/files.js';

describe('every file opener creates its folder first', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'passgraph-files-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('ensureParentDir creates missing parents and leaves in-memory names alone', () => {
    const dir = fresh();
    ensureParentDir(join(dir, 'a', 'b', 'file.sqlite'));
    expect(existsSync(join(dir, 'a', 'b'))).toBe(true);
    ensureParentDir(join(dir, 'a', 'b', 'file.sqlite'));
    expect(() => ensureParentDir(':memory:')).not.toThrow();
    expect(existsSync(':memory:')).toBe(false);
  });

  it('the passgraph database opens in a folder that does not exist yet', () => {
    const file = join(fresh(), 'data', 'passgraph.sqlite');
    const database = openDatabase(file);
    try {
      expect(database.ping()).toBe(true);
      expect(existsSync(file)).toBe(true);
    } finally {
      database.close();
    }
  });

  it('the emulator (what npm start embeds) opens its store in a folder that does not exist yet', async () => {
    const file = join(fresh(), 'data', 'nested', 'emulator.sqlite');
    const emulator = await startEmulator({ dbFile: file });
    try {
      expect(existsSync(file)).toBe(true);
      expect((await fetch(emulator.jwksUrl)).status).toBe(200);
    } finally {
      await emulator.close();
    }
  });
});
