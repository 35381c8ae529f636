import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from '../helpers/harness.js';

/**
 * Issue 10, items 9 and 11: what one request may ask of Passage. Item 9: a fan-out of hundreds
 * of Passage reads stops at PASSAGE_MAX_CALLS_PER_REQUEST (UPSTREAM_BUDGET_EXCEEDED, no call),
 * and a bystander's cold `me` is not queued behind it. Item 11: with Passage hanging, one deadline
 * (PASSAGE_REQUEST_BUDGET_MS) bounds every request, the first sight of a user included.
 */

const NO_PASSAGE_CACHE = { PASSAGE_CACHE_TTL: '0', PASSAGE_CACHE_MAX_STALE: '0' };
const MEMBERS_PER_ORG = 100;

type Person = { id: string; token: string };

/** Passage reads of single users, in the order the emulator received them. */
const userGetIndexes = (h: Harness, id?: string) =>
  h.emulator.calls.flatMap((c, i) => (c.method === 'GET' && /\/users\/[A-Za-z0-9]+$/.test(c.path) && (!id || c.path.endsWith(`/${id}`)) ? [i] : []));

describe('item 9: a per-request budget of Passage calls and a fair share of the queue', () => {
  let h: Harness;
  let owner: Person;
  let bystander: Person;
  const orgIds: string[] = [];

  beforeAll(async () => {
    h = await startHarness({
      env: {
        ...NO_PASSAGE_CACHE,
        PASSAGE_CONCURRENCY: '4',
        // Time is not what this test is about; the call budget stays at its default (200).
        PASSAGE_REQUEST_BUDGET_MS: '60000',
        PASSAGE_BREAKER_MIN_CALLS: '10000',
        // Cost analysis is another item's business: let three 100-member pages through.
        QUERY_MAX_COST: '10000000',
      },
    });
    owner = await h.user('budget-owner@example.com');
    bystander = await h.user('budget-bystander@example.com');
    for (const p of [owner, bystander]) await h.gql('{ me { id } }', { token: p.token });
    const sqlite = h.server.database.sqlite;
    const addUser = sqlite.prepare('insert into users (id, created_at, updated_at) values (?, ?, ?) on conflict do nothing');
    const addMember = sqlite.prepare(
      `insert into org_memberships (org_id, user_id, role, additional_roles, created_at, updated_at) values (?, ?, 'Member', '[]', ?, ?)`,
    );
    for (let o = 0; o < 3; o++) {
      const res = await h.gql<{ createOrg: { id: string } }>('mutation($n: String!) { createOrg(input: { name: $n }) { id } }', {
        token: owner.token,
        variables: { n: `Budget ${o}` },
      });
      const orgId = res.body.data!.createOrg.id;
      orgIds.push(orgId);
      for (let i = 0; i < MEMBERS_PER_ORG; i++) {
        const user = await h.emulator.seedUser({ email: `budget-${o}-${i}@example.com`, status: 'active' });
        const at = Date.now() + i;
        addUser.run(user.id, at, at);
        addMember.run(orgId, user.id, at, at);
      }
    }
    // The bystander is also a member of the second org, first in its join order: the big request
    // queues a read of them too, which the bystander's own read must not wait behind.
    addMember.run(orgIds[1], bystander.id, 1, 1);
    // Cold for the bystander means unknown to the user directory too (as on their first request
    // after signing up): their `me` then asks Passage, in the same queue as the big request.
    sqlite.prepare('delete from directory_users where id = ?').run(bystander.id);
    h.emulator.setLatency(20);
  }, 60_000);
  afterAll(() => h?.close());

  const BIG = `query($a: ID!, $b: ID!, $c: ID!, $f: Int!) {
    a: org(id: $a) { members(first: $f) { edges { node { user { email } } } } }
    b: org(id: $b) { members(first: $f) { edges { node { user { email } } } } }
    c: org(id: $c) { members(first: $f) { edges { node { user { email } } } } }
  }`;

  it('stops at 200 Passage calls; the rest of the fields are UPSTREAM_BUDGET_EXCEEDED, and a bystander is served meanwhile', async () => {
    const start = h.emulator.calls.length;
    const big = h.gql(BIG, { token: owner.token, variables: { a: orgIds[0], b: orgIds[1], c: orgIds[2], f: 100 } });

    // Once the big request is well under way, a bystander asks for something only Passage holds
    // (their devices; their user fields come from the directory) with nothing cached.
    const until = Date.now() + 10_000;
    while (h.emulator.calls.length - start < 20 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    const sentAt = h.emulator.calls.length;
    const me = await h.gql<{ me: { email: string } }>('{ me { email devices { id } } }', { token: bystander.token });
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data!.me.email).toBe('budget-bystander@example.com');

    const res = await big;
    expect(res.status).toBe(200);
    const bigCalls = userGetIndexes(h).filter((i) => i >= start && !h.emulator.calls[i]!.path.endsWith(`/${bystander.id}`));
    // The budget counts attempts; a rare retry of a dropped keep-alive connection is one the
    // emulator never saw, so "at most" rather than "exactly".
    expect(bigCalls.length).toBeLessThanOrEqual(200);
    expect(bigCalls.length).toBeGreaterThan(150);
    expect(new Set(codes(res))).toEqual(new Set(['UPSTREAM_BUDGET_EXCEEDED']));
    // Local fields still answer: every member is listed; those past the budget without an email.
    const edges = (['a', 'b', 'c'] as const).flatMap(
      (k) => (res.body.data as Record<string, { members: { edges: Array<{ node: { user: { email: string | null } } }> } }>)[k]!.members.edges,
    );
    expect(edges).toHaveLength(3 * MEMBERS_PER_ORG);
    // The owner heads each page and the bystander is on one: both signed in, so the user directory
    // answers their emails without a Passage call. Every other email took one call.
    const withEmail = edges.filter((e) => e.node.user.email !== null);
    const others = new Set(
      withEmail.map((e) => e.node.user.email).filter((email) => email !== 'budget-bystander@example.com' && email !== 'budget-owner@example.com'),
    );
    expect(others.size).toBe(bigCalls.length);
    expect(codes(res)).toHaveLength(3 * MEMBERS_PER_ORG - withEmail.length);

    // The order, not a timing: the bystander's read reached Passage within the few calls already
    // in flight when it was sent, not behind the big request's queue of ~180 more.
    const bystanderCall = h.emulator.calls.findIndex((c, i) => i >= sentAt && c.method === 'GET' && c.path.endsWith(`/users/${bystander.id}/devices`));
    expect(bystanderCall).toBeGreaterThanOrEqual(sentAt);
    // Unfair, about 77 calls went first; fair, those in flight plus the few the big request
    // starts while the bystander's own request is still being verified (more on a busy machine:
    // 5 or 6 were seen at load 14). 16 keeps the two far apart without timing anything.
    expect(bigCalls.filter((i) => i > sentAt && i < bystanderCall).length).toBeLessThanOrEqual(16);
    expect(bigCalls.at(-1)!).toBeGreaterThan(bystanderCall);
  }, 60_000);

  it('counts the refusals in /metrics-backed counters', async () => {
    const text = await h.server.app.metrics.render();
    expect(text.body).toMatch(/passgraph_passage_budget_refusals_total\{reason="calls"\} [1-9]/);
  });
});

describe("item 11: one deadline for all of a request's Passage calls", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        ...NO_PASSAGE_CACHE,
        // The production defaults: a 5 s deadline per attempt, 2.5 s per request.
        PASSAGE_TIMEOUT_MS: '5000',
        PASSAGE_BREAKER_MIN_CALLS: '3',
        PASSAGE_BREAKER_FAILURE_PERCENT: '50',
        PASSAGE_BREAKER_WINDOW_MS: '60000',
        PASSAGE_BREAKER_OPEN_MS: '60000',
      },
    });
  });
  afterAll(() => h?.close());

  it('answers me { id email } within 3 s while Passage hangs, the first time and every time after', async () => {
    const user = await h.user('hang-first-sight@example.com');
    h.emulator.injectFault({ match: { method: 'GET', pathPrefix: '/users' }, hang: true });
    const callsBefore = h.emulator.calls.length;
    const elapsed: number[] = [];
    for (let i = 0; i < 4; i++) {
      const started = performance.now();
      const res = await h.gql<{ me: { id: string; email: string | null } }>('{ me { id email } }', { token: user.token });
      elapsed.push(performance.now() - started);
      expect(res.status).toBe(200);
      expect(res.body.data!.me).toEqual({ id: user.id, email: null });
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(res.body.errors![0]!.path).toEqual(['me', 'email']);
    }
    // About 2.55 s each on a quiet machine (it was 20 s, then 10 s); the bound leaves room for a
    // loaded one without losing the point: one deadline covers the whole request.
    for (const ms of elapsed) expect(ms).toBeLessThan(4000);
    // Timeouts under the request's deadline count toward the breaker: after three hung calls it
    // is open, and the last requests failed fast without calling Passage.
    const hung = h.emulator.calls.slice(callsBefore).filter((c) => c.method === 'GET').length;
    expect(hung).toBeLessThanOrEqual(3);
    expect(elapsed.at(-1)!).toBeLessThan(500);
  }, 60_000);
});
