import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testServerEnv } from './helpers/harness.js';
import { startEmulator, type Emulator } from '../src/identity/index.js';
import { startDevProcess, waitForLog } from './helpers/dev-process.js';
import { eventually } from './hardening/support.js';

/**
 * Issue 11 item 4: the real server process is killed (SIGKILL, no shutdown) at each step of a
 * deleteUser and a deactivateUser; after a restart passgraph and Passage agree, and the user's
 * token gets what Passage says. The emulator runs in this test process, so it outlives the kill
 * and finishes a call that was in flight, as Passage would.
 */
type Step = 'before_passage' | 'during_passage' | 'after_passage';

const MUTATIONS = {
  deleteUser: { query: 'mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }', method: 'DELETE', suffix: '', refusal: 'USER_DELETED' },
  deactivateUser: { query: 'mutation($id: ID!) { deactivateUser(id: $id) { id } }', method: 'PATCH', suffix: '/deactivate', refusal: 'USER_DEACTIVATED' },
} as const;

describe('SIGKILL at each step of a Passage write', () => {
  let dir: string;
  let emulator: Emulator;
  let adminToken: string;
  let adminId: string;
  let child: ChildProcess | undefined;
  let serial = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passgraph-intent-kill-'));
    emulator = await startEmulator({ dbFile: join(dir, 'emulator.sqlite') });
    const admin = await emulator.seedUser({ email: 'root@example.com', status: 'active' });
    adminId = admin.id;
    adminToken = await emulator.mintToken(admin.id);
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
    emulator.clearFaults();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (pause?: string): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'] ?? '',
    ...testServerEnv(dir, emulator, [adminId]),
    LOG_LEVEL: 'info',
    INTENT_RECONCILE_INTERVAL_MS: '200',
    ...(pause ? { INTENT_TEST_PAUSE: pause } : {}),
  });

  async function start(pause?: string): Promise<{ proc: ChildProcess; url: string }> {
    const started = await startDevProcess(env(pause));
    child = started.child;
    return { proc: started.child, url: started.url };
  }

  async function kill(proc: ChildProcess): Promise<void> {
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, signal) => resolve(signal)));
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    child = undefined;
  }

  const gql = async (url: string, query: string, token: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> } };
  };

  /** Reads the file as it is now (read-only, beside the running server). */
  function local<T>(read: (db: Database.Database) => T): T {
    const db = new Database(join(dir, 'passgraph.sqlite'), { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  }
  const localStatus = (id: string) => local((db) => db.prepare('select status from users where id = ?').get(id) as { status: string } | undefined);
  const pendingIntents = () => local((db) => (db.prepare(`select count(*) as n from passage_intents where state = 'pending'`).get() as { n: number }).n);

  for (const [name, m] of Object.entries(MUTATIONS)) {
    for (const step of ['before_passage', 'during_passage', 'after_passage'] as Step[]) {
      it(`${name}: killed ${step.replace('_', ' ')}, then passgraph and Passage agree after a restart`, async () => {
        const email = `kill-${serial++}@example.com`;
        const target = await emulator.seedUser({ email, status: 'active' });
        const token = await emulator.mintToken(target.id);

        const first = await start(step === 'during_passage' ? undefined : step);
        expect((await gql(first.url, '{ me { id } }', token)).body.data).toEqual({ me: { id: target.id } });
        const callPath = `/users/${target.id}${m.suffix}`;
        const callsBefore = emulator.calls.length;
        const passageCall = () => emulator.calls.slice(callsBefore).find((c) => c.method === m.method && c.path.endsWith(callPath));

        // Passage slow to answer: the kill lands while the call is at Passage.
        if (step === 'during_passage') emulator.injectFault({ match: { method: m.method }, delayMs: 600, times: 1 });
        const paused = step === 'during_passage' ? null : waitForLog(first.proc, (e) => e['msg'] === 'intent test pause' && e['step'] === step);
        void gql(first.url, m.query, adminToken, { id: target.id }).catch(() => undefined);
        if (paused) await paused;
        else await eventually(() => passageCall() !== undefined);

        if (step === 'before_passage') expect(passageCall()).toBeUndefined();
        if (step === 'after_passage') expect(passageCall()?.status).toBe(200);
        await kill(first.proc);
        // A call in flight still lands at Passage after the caller died.
        if (step === 'during_passage') await eventually(() => (passageCall()?.status ?? 0) !== 0);

        const passageUser = emulator.findUserByIdentifier(email);
        const passageSays = passageUser === undefined ? 'deleted' : passageUser.status;
        expect(passageSays).toBe(step === 'before_passage' ? 'active' : name === 'deleteUser' ? 'deleted' : 'inactive');

        const second = await start();
        if (passageSays === 'active') {
          // Never sent: once the call can no longer land, the intent closes and access is back.
          await eventually(async () => (await gql(second.url, '{ me { id } }', token)).status === 200, 15_000, 200);
          expect((await gql(second.url, '{ me { id } }', token)).body.data).toEqual({ me: { id: target.id } });
          expect(localStatus(target.id)).toEqual({ status: 'active' });
        } else {
          // Settled at start-up, before the first request was served.
          const res = await gql(second.url, '{ me { id } }', token);
          expect(res.status).toBe(401);
          expect(res.body.errors?.[0]?.extensions?.['reason']).toBe(m.refusal);
          expect(localStatus(target.id)).toEqual(passageSays === 'deleted' ? undefined : { status: 'inactive' });
        }
        await eventually(() => pendingIntents() === 0, 10_000, 100);
        await kill(second.proc);
        // Two process starts and, for a call never sent, its settle time: generous on a busy machine.
      }, 60_000);
    }
  }
});
