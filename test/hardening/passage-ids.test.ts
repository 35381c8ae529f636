import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDirective } from '@graphql-tools/utils';
import { isInputObjectType, isObjectType } from 'graphql';
import { codes, startHarness, type Harness } from '../helpers/harness.js';
import { createSchema } from '../../src/graphql/schema.js';

/**
 * Issue 10, item 5: ids that name Passage objects end up in Passage URL paths, where `.` and `..`
 * used to walk to other endpoints (`revokeDevice(deviceId: "..")` deleted the caller's Passage
 * user). Every such argument is refused with BAD_USER_INPUT naming it, before anything else runs.
 */

type Person = { id: string; token: string };
const BAD_IDS = ['.', '..', '../..', 'a/b', '%2e%2e', 'x?y', ''];

describe('Passage ids in arguments', () => {
  let h: Harness;
  let admin: Person, member: Person, other: Person;
  let orgId: string;
  /** Calls that reached Passage's management API (the JWKS is not one). */
  const apiCalls = () => h.emulator.calls.filter((c) => !c.path.endsWith('jwks.json')).length;

  beforeAll(async () => {
    h = await startHarness({ adminEmails: ['ids-admin@example.com'] });
    admin = await h.user('ids-admin@example.com');
    member = await h.user('ids-member@example.com');
    other = await h.user('ids-other@example.com');
    for (const p of [admin, member, other]) await h.gql('{ me { id } }', { token: p.token });
    orgId = (await h.gql<{ createOrg: { id: string } }>('mutation { createOrg(input: { name: "Ids" }) { id } }', { token: member.token })).body.data!.createOrg
      .id;
  });
  afterAll(() => h?.close());

  // Each operation with the id argument as a variable, the caller allowed to call it, and the field the error names.
  const cases: Array<{ name: string; doc: string; vars: (bad: string) => Record<string, unknown>; who: () => Person; field: string }> = [
    {
      name: 'revokeDevice deviceId',
      doc: 'mutation($u: ID!, $d: ID!) { revokeDevice(userId: $u, deviceId: $d) }',
      vars: (bad) => ({ u: member.id, d: bad }),
      who: () => member,
      field: 'deviceId',
    },
    {
      name: 'revokeDevice userId',
      doc: 'mutation($u: ID!, $d: ID!) { revokeDevice(userId: $u, deviceId: $d) }',
      vars: (bad) => ({ u: bad, d: 'dev1' }),
      who: () => admin,
      field: 'userId',
    },
    { name: 'revokeSessions', doc: 'mutation($u: ID!) { revokeSessions(userId: $u) }', vars: (bad) => ({ u: bad }), who: () => admin, field: 'userId' },
    {
      name: 'addOrgMember',
      doc: 'mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Member") { role } }',
      vars: (bad) => ({ o: orgId, u: bad }),
      who: () => member,
      field: 'userId',
    },
    {
      name: 'changeOrgMemberRole',
      doc: 'mutation($o: ID!, $u: ID!) { changeOrgMemberRole(orgId: $o, userId: $u, role: "Member") { role } }',
      vars: (bad) => ({ o: orgId, u: bad }),
      who: () => member,
      field: 'userId',
    },
    {
      name: 'removeOrgMember',
      doc: 'mutation($o: ID!, $u: ID!) { removeOrgMember(orgId: $o, userId: $u) { orgId } }',
      vars: (bad) => ({ o: orgId, u: bad }),
      who: () => member,
      field: 'userId',
    },
    {
      name: 'setAppRole',
      doc: 'mutation($u: ID!) { setAppRole(userId: $u, role: ADMIN) { id } }',
      vars: (bad) => ({ u: bad }),
      who: () => admin,
      field: 'userId',
    },
    { name: 'user', doc: 'query($u: ID!) { user(id: $u) { id } }', vars: (bad) => ({ u: bad }), who: () => admin, field: 'id' },
    {
      name: 'updateUser',
      doc: 'mutation($u: ID!) { updateUser(id: $u, input: { metadata: {} }) { id } }',
      vars: (bad) => ({ u: bad }),
      who: () => admin,
      field: 'id',
    },
    { name: 'activateUser', doc: 'mutation($u: ID!) { activateUser(id: $u) { id } }', vars: (bad) => ({ u: bad }), who: () => admin, field: 'id' },
    { name: 'deactivateUser', doc: 'mutation($u: ID!) { deactivateUser(id: $u) { id } }', vars: (bad) => ({ u: bad }), who: () => admin, field: 'id' },
    { name: 'deleteUser', doc: 'mutation($u: ID!) { deleteUser(id: $u) { deletedUserId } }', vars: (bad) => ({ u: bad }), who: () => admin, field: 'id' },
    {
      name: 'createMagicLink userId',
      doc: 'mutation($u: ID) { createMagicLink(input: { userId: $u }) { id } }',
      vars: (bad) => ({ u: bad }),
      who: () => admin,
      field: 'userId',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: a path-like id is BAD_USER_INPUT naming ${c.field}, with no Passage call`, async () => {
      for (const bad of BAD_IDS) {
        const before = apiCalls();
        const res = await h.gql(c.doc, { token: c.who().token, variables: c.vars(bad) });
        expect(codes(res), `${c.name} with ${JSON.stringify(bad)}`).toEqual(['BAD_USER_INPUT']);
        expect(res.body.errors![0]!.extensions!['field']).toBe(c.field);
        expect(apiCalls() - before).toBe(0);
      }
    });
  }

  it('refuses a literal id the same way', async () => {
    const before = apiCalls();
    const res = await h.gql(`mutation { revokeDevice(userId: "${member.id}", deviceId: "..") }`, { token: member.token });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.extensions!['field']).toBe('deviceId');
    expect(apiCalls() - before).toBe(0);
  });

  it('leaves the caller, the app and the other users intact after every attempt', async () => {
    for (const p of [admin, member, other]) {
      const res = await h.gql<{ me: { email: string } }>('{ me { email } app { name } }', { token: p.token });
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.me.email).toMatch(/@example\.com$/);
    }
    expect(h.emulator.calls.some((c) => c.method !== 'GET' && !/\/users\/[A-Za-z0-9]+(\/|$)/.test(c.path))).toBe(false);
  });

  it('still accepts real ids', async () => {
    const res = await h.gql<{ user: { id: string } }>('query($u: ID!) { user(id: $u) { id } }', { token: admin.token, variables: { u: other.id } });
    expect(res.body.data!.user.id).toBe(other.id);
  });
});

describe('which arguments carry @passageId', () => {
  it('is every argument and input field that names a Passage user or device', () => {
    const schema = createSchema();
    const marked: string[] = [];
    const idNamed: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      const visit = (where: string, name: string, node: Parameters<typeof getDirective>[1]) => {
        if ((getDirective(schema, node, 'passageId') ?? []).length > 0) marked.push(where);
        if (/^(userId|deviceId)$/.test(name)) idNamed.push(where);
      };
      if (isObjectType(type)) {
        for (const field of Object.values(type.getFields())) for (const arg of field.args) visit(`${type.name}.${field.name}(${arg.name})`, arg.name, arg);
      } else if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) visit(`${type.name}.${field.name}`, field.name, field);
      }
    }
    expect(marked.sort()).toEqual(
      [
        'CreateMagicLinkInput.userId',
        'ImpersonateUserInput.userId',
        'Mutation.activateUser(id)',
        'Mutation.addOrgMember(userId)',
        'Mutation.changeOrgMemberRole(userId)',
        'Mutation.deactivateUser(id)',
        'Mutation.deleteUser(id)',
        'Mutation.removeOrgMember(userId)',
        'Mutation.revokeDevice(deviceId)',
        'Mutation.revokeDevice(userId)',
        'Mutation.revokeSessions(userId)',
        'Mutation.setAppRole(userId)',
        'Mutation.updateUser(id)',
        'Query.user(id)',
        'TransferOrgOwnershipInput.userId',
      ].sort(),
    );
    // A new userId/deviceId argument without the directive fails here.
    for (const where of idNamed) expect(marked).toContain(where);
  });
});
