import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { KEY_ROTATION_MS, ImpersonationKeys } from '../src/services/impersonation-keys.js';

const TTL_MS = 900_000;

/** The key store alone, on a real migrated database, with the clock moved by hand. */
describe('impersonation keys', () => {
  let dir: string;
  let database: Database;
  const storedKids = () =>
    (database.sqlite.prepare('select kid from impersonation_keys order by created_at, rowid').all() as { kid: string }[]).map((r) => r.kid);
  /** What issuing a token does to its key, in its own transaction. */
  const issue = async (keys: ImpersonationKeys) => {
    const key = await keys.signingKey();
    await database.transaction((tx) => keys.noteIssuedInTx(tx, key.kid, new Date(Date.now() + TTL_MS)));
    return key.kid;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'passgraph-keys-'));
    database = openDatabase(join(dir, 'db.sqlite'));
    runMigrations(database);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes one key on first use, shared by concurrent first uses, and keeps it across a restart', async () => {
    const keys = new ImpersonationKeys({ database });
    expect(keys.kids()).toEqual([]);
    const [a, b] = await Promise.all([keys.signingKey(), keys.signingKey()]);
    expect(a.kid).toBe(b.kid);
    expect(storedKids()).toEqual([a.kid]);
    const again = new ImpersonationKeys({ database });
    expect((await again.signingKey()).kid).toBe(a.kid);
    expect(await again.verificationKey(a.kid)).not.toBeNull();
  });

  it('after a rotation the old key verifies until its last token has expired, then stops and is deleted', async () => {
    const keys = new ImpersonationKeys({ database });
    const old = await issue(keys);
    const fresh = await keys.rotate();
    expect((await keys.signingKey()).kid).toBe(fresh);
    expect(keys.kids()).toEqual([fresh, old]);
    expect(await keys.verificationKey(old)).not.toBeNull();

    // Just before the old key's last token expires (plus the 5 s tolerance) it still verifies ...
    vi.setSystemTime(Date.now() + TTL_MS + 4_000);
    expect(keys.keyPublished(old)).toBe(true);
    // ... then it does not, and the next rotation deletes it.
    vi.setSystemTime(Date.now() + 2_000);
    expect(keys.keyPublished(old)).toBe(false);
    expect(await keys.verificationKey(old)).toBeNull();
    expect(storedKids()).toEqual([old, fresh]);
    const third = await keys.rotate();
    expect(storedKids()).toEqual([fresh, third]);
    // The key retired just now has signed nothing: it is kept a minute in case a token is in flight.
    expect(keys.kids()).toEqual([third, fresh]);
  });

  it('replaces a signing key older than the rotation period on its next use', async () => {
    const keys = new ImpersonationKeys({ database });
    const first = await issue(keys);
    vi.setSystemTime(Date.now() + KEY_ROTATION_MS - 1000);
    expect((await keys.signingKey()).kid).toBe(first);
    vi.setSystemTime(Date.now() + 2000);
    const second = (await keys.signingKey()).kid;
    expect(second).not.toBe(first);
    expect(keys.kids()).toEqual([second]);
  });

  it('knows no kid that is not its own', async () => {
    const keys = new ImpersonationKeys({ database });
    await keys.signingKey();
    expect(await keys.verificationKey('someone-elses-kid')).toBeNull();
    expect(keys.keyPublished('someone-elses-kid')).toBe(false);
  });
});
