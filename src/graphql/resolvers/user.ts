import type { MagicLinkResolvers, MutationResolvers, QueryResolvers, UserConnectionResolvers, UserEdgeResolvers, UserResolvers, UserStatus } from '../__generated__/resolvers-types.js';
import type { PassageUser } from '../../passage/types.js';
import { encodeUsersCursor, type UserStatus as LocalStatus } from '../../services/user.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput, fromPassageError } from '../errors.js';
import { nonEmpty, passageUserOf } from './passage-field.js';

const STATUS: Record<string, UserStatus> = { active: 'ACTIVE', inactive: 'INACTIVE', pending: 'PENDING' };
const LOCAL_STATUS: Record<UserStatus, LocalStatus> = { ACTIVE: 'active', INACTIVE: 'inactive', PENDING: 'pending' };

/** After a write Passage answered with the new user: later fields in this request read it. */
function remember(ctx: GraphQLContext, passageUser: PassageUser): void {
  ctx.loaders.passageUser.clear(passageUser.id).prime(passageUser.id, passageUser);
  ctx.loaders.passageDevices.clear(passageUser.id);
}

/** The local row when we have one; otherwise what a user we never stored looks like. */
async function rowFor(ctx: GraphQLContext, id: string, status: LocalStatus = 'active') {
  return (await ctx.loaders.user.load(id)) ?? ctx.services.users.transient(id, status);
}

export const Query: QueryResolvers = {
  me: async (_parent, _args, ctx) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null),
  user: async (_parent, { id }, ctx) => {
    const passageUser = await passageUserOf(ctx, id);
    return rowFor(ctx, id, passageUser.status);
  },
  users: async (_parent, { first, after, query, status }, ctx) => {
    const page = await ctx.services.users.list({ first: first ?? 20, after, query, status: status ? LOCAL_STATUS[status] : null }, { budget: ctx.upstream });
    // List rows carry everything but devices; priming saves one Passage call per listed user.
    for (const item of page.users) ctx.loaders.passageUser.prime(item.id, item);
    const nodes = await Promise.all(page.users.map((u) => rowFor(ctx, u.id, u.status)));
    return {
      nodes,
      totalCount: page.totalUsers,
      page: page.page,
      limit: page.limit,
      createdBefore: page.createdBefore,
      hasNextPage: page.page * page.limit < page.totalUsers,
    };
  },
  userByIdentifier: async (_parent, { identifier }, ctx) => {
    const passageUser = await ctx.services.users.findByIdentifier(identifier, { budget: ctx.upstream });
    if (!passageUser) return null;
    remember(ctx, passageUser);
    return rowFor(ctx, passageUser.id, passageUser.status);
  },
};

export const Mutation: MutationResolvers = {
  updateMe: async (_parent, { input }, ctx) => {
    let displayName: string | null | undefined = input.displayName;
    if (typeof displayName === 'string') {
      displayName = displayName.trim();
      if (displayName.length < 1 || displayName.length > 100) {
        throw badUserInput('displayName', 'displayName must be 1 to 100 characters.');
      }
    }
    const row = await ctx.services.users.updateProfile(ctx.viewer!.id, { displayName });
    ctx.loaders.user.clear(row.id).prime(row.id, row);
    return row;
  },
  setAppRole: async (_parent, { userId, role }, ctx) => {
    // Passage must know the user before we keep anything about them.
    await passageUserOf(ctx, userId);
    const row = await ctx.services.users.setAppRole(ctx.viewer!, userId, role);
    ctx.loaders.user.clear(row.id).prime(row.id, row);
    return row;
  },
  createUser: async (_parent, { input }, ctx) => {
    const { row, passageUser } = await ctx.services.users.create(ctx.viewer!, input, { budget: ctx.upstream });
    remember(ctx, passageUser);
    ctx.loaders.user.clear(row.id).prime(row.id, row);
    return row;
  },
  updateUser: async (_parent, { id, input }, ctx) => {
    const { row, passageUser } = await ctx.services.users.update(ctx.viewer!, id, input, { budget: ctx.upstream });
    remember(ctx, passageUser);
    ctx.loaders.user.clear(row.id).prime(row.id, row);
    return row;
  },
  activateUser: async (_parent, { id }, ctx) => {
    const { row, passageUser } = await ctx.services.users.setStatus(ctx.viewer!, id, 'active', { budget: ctx.upstream });
    remember(ctx, passageUser);
    ctx.loaders.user.clear(row.id).prime(row.id, row);
    return row;
  },
  deactivateUser: async (_parent, { id }, ctx) => {
    const { row, passageUser } = await ctx.services.users.setStatus(ctx.viewer!, id, 'inactive', { budget: ctx.upstream });
    remember(ctx, passageUser);
    ctx.loaders.user.clear(row.id).prime(row.id, row);
    return row;
  },
  deleteUser: async (_parent, { id }, ctx) => {
    await ctx.services.users.delete(ctx.viewer!, id, { budget: ctx.upstream });
    ctx.loaders.user.clear(id);
    ctx.loaders.passageUser.clear(id);
    ctx.loaders.membershipsOfUser.clear(id);
    return { deletedUserId: id };
  },
  revokeDevice: async (_parent, { userId, deviceId }, ctx) => {
    await ctx.services.users.revokeDevice(ctx.viewer!, userId, deviceId, { budget: ctx.upstream });
    ctx.loaders.passageUser.clear(userId);
    ctx.loaders.passageDevices.clear(userId);
    return true;
  },
  revokeSessions: async (_parent, { userId }, ctx) => {
    await ctx.services.users.revokeSessions(ctx.viewer!, userId, { budget: ctx.upstream });
    return true;
  },
  createMagicLink: async (_parent, { input }, ctx) =>
    ctx.services.users.createMagicLink(ctx.viewer!, {
      ...input,
      channel: input.channel === 'EMAIL' ? 'email' : input.channel === 'PHONE' ? 'phone' : null,
      type: input.type === 'VERIFY_IDENTIFIER' ? 'verify_identifier' : 'login',
    }, { budget: ctx.upstream }),
};

export const User: UserResolvers = {
  id: (user) => user.id,
  displayName: (user) => user.displayName,
  appRole: (user, _args, ctx) => ctx.services.users.appRoleOf(user),
  email: async (user, _args, ctx) => nonEmpty((await passageUserOf(ctx, user.id)).email),
  phone: async (user, _args, ctx) => nonEmpty((await passageUserOf(ctx, user.id)).phone),
  status: async (user, _args, ctx) => STATUS[(await passageUserOf(ctx, user.id)).status] ?? null,
  emailVerified: async (user, _args, ctx) => (await passageUserOf(ctx, user.id)).emailVerified,
  phoneVerified: async (user, _args, ctx) => (await passageUserOf(ctx, user.id)).phoneVerified,
  createdAt: async (user, _args, ctx) => (await passageUserOf(ctx, user.id)).createdAt,
  lastLoginAt: async (user, _args, ctx) => (await passageUserOf(ctx, user.id)).lastLoginAt,
  loginCount: async (user, _args, ctx) => (await passageUserOf(ctx, user.id)).loginCount,
  metadata: async (user, _args, ctx) => (await passageUserOf(ctx, user.id)).userMetadata,
  devices: async (user, _args, ctx) => {
    // `get user` carries the devices, so one call serves both; a list row does not.
    const passageUser = await passageUserOf(ctx, user.id);
    if (passageUser.webauthnDevices) return passageUser.webauthnDevices;
    try {
      return await ctx.loaders.passageDevices.load(user.id);
    } catch (err) {
      throw fromPassageError(err);
    }
  },
};

export const UserConnection: UserConnectionResolvers = {
  edges: (page) => page.nodes.map((node) => ({ node, cursor: encodeUsersCursor(page.page, page.createdBefore) })),
  totalCount: (page) => page.totalCount,
  pageInfo: (page) => ({
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.page > 1,
    startCursor: page.nodes.length > 0 ? encodeUsersCursor(page.page, page.createdBefore) : null,
    endCursor: page.nodes.length > 0 ? encodeUsersCursor(page.page, page.createdBefore) : null,
  }),
};

export const UserEdge: UserEdgeResolvers = {
  cursor: (edge) => edge.cursor,
  node: (edge) => edge.node,
};

export const MagicLink: MagicLinkResolvers = {
  id: (link) => link.id,
  url: (link) => link.url,
  identifier: (link) => link.identifier,
  type: (link) => (link.type === 'verify_identifier' ? 'VERIFY_IDENTIFIER' : 'LOGIN'),
  redirectUrl: (link) => link.redirectUrl,
  ttl: (link) => link.ttl,
  activated: (link) => link.activated,
  userId: (link) => link.userId,
};
