import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from '../helpers/harness.js';
import { eventually } from './support.js';

describe('Idempotency-Key on mutations', () => {
  let h: Harness;
  let admin: { id: string; token: string };
  let member: { id: string; token: string };
  const CREATE = `mutation($email: String!) { createUser(input: { email: $email }) { id email } }`;
  const passagePosts = () => h.emulator.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/users')).length;

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'], env: { RATE_LIMIT_CREATE_USER: 'off', RATE_LIMIT_MAGIC_LINKS: 'off' } });
    admin = await h.user('root@example.com');
    member = await h.user('member@example.com');
  });
  afterAll(() => h?.close());

  it('row 52: a replay with the same key gets the stored result and Passage is called once', async () => {
    const before = passagePosts();
    const headers = { 'idempotency-key': 'create-once-1' };
    const first = await h.gql<{ createUser: { id: string } }>(CREATE, { token: admin.token, variables: { email: 'once@example.com' }, headers });
    expect(first.body.errors).toBeUndefined();
    const replay = await h.gql(CREATE, { token: admin.token, variables: { email: 'once@example.com' }, headers });
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(passagePosts() - before).toBe(1);
  });

  it('row 53: the same key with a different request is IDEMPOTENCY_KEY_REUSED (422) and runs nothing', async () => {
    const headers = { 'idempotency-key': 'create-once-2' };
    await h.gql(CREATE, { token: admin.token, variables: { email: 'first@example.com' }, headers });
    const before = passagePosts();
    const reused = await h.gql(CREATE, { token: admin.token, variables: { email: 'second@example.com' }, headers });
    expect(reused.status).toBe(422);
    expect(codes(reused)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(passagePosts()).toBe(before);
    expect(h.emulator.findUserByIdentifier('second@example.com')).toBeUndefined();
  });

  it('row 54: a retry while the first request still runs is IDEMPOTENCY_IN_PROGRESS (409)', async () => {
    const headers = { 'idempotency-key': 'slow-1' };
    const remove = h.emulator.injectFault({ match: { method: 'POST', pathPrefix: '/users' }, delayMs: 400 });
    try {
      const calls = passagePosts();
      const first = h.gql(CREATE, { token: admin.token, variables: { email: 'slow@example.com' }, headers });
      // Once the first request has reached Passage its reservation exists (it is taken before).
      await eventually(() => passagePosts() > calls);
      const second = await h.gql(CREATE, { token: admin.token, variables: { email: 'slow@example.com' }, headers });
      expect(second.status).toBe(409);
      expect(codes(second)).toEqual(['IDEMPOTENCY_IN_PROGRESS']);
      expect((await first).body.errors).toBeUndefined();
    } finally {
      remove();
    }
  });

  it('lets a retry run again when Passage did not answer, and the retry makes the change', async () => {
    const headers = { 'idempotency-key': 'retry-after-outage' };
    const remove = h.emulator.injectFault({ match: { method: 'POST', pathPrefix: '/users' }, status: 503 });
    let failed;
    try {
      failed = await h.gql(CREATE, { token: admin.token, variables: { email: 'later@example.com' }, headers });
    } finally {
      remove();
    }
    // A 503 may come from a proxy after Passage acted: the answer cannot claim nothing changed.
    expect(codes(failed)).toEqual(['OUTCOME_UNKNOWN']);
    const retried = await h.gql<{ createUser: { id: string; email: string } }>(CREATE, {
      token: admin.token,
      variables: { email: 'later@example.com' },
      headers,
    });
    expect(retried.body.errors).toBeUndefined();
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(retried.body.data!.createUser).toEqual({ id: h.emulator.findUserByIdentifier('later@example.com')!.id, email: 'later@example.com' });
  });

  it('answers a retry after a lost answer with the user Passage created the first time, not ALREADY_EXISTS', async () => {
    const headers = { 'idempotency-key': 'lost-answer' };
    // Passage creates the user after our deadline: the first answer is lost, the change is not.
    const remove = h.emulator.injectFault({ match: { method: 'POST', pathPrefix: '/users' }, delayMs: 1300, times: 1 });
    const first = await h.gql(CREATE, { token: admin.token, variables: { email: 'lost@example.com' }, headers });
    remove();
    expect(codes(first)).toEqual(['OUTCOME_UNKNOWN']);
    await eventually(() => h.emulator.findUserByIdentifier('lost@example.com') !== undefined);
    const created = h.emulator.findUserByIdentifier('lost@example.com')!;

    const retried = await h.gql<{ createUser: { id: string; email: string } }>(CREATE, {
      token: admin.token,
      variables: { email: 'lost@example.com' },
      headers,
    });
    expect(retried.body.errors).toBeUndefined();
    expect(retried.body.data!.createUser).toEqual({ id: created.id, email: 'lost@example.com' });
    const row = h.server.database.sqlite.prepare('select id, status from users where id = ?').get(created.id);
    expect(row).toEqual({ id: created.id, status: 'active' });
    expect(h.server.database.sqlite.prepare(`select count(*) as n from passage_intents where state = 'pending'`).get()).toEqual({ n: 0 });
  });

  it('scopes keys to the caller', async () => {
    const headers = { 'idempotency-key': 'shared-name' };
    const mine = await h.gql(`mutation { updateMe(input: { displayName: "Admin" }) { displayName } }`, { token: admin.token, headers });
    const theirs = await h.gql(`mutation { updateMe(input: { displayName: "Admin" }) { displayName } }`, { token: member.token, headers });
    expect(mine.body.data).toEqual({ updateMe: { displayName: 'Admin' } });
    expect(theirs.body.data).toEqual({ updateMe: { displayName: 'Admin' } });
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });

  it('refuses a malformed key with 400 and ignores keys on queries', async () => {
    const bad = await h.gql(CREATE, { token: admin.token, variables: { email: 'x@example.com' }, headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(bad.status).toBe(400);
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    const query = await h.gql(`{ me { id } }`, { token: admin.token, headers: { 'idempotency-key': 'q' } });
    const again = await h.gql(`{ me { id } }`, { token: admin.token, headers: { 'idempotency-key': 'q' } });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body).toEqual(query.body);
  });

  it('item 13: once a root field ran, the partial answer is stored and a retry does not run it again', async () => {
    const headers = { 'idempotency-key': 'partial-1' };
    const q = `mutation($me: ID!) { createOrg(input: { name: "Once" }) { id } revokeSessions(userId: $me) }`;
    const owned = () =>
      (h.server.database.sqlite.prepare(`select count(*) as n from org_memberships where user_id = ? and role = 'Owner'`).get(member.id) as { n: number }).n;
    const before = owned();
    const remove = h.emulator.injectFault({ match: { method: 'DELETE', pathPrefix: '/users' }, status: 500 });
    try {
      const first = await h.gql(q, { token: member.token, variables: { me: member.id }, headers });
      // A 500 to a write: Passage may have acted (see Writes to Passage).
      expect(codes(first)).toEqual(['OUTCOME_UNKNOWN']);
      expect(owned()).toBe(before + 1);
      const retry = await h.gql(q, { token: member.token, variables: { me: member.id }, headers });
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body).toEqual(first.body);
    } finally {
      remove();
    }
    // Even with Passage back, the key keeps its stored answer: createOrg ran once.
    const later = await h.gql(q, { token: member.token, variables: { me: member.id }, headers });
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(owned()).toBe(before + 1);
  });

  it('item 13: when every root field failed with a retryable error, the key is released', async () => {
    const headers = { 'idempotency-key': 'nothing-ran-1' };
    const q = `mutation($me: ID!) { a: revokeSessions(userId: $me) b: revokeSessions(userId: $me) }`;
    const remove = h.emulator.injectFault({ match: { method: 'DELETE', pathPrefix: '/users' }, status: 500 });
    try {
      const first = await h.gql(q, { token: member.token, variables: { me: member.id }, headers });
      expect(codes(first)).toContain('OUTCOME_UNKNOWN');
    } finally {
      remove();
    }
    const retry = await h.gql(q, { token: member.token, variables: { me: member.id }, headers });
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body).toEqual({ data: { a: true, b: true } });
  });

  it('item 14: a magic link asked for inside a fragment is neither stored nor replayed', async () => {
    const headers = { 'idempotency-key': 'ml-fragment' };
    for (const q of [
      `mutation { ...M } fragment M on Mutation { createMagicLink(input: { email: "ml-frag@example.com" }) { id url } }`,
      `mutation { ... on Mutation { createMagicLink(input: { email: "ml-frag@example.com" }) { id url } } }`,
    ]) {
      const a = await h.gql<{ createMagicLink: { id: string } }>(q, { token: admin.token, headers });
      const b = await h.gql<{ createMagicLink: { id: string } }>(q, { token: admin.token, headers });
      expect(a.body.errors).toBeUndefined();
      expect(b.headers.get('idempotent-replayed')).toBeNull();
      expect(a.body.data!.createMagicLink.id).not.toBe(b.body.data!.createMagicLink.id);
    }
    const stored = h.server.database.sqlite.prepare(`select count(*) as n from idempotency_keys where key = 'ml-fragment'`).get();
    expect(stored).toEqual({ n: 0 });
    expect(JSON.stringify(h.server.database.sqlite.prepare(`select response from idempotency_keys`).all())).not.toContain('magic');
  });

  it('item 15: purges expired rows in bounded batches and keeps live ones', async () => {
    const sqlite = h.server.database.sqlite;
    const insert = sqlite.prepare(`insert into idempotency_keys (actor_id, key, request_hash, state, response, created_at) values (?, ?, 'h', ?, null, ?)`);
    const old = Date.now() - 25 * 3600_000;
    sqlite.transaction(() => {
      for (let i = 0; i < 1200; i++) insert.run('purge-actor', `old-${i}`, 'done', old);
      insert.run('purge-actor', 'stuck', 'in_progress', Date.now() - 10 * 60_000);
      insert.run('purge-actor', 'fresh', 'done', Date.now());
      insert.run('purge-actor', 'running', 'in_progress', Date.now());
    })();
    const count = () => (sqlite.prepare(`select count(*) as n from idempotency_keys where actor_id = 'purge-actor'`).get() as { n: number }).n;
    expect(await h.server.app.purgeIdempotencyKeys()).toBe(500);
    expect(count()).toBe(1203 - 500);
    while ((await h.server.app.purgeIdempotencyKeys()) > 0);
    const left = sqlite.prepare(`select key from idempotency_keys where actor_id = 'purge-actor' order by key`).all();
    expect(left).toEqual([{ key: 'fresh' }, { key: 'running' }]);
  });

  it('never stores magic link responses (they carry a one-time credential)', async () => {
    const headers = { 'idempotency-key': 'ml-1' };
    const q = `mutation { createMagicLink(input: { email: "ml-idem@example.com" }) { id } }`;
    const a = await h.gql<{ createMagicLink: { id: string } }>(q, { token: admin.token, headers });
    const b = await h.gql<{ createMagicLink: { id: string } }>(q, { token: admin.token, headers });
    expect(a.body.data!.createMagicLink.id).not.toBe(b.body.data!.createMagicLink.id);
    expect(h.server.database.sqlite.prepare(`select count(*) as n from idempotency_keys where key = 'ml-1'`).get()).toEqual({ n: 0 });
  });
});

describe('item 15: the idempotency purge timer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { IDEMPOTENCY_PURGE_INTERVAL_MS: '100' } });
  });
  afterAll(() => h?.close());

  it('runs in the server process on its interval', async () => {
    const sqlite = h.server.database.sqlite;
    sqlite
      .prepare(`insert into idempotency_keys (actor_id, key, request_hash, state, response, created_at) values ('a', 'expired', 'h', 'done', null, ?)`)
      .run(Date.now() - 25 * 3600_000);
    await eventually(() => (sqlite.prepare(`select count(*) as n from idempotency_keys`).get() as { n: number }).n === 0, 5000);
  });
});
