import { randomUUID } from 'node:crypto';
import { getDirective } from '@graphql-tools/utils';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPERSONATION_AUDIENCE, IMPERSONATION_ISSUER, signImpersonationToken } from '../src/auth/impersonation.js';
import { codes, startHarness, type GqlResult, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };
type Started = { token: string; expiresAt: string; user: { id: string; email: string } };

const IMPERSONATE = `mutation($userId: ID!, $reason: String!) {
  impersonateUser(input: { userId: $userId, reason: $reason }) { token expiresAt user { id email } }
}`;
const REVOKE = `mutation($token: String!) { revokeImpersonation(input: { token: $token }) { user { id } impersonator { id } revokedAt expiresAt } }`;
const ME = `{ me { id appRole impersonator { id email } } }`;

const reason = (res: GqlResult<unknown>) => res.body.errors?.[0]?.extensions?.['reason'];

/** The mutations an impersonating admin must never run, each with variables that would otherwise reach its rules. */
const NO_IMPERSONATION = [
  'deleteUser',
  'revokeSessions',
  'createMagicLink',
  'setAppRole',
  'impersonateUser',
  'deleteOrg',
  'transferOrgOwnership',
  'revokeDevice',
];

describe('impersonation', () => {
  let h: Harness;
  let root: Person, helper: Person, member: Person, other: Person;

  const impersonate = (by: Person, userId: string, why: unknown = 'ticket #42') =>
    h.gql<{ impersonateUser: Started }>(IMPERSONATE, { token: by.token, variables: { userId, reason: why } });
  const start = async (by: Person, userId: string) => {
    const res = await impersonate(by, userId);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.impersonateUser;
  };
  const me = (token: string) => h.gql<{ me: { id: string; appRole: string; impersonator: { id: string; email: string } | null } }>(ME, { token });
  const db = () => h.server.database.sqlite;
  const setRole = (userId: string, role: 'ADMIN' | 'USER') =>
    h.gql(`mutation($u: ID!, $r: AppRole!) { setAppRole(userId: $u, role: $r) { id } }`, { token: root.token, variables: { u: userId, r: role } });

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com', 'root2@example.com'] });
    root = await h.user('root@example.com');
    helper = await h.user('helper@example.com');
    member = await h.user('member@example.com');
    other = await h.user('other@example.com');
    // A second app admin by promotion, so the role can be taken away again.
    expect(codes(await setRole(helper.id, 'ADMIN'))).toEqual([]);
  });
  afterAll(() => h?.close());

  it('issues a passgraph-signed EdDSA token with sub, act.sub, iss, aud, iat, exp and jti, and audits the reason', async () => {
    const before = Math.floor(Date.now() / 1000);
    const started = await start(root, member.id);
    expect(started.user).toEqual({ id: member.id, email: 'member@example.com' });
    const header = decodeProtectedHeader(started.token);
    const claims = decodeJwt(started.token);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT', kid: h.server.app.services.impersonation.keys.kids()[0] });
    expect(claims).toMatchObject({ sub: member.id, act: { sub: root.id }, iss: IMPERSONATION_ISSUER, aud: IMPERSONATION_AUDIENCE });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(claims.iat!).toBeGreaterThanOrEqual(before);
    expect(typeof claims.jti).toBe('string');
    expect(new Date(started.expiresAt).getTime()).toBe(claims.exp! * 1000);
    const row = db()
      .prepare(`select actor_id, on_behalf_of, target_id, outcome, after from audit_log where action = 'user.impersonate' order by id desc limit 1`)
      .get() as { actor_id: string; on_behalf_of: string | null; target_id: string; outcome: string; after: string };
    expect(row).toMatchObject({ actor_id: root.id, on_behalf_of: null, target_id: member.id, outcome: 'success' });
    expect(JSON.parse(row.after)).toMatchObject({ jti: claims.jti, reason: 'ticket #42', kid: header.kid });
  });

  it('acts as the user with the user’s rights; me.impersonator names the admin, also when the token is served from the cache', async () => {
    const { token } = await start(root, member.id);
    for (let i = 0; i < 2; i++) {
      const res = await me(token);
      expect(res.body).toEqual({ data: { me: { id: member.id, appRole: 'USER', impersonator: { id: root.id, email: 'root@example.com' } } } });
    }
    // The user's own session shows no impersonator; an admin-only query is refused as for the user.
    expect((await me(member.token)).body.data!.me.impersonator).toBeNull();
    const users = await h.gql(`{ users(first: 1) { totalCount } }`, { token });
    expect(codes(users)).toEqual(['FORBIDDEN']);
    expect(reason(users)).toBe('INSUFFICIENT_APP_ROLE');
  });

  it('records the admin as the actor on behalf of the user in every audit row written while impersonating', async () => {
    const { token } = await start(root, member.id);
    const created = await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Made for member" }) { id } }`, { token });
    const orgId = created.body.data!.createOrg.id;
    // The user owns the org: the admin acted as them.
    expect(db().prepare(`select user_id, role from org_memberships where org_id = ?`).all(orgId)).toEqual([{ user_id: member.id, role: 'Owner' }]);
    const rows = db().prepare(`select action, actor_id, on_behalf_of from audit_log where org_id = ?`).all(orgId);
    expect(rows).toEqual([{ action: 'org.create', actor_id: root.id, on_behalf_of: member.id }]);
    // A refusal the access rules make (recorded by the denial plugin) names both too.
    const othersOrg = (await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Not member's" }) { id } }`, { token: other.token }))
      .body.data!.createOrg.id;
    const denied = await h.gql(`mutation($id: ID!) { updateOrg(id: $id, input: { name: "x" }) { id } }`, { token, variables: { id: othersOrg } });
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    expect(db().prepare(`select actor_id, on_behalf_of, outcome from audit_log where action = 'denied.updateOrg' order by id desc limit 1`).get()).toEqual({
      actor_id: root.id,
      on_behalf_of: member.id,
      outcome: 'failure',
    });
    const res = await h.gql<{ auditLog: { edges: { node: { action: string; actor: { id: string }; onBehalfOf: { id: string } | null } }[] } }>(
      `query($f: AuditLogFilter) { auditLog(first: 5, filter: $f) { edges { node { action actor { id } onBehalfOf { id } } } } }`,
      { token: root.token, variables: { f: { onBehalfOf: member.id } } },
    );
    expect(res.body.data!.auditLog.edges.map((e) => e.node)).toEqual([
      { action: 'denied.updateOrg', actor: { id: root.id }, onBehalfOf: { id: member.id } },
      { action: 'org.create', actor: { id: root.id }, onBehalfOf: { id: member.id } },
    ]);
  });

  it('refuses every @noImpersonation mutation with FORBIDDEN, reason IMPERSONATION, and the schema marks at least these', async () => {
    const marked = Object.values(h.server.app.schema.getMutationType()!.getFields())
      .filter((f) => (getDirective(h.server.app.schema, f, 'noImpersonation') ?? []).length > 0)
      .map((f) => f.name);
    expect(marked).toEqual(expect.arrayContaining(NO_IMPERSONATION));

    // The member owns an org, so deleteOrg and transferOrgOwnership would pass their own rules.
    const orgId = (await h.gql<{ createOrg: { id: string } }>(`mutation { createOrg(input: { name: "Member's" }) { id } }`, { token: member.token })).body.data!
      .createOrg.id;
    await h.gql(`mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Member") { role } }`, {
      token: member.token,
      variables: { o: orgId, u: other.id },
    });
    const calls: Record<string, [string, Record<string, unknown>]> = {
      deleteUser: [`mutation($id: ID!) { deleteUser(id: $id) { deletedUserId } }`, { id: other.id }],
      revokeSessions: [`mutation($u: ID!) { revokeSessions(userId: $u) }`, { u: member.id }],
      createMagicLink: [`mutation { createMagicLink(input: { email: "member@example.com" }) { id } }`, {}],
      setAppRole: [`mutation($u: ID!) { setAppRole(userId: $u, role: ADMIN) { id } }`, { u: member.id }],
      impersonateUser: [IMPERSONATE, { userId: other.id, reason: 'chain' }],
      deleteOrg: [`mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }`, { id: orgId }],
      transferOrgOwnership: [`mutation($o: ID!, $u: ID!) { transferOrgOwnership(input: { orgId: $o, userId: $u }) { role } }`, { o: orgId, u: other.id }],
      revokeDevice: [`mutation($u: ID!) { revokeDevice(userId: $u, deviceId: "dev_1") }`, { u: member.id }],
    };
    const { token } = await start(root, member.id);
    const passageCalls = h.emulator.calls.length;
    for (const name of NO_IMPERSONATION) {
      const [query, variables] = calls[name]!;
      const res = await h.gql(query, { token, variables });
      expect([name, codes(res), reason(res)]).toEqual([name, ['FORBIDDEN'], 'IMPERSONATION']);
    }
    // Nothing reached Passage and nothing changed.
    expect(h.emulator.calls.slice(passageCalls).filter((c) => c.method !== 'GET')).toEqual([]);
    expect(db().prepare(`select user_id, role from org_memberships where org_id = ? order by role`).all(orgId)).toEqual([
      { user_id: other.id, role: 'Member' },
      { user_id: member.id, role: 'Owner' },
    ]);
    // The user themself still may.
    expect(codes(await h.gql(calls['transferOrgOwnership']![0], { token: member.token, variables: calls['transferOrgOwnership']![1] }))).toEqual([]);
  });

  describe('impersonateUser refuses', () => {
    it('another app admin, themself, and callers who are not app admins', async () => {
      const root2 = await h.user('root2@example.com');
      for (const [by, target] of [
        [root, root2.id],
        [root, helper.id],
        [helper, root.id],
        [root, root.id],
      ] as const) {
        const res = await impersonate(by, target);
        expect([codes(res), reason(res)]).toEqual([['FORBIDDEN'], 'TARGET_IS_ADMIN']);
      }
      const res = await impersonate(member, other.id);
      expect([codes(res), reason(res)]).toEqual([['FORBIDDEN'], 'INSUFFICIENT_APP_ROLE']);
      const failures = db()
        .prepare(`select count(*) as n from audit_log where action = 'user.impersonate' and outcome = 'failure' and detail = 'FORBIDDEN'`)
        .get();
      expect(failures).toEqual({ n: 4 });
    });

    it('a missing, empty, blank or too long reason, and accepts 500 characters', async () => {
      const missing = await h.gql(IMPERSONATE, { token: root.token, variables: { userId: member.id } });
      expect(codes(missing)).toEqual(['BAD_USER_INPUT']);
      for (const why of ['', '   ', 'x'.repeat(501)]) {
        const res = await impersonate(root, member.id, why);
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
      }
      expect(codes(await impersonate(root, member.id, 'x'.repeat(500)))).toEqual([]);
    });

    it('an unknown user, a malformed id and a deactivated user', async () => {
      expect(codes(await impersonate(root, 'no_such_user_123'))).toEqual(['NOT_FOUND']);
      expect(codes(await impersonate(root, '../etc'))).toEqual(['BAD_USER_INPUT']);
      const quiet = await h.user('quiet@example.com');
      expect(codes(await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: root.token, variables: { id: quiet.id } }))).toEqual([]);
      const res = await impersonate(root, quiet.id);
      expect([codes(res), reason(res)]).toEqual([['CONFLICT'], 'USER_DEACTIVATED']);
    });
  });

  describe('the token is refused (401, coded)', () => {
    const refusedWith = async (token: string, expected: string) => {
      const res = await me(token);
      expect([res.status, codes(res), reason(res)]).toEqual([401, ['UNAUTHENTICATED'], expected]);
    };

    it('once its admin lost the admin role, while it stays demoted', async () => {
      const { token } = await start(helper, member.id);
      expect((await me(token)).body.data!.me.impersonator!.id).toBe(helper.id);
      expect(codes(await setRole(helper.id, 'USER'))).toEqual([]);
      await refusedWith(token, 'IMPERSONATOR_NOT_ADMIN');
      expect(codes(await setRole(helper.id, 'ADMIN'))).toEqual([]);
    });

    it('once its admin is deactivated', async () => {
      const temp = await h.user('temp-admin@example.com');
      expect(codes(await setRole(temp.id, 'ADMIN'))).toEqual([]);
      const { token } = await start(temp, member.id);
      expect(codes(await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: root.token, variables: { id: temp.id } }))).toEqual([]);
      await refusedWith(token, 'IMPERSONATOR_INACTIVE');
    });

    it('once the user is deactivated, or promoted to app admin', async () => {
      const target = await h.user('target@example.com');
      const first = await start(root, target.id);
      await setRole(target.id, 'ADMIN');
      await refusedWith(first.token, 'IMPERSONATION_TARGET_ADMIN');
      await setRole(target.id, 'USER');
      expect((await me(first.token)).status).toBe(200);
      expect(codes(await h.gql(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, { token: root.token, variables: { id: target.id } }))).toEqual([]);
      await refusedWith(first.token, 'USER_DEACTIVATED');
    });

    it('when tampered with, expired, or signed by a key that is not passgraph’s', async () => {
      const { token } = await start(root, member.id);
      const [head, body, sig] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: other.id })).toString('base64url');
      await refusedWith(`${head}.${forged}.${sig}`, 'TOKEN_INVALID');

      const { keys } = h.server.app.services.impersonation;
      const key = await keys.signingKey();
      const past = Date.now() - 3600_000;
      const expired = await signImpersonationToken(key, {
        userId: member.id,
        impersonatorId: root.id,
        jti: randomUUID(),
        issuedAt: past,
        expiresAt: past + 900_000,
      });
      await refusedWith(expired, 'TOKEN_INVALID');

      // Another Ed25519 key, claiming passgraph's issuer and even its kid.
      const stranger = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const now = Math.floor(Date.now() / 1000);
      const foreign = (kid: string) =>
        new SignJWT({ act: { sub: root.id } })
          .setProtectedHeader({ alg: 'EdDSA', kid })
          .setIssuer(IMPERSONATION_ISSUER)
          .setAudience(IMPERSONATION_AUDIENCE)
          .setSubject(member.id)
          .setJti(randomUUID())
          .setIssuedAt(now)
          .setExpirationTime(now + 600)
          .sign(stranger.privateKey);
      await refusedWith(await foreign(key.kid), 'TOKEN_INVALID');
      await refusedWith(await foreign('not-ours'), 'TOKEN_INVALID');
      // A Passage token claiming the impersonation issuer is checked with passgraph's keys only.
      await refusedWith(await h.emulator.mintToken(member.id, { extraClaims: { iss: IMPERSONATION_ISSUER, act: { sub: root.id } } }), 'TOKEN_INVALID');
      // Passage tokens work exactly as before.
      expect((await me(member.token)).body.data!.me.id).toBe(member.id);
    });

    it('from a cookie: Bearer only', async () => {
      const { token } = await start(root, member.id);
      const res = await h.gql(ME, { headers: { cookie: `psg_auth_token=${token}` } });
      expect([res.status, codes(res), reason(res)]).toEqual([401, ['UNAUTHENTICATED'], 'IMPERSONATION_BEARER_ONLY']);
    });
  });

  describe('revokeImpersonation', () => {
    type Revoked = { revokeImpersonation: { user: { id: string }; impersonator: { id: string } | null; revokedAt: string; expiresAt: string } };
    const revoke = (by: string, token: string) => h.gql<Revoked>(REVOKE, { token: by, variables: { token } });

    it('by the admin who started it: the token is refused from then on; revoking again answers the first revocation', async () => {
      const started = await start(helper, member.id);
      const first = await revoke(helper.token, started.token);
      expect(first.body.data!.revokeImpersonation).toMatchObject({ user: { id: member.id }, impersonator: { id: helper.id }, expiresAt: started.expiresAt });
      const res = await me(started.token);
      expect([res.status, reason(res)]).toEqual([401, 'IMPERSONATION_REVOKED']);
      const again = await revoke(root.token, started.token);
      expect(again.body.data!.revokeImpersonation.revokedAt).toBe(first.body.data!.revokeImpersonation.revokedAt);
      const audit = db().prepare(`select actor_id, target_id from audit_log where action = 'user.impersonation_revoke' and outcome = 'success'`).all();
      expect(audit).toContainEqual({ actor_id: helper.id, target_id: member.id });
    });

    it('by another app admin, and by the impersonated session itself (audited as the admin for the user)', async () => {
      const a = await start(helper, member.id);
      expect(codes(await revoke(root.token, a.token))).toEqual([]);
      expect((await me(a.token)).status).toBe(401);
      const b = await start(root, member.id);
      const self = await revoke(b.token, b.token);
      expect(self.body.data!.revokeImpersonation).toMatchObject({ user: { id: member.id }, impersonator: { id: root.id } });
      expect((await me(b.token)).status).toBe(401);
      const row = db().prepare(`select actor_id, on_behalf_of from audit_log where action = 'user.impersonation_revoke' order by id desc limit 1`).get();
      expect(row).toEqual({ actor_id: root.id, on_behalf_of: member.id });
    });

    it('refuses anyone else, another impersonation session, garbage and Passage tokens, and expired tokens', async () => {
      const started = await start(root, member.id);
      for (const by of [member.token, other.token, (await start(root, other.id)).token]) {
        const res = await revoke(by, started.token);
        expect([codes(res), reason(res)]).toEqual([['FORBIDDEN'], 'NOT_IMPERSONATOR']);
      }
      expect((await me(started.token)).status).toBe(200);
      for (const bad of ['', 'garbage', member.token]) {
        const res = await revoke(root.token, bad);
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
      }
      const key = await h.server.app.services.impersonation.keys.signingKey();
      const past = Date.now() - 3600_000;
      const expired = await signImpersonationToken(key, {
        userId: member.id,
        impersonatorId: root.id,
        jti: randomUUID(),
        issuedAt: past,
        expiresAt: past + 900_000,
      });
      const res = await revoke(root.token, expired);
      expect([codes(res), reason(res)]).toEqual([['CONFLICT'], 'IMPERSONATION_ENDED']);
    });
  });

  it('IMPERSONATION_TTL_SECONDS sets the lifetime', async () => {
    const short = await startHarness({ adminEmails: ['root@example.com'], env: { IMPERSONATION_TTL_SECONDS: '120' } });
    try {
      const admin = await short.user('root@example.com');
      const target = await short.user('someone@example.com');
      const res = await short.gql<{ impersonateUser: Started }>(IMPERSONATE, { token: admin.token, variables: { userId: target.id, reason: 'check' } });
      const claims = decodeJwt(res.body.data!.impersonateUser.token);
      expect(claims.exp! - claims.iat!).toBe(120);
    } finally {
      await short.close();
    }
  });

  it('keys persist across restarts and rotate: the old key verifies its tokens, new tokens use the new key', async () => {
    const old = await start(root, member.id);
    const oldKid = decodeProtectedHeader(old.token).kid!;
    const newKid = await h.server.app.services.impersonation.keys.rotate();
    expect(newKid).not.toBe(oldKid);
    const fresh = await start(root, member.id);
    expect(decodeProtectedHeader(fresh.token).kid).toBe(newKid);
    await h.restart();
    for (const { token } of [old, fresh]) expect((await me(token)).body.data!.me.impersonator!.id).toBe(root.id);
    expect(h.server.app.services.impersonation.keys.kids()).toEqual([newKid, oldKid]);
    const stored = db().prepare(`select kid, retired_at is not null as retired from impersonation_keys order by created_at`).all();
    expect(stored).toEqual([
      { kid: oldKid, retired: 1 },
      { kid: newKid, retired: 0 },
    ]);
  });
});
