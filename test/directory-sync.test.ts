import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { users } from '../src/db/schema/index.js';
import { createLogger } from '../src/logger.js';
import { PassageClient } from '../src/passage/client.js';
import { DirectoryService } from '../src/services/directory.js';
import { DirectorySync } from '../src/services/directory-sync.js';
import { startHarness, type Harness } from './helpers/harness.js';

/**
 * The sync's own rules at the storage level, each on a fresh database against the emulator:
 * a list page is applied set-based with the same rules as a single read, and the incremental sync
 * reads what changed, not a wide margin before its high-water mark.
 */
describe('directory sync', () => {
  let h: Harness;
  let dir: string;
  let client: PassageClient;
  const opened: Database[] = [];

  beforeAll(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), 'passgraph-dirsync-'));
    client = new PassageClient({ appId: h.emulator.appId, apiKey: h.emulator.apiKey, apiUrl: h.emulator.apiUrl, timeoutMs: 2000 });
  });
  afterAll(async () => {
    for (const d of opened) d.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fresh = (name: string) => {
    const database = openDatabase(join(dir, `${name}.sqlite`));
    runMigrations(database);
    opened.push(database);
    return { database, directory: new DirectoryService({ database }) };
  };
  const patch = async (id: string, body: unknown) => {
    const res = await fetch(`${h.emulator.apiUrl}/apps/${h.emulator.appId}/users/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const withoutSyncTime = <T extends { syncedAt: Date }>(entry: T) => ({ ...entry, syncedAt: undefined });

  describe('a list page', () => {
    it('stores every field exactly as a read of that one user does', async () => {
      const seeded = await h.emulator.seedUser({
        email: 'page-fields@example.com',
        phone: '+15555550111',
        status: 'inactive',
        userMetadata: { plan: 'pro', nested: { n: 1 } },
        loginCount: 7,
        lastLoginAt: new Date('2026-03-04T05:06:07.089Z'),
      });
      const fromGet = fresh('fields-get');
      const fromList = fresh('fields-list');
      const viaGet = await fromGet.directory.apply(await client.getUser(seeded.id), 'get');
      const page = await client.listUsers({ limit: 1, id: seeded.id });
      await fromList.database.transaction((tx) => fromList.directory.applyListPageInTx(tx, page.users));
      expect(withoutSyncTime(fromList.directory.get(seeded.id)!)).toEqual(withoutSyncTime(viaGet));
      expect(viaGet).toMatchObject({ status: 'inactive', phone: '+15555550111', loginCount: 7, metadata: { plan: 'pro', nested: { n: 1 } } });
    });

    it('never overwrites a newer entry, never lifts a tombstone, and brings the local status in line', async () => {
      const a = await h.emulator.seedUser({ email: 'page-old@example.com', status: 'active' });
      const b = await h.emulator.seedUser({ email: 'page-gone@example.com', status: 'active' });
      const c = await h.emulator.seedUser({ email: 'page-status@example.com', status: 'inactive' });
      const { database, directory } = fresh('rules');
      const old = await client.listUsers({ limit: 10, identifier: 'like:page-%' });
      await patch(a.id, { email: 'page-new@example.com' });
      await directory.apply(await client.getUser(a.id), 'get');
      await directory.recordDeletion(b.id);
      // A local row written as active (as before the directory) for a user Passage has inactive.
      await database.transaction((tx) => tx.insert(users).values({ id: c.id, status: 'active' }).run());

      await database.transaction((tx) => directory.applyListPageInTx(tx, old.users));

      expect(directory.get(a.id)!.email).toBe('page-new@example.com');
      expect(directory.get(b.id)!.deletedAt).not.toBeNull();
      expect(directory.get(c.id)!.status).toBe('inactive');
      expect(
        database.db
          .select()
          .from(users)
          .all()
          .find((u) => u.id === c.id)!.status,
      ).toBe('inactive');
    });
  });

  describe('deletions between sweeps', () => {
    it('finds several users deleted in Passage in one run, from its count, and costs one count when nothing was deleted', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push((await h.emulator.seedUser({ email: `gone-${i}@example.com`, status: 'active' })).id);
      const { database, directory } = fresh('deletions');
      const sync = new DirectorySync({ directory, database, passage: client, log: createLogger('silent'), syncIntervalMs: 1000, sweepIntervalMs: 60_000 });
      await sync.syncNow();
      const before = directory.count();
      for (const id of [ids[2]!, ids[17]!, ids[29]!]) {
        const res = await fetch(`${h.emulator.apiUrl}/apps/${h.emulator.appId}/users/${id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${h.emulator.apiKey}` },
        });
        expect(res.status).toBe(200);
      }
      const run = await sync.syncNow();
      expect(run).toMatchObject({ kind: 'incremental', deleted: 3 });
      for (const id of [ids[2]!, ids[17]!, ids[29]!]) expect(directory.get(id)!.deletedAt).not.toBeNull();
      expect(directory.count()).toBe(before - 3);
      h.emulator.clearCalls();
      expect((await sync.syncNow()).deleted).toBe(0);
      const calls = h.emulator.calls.filter((c) => !c.path.includes('jwks'));
      // The changes page and one count of Passage's users.
      expect(calls.map((c) => `${c.method} ${c.query['limit']}`)).toEqual(['GET 500', 'GET 1']);
    });
  });

  describe('a surplus that is not a deletion', () => {
    it('is searched once, then not again every run while it stays the same', async () => {
      const { database, directory } = fresh('surplus');
      const calls: string[] = [];
      // A Passage whose count leaves one user out (say, one its list does not show): no GET finds a deletion.
      const passage = {
        listUsers: async (params: Parameters<PassageClient['listUsers']>[0]) => {
          const page = await client.listUsers(params);
          calls.push(params?.createdBefore !== undefined && params.limit === 1 ? 'count' : 'list');
          return params?.createdBefore !== undefined && params.limit === 1 ? { ...page, totalUsers: page.totalUsers - 1 } : page;
        },
        getUser: async (id: string) => {
          calls.push('get');
          return client.getUser(id);
        },
      } as unknown as PassageClient;
      const sync = new DirectorySync({ directory, database, passage, log: createLogger('silent'), syncIntervalMs: 1000, sweepIntervalMs: 60_000 });
      await sync.syncNow();
      calls.length = 0;
      expect((await sync.syncNow()).deleted).toBe(0);
      expect(calls.filter((c) => c === 'get').length).toBeGreaterThan(0);
      calls.length = 0;
      expect((await sync.syncNow()).deleted).toBe(0);
      expect(calls).toEqual(['list', 'count']);
    });
  });

  describe('while Passage fails', () => {
    it('backs off (the interval doubles) instead of calling every interval, and resets after a success', async () => {
      const { database, directory } = fresh('backoff');
      let calls = 0;
      let failing = true;
      const passage = {
        listUsers: async (params: Parameters<PassageClient['listUsers']>[0]) => {
          calls += 1;
          if (failing) throw new Error('Passage is down');
          return client.listUsers(params);
        },
      } as unknown as PassageClient;
      const sync = new DirectorySync({ directory, database, passage, log: createLogger('silent'), syncIntervalMs: 40, sweepIntervalMs: 60_000 });
      sync.start();
      await sleep(1200);
      await sync.stop();
      // Every 40 ms would be about 30 runs; doubling from 80 ms (with jitter) leaves at most 6.
      expect(calls).toBeGreaterThanOrEqual(2);
      expect(calls).toBeLessThanOrEqual(7);
      expect(sync.status()).toMatchObject({ ready: false, consecutiveFailures: calls, lastError: 'Passage is down' });
      failing = false;
      await sync.syncNow();
      expect(sync.status()).toMatchObject({ ready: true, consecutiveFailures: 0, lastError: null });
    });
  });

  describe('the high-water mark', () => {
    const startSync = (database: Database, directory: DirectoryService, overlapMs: number) =>
      new DirectorySync({ directory, database, passage: client, log: createLogger('silent'), syncIntervalMs: 1000, sweepIntervalMs: 60_000, overlapMs });

    it("starts at Passage's newest change when the full sync begins: the next run reads only what changed since", async () => {
      for (let i = 0; i < 5; i++) await h.emulator.seedUser({ email: `mark-before${i}@example.com`, status: 'active' });
      const { database, directory } = fresh('mark');
      // An overlap that is never due in this test: only the mark itself decides what is read.
      const sync = startSync(database, directory, 60_000);
      expect((await sync.syncNow()).kind).toBe('full');
      expect((await sync.syncNow()).applied).toBe(0);
      const changed = await h.emulator.seedUser({ email: 'mark-after@example.com', status: 'active' });
      const other = directory.findByIdentifier('mark-before1@example.com')!;
      await patch(other.id, { user_metadata: { changed: true } });
      const run = await sync.syncNow();
      expect(run.applied).toBe(2);
      expect(directory.get(changed.id)).not.toBeNull();
      expect(directory.get(other.id)!.metadata).toEqual({ changed: true });
      expect((await sync.syncNow()).applied).toBe(0);
    });

    it('re-reads the overlap before a new mark once, after it had time to settle, and not on every run', async () => {
      await h.emulator.seedUser({ email: 'overlap0@example.com', status: 'active' });
      const { database, directory } = fresh('overlap');
      const sync = startSync(database, directory, 100);
      await sync.syncNow();
      await sleep(150);
      const settling = await sync.syncNow();
      expect(settling.applied).toBeGreaterThanOrEqual(1);
      const quiet = await sync.syncNow();
      expect(quiet).toMatchObject({ applied: 0, pages: 1 });
    });
  });
});
