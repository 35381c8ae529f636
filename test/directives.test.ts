import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import DataLoader from 'dataloader';
import { graphql, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLES, loadRolesFile, Roles, RolesFileError, type RoleDefinition } from '../src/auth/roles.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { applyAuthDirectives, rootFieldsWithoutAccess } from '../src/graphql/directives.js';
import { allGuards, loadTypeDefs } from '../src/graphql/schema.js';

// ---------------------------------------------------------------------------------------------
// Helpers: small schemas on top of the real directive definitions, and a fake context holding only
// what the guards read (`viewer` and `authz.membership`).
// ---------------------------------------------------------------------------------------------

type AppRole = 'USER' | 'ADMIN';
type Viewer = { id: string; appRole: AppRole };
type Grant = { role: string; additionalRoles?: string[] };

const roles = new Roles();

function membershipOf(orgId: string, userId: string, role: string, additionalRoles: string[] = []) {
  return {
    orgId,
    userId,
    role,
    additionalRoles,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...roles.summarize(role, additionalRoles),
  };
}

/** `grants` maps org id to the viewer's role there; every other org: not a member. */
function fakeContext(viewer: Viewer | null, grants: Record<string, Grant> = {}, sharedWith: string[] = []) {
  const calls: string[] = [];
  const sharedCalls: string[] = [];
  const ctx = {
    viewer,
    authz: {
      membership: async (orgId: string) => {
        calls.push(orgId);
        const grant = grants[orgId];
        return viewer && grant ? membershipOf(orgId, viewer.id, grant.role, grant.additionalRoles) : null;
      },
      sharesOrg: async (userId: string) => {
        sharedCalls.push(userId);
        return sharedWith.includes(userId);
      },
      invalidateOrg() {},
    },
  } as unknown as GraphQLContext;
  return { ctx, calls, sharedCalls };
}

const anon = () => fakeContext(null);
const user = (grants: Record<string, Grant> = {}, id = 'u-1') => fakeContext({ id, appRole: 'USER' }, grants);
const appAdmin = (grants: Record<string, Grant> = {}) => fakeContext({ id: 'admin-1', appRole: 'ADMIN' }, grants);

function buildRaw(sdl: string, resolvers: IResolvers = {}): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: [...loadTypeDefs(), sdl], resolvers });
}

function build(sdl: string, resolvers: IResolvers = {}, r: Roles = new Roles()): GraphQLSchema {
  return applyAuthDirectives(buildRaw(sdl, resolvers), allGuards(r));
}

async function run(schema: GraphQLSchema, source: string, ctx: GraphQLContext, variableValues?: Record<string, unknown>) {
  const result = await graphql({ schema, source, contextValue: ctx, variableValues: variableValues ?? null });
  return result;
}

/** Errors as {path, code, reason}, never message text. */
function errorsOf(result: ExecutionResult) {
  return (result.errors ?? []).map((e) => ({
    path: e.path?.join('.'),
    code: e.extensions['code'],
    reason: e.extensions['reason'],
  }));
}

function expectDenied(result: ExecutionResult, path: string, code: string, reason?: string) {
  const errors = errorsOf(result);
  expect(errors).toHaveLength(1);
  expect(errors[0]!.path).toBe(path);
  expect(errors[0]!.code).toBe(code);
  if (reason !== undefined) expect(errors[0]!.reason).toBe(reason);
}

function expectOk(result: ExecutionResult, data: Record<string, unknown>) {
  expect(errorsOf(result)).toEqual([]);
  expect(result.data).toEqual(data);
}

// ---------------------------------------------------------------------------------------------
// 1. @requireAppRole
// ---------------------------------------------------------------------------------------------

describe('@requireAppRole', () => {
  const schema = build(
    `extend type Query {
      adminOnly: String @requireAppRole(atLeast: ADMIN)
      usersToo: String @requireAppRole(atLeast: USER)
    }`,
    { Query: { adminOnly: () => 'secret', usersToo: () => 'hello' } },
  );

  it('refuses anonymous callers with UNAUTHENTICATED', async () => {
    const result = await run(schema, '{ adminOnly }', anon().ctx);
    expectDenied(result, 'adminOnly', 'UNAUTHENTICATED');
    expect(result.data).toEqual({ adminOnly: null });
  });

  it('refuses a USER with FORBIDDEN / INSUFFICIENT_APP_ROLE', async () => {
    const result = await run(schema, '{ adminOnly }', user().ctx);
    expectDenied(result, 'adminOnly', 'FORBIDDEN', 'INSUFFICIENT_APP_ROLE');
    expect(result.data).toEqual({ adminOnly: null });
  });

  it('lets an ADMIN through', async () => {
    expectOk(await run(schema, '{ adminOnly }', appAdmin().ctx), { adminOnly: 'secret' });
  });

  it('atLeast: USER admits users and admins but not anonymous callers', async () => {
    expectOk(await run(schema, '{ usersToo }', user().ctx), { usersToo: 'hello' });
    expectOk(await run(schema, '{ usersToo }', appAdmin().ctx), { usersToo: 'hello' });
    expectDenied(await run(schema, '{ usersToo }', anon().ctx), 'usersToo', 'UNAUTHENTICATED');
  });

  it('runs the guard before the resolver (a denied mutation has no effect)', async () => {
    let ran = 0;
    const s = build(`extend type Mutation { nuke: Boolean @requireAppRole(atLeast: ADMIN) }`, {
      Mutation: { nuke: () => ++ran > 0 },
    });
    expectDenied(await run(s, 'mutation { nuke }', user().ctx), 'nuke', 'FORBIDDEN', 'INSUFFICIENT_APP_ROLE');
    expect(ran).toBe(0);
    expectOk(await run(s, 'mutation { nuke }', appAdmin().ctx), { nuke: true });
    expect(ran).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. @requireOrgRole
// ---------------------------------------------------------------------------------------------

describe('@requireOrgRole', () => {
  const schema = build(
    `
    input TargetInput { orgId: ID, note: String }
    type Doc {
      id: ID!
      orgId: ID
      title: String
      adminNote: String @requireOrgRole(atLeast: "Admin", org: PARENT, path: "orgId")
      ownerNote: String @requireOrgRole(atLeast: "Owner", org: PARENT, path: "orgId", deny: NOT_FOUND)
    }
    type Team {
      id: ID!
      budget: Int @requireOrgRole(atLeast: "Admin", org: PARENT)
    }
    extend type Query {
      memberThing(orgId: ID): String @requireOrgRole(atLeast: "Member")
      adminThing(orgId: ID): String @requireOrgRole(atLeast: "Admin")
      viaInput(input: TargetInput!): String @requireOrgRole(atLeast: "Admin", path: "input.orgId")
      hidden(orgId: ID): String @requireOrgRole(atLeast: "Admin", deny: NOT_FOUND)
      doc(id: ID!): Doc @authenticated
      team(id: ID!): Team @authenticated
    }`,
    {
      Query: {
        memberThing: () => 'member-data',
        adminThing: () => 'admin-data',
        viaInput: (_: unknown, a: { input: { note?: string } }) => `input:${a.input.note ?? ''}`,
        hidden: () => 'hidden-data',
        doc: (_: unknown, { id }: { id: string }) => ({ id, orgId: id === 'orphan' ? null : 'o1', title: `t-${id}`, adminNote: 'a', ownerNote: 'o' }),
        team: (_: unknown, { id }: { id: string }) => ({ id, budget: 42 }),
      },
    },
  );

  describe('org: ARG (default path orgId)', () => {
    it('refuses anonymous callers with UNAUTHENTICATED before any lookup', async () => {
      const { ctx, calls } = anon();
      expectDenied(await run(schema, '{ adminThing(orgId: "o1") }', ctx), 'adminThing', 'UNAUTHENTICATED');
      expect(calls).toEqual([]);
    });

    it('NOT_MEMBER when the caller has no membership in the org', async () => {
      const { ctx, calls } = user({ o2: { role: 'Owner' } });
      expectDenied(await run(schema, '{ adminThing(orgId: "o1") }', ctx), 'adminThing', 'FORBIDDEN', 'NOT_MEMBER');
      expect(calls).toEqual(['o1']);
    });

    it('INSUFFICIENT_ROLE when the role ranks below the requirement', async () => {
      const result = await run(schema, '{ adminThing(orgId: "o1") }', user({ o1: { role: 'Member' } }).ctx);
      expectDenied(result, 'adminThing', 'FORBIDDEN', 'INSUFFICIENT_ROLE');
    });

    it('passes at the required rank and above', async () => {
      expectOk(await run(schema, '{ adminThing(orgId: "o1") }', user({ o1: { role: 'Admin' } }).ctx), { adminThing: 'admin-data' });
      expectOk(await run(schema, '{ adminThing(orgId: "o1") }', user({ o1: { role: 'Owner' } }).ctx), { adminThing: 'admin-data' });
      expectOk(await run(schema, '{ memberThing(orgId: "o1") }', user({ o1: { role: 'Member' } }).ctx), { memberThing: 'member-data' });
    });

    it('an additional role raises the rank', async () => {
      const ctx = user({ o1: { role: 'Member', additionalRoles: ['Admin'] } }).ctx;
      expectOk(await run(schema, '{ adminThing(orgId: "o1") }', ctx), { adminThing: 'admin-data' });
    });

    it('reads the org from the argument, not from some other org the caller belongs to', async () => {
      const ctx = user({ o1: { role: 'Owner' } }).ctx;
      expectDenied(await run(schema, '{ adminThing(orgId: "o2") }', ctx), 'adminThing', 'FORBIDDEN', 'NOT_MEMBER');
    });

    it('app ADMIN passes without a membership lookup', async () => {
      const { ctx, calls } = appAdmin();
      expectOk(await run(schema, '{ adminThing(orgId: "o1") }', ctx), { adminThing: 'admin-data' });
      expect(calls).toEqual([]);
    });

    it('ORG_UNRESOLVED when the org id is missing or empty', async () => {
      const { ctx, calls } = user({ o1: { role: 'Owner' } });
      expectDenied(await run(schema, '{ adminThing }', ctx), 'adminThing', 'FORBIDDEN', 'ORG_UNRESOLVED');
      expectDenied(await run(schema, '{ adminThing(orgId: "") }', ctx), 'adminThing', 'FORBIDDEN', 'ORG_UNRESOLVED');
      expect(calls).toEqual([]);
    });

    it('deny: NOT_FOUND answers NOT_FOUND for every denial reason', async () => {
      for (const ctx of [user().ctx, user({ o1: { role: 'Member' } }).ctx]) {
        const result = await run(schema, '{ hidden(orgId: "o1") }', ctx);
        expectDenied(result, 'hidden', 'NOT_FOUND');
        expect(errorsOf(result)[0]!.reason).toBeUndefined();
      }
      expectDenied(await run(schema, '{ hidden }', user().ctx), 'hidden', 'NOT_FOUND');
      expectOk(await run(schema, '{ hidden(orgId: "o1") }', user({ o1: { role: 'Admin' } }).ctx), { hidden: 'hidden-data' });
    });

    it('the denial of one field leaves its siblings resolved', async () => {
      const result = await run(schema, '{ adminThing(orgId: "o1") memberThing(orgId: "o1") }', user({ o1: { role: 'Member' } }).ctx);
      expectDenied(result, 'adminThing', 'FORBIDDEN', 'INSUFFICIENT_ROLE');
      expect(result.data).toEqual({ adminThing: null, memberThing: 'member-data' });
    });
  });

  describe('org: ARG with a dotted path into an input object', () => {
    it('reads input.orgId', async () => {
      const q = '{ viaInput(input: { orgId: "o1", note: "n" }) }';
      expectOk(await run(schema, q, user({ o1: { role: 'Admin' } }).ctx), { viaInput: 'input:n' });
      expectDenied(await run(schema, q, user({ o1: { role: 'Member' } }).ctx), 'viaInput', 'FORBIDDEN', 'INSUFFICIENT_ROLE');
      expectDenied(await run(schema, q, user({ o2: { role: 'Owner' } }).ctx), 'viaInput', 'FORBIDDEN', 'NOT_MEMBER');
    });

    it('reads input.orgId from variables too', async () => {
      const q = 'query ($i: TargetInput!) { viaInput(input: $i) }';
      const { ctx, calls } = user({ o1: { role: 'Admin' } });
      expectOk(await run(schema, q, ctx, { i: { orgId: 'o1', note: 'v' } }), { viaInput: 'input:v' });
      expect(calls).toEqual(['o1']);
    });

    it('ORG_UNRESOLVED when the input omits the org id', async () => {
      const result = await run(schema, '{ viaInput(input: { note: "n" }) }', user({ o1: { role: 'Owner' } }).ctx);
      expectDenied(result, 'viaInput', 'FORBIDDEN', 'ORG_UNRESOLVED');
    });
  });

  describe('org: PARENT', () => {
    it('reads the org from the parent object (explicit path)', async () => {
      const q = '{ doc(id: "d1") { id title adminNote } }';
      expectOk(await run(schema, q, user({ o1: { role: 'Admin' } }).ctx), { doc: { id: 'd1', title: 't-d1', adminNote: 'a' } });
      const denied = await run(schema, q, user({ o1: { role: 'Member' } }).ctx);
      expectDenied(denied, 'doc.adminNote', 'FORBIDDEN', 'INSUFFICIENT_ROLE');
      expect(denied.data).toEqual({ doc: { id: 'd1', title: 't-d1', adminNote: null } });
      expectDenied(await run(schema, q, user().ctx), 'doc.adminNote', 'FORBIDDEN', 'NOT_MEMBER');
    });

    it('defaults the PARENT path to id', async () => {
      const { ctx, calls } = user({ t9: { role: 'Admin' } });
      expectOk(await run(schema, '{ team(id: "t9") { budget } }', ctx), { team: { budget: 42 } });
      expect(calls).toEqual(['t9']);
      expectDenied(await run(schema, '{ team(id: "t8") { budget } }', ctx), 'team.budget', 'FORBIDDEN', 'NOT_MEMBER');
    });

    it('ORG_UNRESOLVED when the parent has no org id', async () => {
      const result = await run(schema, '{ doc(id: "orphan") { adminNote } }', user({ o1: { role: 'Owner' } }).ctx);
      expectDenied(result, 'doc.adminNote', 'FORBIDDEN', 'ORG_UNRESOLVED');
    });

    it('app ADMIN passes without a lookup; deny: NOT_FOUND gives NOT_FOUND', async () => {
      const admin = appAdmin();
      expectOk(await run(schema, '{ doc(id: "d1") { ownerNote } }', admin.ctx), { doc: { ownerNote: 'o' } });
      expect(admin.calls).toEqual([]);
      expectDenied(await run(schema, '{ doc(id: "d1") { ownerNote } }', user({ o1: { role: 'Admin' } }).ctx), 'doc.ownerNote', 'NOT_FOUND');
      expectOk(await run(schema, '{ doc(id: "d1") { ownerNote } }', user({ o1: { role: 'Owner' } }).ctx), { doc: { ownerNote: 'o' } });
    });
  });

  it('repeatable: every applied @requireOrgRole must hold', async () => {
    const s = build(
      `extend type Query { both(a: ID, b: ID): String @requireOrgRole(atLeast: "Member", path: "a") @requireOrgRole(atLeast: "Admin", path: "b") }`,
      { Query: { both: () => 'ok' } },
    );
    const q = '{ both(a: "o1", b: "o2") }';
    expectOk(await run(s, q, user({ o1: { role: 'Member' }, o2: { role: 'Admin' } }).ctx), { both: 'ok' });
    expectDenied(await run(s, q, user({ o1: { role: 'Member' }, o2: { role: 'Member' } }).ctx), 'both', 'FORBIDDEN', 'INSUFFICIENT_ROLE');
    expectDenied(await run(s, q, user({ o2: { role: 'Owner' } }).ctx), 'both', 'FORBIDDEN', 'NOT_MEMBER');
  });
});

// ---------------------------------------------------------------------------------------------
// 3. @requirePermission
// ---------------------------------------------------------------------------------------------

describe('@requirePermission', () => {
  // Ranked: each role also holds the permissions of every role below it.
  const custom = new Roles([
    { name: 'Guest', rank: 1, permissions: [] },
    { name: 'Billing', rank: 5, permissions: ['billing:read'] },
    { name: 'Viewer', rank: 10, permissions: ['doc:read'] },
    { name: 'Editor', rank: 20, permissions: ['doc:write'] },
    { name: 'Boss', rank: 30, permissions: ['doc:admin'] },
    // The real schema (loadTypeDefs) names the default permissions; only this top role holds them.
    { name: 'Keeper', rank: 1000, permissions: DEFAULT_ROLES.flatMap((r) => r.permissions) },
  ]);
  const schema = build(
    `extend type Query {
      allOf(orgId: ID): String @requirePermission(all: ["doc:read", "billing:read"])
      anyOf(orgId: ID): String @requirePermission(any: ["doc:write", "billing:read"])
      both(orgId: ID): String @requirePermission(all: ["doc:read"], any: ["doc:write", "doc:admin"])
      hiddenPerm(orgId: ID): String @requirePermission(all: ["doc:write"], deny: NOT_FOUND)
    }`,
    { Query: { allOf: () => 'all', anyOf: () => 'any', both: () => 'both', hiddenPerm: () => 'h' } },
    custom,
  );
  // The fake context summarizes with the default roles; build memberships with the custom ones here.
  const ctxWith = (role: string, additionalRoles: string[] = []) => {
    const calls: string[] = [];
    const ctx = {
      viewer: { id: 'u-1', appRole: 'USER' },
      authz: {
        membership: async (orgId: string) => {
          calls.push(orgId);
          if (orgId !== 'o1') return null;
          return { orgId, userId: 'u-1', role, additionalRoles, createdAt: new Date(0), updatedAt: new Date(0), ...custom.summarize(role, additionalRoles) };
        },
        invalidateOrg() {},
      },
    } as unknown as GraphQLContext;
    return { ctx, calls };
  };

  it('all: every permission must hold', async () => {
    const guest = await run(schema, '{ allOf(orgId: "o1") }', ctxWith('Guest').ctx);
    expectDenied(guest, 'allOf', 'FORBIDDEN', 'MISSING_PERMISSION');
    expect(guest.errors![0]!.extensions['required']).toEqual(['doc:read', 'billing:read']);
    const billing = await run(schema, '{ allOf(orgId: "o1") }', ctxWith('Billing').ctx);
    expectDenied(billing, 'allOf', 'FORBIDDEN', 'MISSING_PERMISSION');
    expect(billing.errors![0]!.extensions['required']).toEqual(['doc:read']);
    // Viewer holds doc:read and inherits billing:read from Billing, which ranks lower.
    expectOk(await run(schema, '{ allOf(orgId: "o1") }', ctxWith('Viewer').ctx), { allOf: 'all' });
    expectOk(await run(schema, '{ allOf(orgId: "o1") }', ctxWith('Editor').ctx), { allOf: 'all' });
  });

  it('any: at least one permission must hold', async () => {
    expectDenied(await run(schema, '{ anyOf(orgId: "o1") }', ctxWith('Guest').ctx), 'anyOf', 'FORBIDDEN', 'MISSING_PERMISSION');
    expectOk(await run(schema, '{ anyOf(orgId: "o1") }', ctxWith('Billing').ctx), { anyOf: 'any' });
    expectOk(await run(schema, '{ anyOf(orgId: "o1") }', ctxWith('Editor').ctx), { anyOf: 'any' });
    // Additional roles count too.
    expectOk(await run(schema, '{ anyOf(orgId: "o1") }', ctxWith('Guest', ['Billing']).ctx), { anyOf: 'any' });
  });

  it('all and any together: all must hold and one of any', async () => {
    // Billing lacks doc:read (all).
    expectDenied(await run(schema, '{ both(orgId: "o1") }', ctxWith('Billing').ctx), 'both', 'FORBIDDEN', 'MISSING_PERMISSION');
    // Viewer has doc:read but neither doc:write nor doc:admin (any).
    const viewer = await run(schema, '{ both(orgId: "o1") }', ctxWith('Viewer').ctx);
    expectDenied(viewer, 'both', 'FORBIDDEN', 'MISSING_PERMISSION');
    expect(viewer.errors![0]!.extensions['required']).toEqual(['doc:write', 'doc:admin']);
    expectOk(await run(schema, '{ both(orgId: "o1") }', ctxWith('Editor').ctx), { both: 'both' });
    expectOk(await run(schema, '{ both(orgId: "o1") }', ctxWith('Viewer', ['Boss']).ctx), { both: 'both' });
  });

  it('NOT_MEMBER outside the org, ORG_UNRESOLVED without an org id, NOT_FOUND with deny: NOT_FOUND', async () => {
    expectDenied(await run(schema, '{ anyOf(orgId: "o2") }', ctxWith('Boss').ctx), 'anyOf', 'FORBIDDEN', 'NOT_MEMBER');
    expectDenied(await run(schema, '{ anyOf }', ctxWith('Boss').ctx), 'anyOf', 'FORBIDDEN', 'ORG_UNRESOLVED');
    expectDenied(await run(schema, '{ hiddenPerm(orgId: "o1") }', ctxWith('Viewer').ctx), 'hiddenPerm', 'NOT_FOUND');
    expectOk(await run(schema, '{ hiddenPerm(orgId: "o1") }', ctxWith('Editor').ctx), { hiddenPerm: 'h' });
  });

  it('app admins pass without a lookup; anonymous callers get UNAUTHENTICATED', async () => {
    const { ctx, calls } = appAdmin();
    expectOk(await run(schema, '{ allOf(orgId: "o1") }', ctx), { allOf: 'all' });
    expect(calls).toEqual([]);
    expectDenied(await run(schema, '{ allOf(orgId: "o1") }', anon().ctx), 'allOf', 'UNAUTHENTICATED');
  });

  describe('with the default roles', () => {
    const s = build(
      `extend type Query {
        invite(orgId: ID): String @requirePermission(all: ["org:members:invite"])
        read(orgId: ID): String @requirePermission(all: ["org:read"])
        destroy(orgId: ID): String @requirePermission(any: ["org:delete"])
      }`,
      { Query: { invite: () => 'i', read: () => 'r', destroy: () => 'd' } },
    );

    it('additional roles grant their permissions', async () => {
      expectDenied(await run(s, '{ invite(orgId: "o1") }', user({ o1: { role: 'Member' } }).ctx), 'invite', 'FORBIDDEN', 'MISSING_PERMISSION');
      expectOk(await run(s, '{ invite(orgId: "o1") }', user({ o1: { role: 'Member', additionalRoles: ['Admin'] } }).ctx), { invite: 'i' });
    });

    it('permissions are inherited from lower ranks (Owner has org:read)', async () => {
      expectOk(await run(s, '{ read(orgId: "o1") }', user({ o1: { role: 'Owner' } }).ctx), { read: 'r' });
      expectOk(await run(s, '{ destroy(orgId: "o1") }', user({ o1: { role: 'Owner' } }).ctx), { destroy: 'd' });
      expectDenied(await run(s, '{ destroy(orgId: "o1") }', user({ o1: { role: 'Admin' } }).ctx), 'destroy', 'FORBIDDEN', 'MISSING_PERMISSION');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 4. @selfOr
// ---------------------------------------------------------------------------------------------

describe('@selfOr', () => {
  const schema = build(
    `
    type Profile @selfOr(user: PARENT, path: "ownerId", permission: "org:members:read", org: PARENT, orgPath: "orgId") {
      ownerId: ID!
      orgId: ID!
      bio: String
    }
    extend type Query {
      byAppRole(userId: ID): String @selfOr(appRole: ADMIN)
      byOrgRole(userId: ID, orgId: ID): String @selfOr(orgRole: "Admin")
      byPermission(userId: ID, orgId: ID): String @selfOr(permission: "org:members:remove")
      eitherOrg(userId: ID, orgId: ID): String @selfOr(orgRole: "Owner", permission: "org:members:read")
      hiddenSelf(userId: ID, orgId: ID): String @selfOr(orgRole: "Admin", deny: NOT_FOUND)
      profiles: [Profile!]! @authenticated
    }`,
    {
      Query: {
        byAppRole: () => 'a',
        byOrgRole: () => 'o',
        byPermission: () => 'p',
        eitherOrg: () => 'e',
        hiddenSelf: () => 'h',
        profiles: () => [
          { ownerId: 'u-1', orgId: 'o1', bio: 'mine' },
          { ownerId: 'u-2', orgId: 'o1', bio: 'colleague' },
          { ownerId: 'u-3', orgId: 'o9', bio: 'stranger' },
        ],
      },
    },
  );

  it('the user themself passes with no membership lookup', async () => {
    const queries: Array<[string, string]> = [
      ['{ byAppRole(userId: "u-1") }', 'a'],
      ['{ byOrgRole(userId: "u-1", orgId: "o1") }', 'o'],
      ['{ byPermission(userId: "u-1", orgId: "o1") }', 'p'],
      ['{ eitherOrg(userId: "u-1", orgId: "o1") }', 'e'],
    ];
    for (const [q, value] of queries) {
      const { ctx, calls } = user();
      const result = await run(schema, q, ctx);
      expect(errorsOf(result)).toEqual([]);
      expect(Object.values(result.data!)).toEqual([value]);
      expect(calls).toEqual([]);
    }
  });

  it('others pass with the app role', async () => {
    expectOk(await run(schema, '{ byAppRole(userId: "u-2") }', appAdmin().ctx), { byAppRole: 'a' });
    const result = await run(schema, '{ byAppRole(userId: "u-2") }', user().ctx);
    expectDenied(result, 'byAppRole', 'FORBIDDEN', 'NOT_SELF');
    expectDenied(await run(schema, '{ byAppRole }', user().ctx), 'byAppRole', 'FORBIDDEN', 'NOT_SELF');
  });

  it('others pass with the org role', async () => {
    const q = '{ byOrgRole(userId: "u-2", orgId: "o1") }';
    expectOk(await run(schema, q, user({ o1: { role: 'Admin' } }).ctx), { byOrgRole: 'o' });
    expectOk(await run(schema, q, user({ o1: { role: 'Owner' } }).ctx), { byOrgRole: 'o' });
    expectDenied(await run(schema, q, user({ o1: { role: 'Member' } }).ctx), 'byOrgRole', 'FORBIDDEN', 'INSUFFICIENT_ROLE');
    expectDenied(await run(schema, q, user().ctx), 'byOrgRole', 'FORBIDDEN', 'NOT_MEMBER');
    const admin = appAdmin();
    expectOk(await run(schema, q, admin.ctx), { byOrgRole: 'o' });
    expect(admin.calls).toEqual([]);
  });

  it('others pass with the permission', async () => {
    const q = '{ byPermission(userId: "u-2", orgId: "o1") }';
    expectOk(await run(schema, q, user({ o1: { role: 'Admin' } }).ctx), { byPermission: 'p' });
    expectOk(await run(schema, q, user({ o1: { role: 'Member', additionalRoles: ['Admin'] } }).ctx), { byPermission: 'p' });
    expectDenied(await run(schema, q, user({ o1: { role: 'Member' } }).ctx), 'byPermission', 'FORBIDDEN', 'MISSING_PERMISSION');
  });

  it('with both orgRole and permission, either one suffices', async () => {
    const q = '{ eitherOrg(userId: "u-2", orgId: "o1") }';
    expectOk(await run(schema, q, user({ o1: { role: 'Member' } }).ctx), { eitherOrg: 'e' }); // permission
    expectOk(await run(schema, q, user({ o1: { role: 'Owner' } }).ctx), { eitherOrg: 'e' }); // role
    expectDenied(await run(schema, q, user({ o2: { role: 'Owner' } }).ctx), 'eitherOrg', 'FORBIDDEN', 'NOT_MEMBER');
  });

  it('refuses anonymous callers with UNAUTHENTICATED and honours deny: NOT_FOUND', async () => {
    expectDenied(await run(schema, '{ byOrgRole(userId: "u-2", orgId: "o1") }', anon().ctx), 'byOrgRole', 'UNAUTHENTICATED');
    expectDenied(await run(schema, '{ hiddenSelf(userId: "u-2", orgId: "o1") }', user({ o1: { role: 'Member' } }).ctx), 'hiddenSelf', 'NOT_FOUND');
    expectOk(await run(schema, '{ hiddenSelf(userId: "u-1", orgId: "o1") }', user().ctx), { hiddenSelf: 'h' });
  });

  it('on a type with user: PARENT and org: PARENT, filters a list to self plus permitted orgs', async () => {
    const stranger = await run(schema, '{ profiles { bio } }', user({}, 'u-1').ctx);
    expectOk(stranger, { profiles: [{ bio: 'mine' }] });
    const member = user({ o1: { role: 'Member' } }, 'u-1');
    expectOk(await run(schema, '{ profiles { bio } }', member.ctx), { profiles: [{ bio: 'mine' }, { bio: 'colleague' }] });
    // Own profile: no lookup. The others: one lookup per distinct org.
    expect(member.calls.sort()).toEqual(['o1', 'o9']);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Type-level guards
// ---------------------------------------------------------------------------------------------

describe('type-level guards', () => {
  const secrets = [
    { id: 's1', orgId: 'o1', name: 'one' },
    { id: 's2', orgId: 'o2', name: 'two' },
    { id: 's3', orgId: 'o1', name: 'three' },
  ];
  const plain = { id: 'p1', label: 'plain' };
  const schema = build(
    `
    interface Node { id: ID! }
    type Secret implements Node @requireOrgRole(atLeast: "Member", org: PARENT, path: "orgId") {
      id: ID!
      orgId: ID!
      name: String
    }
    type Plain implements Node { id: ID!, label: String }
    union Thing = Secret | Plain
    type Holder { secret: Secret, label: String }
    extend type Query {
      secret(id: ID!): Secret @authenticated
      requiredSecret(id: ID!): Secret! @authenticated
      secrets: [Secret!]! @authenticated
      holder: Holder @authenticated
      ping: String @public
      node(id: ID!): Node @authenticated
      nodes: [Node!]! @authenticated
      thing(id: ID!): Thing @authenticated
      things: [Thing]! @authenticated
    }`,
    {
      Node: { __resolveType: (o: { orgId?: string }) => (o.orgId ? 'Secret' : 'Plain') },
      // Thing has no resolveType: the engine and graphql-js both fall back to __typename.
      Query: {
        secret: (_: unknown, { id }: { id: string }) => secrets.find((s) => s.id === id) ?? null,
        requiredSecret: (_: unknown, { id }: { id: string }) => secrets.find((s) => s.id === id) ?? null,
        secrets: () => secrets,
        holder: () => ({ secret: secrets[1], label: 'holder' }),
        ping: () => 'pong',
        node: (_: unknown, { id }: { id: string }) => [...secrets, plain].find((s) => s.id === id) ?? null,
        nodes: () => [...secrets, plain],
        thing: (_: unknown, { id }: { id: string }) => {
          const s = secrets.find((x) => x.id === id);
          return s ? { ...s, __typename: 'Secret' } : { ...plain, __typename: 'Plain' };
        },
        things: () => [...secrets.map((s) => ({ ...s, __typename: 'Secret' })), { ...plain, __typename: 'Plain' }],
      },
    },
  );
  const o1Member = () => user({ o1: { role: 'Member' } });

  it('a denied single object is null with the guard error, siblings still resolve', async () => {
    const result = await run(schema, '{ secret(id: "s2") { name } ping }', o1Member().ctx);
    expectDenied(result, 'secret', 'FORBIDDEN', 'NOT_MEMBER');
    expect(result.data).toEqual({ secret: null, ping: 'pong' });
    expectOk(await run(schema, '{ secret(id: "s1") { name } ping }', o1Member().ctx), { secret: { name: 'one' }, ping: 'pong' });
  });

  it('a denied object nested below an allowed one is null at its own path', async () => {
    const result = await run(schema, '{ holder { label secret { name } } }', o1Member().ctx);
    expectDenied(result, 'holder.secret', 'FORBIDDEN', 'NOT_MEMBER');
    expect(result.data).toEqual({ holder: { label: 'holder', secret: null } });
  });

  it('a denied non-null object nulls its parent (normal GraphQL null propagation) with the guard error', async () => {
    const result = await run(schema, '{ requiredSecret(id: "s2") { name } ping }', o1Member().ctx);
    expectDenied(result, 'requiredSecret', 'FORBIDDEN', 'NOT_MEMBER');
    expect(result.data).toBeNull();
  });

  it('denied objects are left out of lists, allowed ones kept', async () => {
    const result = await run(schema, '{ secrets { id } }', o1Member().ctx);
    expectOk(result, { secrets: [{ id: 's1' }, { id: 's3' }] });
    expectOk(await run(schema, '{ secrets { id } }', user().ctx), { secrets: [] });
    expectOk(await run(schema, '{ secrets { id } }', appAdmin().ctx), { secrets: [{ id: 's1' }, { id: 's2' }, { id: 's3' }] });
  });

  it('through an interface-typed field (resolveType): the concrete type guard applies', async () => {
    const denied = await run(schema, '{ node(id: "s2") { id } }', o1Member().ctx);
    expectDenied(denied, 'node', 'FORBIDDEN', 'NOT_MEMBER');
    expectOk(await run(schema, '{ node(id: "s1") { id } }', o1Member().ctx), { node: { id: 's1' } });
    // Plain is unguarded.
    const { ctx, calls } = user();
    expectOk(await run(schema, '{ node(id: "p1") { id } }', ctx), { node: { id: 'p1' } });
    expect(calls).toEqual([]);
    expectOk(await run(schema, '{ nodes { id } }', o1Member().ctx), { nodes: [{ id: 's1' }, { id: 's3' }, { id: 'p1' }] });
  });

  it('through a union-typed field (__typename): the concrete type guard applies', async () => {
    expectDenied(await run(schema, '{ thing(id: "s2") { ... on Secret { name } } }', o1Member().ctx), 'thing', 'FORBIDDEN', 'NOT_MEMBER');
    expectOk(await run(schema, '{ thing(id: "s1") { ... on Secret { name } } }', o1Member().ctx), { thing: { name: 'one' } });
    expectOk(await run(schema, '{ things { __typename ... on Secret { id } ... on Plain { label } } }', o1Member().ctx), {
      things: [
        { __typename: 'Secret', id: 's1' },
        { __typename: 'Secret', id: 's3' },
        { __typename: 'Plain', label: 'plain' },
      ],
    });
  });

  describe('a union whose members resolve with isTypeOf only (no resolveType, no __typename)', () => {
    const s = build(
      `type Vaulted @requireAppRole(atLeast: ADMIN) { id: ID! }
       type Open { id: ID!, open: Boolean }
       union Box = Vaulted | Open
       extend type Query { box: Box @authenticated, boxes: [Box!]! @authenticated }`,
      {
        Vaulted: { __isTypeOf: (o: { open?: boolean }) => o.open === undefined },
        Open: { __isTypeOf: (o: { open?: boolean }) => o.open !== undefined },
        Query: { box: () => ({ id: 'v1' }), boxes: () => [{ id: 'v1' }, { id: 'o1', open: true }] },
      },
    );

    it('graphql-js resolves the concrete type (sanity check of the fixture)', async () => {
      expectOk(await run(s, '{ box { __typename } boxes { __typename ... on Open { id } } }', appAdmin().ctx), {
        box: { __typename: 'Vaulted' },
        boxes: [{ __typename: 'Vaulted' }, { __typename: 'Open', id: 'o1' }],
      });
    });

    // graphql-js also resolves union members by isTypeOf; the guard must find the type the same
    // way, or a USER would read an ADMIN-only Vaulted (fail-open).
    it('the concrete type guard applies to a single object', async () => {
      expectDenied(await run(s, '{ box { __typename } }', user().ctx), 'box', 'FORBIDDEN', 'INSUFFICIENT_APP_ROLE');
    });
    it('the concrete type guard filters a list', async () => {
      expectOk(await run(s, '{ boxes { __typename ... on Open { id } } }', user().ctx), { boxes: [{ __typename: 'Open', id: 'o1' }] });
    });
  });

  describe('a guard on an interface type', () => {
    const s = build(
      `interface Restricted @requireAppRole(atLeast: ADMIN) { id: ID! }
       type Vault implements Restricted { id: ID!, label: String }
       type Safe implements Restricted { id: ID! }
       extend type Query {
         vault: Vault @authenticated
         safes: [Safe!]! @authenticated
         restricted: [Restricted!]! @authenticated
       }`,
      {
        Restricted: { __resolveType: (o: { label?: string }) => (o.label ? 'Vault' : 'Safe') },
        Query: {
          vault: () => ({ id: 'v', label: 'gold' }),
          safes: () => [{ id: 's' }],
          restricted: () => [{ id: 'v', label: 'gold' }, { id: 's' }],
        },
      },
    );

    it('applies to each implementing object, on every path', async () => {
      const result = await run(s, '{ vault { label } safes { id } restricted { id } }', user().ctx);
      expectDenied(result, 'vault', 'FORBIDDEN', 'INSUFFICIENT_APP_ROLE');
      expect(result.data).toEqual({ vault: null, safes: [], restricted: [] });
      expectOk(await run(s, '{ vault { label } safes { id } restricted { id } }', appAdmin().ctx), {
        vault: { label: 'gold' },
        safes: [{ id: 's' }],
        restricted: [{ id: 'v' }, { id: 's' }],
      });
    });
  });

  // Interface guards are validated against the interface's own fields, so an org/user PARENT path
  // the interface declares must be accepted.
  it('a guard on an interface type may read the org from the guarded object (org: PARENT)', async () => {
    // The interface declares orgId, and every implementation has it.
    const s = build(
      `interface Owned @requireOrgRole(atLeast: "Member", org: PARENT, path: "orgId") { id: ID!, orgId: ID! }
       type Invoice implements Owned { id: ID!, orgId: ID!, total: Int }
       extend type Query { invoices: [Invoice!]! @authenticated }`,
      {
        Query: {
          invoices: () => [
            { id: 'i1', orgId: 'o1', total: 1 },
            { id: 'i2', orgId: 'o2', total: 2 },
          ],
        },
      },
    );
    expectOk(await run(s, '{ invoices { id } }', user({ o2: { role: 'Member' } }).ctx), { invoices: [{ id: 'i2' }] });
  });

  it('a directive on an interface field applies to the implementing field', async () => {
    const s = build(
      `interface Budgeted {
         id: ID!
         orgId: ID!
         budget: Int @requireOrgRole(atLeast: "Admin", org: PARENT, path: "orgId")
       }
       type Project implements Budgeted { id: ID!, orgId: ID!, budget: Int, name: String }
       extend type Query { project: Project @authenticated, budgeted: Budgeted @authenticated }`,
      {
        Budgeted: { __resolveType: () => 'Project' },
        Query: { project: () => ({ id: 'p', orgId: 'o1', budget: 7, name: 'P' }), budgeted: () => ({ id: 'p', orgId: 'o1', budget: 7, name: 'P' }) },
      },
    );
    const denied = await run(s, '{ project { name budget } }', user({ o1: { role: 'Member' } }).ctx);
    expectDenied(denied, 'project.budget', 'FORBIDDEN', 'INSUFFICIENT_ROLE');
    expect(denied.data).toEqual({ project: { name: 'P', budget: null } });
    expectDenied(await run(s, '{ budgeted { budget } }', user({ o1: { role: 'Member' } }).ctx), 'budgeted.budget', 'FORBIDDEN', 'INSUFFICIENT_ROLE');
    expectOk(await run(s, '{ project { budget } budgeted { budget } }', user({ o1: { role: 'Admin' } }).ctx), {
      project: { budget: 7 },
      budgeted: { budget: 7 },
    });
  });

  describe('a list resolver returning an array of promises (valid GraphQL: each item may be a promise)', () => {
    const s = build(
      `interface Entry { id: ID! }
       type Locked implements Entry @requireOrgRole(atLeast: "Member", org: PARENT, path: "orgId") { id: ID!, orgId: ID! }
       type Loose implements Entry { id: ID! }
       extend type Query { locked: [Locked!]! @authenticated, entries: [Entry!]! @authenticated }`,
      {
        Entry: { __resolveType: (o: { orgId?: string }) => (o.orgId ? 'Locked' : 'Loose') },
        Query: {
          // The common `ids.map((id) => loader.load(id))` shape.
          locked: () => [Promise.resolve({ id: 'l1', orgId: 'o1' }), Promise.resolve({ id: 'l2', orgId: 'o2' })],
          entries: () => [Promise.resolve({ id: 'l2', orgId: 'o2' }), Promise.resolve({ id: 'x1' })],
        },
      },
    );

    it('graphql-js resolves the items (sanity check of the fixture)', async () => {
      expectOk(await run(s, '{ entries { __typename id } }', appAdmin().ctx), {
        entries: [
          { __typename: 'Locked', id: 'l2' },
          { __typename: 'Loose', id: 'x1' },
        ],
      });
    });

    // Guards must see the resolved object, not the promise: otherwise the PARENT org id reads as
    // undefined and allowed items are dropped.
    it('keeps the allowed items of a concrete type', async () => {
      expectOk(await run(s, '{ locked { id } }', user({ o1: { role: 'Member' } }).ctx), { locked: [{ id: 'l1' }] });
    });

    // For an abstract item type, a promise seen by resolveType would name the wrong type (fail-open).
    it('leaves denied items of an abstract type out', async () => {
      expectOk(await run(s, '{ entries { __typename id } }', user({ o1: { role: 'Member' } }).ctx), {
        entries: [{ __typename: 'Loose', id: 'x1' }],
      });
    });
  });

  it('a type guard sees the returned object as PARENT, not the field owner', async () => {
    // Holder has no orgId; if the engine passed the parent instead of the secret the check would be ORG_UNRESOLVED.
    const result = await run(schema, '{ holder { secret { id } } }', user({ o2: { role: 'Member' } }).ctx);
    expectOk(result, { holder: { secret: { id: 's2' } } });
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Descriptions
// ---------------------------------------------------------------------------------------------

describe('@authenticated', () => {
  const schema = build(
    `type Note @authenticated { id: ID! }
     extend type Query { secret: String @authenticated, note: Note @public, notes: [Note!]! @public }`,
    { Query: { secret: () => 's', note: () => ({ id: 'n1' }), notes: () => [{ id: 'n1' }, { id: 'n2' }] } },
  );

  it('on a field: anonymous callers get UNAUTHENTICATED, signed-in users the value', async () => {
    expectDenied(await run(schema, '{ secret }', anon().ctx), 'secret', 'UNAUTHENTICATED');
    expectOk(await run(schema, '{ secret }', user().ctx), { secret: 's' });
  });

  it('on a type: anonymous callers get no instance on any path', async () => {
    expectDenied(await run(schema, '{ note { id } }', anon().ctx), 'note', 'UNAUTHENTICATED');
    expectOk(await run(schema, '{ notes { id } }', anon().ctx), { notes: [] });
    expectOk(await run(schema, '{ note { id } notes { id } }', user().ctx), { note: { id: 'n1' }, notes: [{ id: 'n1' }, { id: 'n2' }] });
  });
});

describe('an object whose concrete type cannot be determined', () => {
  // No resolveType, no __typename, no isTypeOf: the guard cannot tell whether the object is the
  // guarded type, so it refuses rather than risk handing out a guarded object.
  const schema = build(
    `type Hidden @requireAppRole(atLeast: ADMIN) { id: ID! }
     type Shown { id: ID! }
     union Either = Hidden | Shown
     extend type Query { either: Either @authenticated, eithers: [Either!]! @authenticated }`,
    { Query: { either: () => ({ id: 'x' }), eithers: () => [{ id: 'x' }, { id: 'y' }] } },
  );

  it('is refused with FORBIDDEN / TYPE_UNRESOLVED, even for an app admin', async () => {
    for (const viewer of [user(), appAdmin()]) {
      const result = await run(schema, '{ either { __typename } }', viewer.ctx);
      expectDenied(result, 'either', 'FORBIDDEN', 'TYPE_UNRESOLVED');
      expect(result.data).toEqual({ either: null });
    }
  });

  it('is left out of lists', async () => {
    expectOk(await run(schema, '{ eithers { __typename } }', user().ctx), { eithers: [] });
  });
});

describe('@selfOr with sharesOrg (the User rule)', () => {
  const schema = build(
    `type Person @selfOr(user: PARENT, path: "id", appRole: ADMIN, sharesOrg: true) {
       id: ID!
       secret: String @selfOr(user: PARENT, path: "id", appRole: ADMIN)
     }
     type Holder { person: Person }
     extend type Query {
       person(id: ID!): Person @authenticated
       people: [Person!]! @authenticated
       holder: Holder @authenticated
     }`,
    {
      Query: {
        person: (_: unknown, { id }: { id: string }) => ({ id, secret: `secret of ${id}` }),
        people: () => ['u-1', 'u-2', 'u-3'].map((id) => ({ id, secret: `secret of ${id}` })),
        holder: () => ({ person: { id: 'u-3', secret: 'secret of u-3' } }),
      },
    },
  );

  it('the user themself and app admins see every field without a co-membership look-up', async () => {
    const self = user();
    expectOk(await run(schema, '{ person(id: "u-1") { id secret } }', self.ctx), { person: { id: 'u-1', secret: 'secret of u-1' } });
    expect(self.sharedCalls).toEqual([]);
    const admin = appAdmin();
    expectOk(await run(schema, '{ person(id: "u-2") { id secret } }', admin.ctx), { person: { id: 'u-2', secret: 'secret of u-2' } });
    expect(admin.sharedCalls).toEqual([]);
  });

  it('a co-member sees the object but not the self-or-admin field', async () => {
    const { ctx, sharedCalls } = fakeContext({ id: 'u-1', appRole: 'USER' }, {}, ['u-2']);
    const result = await run(schema, '{ person(id: "u-2") { id secret } }', ctx);
    expectDenied(result, 'person.secret', 'FORBIDDEN', 'NOT_SELF');
    expect(result.data).toEqual({ person: { id: 'u-2', secret: null } });
    expect(sharedCalls).toEqual(['u-2']);
  });

  it('a stranger gets null with FORBIDDEN / NO_SHARED_ORG, on nested paths too, and is left out of lists', async () => {
    const viewer = () => fakeContext({ id: 'u-1', appRole: 'USER' }, {}, ['u-2']).ctx;
    const single = await run(schema, '{ person(id: "u-3") { id } }', viewer());
    expectDenied(single, 'person', 'FORBIDDEN', 'NO_SHARED_ORG');
    expect(single.data).toEqual({ person: null });
    const nested = await run(schema, '{ holder { person { id } } }', viewer());
    expectDenied(nested, 'holder.person', 'FORBIDDEN', 'NO_SHARED_ORG');
    expect(nested.data).toEqual({ holder: { person: null } });
    expectOk(await run(schema, '{ people { id } }', viewer()), { people: [{ id: 'u-1' }, { id: 'u-2' }] });
  });

  it('states the rule in the descriptions', () => {
    const fields = schema.getQueryType()!.getFields();
    expect(fields['person']!.description).toContain('members of an organization the user belongs to');
    const person = schema.getType('Person') as import('graphql').GraphQLObjectType;
    expect(person.getFields()['secret']!.description).toBe('Access: the user themself (`id`), or app admins.');
  });

  it('start-up refuses a @selfOr that names no alternative to the user themself', () => {
    expect(() => build(`extend type Query { lonely(userId: ID): String @selfOr(sharesOrg: false) }`)).toThrow(/name appRole, orgRole, permission or sharesOrg/);
  });
});

describe('field descriptions', () => {
  const schema = build(
    `type Gem @requireAppRole(atLeast: ADMIN) { id: ID! }
     type Pouch { gems: [Gem!]!, note: String }
     extend type Query {
       "Existing description."
       gem: Gem @authenticated
       pouch: Pouch @public
       team(orgId: ID): String @requireOrgRole(atLeast: "Admin")
       perm(orgId: ID): String @requirePermission(all: ["org:update"])
       self(userId: ID): String @selfOr(appRole: ADMIN)
     }`,
  );
  const fields = schema.getQueryType()!.getFields();

  it('adds an access line to each guarded field, keeping the existing description', () => {
    for (const name of ['gem', 'pouch', 'team', 'perm', 'self']) {
      expect(fields[name]!.description, name).toContain('Access:');
    }
    expect(fields['gem']!.description).toContain('Existing description.');
  });

  it('names the returned guarded type, also on fields with no guard of their own', () => {
    expect(fields['gem']!.description).toContain('Gem');
    const pouchFields = (schema.getType('Pouch') as import('graphql').GraphQLObjectType).getFields();
    expect(pouchFields['gems']!.description).toContain('Gem');
    expect(pouchFields['note']!.description ?? '').toBe('');
  });

  // The description is how clients learn each rule (the issue requires it): every variant of each
  // directive states the rule it enforces, word for word. Built inside the test so mutation testing
  // sees which test covers the description code.
  it("states each directive variant's rule exactly", () => {
    const s = build(
      `type Org2 { id: ID!, orgKey: ID!
         byParent: String @requireOrgRole(atLeast: "Member", org: PARENT)
         byParentHidden: String @requirePermission(any: ["org:update", "org:delete"], org: PARENT, path: "orgKey", deny: NOT_FOUND)
       }
       extend type Query {
         adm: String @requireAppRole(atLeast: ADMIN)
         usr: String @requireAppRole(atLeast: USER)
         owner(orgId: ID): String @requireOrgRole(atLeast: "Owner", deny: NOT_FOUND)
         both(orgId: ID): String @requirePermission(all: ["org:update", "org:delete"], any: ["org:members:read"])
         selfAny(userId: ID): String @selfOr(appRole: USER)
         selfAdm(userId: ID): String @selfOr(appRole: ADMIN, sharesOrg: true)
         selfOrg(userId: ID, orgId: ID): String @selfOr(orgRole: "Admin")
         selfPerm(who: ID, org: ID): String @selfOr(path: "who", permission: "org:update", orgPath: "org")
         org2: Org2 @public
       }`,
    );
    const q = s.getQueryType()!.getFields();
    const d = (name: string) => q[name]!.description;
    expect(d('adm')).toBe('Access: app admins.');
    expect(d('usr')).toBe('Access: signed-in users.');
    expect(d('owner')).toBe('Access: the Owner role or higher in the org given by argument `orgId`; app admins always. Others get NOT_FOUND.');
    expect(d('both')).toBe('Access: permission org:update and org:delete and one of org:members:read in the org given by argument `orgId`; app admins always.');
    expect(d('selfAny')).toBe('Access: the user themself (`userId`), or signed-in users.');
    expect(d('selfAdm')).toBe('Access: the user themself (`userId`), or app admins, or members of an organization the user belongs to.');
    expect(d('selfOrg')).toBe('Access: the user themself (`userId`), or the Admin role or higher in the org given by argument `orgId`; app admins always.');
    expect(d('selfPerm')).toBe('Access: the user themself (`who`), or permission org:update in the org given by argument `org`; app admins always.');
    const o = (s.getType('Org2') as import('graphql').GraphQLObjectType).getFields();
    expect(o['byParent']!.description).toBe('Access: the Member role or higher in the org of this object (`id`); app admins always.');
    expect(o['byParentHidden']!.description).toBe(
      'Access: one of org:update, org:delete in the org of this object (`orgKey`); app admins always. Others get NOT_FOUND.',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Start-up validation
// ---------------------------------------------------------------------------------------------

describe('start-up validation', () => {
  const guards = allGuards(new Roles());
  // The SDL is built outside the thunk, so only applyAuthDirectives can satisfy toThrow().
  const apply = (sdl: string) => {
    const raw = buildRaw(sdl);
    return () => applyAuthDirectives(raw, guards);
  };
  const cases: Array<[string, string, string]> = [
    [
      'an unknown role name',
      `extend type Query { f(orgId: ID): String @requireOrgRole(atLeast: "Membr") }`,
      `extend type Query { f(orgId: ID): String @requireOrgRole(atLeast: "Member") }`,
    ],
    [
      'an unknown role name in @selfOr',
      `extend type Query { f(userId: ID, orgId: ID): String @selfOr(orgRole: "Boss") }`,
      `extend type Query { f(userId: ID, orgId: ID): String @selfOr(orgRole: "Owner") }`,
    ],
    [
      'an unknown permission in all',
      `extend type Query { f(orgId: ID): String @requirePermission(all: ["org:reed"]) }`,
      `extend type Query { f(orgId: ID): String @requirePermission(all: ["org:read"]) }`,
    ],
    [
      'an unknown permission in any',
      `extend type Query { f(orgId: ID): String @requirePermission(any: ["org:read", "org:nope"]) }`,
      `extend type Query { f(orgId: ID): String @requirePermission(any: ["org:read", "org:delete"]) }`,
    ],
    [
      'an unknown permission in @selfOr',
      `extend type Query { f(userId: ID, orgId: ID): String @selfOr(permission: "org:nope") }`,
      `extend type Query { f(userId: ID, orgId: ID): String @selfOr(permission: "org:read") }`,
    ],
    [
      '@requirePermission with neither all nor any',
      `extend type Query { f(orgId: ID): String @requirePermission }`,
      `extend type Query { f(orgId: ID): String @requirePermission(any: ["org:read"]) }`,
    ],
    [
      '@requirePermission with empty lists',
      `extend type Query { f(orgId: ID): String @requirePermission(all: [], any: []) }`,
      `extend type Query { f(orgId: ID): String @requirePermission(all: ["org:read"], any: []) }`,
    ],
    [
      'an ARG path that does not exist',
      `extend type Query { f(org: ID): String @requireOrgRole(atLeast: "Member") }`,
      `extend type Query { f(org: ID): String @requireOrgRole(atLeast: "Member", path: "org") }`,
    ],
    [
      'a dotted ARG path that does not exist in the input object',
      `input FIn { orgId: ID } extend type Query { f(input: FIn): String @requireOrgRole(atLeast: "Member", path: "input.org") }`,
      `input FIn { orgId: ID } extend type Query { f(input: FIn): String @requireOrgRole(atLeast: "Member", path: "input.orgId") }`,
    ],
    [
      'an ARG path leading to an Int',
      `extend type Query { f(orgId: Int): String @requireOrgRole(atLeast: "Member") }`,
      `extend type Query { f(orgId: String): String @requireOrgRole(atLeast: "Member") }`,
    ],
    [
      'an ARG path leading to an input object',
      `input FIn { orgId: ID } extend type Query { f(input: FIn): String @requirePermission(all: ["org:read"], path: "input") }`,
      `input FIn { orgId: ID } extend type Query { f(input: FIn): String @requirePermission(all: ["org:read"], path: "input.orgId") }`,
    ],
    [
      'an ARG path with an empty segment',
      `input FIn { orgId: ID } extend type Query { f(input: FIn): String @requireOrgRole(atLeast: "Member", path: "input..orgId") }`,
      `input FIn { orgId: ID } extend type Query { f(input: FIn): String @requireOrgRole(atLeast: "Member", path: "input.orgId") }`,
    ],
    [
      'an ARG source on a type guard (types have no arguments)',
      `type T @requireOrgRole(atLeast: "Member") { id: ID! } extend type Query { t: T @authenticated }`,
      `type T @requireOrgRole(atLeast: "Member", org: PARENT) { id: ID! } extend type Query { t: T @authenticated }`,
    ],
    [
      'a @selfOr user ARG path that does not exist',
      `extend type Query { f(id: ID): String @selfOr(appRole: ADMIN) }`,
      `extend type Query { f(id: ID): String @selfOr(appRole: ADMIN, path: "id") }`,
    ],
    [
      'an ARG path with an unknown first segment of a dotted path',
      `input FIn { orgId: ID } extend type Query { f(input: FIn): String @requireOrgRole(atLeast: "Member", path: "inp.orgId") }`,
      `input FIn { orgId: ID } extend type Query { f(input: FIn): String @requireOrgRole(atLeast: "Member", path: "input.orgId") }`,
    ],
    [
      'a PARENT path that is neither a field nor a parent property',
      `type T { id: ID!, x: String @requireOrgRole(atLeast: "Member", org: PARENT, path: "orgId") } extend type Query { t: T @authenticated }`,
      `type T { id: ID!, orgId: ID, x: String @requireOrgRole(atLeast: "Member", org: PARENT, path: "orgId") } extend type Query { t: T @authenticated }`,
    ],
    [
      'a PARENT path on a type guard that the type lacks',
      `type T @requirePermission(all: ["org:read"], org: PARENT, path: "orgId") { id: ID! } extend type Query { t: T @authenticated }`,
      `type T @requirePermission(all: ["org:read"], org: PARENT, path: "id") { id: ID! } extend type Query { t: T @authenticated }`,
    ],
    [
      'a dotted PARENT path',
      `type T { id: ID!, x: String @requireOrgRole(atLeast: "Member", org: PARENT, path: "id.x") } extend type Query { t: T @authenticated }`,
      `type T { id: ID!, x: String @requireOrgRole(atLeast: "Member", org: PARENT, path: "id") } extend type Query { t: T @authenticated }`,
    ],
    [
      '@selfOr without any alternative',
      `extend type Query { f(userId: ID): String @selfOr }`,
      `extend type Query { f(userId: ID): String @selfOr(appRole: USER) }`,
    ],
    [
      'a guard on an interface with no implementations',
      `interface Lonely @authenticated { id: ID! } extend type Query { l: Lonely @public }`,
      `interface Lonely @authenticated { id: ID! } type Mate implements Lonely { id: ID! } extend type Query { l: Lonely @public }`,
    ],
  ];

  for (const [what, bad, good] of cases) {
    it(`throws for ${what}; the corrected SDL does not`, () => {
      expect(apply(bad)).toThrow();
      expect(apply(good)).not.toThrow();
    });
  }

  // A path to [ID!] (or through a list of input objects) yields an array at run time, never one
  // org id, so it must be refused at start-up.
  it('throws for an ARG path leading to a list of ids', () => {
    expect(apply(`extend type Query { f(orgIds: [ID!]): String @requireOrgRole(atLeast: "Member", path: "orgIds") }`)).toThrow();
  });
  it('throws for an ARG path through a list of input objects', () => {
    expect(
      apply(
        `input FItem { orgId: ID } input FIn { items: [FItem!] } extend type Query { f(input: FIn): String @requireOrgRole(atLeast: "Member", path: "input.items.orgId") }`,
      ),
    ).toThrow();
  });

  it('accepts a PARENT path listed in parentProperties but not a GraphQL field', () => {
    // OrgMembership has no `userId` field but its source rows do.
    const sdl = (path: string) => `extend type OrgMembership { note: String @selfOr(user: PARENT, path: "${path}", appRole: ADMIN) }`;
    expect(apply(sdl('userId'))).not.toThrow();
    expect(apply(sdl('memberId'))).toThrow();
  });

  it('validates against the given role definitions', () => {
    const sdl = `extend type Query { f(orgId: ID): String @requireOrgRole(atLeast: "Editor") @requirePermission(all: ["doc:write"]) }`;
    expect(() => applyAuthDirectives(buildRaw(sdl), allGuards(new Roles()))).toThrow();
    const custom = new Roles([...DEFAULT_ROLES, { name: 'Editor', rank: 150, permissions: ['doc:write'] }]);
    expect(() => applyAuthDirectives(buildRaw(sdl), allGuards(custom))).not.toThrow();
  });

  it('accepts the real schema', () => {
    expect(() => applyAuthDirectives(buildRaw(''), guards)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// 8. rootFieldsWithoutAccess
// ---------------------------------------------------------------------------------------------

describe('rootFieldsWithoutAccess', () => {
  const names = Object.keys(allGuards(new Roles()));

  it('lists exactly the unguarded root fields', () => {
    const schema = buildRaw(`
      extend type Query {
        openQ: String
        deprecatedOnly: String @deprecated(reason: "x")
        pub: String @public
        authed: String @authenticated
        admin: String @requireAppRole(atLeast: ADMIN)
        role(orgId: ID): String @requireOrgRole(atLeast: "Member")
        perm(orgId: ID): String @requirePermission(all: ["org:read"])
        self(userId: ID): String @selfOr(appRole: ADMIN)
      }
      extend type Mutation { openM: String, guardedM: String @authenticated }
      type Subscription { openS: String, guardedS: String @public }
      type Leaf { unguardedNonRoot: String }
      extend type Query { leaf: Leaf @public }
    `);
    expect(rootFieldsWithoutAccess(schema, names)).toEqual(['Query.openQ', 'Query.deprecatedOnly', 'Mutation.openM', 'Subscription.openS']);
  });

  it('lists nothing for the real schema and only counts the given directive names', () => {
    const schema = buildRaw('');
    expect(rootFieldsWithoutAccess(schema, names)).toEqual([]);
    const withoutPublic = rootFieldsWithoutAccess(
      schema,
      names.filter((n) => n !== 'public'),
    );
    expect(withoutPublic).toContain('Query.app');
    expect(withoutPublic).toContain('Query.me');
    expect(withoutPublic).not.toContain('Mutation.updateMe');
  });
});

// ---------------------------------------------------------------------------------------------
// 9. Batched membership look-ups
// ---------------------------------------------------------------------------------------------

describe('membership look-ups through a DataLoader', () => {
  const items = [
    { id: 'a', orgId: 'o1' },
    { id: 'b', orgId: 'o1' },
    { id: 'c', orgId: 'o2' },
    { id: 'd', orgId: 'o1' },
    { id: 'e', orgId: 'o3' },
    { id: 'f', orgId: 'o2' },
  ];
  const schema = build(
    `type Item @requireOrgRole(atLeast: "Member", org: PARENT, path: "orgId") { id: ID!, orgId: ID!, detail: String @requireOrgRole(atLeast: "Member", org: PARENT, path: "orgId") }
     extend type Query {
       items(only: ID): [Item!]! @authenticated
       memberThing(orgId: ID): String @requireOrgRole(atLeast: "Member")
     }`,
    {
      Query: {
        items: (_: unknown, { only }: { only?: string }) => items.filter((i) => !only || i.orgId === only).map((i) => ({ ...i, detail: `d-${i.id}` })),
        memberThing: () => 'm',
      },
    },
  );

  function loaderContext(grants: Record<string, Grant>) {
    const batches: string[][] = [];
    const loader = new DataLoader<string, ReturnType<typeof membershipOf> | null>(async (orgIds) => {
      batches.push([...orgIds]);
      return orgIds.map((id) => (grants[id] ? membershipOf(id, 'u-1', grants[id]!.role, grants[id]!.additionalRoles) : null));
    });
    const ctx = {
      viewer: { id: 'u-1', appRole: 'USER' },
      authz: { membership: (orgId: string) => loader.load(orgId), invalidateOrg: (orgId: string) => void loader.clear(orgId) },
    } as unknown as GraphQLContext;
    return { ctx, batches };
  }

  it('checks the same org on many list items and their fields with one look-up', async () => {
    const { ctx, batches } = loaderContext({ o1: { role: 'Member' } });
    const result = await run(schema, '{ items(only: "o1") { id detail } }', ctx);
    expectOk(result, {
      items: [
        { id: 'a', detail: 'd-a' },
        { id: 'b', detail: 'd-b' },
        { id: 'd', detail: 'd-d' },
      ],
    });
    expect(batches).toEqual([['o1']]);
  });

  it('sibling fields on different orgs share one batch', async () => {
    const { ctx, batches } = loaderContext({ o1: { role: 'Member' }, o2: { role: 'Member' } });
    const q = '{ a: memberThing(orgId: "o1") b: memberThing(orgId: "o2") c: memberThing(orgId: "o1") d: memberThing(orgId: "o3") }';
    const result = await run(schema, q, ctx);
    expect(result.data).toEqual({ a: 'm', b: 'm', c: 'm', d: null });
    expect(errorsOf(result)).toEqual([{ path: 'd', code: 'FORBIDDEN', reason: 'NOT_MEMBER' }]);
    expect(batches).toEqual([['o1', 'o2', 'o3']]);
  });

  it('a list spanning several orgs looks each org up once', async () => {
    const { ctx, batches } = loaderContext({ o1: { role: 'Member' }, o3: { role: 'Admin' } });
    const result = await run(schema, '{ items { id detail } }', ctx);
    expectOk(result, { items: ['a', 'b', 'd', 'e'].map((id) => ({ id, detail: `d-${id}` })) });
    expect(batches.flat().sort()).toEqual(['o1', 'o2', 'o3']);
  });

  // List items are checked together, so every distinct org of a list shares one DataLoader batch.
  it('a list spanning several orgs looks them all up in a single batch', async () => {
    const { ctx, batches } = loaderContext({ o1: { role: 'Member' }, o3: { role: 'Admin' } });
    await run(schema, '{ items { id } }', ctx);
    expect(batches).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 10. Roles
// ---------------------------------------------------------------------------------------------

describe('Roles', () => {
  it('summarize: rank, inherited roles highest first, permissions inherited from lower ranks', () => {
    const member = roles.summarize('Member');
    expect(member.rank).toBe(100);
    expect(member.assigned).toEqual(['Member']);
    expect(member.inheritedRoles).toEqual(['Member']);
    expect([...member.permissions].sort()).toEqual(['org:members:read', 'org:read']);

    const admin = roles.summarize('Admin');
    expect(admin.rank).toBe(200);
    expect(admin.inheritedRoles).toEqual(['Admin', 'Member']);
    expect(admin.permissions.has('org:read')).toBe(true);
    expect(admin.permissions.has('org:members:invite')).toBe(true);
    expect(admin.permissions.has('org:delete')).toBe(false);

    const owner = roles.summarize('Owner');
    expect(owner.rank).toBe(300);
    expect(owner.inheritedRoles).toEqual(['Owner', 'Admin', 'Member']);
    expect([...owner.permissions].sort()).toEqual(
      [
        'org:audit:read',
        'org:delete',
        'org:members:change_role',
        'org:members:invite',
        'org:members:read',
        'org:members:remove',
        'org:read',
        'org:update',
      ].sort(),
    );
  });

  it('summarize: additional roles raise the rank and add permissions; unknown roles add nothing', () => {
    const s = roles.summarize('Member', ['Admin', 'Member', 'Ghost']);
    expect(s.assigned).toEqual(['Member', 'Admin', 'Ghost']);
    expect(s.rank).toBe(200);
    expect(s.inheritedRoles).toEqual(['Admin', 'Member']);
    expect(s.permissions.has('org:update')).toBe(true);
    expect(s.permissions.has('org:delete')).toBe(false);

    const ghost = roles.summarize('Ghost');
    expect(ghost.rank).toBe(0);
    expect(ghost.inheritedRoles).toEqual([]);
    expect(ghost.permissions.size).toBe(0);
  });

  it('custom definitions in any order: ranks sort, ownerRole is the top rank, has/rankOf/permissions', () => {
    const r = new Roles([
      { name: 'Guest', rank: 5, permissions: ['a:read'] },
      { name: 'Chief', rank: 50, permissions: ['a:delete'] },
      { name: 'Staff', rank: 20, permissions: ['a:write'] },
    ]);
    expect(r.ownerRole).toBe('Chief');
    expect(r.ordered.map((x) => x.name)).toEqual(['Chief', 'Staff', 'Guest']);
    expect(r.has('Staff')).toBe(true);
    expect(r.has('staff')).toBe(false);
    expect(r.rankOf('Staff')).toBe(20);
    expect(r.rankOf('Nobody')).toBe(0);
    expect([...r.permissions].sort()).toEqual(['a:delete', 'a:read', 'a:write']);
    expect(r.summarize('Staff').inheritedRoles).toEqual(['Staff', 'Guest']);
    expect([...r.summarize('Staff').permissions].sort()).toEqual(['a:read', 'a:write']);
    expect(roles.ownerRole).toBe('Owner');
  });

  describe('loadRolesFile', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'passgraph-roles-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    let n = 0;
    const file = (content: unknown) => {
      const path = join(dir, `roles-${++n}.json`);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    };
    const failure = (path: string): RolesFileError => {
      try {
        loadRolesFile(path);
      } catch (err) {
        expect(err).toBeInstanceOf(RolesFileError);
        return err as RolesFileError;
      }
      throw new Error('loadRolesFile did not throw');
    };

    // The real schema names the seven default permissions, so a usable file must define them.
    const valid: RoleDefinition[] = [
      { name: 'Reader', rank: 1, permissions: ['org:read', 'org:members:read', 'docs:read'] },
      {
        name: 'Writer',
        rank: 10,
        permissions: ['org:update', 'org:members:invite', 'org:members:remove', 'org:members:change_role', 'docs:write', 'docs.v2-edit_all'],
      },
      { name: 'Head Of_Docs-1', rank: 100, permissions: ['org:delete'] },
    ];

    it('loads a valid custom file, usable by Roles and the guards', () => {
      const defs = loadRolesFile(file({ roles: valid }));
      expect(defs).toEqual(valid);
      const r = new Roles(defs);
      expect(r.ownerRole).toBe('Head Of_Docs-1');
      expect(r.summarize('Writer').inheritedRoles).toEqual(['Writer', 'Reader']);
      expect(r.summarize('Head Of_Docs-1').permissions.has('docs:read')).toBe(true);
      const sdl = `extend type Query { f(orgId: ID): String @requireOrgRole(atLeast: "Writer") @requirePermission(all: ["docs:read"]) }`;
      expect(() => applyAuthDirectives(buildRaw(sdl), allGuards(r))).not.toThrow();
      // The same file without a permission the schema uses stops start-up.
      const lacking = new Roles(valid.map((d) => ({ ...d, permissions: d.permissions.filter((p) => p !== 'org:delete') })));
      expect(() => applyAuthDirectives(buildRaw(sdl), allGuards(lacking))).toThrow();
    });

    it('rejects invalid JSON', () => {
      const err = failure(file('{ "roles": [ '));
      expect(err.message).toContain(dir);
    });

    it('rejects a missing file', () => {
      failure(join(dir, 'does-not-exist.json'));
    });

    it('rejects duplicate names', () => {
      const err = failure(file({ roles: [...valid, { name: 'Reader', rank: 2, permissions: [] }] }));
      expect(err.message).toContain('roles.3.name');
      expect(err.message).not.toContain('roles.3.rank');
    });

    it('rejects duplicate ranks', () => {
      const err = failure(file({ roles: [...valid, { name: 'Other', rank: 10, permissions: [] }] }));
      expect(err.message).toContain('roles.3.rank');
      expect(err.message).not.toContain('roles.3.name');
    });

    it('rejects bad permission strings', () => {
      for (const bad of ['Docs:Read', 'docs read', '', ':docs', 'x'.repeat(101)]) {
        const err = failure(file({ roles: [{ name: 'A', rank: 1, permissions: ['ok:fine', bad] }] }));
        expect(err.message).toContain('roles.0.permissions.1');
      }
    });

    it('rejects bad names and ranks', () => {
      expect(failure(file({ roles: [{ name: '1st', rank: 1, permissions: [] }] })).message).toContain('roles.0.name');
      expect(failure(file({ roles: [{ name: 'A', rank: 0, permissions: [] }] })).message).toContain('roles.0.rank');
      expect(failure(file({ roles: [{ name: 'A', rank: 1.5, permissions: [] }] })).message).toContain('roles.0.rank');
      failure(file({ roles: [] }));
      failure(file([]));
    });

    it('rejects unknown keys at the top level and in a role', () => {
      expect(failure(file({ roles: valid, extra: true })).message).toContain('extra');
      expect(failure(file({ roles: [{ name: 'A', rank: 1, permissions: [], perms: [] }] })).message).toContain('perms');
    });

    it('lists every problem at once', () => {
      const err = failure(
        file({
          roles: [
            { name: 'A', rank: 1, permissions: ['BAD'] },
            { name: 'A', rank: 1, permissions: [] },
          ],
        }),
      );
      expect(err.message).toContain('roles.0.permissions.0');
      expect(err.message).toContain('roles.1.name');
      expect(err.message).toContain('roles.1.rank');
    });
  });
});
