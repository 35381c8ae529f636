import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type GqlResult, type Harness } from './helpers/harness.js';
import { eventually } from './hardening/support.js';

/**
 * Issue 11 item 4: every change to Passage is recorded as an intent first, so it never
 * half-happens. These are the reproductions, in process against the emulator.
 */
const SLOW = 1500;
const LOST = 3300;

describe('Passage writes that never half-happen', () => {
  let h: Harness;
  let admin: { id: string; token: string };
  let locker: Database.Database | undefined;

  const db = () => h.server.database.sqlite;
  const localUser = (id: string) => db().prepare('select id, status from users where id = ?').get(id) ?? null;
  const memberships = (id: string) => (db().prepare('select count(*) as n from org_memberships where user_id = ?').get(id) as { n: number }).n;
  const directoryEntry = (id: string) =>
    db().prepare('select status, deleted_at as deletedAt from directory_users where id = ?').get(id) as
      | { status: string; deletedAt: number | null }
      | undefined;
  const pending = () => db().prepare(`select kind, user_id as userId from passage_intents where state = 'pending'`).all();
  const reasonOf = (res: GqlResult<unknown>) => res.body.errors?.[0]?.extensions?.['reason'];

  beforeAll(async () => {
    // A short busy timeout: a write under another connection's lock fails fast. A slow Passage
    // answers in 1.5 s, well inside the 3 s deadline (wide margins: test machines are busy); a
    // lost answer comes after it.
    h = await startHarness({
      adminEmails: ['root@example.com'],
      env: { SQLITE_BUSY_TIMEOUT_MS: '100', RATE_LIMIT_CREATE_USER: 'off', PASSAGE_TIMEOUT_MS: '3000' },
    });
    admin = await h.user('root@example.com');
    await h.gql('{ me { id } }', { token: admin.token });
  });
  afterEach(() => {
    if (locker?.inTransaction) locker.exec('ROLLBACK');
    locker?.close();
    locker = undefined;
    h.emulator.clearFaults();
  });
  afterAll(() => h?.close());

  /** A user who signed in once (so their local row exists) and belongs to an org. */
  async function signedInMember(email: string) {
    const user = await h.user(email);
    await h.gql('{ me { id } }', { token: user.token });
    const org = await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Org of ${email}" }) { id } }`, { token: admin.token });
    const orgId = org.body.data!.createOrg.id;
    await h.gql(`mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Member") { role } }`, {
      token: admin.token,
      variables: { o: orgId, u: user.id },
    });
    expect(memberships(user.id)).toBe(1);
    return user;
  }

  /**
   * Runs a mutation whose Passage call is slowed, and takes the SQLite write lock from another
   * connection while Passage is working: the intent is already recorded, Passage then acts, and
   * the local completion cannot get the lock.
   */
  async function withCompletionLocked<T>(method: string, pathPart: string, run: () => Promise<GqlResult<T>>): Promise<GqlResult<T>> {
    h.emulator.injectFault({ match: { method }, delayMs: SLOW, times: 1 });
    const calls = h.emulator.calls.length;
    const pendingRes = run();
    await eventually(() => h.emulator.calls.slice(calls).some((c) => c.method === method && c.path.includes(pathPart)));
    locker = new Database(join(h.dir, 'passgraph.sqlite'));
    locker.exec('BEGIN IMMEDIATE');
    const res = await pendingRes;
    locker.exec('ROLLBACK');
    return res;
  }

  describe('the database is busy after Passage confirmed', () => {
    it('deleteUser answers that the user was deleted, refuses their token at once, and the reconciler removes the local rows', async () => {
      const doomed = await signedInMember('doomed@example.com');
      const res = await withCompletionLocked('DELETE', doomed.id, () =>
        h.gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { token: admin.token, variables: { id: doomed.id } }),
      );
      // Passage deleted the user: the answer says so (never "503, nothing was changed").
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: { deleteUser: { deletedUserId: doomed.id } } });
      expect(h.emulator.findUserByIdentifier('doomed@example.com')).toBeUndefined();

      // The local rows are still there, but the token is refused already.
      expect(localUser(doomed.id)).not.toBeNull();
      const stale = await h.gql('{ me { id } }', { token: doomed.token });
      expect(stale.status).toBe(401);
      expect(reasonOf(stale)).toBe('USER_DELETED');

      const report = await h.server.app.services.intents.reconcile();
      expect(report).toMatchObject({ examined: 1, done: 1 });
      expect(localUser(doomed.id)).toBeNull();
      expect(memberships(doomed.id)).toBe(0);
      // The directory keeps the deletion (a tombstone), so the token stays refused once the intent is settled.
      expect(directoryEntry(doomed.id)?.deletedAt).not.toBeNull();
      expect(reasonOf(await h.gql('{ me { id } }', { token: doomed.token }))).toBe('USER_DELETED');
      expect(pending()).toEqual([]);
      const audit = db()
        .prepare(`select outcome, detail from audit_log where action = 'user.delete' and target_id = ? order by id desc limit 1`)
        .get(doomed.id);
      expect(audit).toEqual({ outcome: 'success', detail: 'RECONCILED' });

      // A retry of the same deletion is its success, not NOT_FOUND.
      const retry = await h.gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { token: admin.token, variables: { id: doomed.id } });
      expect(retry.body).toEqual({ data: { deleteUser: { deletedUserId: doomed.id } } });
    });

    it('deactivateUser answers the inactive user, refuses their token at once, and the reconciler writes the status', async () => {
      const target = await signedInMember('sleepy@example.com');
      const res = await withCompletionLocked('PATCH', `${target.id}/deactivate`, () =>
        h.gql<{ deactivateUser: { id: string; status: string } }>(`mutation($id: ID!) { deactivateUser(id: $id) { id status } }`, {
          token: admin.token,
          variables: { id: target.id },
        }),
      );
      expect(res.body).toEqual({ data: { deactivateUser: { id: target.id, status: 'INACTIVE' } } });
      expect(h.emulator.findUserByIdentifier('sleepy@example.com')?.status).toBe('inactive');
      expect(localUser(target.id)).toEqual({ id: target.id, status: 'active' });

      const refused = await h.gql('{ me { id } }', { token: target.token });
      expect(refused.status).toBe(401);
      expect(reasonOf(refused)).toBe('USER_DEACTIVATED');

      await h.server.app.services.intents.reconcile();
      expect(localUser(target.id)).toEqual({ id: target.id, status: 'inactive' });
      expect(directoryEntry(target.id)).toEqual({ status: 'inactive', deletedAt: null });
      expect(pending()).toEqual([]);
      expect(reasonOf(await h.gql('{ me { id } }', { token: target.token }))).toBe('USER_DEACTIVATED');

      // Activation restores access.
      await h.gql(`mutation($id: ID!) { activateUser(id: $id) { id } }`, { token: admin.token, variables: { id: target.id } });
      expect((await h.gql('{ me { id } }', { token: target.token })).body).toEqual({ data: { me: { id: target.id } } });
    });

    it('createUser answers the created user and the reconciler stores their row', async () => {
      const res = await withCompletionLocked('POST', '/users', () =>
        h.gql<{ createUser: { id: string; email: string } }>(`mutation { createUser(input: { email: "fresh@example.com" }) { id email } }`, {
          token: admin.token,
        }),
      );
      const created = h.emulator.findUserByIdentifier('fresh@example.com');
      expect(created).toBeDefined();
      expect(res.body).toEqual({ data: { createUser: { id: created!.id, email: 'fresh@example.com' } } });
      expect(localUser(created!.id)).toBeNull();

      await h.server.app.services.intents.reconcile();
      expect(localUser(created!.id)).toEqual({ id: created!.id, status: 'active' });
      expect(pending()).toEqual([]);
    });
  });

  describe('a pending intent refuses conflicting local changes', () => {
    it('deleteUser(A) with Passage slow while co-owner B leaves: B is refused with PENDING_CHANGE and the org keeps an owner', async () => {
      const a = await h.user('owner-a@example.com');
      const b = await h.user('owner-b@example.com');
      const org = await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Two owners" }) { id } }`, { token: a.token });
      const orgId = org.body.data!.createOrg.id;
      const added = await h.gql(`mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Owner") { role } }`, {
        token: a.token,
        variables: { o: orgId, u: b.id },
      });
      expect(added.body.errors).toBeUndefined();

      h.emulator.injectFault({ match: { method: 'DELETE' }, delayMs: SLOW, times: 1 });
      const calls = h.emulator.calls.length;
      const deleting = h.gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { token: admin.token, variables: { id: a.id } });
      await eventually(() => h.emulator.calls.slice(calls).some((c) => c.method === 'DELETE'));

      const leave = await h.gql(`mutation($o: ID!, $u: ID!) { removeOrgMember(orgId: $o, userId: $u) { orgId } }`, {
        token: b.token,
        variables: { o: orgId, u: b.id },
      });
      expect(codes(leave)).toEqual(['CONFLICT']);
      expect(reasonOf(leave)).toBe('PENDING_CHANGE');
      // Demoting B is the same risk.
      const demote = await h.gql(`mutation($o: ID!, $u: ID!) { changeOrgMemberRole(orgId: $o, userId: $u, role: "Member") { role } }`, {
        token: b.token,
        variables: { o: orgId, u: b.id },
      });
      expect(reasonOf(demote)).toBe('PENDING_CHANGE');
      // Nothing new may be attached to a user being deleted, and a second change to them waits.
      expect(reasonOf(await h.gql(`mutation($id: ID!) { setAppRole(userId: $id, role: ADMIN) { id } }`, { token: admin.token, variables: { id: a.id } }))).toBe(
        'PENDING_CHANGE',
      );
      expect(reasonOf(await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: admin.token, variables: { id: a.id } }))).toBe(
        'PENDING_CHANGE',
      );

      expect((await deleting).body).toEqual({ data: { deleteUser: { deletedUserId: a.id } } });
      const owners = db().prepare(`select user_id as userId from org_memberships where org_id = ? and role = 'Owner'`).all(orgId);
      expect(owners).toEqual([{ userId: b.id }]);
      // Once settled, B is the last owner: leaving is LAST_OWNER now.
      const again = await h.gql(`mutation($o: ID!, $u: ID!) { removeOrgMember(orgId: $o, userId: $u) { orgId } }`, {
        token: b.token,
        variables: { o: orgId, u: b.id },
      });
      expect(reasonOf(again)).toBe('LAST_OWNER');
    });

    it('refuses the token of a user whose deactivation is still at Passage', async () => {
      const target = await signedInMember('in-flight@example.com');
      h.emulator.injectFault({ match: { method: 'PATCH' }, delayMs: SLOW, times: 1 });
      const calls = h.emulator.calls.length;
      const deactivating = h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: admin.token, variables: { id: target.id } });
      await eventually(() => h.emulator.calls.slice(calls).some((c) => c.method === 'PATCH'));
      const during = await h.gql('{ me { id } }', { token: target.token });
      expect(during.status).toBe(401);
      expect(reasonOf(during)).toBe('USER_DEACTIVATED');
      expect((await deactivating).body.errors).toBeUndefined();
    });
  });

  describe('an outcome Passage never confirmed', () => {
    it('is OUTCOME_UNKNOWN; the user stays refused until the reconciler read Passage, then gets what Passage says', async () => {
      const target = await signedInMember('unknown@example.com');
      // Passage deactivates the user only after our deadline: the answer is lost, the change is not.
      h.emulator.injectFault({ match: { method: 'PATCH' }, delayMs: LOST, times: 1 });
      const res = await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: admin.token, variables: { id: target.id } });
      expect(codes(res)).toEqual(['OUTCOME_UNKNOWN']);
      expect(reasonOf(await h.gql('{ me { id } }', { token: target.token }))).toBe('USER_DEACTIVATED');
      expect(pending()).toEqual([{ kind: 'deactivate_user', userId: target.id }]);

      const gauge = async () => (await h.server.app.metrics.registry.getSingleMetric('passgraph_passage_intents_pending')!.get()).values[0]?.value;
      expect(await gauge()).toBe(1);
      await eventually(() => h.emulator.findUserByIdentifier('unknown@example.com')?.status === 'inactive');
      await h.server.app.services.intents.reconcile();
      expect(pending()).toEqual([]);
      expect(await gauge()).toBe(0);
      expect(localUser(target.id)).toEqual({ id: target.id, status: 'inactive' });
      expect(reasonOf(await h.gql('{ me { id } }', { token: target.token }))).toBe('USER_DEACTIVATED');
    });

    it('is not concluded "not applied" before the settle time, and restores access once it is', async () => {
      const target = await signedInMember('never@example.com');
      h.emulator.injectFault({ match: { method: 'PATCH' }, status: 502, times: 1 });
      const res = await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: admin.token, variables: { id: target.id } });
      expect(codes(res)).toEqual(['OUTCOME_UNKNOWN']);

      expect(await h.server.app.services.intents.reconcile()).toMatchObject({ examined: 1, pending: 1 });
      expect(reasonOf(await h.gql('{ me { id } }', { token: target.token }))).toBe('USER_DEACTIVATED');

      expect(await h.server.app.services.intents.reconcile({ now: Date.now() + 3600_000 })).toMatchObject({ examined: 1, notApplied: 1 });
      expect(pending()).toEqual([]);
      expect((await h.gql('{ me { id } }', { token: target.token })).body).toEqual({ data: { me: { id: target.id } } });
      const audit = db()
        .prepare(`select outcome, detail from audit_log where action = 'user.deactivate' and target_id = ? order by id desc limit 1`)
        .get(target.id);
      expect(audit).toEqual({ outcome: 'failure', detail: 'NOT_APPLIED' });
    });

    it('answers a retried deleteUser whose first attempt Passage carried out late with the deletion, not NOT_FOUND', async () => {
      const doomed = await signedInMember('late-delete@example.com');
      h.emulator.injectFault({ match: { method: 'DELETE' }, delayMs: LOST, times: 1 });
      const first = await h.gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { token: admin.token, variables: { id: doomed.id } });
      expect(codes(first)).toEqual(['OUTCOME_UNKNOWN']);
      await eventually(() => h.emulator.findUserByIdentifier('late-delete@example.com') === undefined);
      const retry = await h.gql(`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { token: admin.token, variables: { id: doomed.id } });
      expect(retry.body).toEqual({ data: { deleteUser: { deletedUserId: doomed.id } } });
      expect(localUser(doomed.id)).toBeNull();
      expect(memberships(doomed.id)).toBe(0);
      expect(pending()).toEqual([]);
    });

    it('lets the same request be retried (it takes the pending intent over) while a different change waits', async () => {
      const target = await signedInMember('retry@example.com');
      h.emulator.injectFault({ match: { method: 'PATCH' }, status: 500, times: 1 });
      const first = await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: admin.token, variables: { id: target.id } });
      expect(codes(first)).toEqual(['OUTCOME_UNKNOWN']);
      const other = await h.gql(`mutation($id: ID!) { updateUser(id: $id, input: { email: "retry2@example.com" }) { id } }`, {
        token: admin.token,
        variables: { id: target.id },
      });
      expect(reasonOf(other)).toBe('PENDING_CHANGE');
      const retry = await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id status } }`, { token: admin.token, variables: { id: target.id } });
      expect(retry.body).toEqual({ data: { deactivateUser: { id: target.id, status: 'INACTIVE' } } });
      expect(pending()).toEqual([]);
      expect(localUser(target.id)).toEqual({ id: target.id, status: 'inactive' });
    });
  });
});
