import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootFieldsWithoutAccess } from '../../src/graphql/directives.js';
import { allGuards, createSchema, loadTypeDefs } from '../../src/graphql/schema.js';
import { MemoryRateLimiter } from '../../src/rate-limit.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { codes, startHarness, type Harness } from '../helpers/harness.js';
import { snapshot } from './support.js';

/** Matrix row 56 (and row 28 for the directive that is not an access rule). */

const LINK = `mutation($email: String!) { createMagicLink(input: { email: $email }) { id } }`;
const CREATE_USER = `mutation($email: String!) { createUser(input: { email: $email }) { id } }`;

describe('row 56: per-caller rate limits on abuse-prone mutations', () => {
  let h: Harness;
  let admin: { id: string; token: string };
  let second: { id: string; token: string };
  let n = 0;
  const email = () => `invitee-${++n}@example.com`;
  const linkPosts = () => h.emulator.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/magic-links')).length;

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['limited@example.com', 'second@example.com'], env: { RATE_LIMIT_CREATE_USER: '2/3600' } });
    admin = await h.user('limited@example.com');
    second = await h.user('second@example.com');
    for (const p of [admin, second]) await h.gql('{ me { id } }', { token: p.token });
  });
  afterAll(() => h?.close());

  it('item 22: calls refused as invalid input before Passage do not count against the allowance', async () => {
    const caller = await h.user('validating@example.com');
    await h.gql(`mutation($id: ID!) { setAppRole(userId: $id, role: ADMIN) { id } }`, { token: admin.token, variables: { id: caller.id } });
    const posts = linkPosts();
    for (let i = 0; i < 8; i++) {
      const bad = await h.gql(LINK, { token: caller.token, variables: { email: 'not-an-email' } });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    }
    expect(linkPosts()).toBe(posts);
    for (let i = 0; i < 5; i++) {
      const ok = await h.gql(LINK, { token: caller.token, variables: { email: email() } });
      expect(ok.body.errors, `call ${i}`).toBeUndefined();
    }
    const sixth = await h.gql(LINK, { token: caller.token, variables: { email: email() } });
    expect(sixth.status).toBe(429);
    expect(codes(sixth)).toEqual(['RATE_LIMITED']);
  });

  it('lets 5 createMagicLink through in a minute; the 6th is HTTP 429 RATE_LIMITED with retryAfter, and Passage never sees it', async () => {
    for (let i = 0; i < 5; i++) {
      const ok = await h.gql(LINK, { token: admin.token, variables: { email: email() } });
      expect(ok.status).toBe(200);
      expect(ok.body.errors).toBeUndefined();
    }
    const posts = linkPosts();
    const before = snapshot(h);
    const sixth = await h.gql(LINK, { token: admin.token, variables: { email: email() } });
    expect(sixth.status).toBe(429);
    expect(codes(sixth)).toEqual(['RATE_LIMITED']);
    const retryAfter = sixth.body.errors![0]!.extensions?.['retryAfter'] as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(sixth.headers.get('retry-after')).toBe(String(retryAfter));
    expect(sixth.body.data).toBeNull();
    expect(linkPosts()).toBe(posts);
    expect(snapshot(h)).toBe(before);
  });

  it('counts per caller: another admin still has their own allowance', async () => {
    const res = await h.gql(LINK, { token: second.token, variables: { email: email() } });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
  });

  it('counts every call in a document, so aliases cannot multiply the allowance', async () => {
    const fields = Array.from({ length: 6 }, (_, i) => `l${i}: createMagicLink(input: { email: "alias-${i}@example.com" }) { id }`).join(' ');
    const posts = linkPosts();
    const res = await h.gql(`mutation { ${fields} }`, { token: second.token });
    // The second admin had 4 left: those run, the rest are refused and the whole response is a 429.
    expect(res.status).toBe(429);
    expect(codes(res)).toEqual(['RATE_LIMITED']);
    expect(linkPosts() - posts).toBe(4);
  });

  it('applies the configured createUser limit (RATE_LIMIT_CREATE_USER=2/3600), separately from magic links', async () => {
    for (let i = 0; i < 2; i++) {
      const ok = await h.gql(CREATE_USER, { token: second.token, variables: { email: email() } });
      expect(ok.body.errors).toBeUndefined();
    }
    const before = snapshot(h);
    const third = await h.gql(CREATE_USER, { token: second.token, variables: { email: email() } });
    expect(third.status).toBe(429);
    expect(codes(third)).toEqual(['RATE_LIMITED']);
    expect(third.body.errors![0]!.extensions?.['retryAfter']).toBeGreaterThan(60);
    expect(snapshot(h)).toBe(before);
  });

  it('spends nothing for callers the access rule refuses', async () => {
    const member = await h.user('not-an-admin@example.com');
    for (let i = 0; i < 7; i++) {
      const res = await h.gql(LINK, { token: member.token, variables: { email: email() } });
      expect(codes(res)).toEqual(['FORBIDDEN']);
    }
  });
});

describe('rate limit configuration', () => {
  it('can be turned off per bucket', async () => {
    const h = await startHarness({ adminEmails: ['unlimited@example.com'], env: { RATE_LIMIT_MAGIC_LINKS: 'off' } });
    try {
      const admin = await h.user('unlimited@example.com');
      for (let i = 0; i < 7; i++) {
        const res = await h.gql(LINK, { token: admin.token, variables: { email: `free-${i}@example.com` } });
        expect(res.body.errors).toBeUndefined();
      }
    } finally {
      await h.close();
    }
  });

  it('reads "N/S" and "off", and refuses anything else at start-up', () => {
    expect(loadConfig({ RATE_LIMIT_MAGIC_LINKS: '3/120', RATE_LIMIT_CREATE_USER: 'off' }).rateLimits).toEqual({
      magicLinks: { limit: 3, windowSeconds: 120 },
      createUser: null,
      createOrg: { limit: 20, windowSeconds: 3600 },
      invitations: { limit: 30, windowSeconds: 3600 },
    });
    expect(loadConfig({}).rateLimits).toEqual({
      magicLinks: { limit: 5, windowSeconds: 60 },
      createUser: { limit: 10, windowSeconds: 60 },
      createOrg: { limit: 20, windowSeconds: 3600 },
      invitations: { limit: 30, windowSeconds: 3600 },
    });
    expect(loadConfig({ RATE_LIMIT_INVITATIONS: '2/60' }).rateLimits.invitations).toEqual({ limit: 2, windowSeconds: 60 });
    expect(loadConfig({ RATE_LIMIT_CREATE_ORG: '3/60' }).rateLimits.createOrg).toEqual({ limit: 3, windowSeconds: 60 });
    for (const bad of ['5', '5/0', '0/60', 'five/60', '5/60s', '-1/60']) {
      expect(() => loadConfig({ RATE_LIMIT_MAGIC_LINKS: bad }), bad).toThrow(ConfigError);
    }
  });

  it('refuses to build the schema when @rateLimit names an unknown bucket', () => {
    const one = { limit: 1, windowSeconds: 1 };
    const limiter = new MemoryRateLimiter({ limits: { createUser: one, createOrg: one, invitations: one } });
    expect(() => createSchema({ rateLimiter: limiter })).toThrow(/unknown bucket "magicLinks"/);
  });

  it('row 28: @rateLimit alone is not an access rule, so a field with only a limit fails the build check', () => {
    const typeDefs = [...loadTypeDefs(), 'extend type Mutation { onlyLimited: String @rateLimit(bucket: "magicLinks") }'];
    expect(rootFieldsWithoutAccess(makeExecutableSchema({ typeDefs }), Object.keys(allGuards()))).toEqual(['Mutation.onlyLimited']);
  });
});
