import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { codes, startHarness, type GqlResult, type Harness } from './helpers/harness.js';

type Person = { id: string; token: string };

const ACCEPT_URL = 'http://localhost:4000/console/#/accept';
const FIELDS = 'id email role additionalRoles status delivery expiresAt acceptedAt createdAt lastSentAt orgName org { id } invitedBy { id }';
const CREATE = `mutation($name: String!) { createOrg(input: { name: $name }) { id } }`;
const ADD = `mutation($orgId: ID!, $userId: ID!, $role: String!) { addOrgMember(orgId: $orgId, userId: $userId, role: $role) { role } }`;
const INVITE = `mutation($input: InviteOrgMemberInput!) { inviteOrgMember(input: $input) { ${FIELDS} } }`;
const RESEND = `mutation($id: ID!) { resendOrgInvitation(input: { id: $id }) { ${FIELDS} } }`;
const REVOKE = `mutation($id: ID!) { revokeOrgInvitation(input: { id: $id }) { ${FIELDS} } }`;
const ACCEPT = `mutation($token: String, $id: ID) { acceptOrgInvitation(input: { token: $token, id: $id }) { role additionalRoles org { id } user { id } } }`;
const DECLINE = `mutation($token: String, $id: ID) { declineOrgInvitation(input: { token: $token, id: $id }) { id status org { id } orgName } }`;
const LIST = `query($id: ID!, $first: Int, $after: String, $status: OrgInvitationStatus) {
  org(id: $id) { invitations(first: $first, after: $after, status: $status) { totalCount edges { cursor node { id email status } } pageInfo { hasNextPage endCursor } } }
}`;
const MINE = `{ me { invitations { id email role status orgName org { id } invitedBy { id } } } }`;

type Page = {
  org: {
    invitations: { totalCount: number; edges: { cursor: string; node: Record<string, unknown> }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
  };
};
type AuthResult = { auth_result: { auth_token: string } };
type Row = Record<string, unknown>;

type Invitation = { id: string; email: string; role: string; status: string; delivery: string; expiresAt: string; org: { id: string } | null };

const reason = (res: GqlResult<unknown>) => res.body.errors?.[0]?.extensions?.['reason'];
const ext = (res: GqlResult<unknown>) => res.body.errors?.[0]?.extensions ?? {};

/** The invitation token in the newest message to `email`: the accept link's `invitation` parameter. */
function tokenFromMailbox(messages: Array<{ to: string; text: string }>, email: string): { token: string; link: URL } {
  const message = messages.filter((m) => m.to === email).at(-1);
  if (!message) throw new Error(`no message to ${email}`);
  const link = new URL(/https?:\/\/\S+/.exec(message.text)![0]);
  return { token: link.searchParams.get('invitation')!, link };
}

describe('invitations by email', () => {
  let h: Harness;
  let owner: Person, admin: Person, member: Person, outsider: Person, appAdmin: Person;
  let orgId: string;

  const invite = (by: Person, input: Record<string, unknown>) =>
    h.gql<{ inviteOrgMember: Invitation }>(INVITE, { token: by.token, variables: { input: { orgId, role: 'Member', ...input } } });
  const accept = (by: Person, variables: { token?: string; id?: string }) =>
    h.gql<{ acceptOrgInvitation: { role: string; additionalRoles: string[]; org: { id: string }; user: { id: string } } }>(ACCEPT, {
      token: by.token,
      variables,
    });
  const decline = (by: Person, variables: { token?: string; id?: string }) =>
    h.gql<{ declineOrgInvitation: Record<string, unknown> }>(DECLINE, { token: by.token, variables });
  const mailboxToken = (email: string) => tokenFromMailbox(h.emulator.mailbox!.messages, email).token;
  const row = (id: string) => h.server.database.sqlite.prepare('select * from org_invitations where id = ?').get(id) as Record<string, unknown>;
  const membershipsOf = (userId: string) =>
    h.server.database.sqlite.prepare('select role from org_memberships where org_id = ? and user_id = ?').all(orgId, userId) as { role: string }[];
  /** Invites `email` and returns the invitation with its token from the mailbox. */
  const invited = async (email: string, input: Record<string, unknown> = {}, by = owner) => {
    const res = await invite(by, { email, ...input });
    expect(res.body.errors).toBeUndefined();
    return { invitation: res.body.data!.inviteOrgMember, token: mailboxToken(email) };
  };

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['root@example.com'], env: { INVITATION_ACCEPT_URL: ACCEPT_URL }, captureLogs: true });
    owner = await h.user('owner@example.com');
    admin = await h.user('admin@example.com');
    member = await h.user('member@example.com');
    outsider = await h.user('outsider@example.com');
    appAdmin = await h.user('root@example.com');
  });
  afterAll(() => h?.close());

  beforeEach(async () => {
    orgId = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: owner.token, variables: { name: 'Acme' } })).body.data!.createOrg.id;
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: admin.id, role: 'Admin' } });
    await h.gql(ADD, { token: owner.token, variables: { orgId, userId: member.id, role: 'Member' } });
  });

  it('asks Passage to email a login link whose redirect is the accept page with the token; the token is stored only hashed', async () => {
    h.emulator.clearCalls();
    const res = await invite(admin, { email: ' New.Person@Example.COM ', role: 'Admin', additionalRoles: ['Member'] });
    const invitation = res.body.data!.inviteOrgMember;
    expect(invitation).toMatchObject({
      email: 'new.person@example.com',
      role: 'Admin',
      additionalRoles: ['Member'],
      status: 'PENDING',
      delivery: 'SENT',
      acceptedAt: null,
      orgName: 'Acme',
      org: { id: orgId },
      invitedBy: { id: admin.id },
    });
    const hours = (Date.parse(invitation.expiresAt) - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(167.9);
    expect(hours).toBeLessThanOrEqual(168);

    const { token, link } = tokenFromMailbox(h.emulator.mailbox!.messages, 'new.person@example.com');
    // At least 128 random bits: 32 bytes in base64url.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(`${link.origin}${link.pathname}${link.hash}`).toBe('http://localhost:4000/console/#/accept');
    expect(link.searchParams.get('psg_magic_link')).toEqual(expect.any(String));
    const call = h.emulator.calls.find((c) => c.method === 'POST' && c.path.endsWith('/magic-links'))!;
    expect(call.body).toMatchObject({
      email: 'new.person@example.com',
      send: true,
      channel: 'email',
      type: 'login',
      redirect_url: `http://localhost:4000/console/?invitation=${token}#/accept`,
      magic_link_path: `/console/?invitation=${token}#/accept`,
    });

    const stored = row(invitation.id);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored['token_hash']).toMatch(/^[0-9a-f]{64}$/);
    const audit = h.server.database.sqlite.prepare(`select action, outcome, before, after from audit_log where target_id = ? order by id`).all(invitation.id);
    expect((audit as Row[]).map((a) => [a.action, a.outcome])).toEqual([
      ['invitation.create', 'success'],
      ['invitation.send', 'success'],
    ]);
    expect(JSON.stringify(audit)).not.toContain(token);
    expect(JSON.stringify(audit)).not.toContain(stored['token_hash'] as string);
    expect(h.logs.join('\n')).not.toContain(token);
  });

  it('end to end: the invitee, unknown to Passage before, signs in from the emailed link and accepts', async () => {
    expect(h.emulator.findUserByIdentifier('fresh@example.com')).toBeUndefined();
    const { invitation, token } = await invited('fresh@example.com');
    const { link } = tokenFromMailbox(h.emulator.mailbox!.messages, 'fresh@example.com');
    // The Authentication API, as the accept page calls it: the magic link signs the new user in.
    const activated = await fetch(`${h.emulator.apiUrl}/apps/${h.emulator.appId}/magic-link/activate`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ magic_link: link.searchParams.get('psg_magic_link') }),
    });
    expect(activated.status).toBe(200);
    const invitee: Person = {
      id: h.emulator.findUserByIdentifier('fresh@example.com')!.id,
      token: ((await activated.json()) as AuthResult).auth_result.auth_token,
    };

    const mine = await h.gql<{ me: { invitations: Array<Record<string, unknown>> } }>(MINE, { token: invitee.token });
    expect(mine.body.data!.me.invitations).toEqual([
      { id: invitation.id, email: 'fresh@example.com', role: 'Member', status: 'PENDING', orgName: 'Acme', org: null, invitedBy: null },
    ]);

    const res = await accept(invitee, { token });
    expect(res.body).toEqual({ data: { acceptOrgInvitation: { role: 'Member', additionalRoles: [], org: { id: orgId }, user: { id: invitee.id } } } });
    expect(membershipsOf(invitee.id)).toEqual([{ role: 'Member' }]);
    expect(row(invitation.id)).toMatchObject({ status: 'accepted', accepted_by: invitee.id });
    expect((await h.gql<{ me: { invitations: unknown[] } }>(MINE, { token: invitee.token })).body.data!.me.invitations).toEqual([]);
    const list = await h.gql<Page>(LIST, { token: owner.token, variables: { id: orgId, status: 'ACCEPTED' } });
    expect(list.body.data!.org.invitations.edges.map((e) => e.node)).toEqual([{ id: invitation.id, email: 'fresh@example.com', status: 'ACCEPTED' }]);
    const actions = h.server.database.sqlite.prepare(`select action from audit_log where target_id = ? and outcome = 'success' order by id`).all(invitation.id);
    expect((actions as Row[]).map((a) => a.action)).toEqual(['invitation.create', 'invitation.send', 'invitation.accept']);
    // The token was a variable of the accept request too: still in no log line.
    expect(h.logs.join('\n')).not.toContain(token);
  });

  it('refuses bad input with coded errors, before anything is sent', async () => {
    h.emulator.clearCalls();
    for (const email of ['', 'not-an-email', 'a@', '@example.com', 'two@@example.com', `${'x'.repeat(300)}@example.com`]) {
      const res = await invite(owner, { email });
      expect(codes(res), email).toEqual(['BAD_USER_INPUT']);
      expect(ext(res)['field'], email).toBe('email');
    }
    const unknownRole = await invite(owner, { email: 'r@example.com', role: 'Wizard' });
    expect([codes(unknownRole), ext(unknownRole)['field']]).toEqual([['BAD_USER_INPUT'], 'role']);
    const unknownExtra = await invite(owner, { email: 'r@example.com', additionalRoles: ['Wizard'] });
    expect([codes(unknownExtra), ext(unknownExtra)['field']]).toEqual([['BAD_USER_INPUT'], 'additionalRoles']);
    expect(h.emulator.calls.filter((c) => c.path.endsWith('/magic-links'))).toEqual([]);
  });

  it('nobody invites above their own rank, and inviting needs org:members:invite', async () => {
    const above = await invite(admin, { email: 'boss@example.com', role: 'Owner' });
    expect([codes(above), reason(above)]).toEqual([['FORBIDDEN'], 'INSUFFICIENT_ROLE']);
    const aboveExtra = await invite(admin, { email: 'boss@example.com', role: 'Member', additionalRoles: ['Owner'] });
    expect([codes(aboveExtra), reason(aboveExtra)]).toEqual([['FORBIDDEN'], 'INSUFFICIENT_ROLE']);
    const byMember = await invite(member, { email: 'friend@example.com' });
    expect([codes(byMember), reason(byMember)]).toEqual([['FORBIDDEN'], 'MISSING_PERMISSION']);
    const byOutsider = await invite(outsider, { email: 'friend@example.com' });
    expect([codes(byOutsider), reason(byOutsider)]).toEqual([['FORBIDDEN'], 'NOT_MEMBER']);
    // Admins invite up to their own rank; owners and app admins to any role.
    expect((await invite(admin, { email: 'peer@example.com', role: 'Admin' })).body.errors).toBeUndefined();
    expect((await invite(owner, { email: 'co-owner@example.com', role: 'Owner' })).body.errors).toBeUndefined();
    expect((await invite(appAdmin, { email: 'by-root@example.com', role: 'Owner' })).body.errors).toBeUndefined();
    const rows = h.server.database.sqlite
      .prepare(`select outcome, detail from audit_log where action = 'invitation.create' and org_id = ? and outcome = 'failure'`)
      .all(orgId);
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });

  it('inviting into a deleted organization is refused', async () => {
    await h.gql(`mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }`, { token: owner.token, variables: { id: orgId } });
    const byFormerOwner = await invite(owner, { email: 'late@example.com' });
    expect([codes(byFormerOwner), reason(byFormerOwner)]).toEqual([['FORBIDDEN'], 'NOT_MEMBER']);
    const byAppAdmin = await invite(appAdmin, { email: 'late@example.com' });
    expect(codes(byAppAdmin)).toEqual(['NOT_FOUND']);
  });

  it('an existing member (any case) or an email with a pending invitation is CONFLICT', async () => {
    const existing = await invite(owner, { email: 'MEMBER@example.com' });
    expect([codes(existing), reason(existing)]).toEqual([['CONFLICT'], 'ALREADY_MEMBER']);
    const { invitation } = await invited('twice@example.com');
    const again = await invite(admin, { email: 'Twice@Example.com', role: 'Admin' });
    expect([codes(again), reason(again), ext(again)['invitationId']]).toEqual([['CONFLICT'], 'INVITATION_PENDING', invitation.id]);
    // Once it expired, a new invitation replaces it; the old one keeps reading as expired.
    h.server.database.sqlite.prepare('update org_invitations set expires_at = ? where id = ?').run(Date.now() - 1000, invitation.id);
    const fresh = await invite(admin, { email: 'twice@example.com' });
    expect(fresh.body.data!.inviteOrgMember.status).toBe('PENDING');
    expect(row(invitation.id)['status']).toBe('expired');
  });

  it('accepting: wrong email, unknown token, both or neither of token and id, each a coded error', async () => {
    const { token } = await invited('meant@example.com');
    const other = await h.user('someone-else@example.com');
    const wrong = await accept(other, { token });
    expect([codes(wrong), reason(wrong)]).toEqual([['FORBIDDEN'], 'INVITATION_EMAIL_MISMATCH']);
    const wrongDecline = await decline(other, { token });
    expect([codes(wrongDecline), reason(wrongDecline)]).toEqual([['FORBIDDEN'], 'INVITATION_EMAIL_MISMATCH']);
    expect(codes(await accept(other, { token: 'x'.repeat(43) }))).toEqual(['NOT_FOUND']);
    expect(codes(await accept(other, { token: '' }))).toEqual(['NOT_FOUND']);
    expect(codes(await accept(other, { id: '00000000-0000-0000-0000-000000000000' }))).toEqual(['NOT_FOUND']);
    const meant = await h.user('meant@example.com');
    const id = row((h.server.database.sqlite.prepare(`select id from org_invitations where email = 'meant@example.com'`).get() as { id: string }).id)[
      'id'
    ] as string;
    const both = await accept(meant, { token, id });
    expect([codes(both), ext(both)['field']]).toEqual([['BAD_USER_INPUT'], 'token']);
    expect(codes(await accept(meant, {}))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(ACCEPT, { variables: { token } }))).toEqual(['UNAUTHENTICATED']);
    // Still usable by the right person, matched case-insensitively.
    expect((await accept(meant, { token })).body.errors).toBeUndefined();
  });

  it('expired, revoked and used invitations are CONFLICT with their reason', async () => {
    const expiring = await invited('expired@example.com');
    h.server.database.sqlite.prepare('update org_invitations set expires_at = ? where id = ?').run(Date.now() - 1, expiring.invitation.id);
    const expiredUser = await h.user('expired@example.com');
    const expired = await accept(expiredUser, { token: expiring.token });
    expect([codes(expired), reason(expired)]).toEqual([['CONFLICT'], 'INVITATION_EXPIRED']);
    const listed = await h.gql<Page>(LIST, { token: owner.token, variables: { id: orgId, status: 'EXPIRED' } });
    expect(listed.body.data!.org.invitations.edges.map((e) => e.node.id)).toEqual([expiring.invitation.id]);

    const revoking = await invited('revoked@example.com');
    const revoked = await h.gql<{ revokeOrgInvitation: Invitation }>(REVOKE, { token: admin.token, variables: { id: revoking.invitation.id } });
    expect(revoked.body.data!.revokeOrgInvitation.status).toBe('REVOKED');
    const revokedUser = await h.user('revoked@example.com');
    const refused = await accept(revokedUser, { token: revoking.token });
    expect([codes(refused), reason(refused)]).toEqual([['CONFLICT'], 'INVITATION_REVOKED']);
    const revokeAgain = await h.gql(REVOKE, { token: admin.token, variables: { id: revoking.invitation.id } });
    expect([codes(revokeAgain), reason(revokeAgain)]).toEqual([['CONFLICT'], 'INVITATION_REVOKED']);

    const using = await invited('used@example.com');
    const usedUser = await h.user('used@example.com');
    expect((await accept(usedUser, { token: using.token })).body.errors).toBeUndefined();
    const twice = await accept(usedUser, { token: using.token });
    expect([codes(twice), reason(twice)]).toEqual([['CONFLICT'], 'INVITATION_USED']);
    const resendUsed = await h.gql(RESEND, { token: owner.token, variables: { id: using.invitation.id } });
    expect([codes(resendUsed), reason(resendUsed)]).toEqual([['CONFLICT'], 'INVITATION_USED']);

    const declining = await invited('decliner@example.com');
    const decliner = await h.user('decliner@example.com');
    const declined = await decline(decliner, { token: declining.token });
    expect(declined.body.data!.declineOrgInvitation).toEqual({ id: declining.invitation.id, status: 'DECLINED', org: null, orgName: 'Acme' });
    const afterDecline = await accept(decliner, { token: declining.token });
    expect([codes(afterDecline), reason(afterDecline)]).toEqual([['CONFLICT'], 'INVITATION_USED']);
    expect(membershipsOf(decliner.id)).toEqual([]);
  });

  it('accepting into an organization deleted since is NOT_FOUND with reason ORG_DELETED', async () => {
    const { token } = await invited('orphan@example.com');
    await h.gql(`mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }`, { token: owner.token, variables: { id: orgId } });
    const invitee = await h.user('orphan@example.com');
    expect((await h.gql<{ me: { invitations: unknown[] } }>(MINE, { token: invitee.token })).body.data!.me.invitations).toEqual([]);
    const res = await accept(invitee, { token });
    expect([codes(res), reason(res)]).toEqual([['NOT_FOUND'], 'ORG_DELETED']);
    expect(membershipsOf(invitee.id)).toEqual([]);
  });

  it('accepting twice concurrently yields exactly one membership', async () => {
    const { token } = await invited('racer@example.com');
    const racer = await h.user('racer@example.com');
    const results = await Promise.all(Array.from({ length: 6 }, () => accept(racer, { token })));
    const ok = results.filter((r) => !r.body.errors);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((r) => r.body.errors)) expect([codes(r), reason(r)]).toEqual([['CONFLICT'], 'INVITATION_USED']);
    expect(membershipsOf(racer.id)).toEqual([{ role: 'Member' }]);
  });

  it('resend: a new token and expiry, the old token stops working; only while pending', async () => {
    const { invitation, token: first } = await invited('resend@example.com');
    h.server.database.sqlite.prepare('update org_invitations set expires_at = ? where id = ?').run(Date.now() + 1000, invitation.id);
    const res = await h.gql<{ resendOrgInvitation: Invitation }>(RESEND, { token: admin.token, variables: { id: invitation.id } });
    expect(res.body.data!.resendOrgInvitation).toMatchObject({ id: invitation.id, status: 'PENDING', delivery: 'SENT' });
    expect(Date.parse(res.body.data!.resendOrgInvitation.expiresAt) - Date.now()).toBeGreaterThan(167 * 3600_000);
    const second = mailboxToken('resend@example.com');
    expect(second).not.toBe(first);
    expect(row(invitation.id)['send_count']).toBe(2);
    const invitee = await h.user('resend@example.com');
    expect(codes(await accept(invitee, { token: first }))).toEqual(['NOT_FOUND']);
    expect((await accept(invitee, { token: second })).body.errors).toBeUndefined();
  });

  it('resend and revoke need org:members:invite in the invitation org and the rank of its role; strangers learn nothing', async () => {
    const { invitation } = await invited('owner-to-be@example.com', { role: 'Owner' });
    const byAdmin = await h.gql(RESEND, { token: admin.token, variables: { id: invitation.id } });
    expect([codes(byAdmin), reason(byAdmin)]).toEqual([['FORBIDDEN'], 'INSUFFICIENT_ROLE']);
    const revokeByAdmin = await h.gql(REVOKE, { token: admin.token, variables: { id: invitation.id } });
    expect([codes(revokeByAdmin), reason(revokeByAdmin)]).toEqual([['FORBIDDEN'], 'INSUFFICIENT_ROLE']);
    const byMember = await h.gql(REVOKE, { token: member.token, variables: { id: invitation.id } });
    expect([codes(byMember), reason(byMember)]).toEqual([['FORBIDDEN'], 'MISSING_PERMISSION']);
    expect(codes(await h.gql(REVOKE, { token: outsider.token, variables: { id: invitation.id } }))).toEqual(['NOT_FOUND']);
    expect(codes(await h.gql(RESEND, { token: outsider.token, variables: { id: invitation.id } }))).toEqual(['NOT_FOUND']);
    expect(row(invitation.id)['status']).toBe('pending');
    expect((await h.gql(REVOKE, { token: appAdmin.token, variables: { id: invitation.id } })).body.errors).toBeUndefined();
  });

  it('Org.invitations pages newest first, filters by status, and needs org:members:invite', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await invited(`page${n}@example.com`)).invitation.id);
    const first = await h.gql<Page>(LIST, { token: admin.token, variables: { id: orgId, first: 2 } });
    const page = first.body.data!.org.invitations;
    expect(page.totalCount).toBe(3);
    expect(page.edges.map((e) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await h.gql<Page>(LIST, { token: admin.token, variables: { id: orgId, first: 2, after: page.pageInfo.endCursor } });
    expect(next.body.data!.org.invitations.edges.map((e) => e.node.id)).toEqual([ids[0]]);
    expect(next.body.data!.org.invitations.pageInfo.hasNextPage).toBe(false);
    const pending = await h.gql<Page>(LIST, { token: admin.token, variables: { id: orgId, status: 'PENDING' } });
    expect(pending.body.data!.org.invitations.totalCount).toBe(3);
    const byMember = await h.gql<Page>(LIST, { token: member.token, variables: { id: orgId } });
    expect(byMember.body.data?.org).toBeNull();
    expect(byMember.body.errors!.map((e) => [e.extensions?.['code'], e.extensions?.['reason']])).toEqual([['FORBIDDEN', 'MISSING_PERMISSION']]);
    expect(codes(await h.gql(LIST, { token: admin.token, variables: { id: orgId, first: 101 } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.gql(LIST, { token: admin.token, variables: { id: orgId, after: 'garbage' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('me.invitations lists pending invitations to the viewer, accepting by id works, and only the user themself reads it', async () => {
    const { invitation } = await invited('listed@example.com', { role: 'Admin' });
    const invitee = await h.user('listed@example.com');
    const mine = await h.gql<{ me: { invitations: Row[] } }>(MINE, { token: invitee.token });
    expect(mine.body.data!.me.invitations.map((i) => [i.id, i.role, i.status])).toEqual([[invitation.id, 'Admin', 'PENDING']]);
    const res = await accept(invitee, { id: invitation.id });
    expect(res.body.data!.acceptOrgInvitation.role).toBe('Admin');
    const other = await h.gql(`query($id: ID!) { user(id: $id) { invitations { id } } }`, { token: appAdmin.token, variables: { id: invitee.id } });
    expect([codes(other), reason(other)]).toEqual([['FORBIDDEN'], 'NOT_SELF']);
  });

  it('a send Passage refuses is FAILED, one it does not answer is UNKNOWN; either way the invitation is kept and resend delivers it', async () => {
    const stopRefusing = h.emulator.injectFault({ match: { method: 'POST', pathPrefix: '/magic-links' }, status: 400 });
    const refused = await invite(owner, { email: 'refused@example.com' });
    stopRefusing();
    expect([codes(refused), reason(refused)]).toEqual([['BAD_USER_INPUT'], 'INVITATION_NOT_SENT']);
    const refusedId = ext(refused)['invitationId'] as string;
    expect(row(refusedId)).toMatchObject({ status: 'pending', delivery: 'failed', send_count: 0 });

    const stopFailing = h.emulator.injectFault({ match: { method: 'POST', pathPrefix: '/magic-links' }, status: 503 });
    const unknown = await invite(owner, { email: 'unknown@example.com' });
    stopFailing();
    expect([codes(unknown), reason(unknown)]).toEqual([['OUTCOME_UNKNOWN'], 'INVITATION_SEND_UNKNOWN']);
    const unknownId = ext(unknown)['invitationId'] as string;
    expect(row(unknownId)).toMatchObject({ status: 'pending', delivery: 'unknown' });
    const listed = await h.gql<Page>(`query($id: ID!) { org(id: $id) { invitations { edges { node { id delivery lastSentAt } } } } }`, {
      token: owner.token,
      variables: { id: orgId },
    });
    expect(listed.body.data!.org.invitations.edges.map((e) => e.node)).toEqual([
      { id: unknownId, delivery: 'UNKNOWN', lastSentAt: null },
      { id: refusedId, delivery: 'FAILED', lastSentAt: null },
    ]);
    const failures = h.server.database.sqlite
      .prepare(`select target_id, detail from audit_log where action = 'invitation.send' and outcome = 'failure' and org_id = ?`)
      .all(orgId);
    expect(failures).toHaveLength(2);

    const resent = await h.gql<{ resendOrgInvitation: Invitation }>(RESEND, { token: owner.token, variables: { id: refusedId } });
    expect(resent.body.data!.resendOrgInvitation.delivery).toBe('SENT');
    const invitee = await h.user('refused@example.com');
    expect((await accept(invitee, { token: mailboxToken('refused@example.com') })).body.errors).toBeUndefined();
  });
});

describe('invitation limits', () => {
  let h: Harness;
  let owner: Person;

  beforeAll(async () => {
    h = await startHarness({ env: { INVITATION_ACCEPT_URL: ACCEPT_URL, RATE_LIMIT_INVITATIONS: '3/3600', MAX_ORGS_PER_USER: '1' } });
    owner = await h.user('limit-owner@example.com');
  });
  afterAll(() => h?.close());

  it('inviteOrgMember is rate limited per caller; invalid input does not count', async () => {
    const orgId = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: owner.token, variables: { name: 'Limited' } })).body.data!.createOrg.id;
    const invite = (email: string) =>
      h.gql(`mutation($input: InviteOrgMemberInput!) { inviteOrgMember(input: $input) { id } }`, {
        token: owner.token,
        variables: { input: { orgId, email, role: 'Member' } },
      });
    expect(codes(await invite('bad-email'))).toEqual(['BAD_USER_INPUT']);
    for (const n of [1, 2, 3]) expect((await invite(`rl${n}@example.com`)).body.errors, String(n)).toBeUndefined();
    const limited = await invite('rl4@example.com');
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    expect(limited.status).toBe(429);
  });

  it('accepting an invitation to the owner role respects MAX_ORGS_PER_USER', async () => {
    const other = await h.user('other-owner@example.com');
    const orgId = (await h.gql<{ createOrg: { id: string } }>(CREATE, { token: other.token, variables: { name: 'Second' } })).body.data!.createOrg.id;
    await h.gql(`mutation($input: InviteOrgMemberInput!) { inviteOrgMember(input: $input) { id } }`, {
      token: other.token,
      variables: { input: { orgId, email: 'limit-owner@example.com', role: 'Owner' } },
    });
    const token = tokenFromMailbox(h.emulator.mailbox!.messages, 'limit-owner@example.com').token;
    // limit-owner already owns "Limited" from the test above: one is the most.
    const res = await h.gql(ACCEPT, { token: owner.token, variables: { token } });
    expect([codes(res), reason(res), ext(res)['limit']]).toEqual([['CONFLICT'], 'ORG_LIMIT', 1]);
  });

  it('INVITATION_ACCEPT_URL defaults to the dev console accept page; production has no default', () => {
    expect(loadConfig({ PORT: '4100' }).invitations).toEqual({ acceptUrl: 'http://localhost:4100/console/#/accept', ttlHours: 168 });
    expect(loadConfig({ NODE_ENV: 'production', PASSAGE_APP_ID: 'app', PASSAGE_API_KEY: 'key' }).invitations.acceptUrl).toBeNull();
    expect(loadConfig({ INVITATION_ACCEPT_URL: 'https://console.example.com/accept', INVITATION_TTL_HOURS: '24' }).invitations).toEqual({
      acceptUrl: 'https://console.example.com/accept',
      ttlHours: 24,
    });
    expect(() => loadConfig({ INVITATION_ACCEPT_URL: 'javascript:alert(1)' })).toThrow();
    expect(() => loadConfig({ INVITATION_TTL_HOURS: '0' })).toThrow();
  });
});

describe('invitations in dev mode', () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passgraph-invite-'));
    const config = loadConfig({
      NODE_ENV: 'development',
      PORT: '0',
      DATABASE_URL: join(dir, 'dev.sqlite'),
      EMULATOR_DB: join(dir, 'dev-identity.sqlite'),
      LOG_LEVEL: 'silent',
    });
    server = await startServer(config, createLogger('silent'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('over HTTP: invite, read /dev/mailbox, sign in from the link as the new user, accept; the membership exists', async () => {
    const emulator = server.emulator!;
    const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: each query reads its own shape
      return (await res.json()) as { data?: any; errors?: unknown[] };
    };
    const member = emulator.findUserByIdentifier('member@example.com')!;
    const memberToken = await emulator.mintToken(member.id);
    const orgId = (await gql(CREATE, { name: 'Dev team' }, memberToken)).data.createOrg.id as string;
    const invited = await gql(INVITE, { input: { orgId, email: 'teammate@example.com', role: 'Admin' } }, memberToken);
    expect(invited.errors).toBeUndefined();

    const mailbox = (await (await fetch(`${server.url}/dev/mailbox`)).json()) as { messages: Array<{ to: string; text: string }> };
    const { token, link } = tokenFromMailbox(mailbox.messages, 'teammate@example.com');
    expect(`${link.pathname}${link.hash}`).toBe('/console/#/accept');
    // The accept page's sign-in, through passgraph's own origin as the console does it.
    const activated = await fetch(`${server.url}/v1/apps/${emulator.appId}/magic-link/activate`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ magic_link: link.searchParams.get('psg_magic_link') }),
    });
    expect(activated.status).toBe(200);
    const inviteeToken = ((await activated.json()) as AuthResult).auth_result.auth_token as string;

    const accepted = await gql(ACCEPT, { token }, inviteeToken);
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.acceptOrgInvitation).toMatchObject({ role: 'Admin', org: { id: orgId } });
    const members = await gql(`query($id: ID!) { org(id: $id) { members { edges { node { role user { email } } } } } }`, { id: orgId }, memberToken);
    expect((members.data.org.members.edges as { node: { role: string; user: { email: string } } }[]).map((e) => [e.node.user.email, e.node.role])).toEqual([
      ['member@example.com', 'Owner'],
      ['teammate@example.com', 'Admin'],
    ]);
  });
});
