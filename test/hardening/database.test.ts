import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { devEnv, mintDevToken, startDevProcess } from '../helpers/dev-process.js';
import { codes, startHarness, type Harness } from '../helpers/harness.js';
import { snapshot } from './support.js';

/** Matrix rows 57-59: the database under a held lock, after a hard kill, and its audit log. */

describe('row 57: the write lock held by another connection beyond busy_timeout', () => {
  let h: Harness;
  let member: { id: string; token: string };
  let locker: Database.Database | undefined;
  beforeAll(async () => {
    h = await startHarness({ env: { SQLITE_BUSY_TIMEOUT_MS: '100' } });
    member = await h.user('locked@example.com');
    await h.gql('mutation { updateMe(input: { displayName: "before the lock" }) { id } }', { token: member.token });
  });
  afterEach(() => {
    if (locker?.inTransaction) locker.exec('ROLLBACK');
    locker?.close();
    locker = undefined;
  });
  afterAll(() => h?.close());

  /** A second connection, as a backup tool or a second process would hold it. */
  const holdWriteLock = () => {
    locker = new Database(join(h.dir, 'passgraph.sqlite'));
    locker.exec('BEGIN IMMEDIATE');
  };

  it('fails the mutation with 503 SERVICE_UNAVAILABLE and Retry-After, writes nothing, and reads keep working', async () => {
    holdWriteLock();
    const before = snapshot(h);
    const res = await h.gql('mutation { updateMe(input: { displayName: "during the lock" }) { id displayName } }', { token: member.token });
    expect(res.status).toBe(503);
    expect(codes(res)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.body.data ?? null).toBeNull();
    expect(JSON.stringify(res.body)).not.toMatch(/SQLITE|locked/i);

    // WAL readers do not wait for the writer.
    const read = await h.gql<{ me: { id: string; displayName: string } }>('{ me { id displayName } }', { token: member.token });
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual({ me: { id: member.id, displayName: 'before the lock' } });
    expect(snapshot(h)).toBe(before);

    locker!.exec('ROLLBACK');
    const after = await h.gql<{ updateMe: { displayName: string } }>('mutation { updateMe(input: { displayName: "after the lock" }) { displayName } }', {
      token: member.token,
    });
    expect(after.status).toBe(200);
    expect(after.body.data).toEqual({ updateMe: { displayName: 'after the lock' } });
  });

  it('answers a new user’s first request, which must write their row, with 503 SERVICE_UNAVAILABLE too', async () => {
    const newcomer = await h.user('newcomer@example.com');
    holdWriteLock();
    const res = await h.gql('{ me { id } }', { token: newcomer.token });
    expect(res.status).toBe(503);
    expect(codes(res)).toEqual(['SERVICE_UNAVAILABLE']);
    locker!.exec('ROLLBACK');
    expect((await h.gql('{ me { id } }', { token: newcomer.token })).body.data).toEqual({ me: { id: newcomer.id } });
  });

  it('runs every connection with synchronous=FULL, so a commit is on disk before it is acknowledged', () => {
    expect(h.server.database.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    expect(h.server.database.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(h.server.database.sqlite.pragma('busy_timeout', { simple: true })).toBe(100);
  });
});

describe('row 58: kill -9 right after a committed change', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'passgraph-kill-'));
    env = devEnv(dir);
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const started = await startDevProcess(env);
    child = started.child;
    return started.url;
  };

  it('finds the acknowledged change in the file after the process is killed without any shutdown', async () => {
    const url = await start();
    const cli = mintDevToken(env, 'member@example.com');
    expect(cli.status).toBe(0);
    const token = cli.stdout.trim().split('\n').at(-1)!;
    const value = `durable ${Date.now()}`;

    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation($n: String) { updateMe(input: { displayName: $n }) { id displayName } }', variables: { n: value } }),
    });
    const body = (await res.json()) as { data: { updateMe: { id: string; displayName: string } } };
    expect(body.data.updateMe.displayName).toBe(value);

    const exited = new Promise<NodeJS.Signals | null>((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));
    child!.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    child = undefined;

    // Opening the file replays its WAL, as the next start would.
    const db = new Database(join(dir, 'passgraph.sqlite'));
    try {
      const row = db.prepare('select display_name from users where id = ?').get(body.data.updateMe.id) as { display_name: string } | undefined;
      expect(row?.display_name).toBe(value);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});

describe('row 59: the audit log is append-only', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['auditor@example.com'] });
    const admin = await h.user('auditor@example.com');
    const target = await h.user('promoted@example.com');
    const res = await h.gql(`mutation { setAppRole(userId: "${target.id}", role: ADMIN) { id } }`, { token: admin.token });
    expect(res.body.errors).toBeUndefined();
  });
  afterAll(() => h?.close());

  it('refuses UPDATE and DELETE on audit rows, from any connection, and leaves them as they were', () => {
    const other = new Database(join(h.dir, 'passgraph.sqlite'));
    try {
      const rows = () => JSON.stringify(other.prepare('select * from audit_log order by id').all());
      const before = rows();
      expect(JSON.parse(before)).not.toHaveLength(0);
      expect(() => other.exec(`update audit_log set actor_id = 'someone-else'`)).toThrow();
      expect(() => other.exec('delete from audit_log')).toThrow();
      expect(rows()).toBe(before);
    } finally {
      other.close();
    }
  });
});
