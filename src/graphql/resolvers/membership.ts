import type { MutationResolvers, OrgMembershipResolvers, RemoveOrgMemberPayloadResolvers, UserResolvers } from '../__generated__/resolvers-types.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput, notFound } from '../errors.js';
import { MAX_MEMBERSHIPS_PAGE } from '../../services/membership.js';
import { entryOf } from './passage-field.js';
import * as roleRules from '../../services/role.js';
import { enforce, notSelf } from '../../auth/policy.js';

const summary = (ctx: GraphQLContext, row: Parameters<GraphQLContext['services']['memberships']['describe']>[0]) => ctx.services.memberships.describe(row);

export const Mutation: MutationResolvers = {
  addOrgMember: async (_parent, { orgId, userId, role, additionalRoles }, ctx) => {
    if (!(await ctx.loaders.org.load(orgId))) throw notFound('The organization');
    // Passage must confirm the user before a local row exists for them; checked before any
    // transaction, since no network call runs inside one.
    await entryOf(ctx, userId);
    const row = await ctx.services.memberships.add(ctx.viewer!, { orgId, userId, role, additionalRoles });
    ctx.authz.invalidateOrg(orgId);
    return row;
  },
  changeOrgMemberRole: async (_parent, { orgId, userId, role, additionalRoles }, ctx) => {
    const row = await ctx.services.memberships.changeRole(ctx.viewer!, { orgId, userId, role, additionalRoles });
    ctx.authz.invalidateOrg(orgId);
    return row;
  },
  removeOrgMember: async (_parent, { orgId, userId }, ctx) => {
    await ctx.services.memberships.remove(ctx.viewer!, orgId, userId);
    ctx.authz.invalidateOrg(orgId);
    return { orgId, removedUserId: userId };
  },
};

export const RemoveOrgMemberPayload: RemoveOrgMemberPayloadResolvers = {
  orgId: (p) => p.orgId,
  removedUserId: (p) => p.removedUserId,
  // Leaving is not an error: a caller who is no longer a member gets null here rather than the
  // Org guard's NOT_FOUND. Whoever still belongs (or is an app admin) gets the org, guard-checked.
  org: async (p, _args, ctx) => {
    if (ctx.viewer?.appRole !== 'ADMIN' && !(await ctx.authz.membership(p.orgId))) return null;
    return ctx.loaders.org.load(p.orgId);
  },
};

export const OrgMembership: OrgMembershipResolvers = {
  org: async (row, _args, ctx) => (await ctx.loaders.org.load(row.orgId))!,
  // A page of members preloaded its users: then no promise per row.
  user: (row, _args, ctx) => ctx.loaders.knownUser(row.userId) ?? ctx.loaders.user.load(row.userId).then((user) => user!),
  role: (row) => row.role,
  additionalRoles: (row) => row.additionalRoles,
  inheritedRoles: (row, _args, ctx) => [...summary(ctx, row).inheritedRoles],
  permissions: (row, _args, ctx) => [...summary(ctx, row).permissions].sort(),
  isAtLeast: (row, { role }, ctx) => roleRules.isAtLeast(ctx.services.roles, summary(ctx, row), role),
  hasPermission: (row, { permission }, ctx) => roleRules.hasPermission(ctx.services.roles, summary(ctx, row), permission),
  isRole: (row, { role }, ctx) => roleRules.isRole(ctx.services.roles, summary(ctx, row), role),
  hasAllPermissions: (row, { permissions }, ctx) => roleRules.hasAllPermissions(ctx.services.roles, summary(ctx, row), permissions),
  viewerCan: async (row, _args, ctx) =>
    roleRules.membershipCapabilities(ctx.services.roles, ctx.viewer!, await ctx.authz.membership(row.orgId), row, () =>
      ctx.services.memberships.ownerCount(row.orgId),
    ),
  createdAt: (row) => row.createdAt,
  updatedAt: (row) => row.updatedAt,
};

export const User: UserResolvers = {
  // Read through the membership itself, so an ended membership shows as null even before its row was cleared.
  activeOrg: async (user, _args, ctx) => {
    enforce(ctx.viewer?.id === user.id ? null : notSelf());
    if (!user.activeOrgId) return null;
    const [row] = await ctx.services.memberships.forUserInOrgs(user.id, [user.activeOrgId]);
    return row ?? null;
  },
  // The loader holds each user's first page; only `after` needs a query of its own.
  memberships: async (user, { first, after }, ctx) => {
    const size = first ?? MAX_MEMBERSHIPS_PAGE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_MEMBERSHIPS_PAGE) {
      throw badUserInput('first', `first must be between 1 and ${MAX_MEMBERSHIPS_PAGE}.`);
    }
    if (after) return ctx.services.memberships.forUserAfter(user.id, after, size);
    return (await ctx.loaders.membershipsOfUser.load(user.id)).slice(0, size);
  },
};
