import type {
  MagicLinkResolvers,
  MutationResolvers,
  QueryResolvers,
  UserConnectionResolvers,
  UserEdgeResolvers,
  UserResolvers,
  UserStatus,
} from '../__generated__/resolvers-types.js';
import type { UserStatus as LocalStatus } from '../../services/user.js';
import { entryFromPassage, type DirectoryEntry } from '../../services/directory.js';
import type { PassageUser } from '../../passage/types.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput, fromPassageError } from '../errors.js';
import { PassageError } from '../../passage/errors.js';
import { entryOf, fromEntry, nonEmpty } from './passage-field.js';

const STATUS: Record<string, UserStatus> = { active: 'ACTIVE', inactive: 'INACTIVE', pending: 'PENDING' };
const LOCAL_STATUS: Record<UserStatus, LocalStatus> = { ACTIVE: 'active', INACTIVE: 'inactive', PENDING: 'pending' };

/**
 * After a write Passage answered: later fields in this request show Passage's answer, also when
 * its local write is left to the intent reconciler (a busy database after Passage confirmed).
 */
function remember(ctx: GraphQLContext, passageUser: PassageUser): void {
  prime(ctx, entryFromPassage(passageUser));
  ctx.loaders.passageDevices.clear(passageUser.id);
}

/** The local row when we have one; otherwise what a user we never stored looks like. */
async function rowFor(ctx: GraphQLContext, id: string) {
  return ctx.loaders.knownUser(id) ?? (await ctx.loaders.user.load(id)) ?? ctx.services.users.transient(id);
}

const prime = (ctx: GraphQLContext, entry: DirectoryEntry) => ctx.loaders.primeEntry(entry);

export const Query: QueryResolvers = {
  me: async (_parent, _args, ctx) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null),
  user: async (_parent, { id }, ctx) => {
    await entryOf(ctx, id);
    return rowFor(ctx, id);
  },
  users: async (_parent, { first, after, query, status, orderBy }, ctx) => {
    const page = ctx.services.users.list({ first: first ?? 20, after, query, status: status ? LOCAL_STATUS[status] : null, orderBy });
    for (const { entry } of page.entries) prime(ctx, entry);
    await ctx.loaders.preloadUsers(page.entries.map(({ entry }) => entry.id));
    const edges = await Promise.all(page.entries.map(async ({ entry, cursor }) => ({ node: await rowFor(ctx, entry.id), cursor })));
    return { edges, totalCount: page.totalCount, hasNextPage: page.hasNextPage, hasPreviousPage: page.hasPreviousPage };
  },
  userByIdentifier: async (_parent, { identifier }, ctx) => {
    const entry = await ctx.services.users.findByIdentifier(identifier, { budget: ctx.upstream });
    if (!entry) return null;
    prime(ctx, entry);
    return rowFor(ctx, entry.id);
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
    ctx.loaders.primeUser(row);
    return row;
  },
  setActiveOrg: async (_parent, { input }, ctx) => {
    const row = await ctx.services.users.setActiveOrg(ctx.viewer!.id, input.orgId ?? null);
    ctx.loaders.primeUser(row);
    return row;
  },
  setAppRole: async (_parent, { userId, role }, ctx) => {
    // Passage must know the user before we keep anything about them.
    await entryOf(ctx, userId);
    const row = await ctx.services.users.setAppRole(ctx.viewer!, userId, role);
    ctx.loaders.primeUser(row);
    return row;
  },
  createUser: async (_parent, { input }, ctx) => {
    const { row, passageUser } = await ctx.services.users.create(ctx.viewer!, input, { budget: ctx.upstream });
    remember(ctx, passageUser);
    ctx.loaders.primeUser(row);
    return row;
  },
  updateUser: async (_parent, { id, input }, ctx) => {
    const { row, passageUser } = await ctx.services.users.update(ctx.viewer!, id, input, { budget: ctx.upstream });
    remember(ctx, passageUser);
    ctx.loaders.primeUser(row);
    return row;
  },
  activateUser: async (_parent, { id }, ctx) => {
    const { row, passageUser } = await ctx.services.users.setStatus(ctx.viewer!, id, 'active', { budget: ctx.upstream });
    remember(ctx, passageUser);
    ctx.loaders.primeUser(row);
    return row;
  },
  deactivateUser: async (_parent, { id }, ctx) => {
    const { row, passageUser } = await ctx.services.users.setStatus(ctx.viewer!, id, 'inactive', { budget: ctx.upstream });
    remember(ctx, passageUser);
    ctx.loaders.primeUser(row);
    return row;
  },
  deleteUser: async (_parent, { id }, ctx) => {
    await ctx.services.users.delete(ctx.viewer!, id, { budget: ctx.upstream });
    ctx.loaders.forgetUser(id);
    ctx.loaders.forgetEntry(id);
    ctx.loaders.membershipsOfUser.clear(id);
    return { deletedUserId: id };
  },
  revokeDevice: async (_parent, { userId, deviceId }, ctx) => {
    await ctx.services.users.revokeDevice(ctx.viewer!, userId, deviceId, { budget: ctx.upstream });
    ctx.loaders.passageDevices.clear(userId);
    return true;
  },
  revokeSessions: async (_parent, { userId }, ctx) => {
    await ctx.services.users.revokeSessions(ctx.viewer!, userId, { budget: ctx.upstream });
    return true;
  },
  createMagicLink: async (_parent, { input }, ctx) =>
    ctx.services.users.createMagicLink(
      ctx.viewer!,
      {
        ...input,
        channel: input.channel === 'EMAIL' ? 'email' : input.channel === 'PHONE' ? 'phone' : null,
        type: input.type === 'VERIFY_IDENTIFIER' ? 'verify_identifier' : 'login',
      },
      { budget: ctx.upstream },
    ),
};

export const User: UserResolvers = {
  id: (user) => user.id,
  displayName: (user) => user.displayName,
  appRole: (user, _args, ctx) => ctx.services.users.appRoleOf(user),
  email: (user, _args, ctx) => fromEntry(ctx, user.id, (e) => nonEmpty(e.email)),
  phone: (user, _args, ctx) => fromEntry(ctx, user.id, (e) => nonEmpty(e.phone)),
  status: (user, _args, ctx) => fromEntry(ctx, user.id, (e) => STATUS[e.status] ?? null),
  emailVerified: (user, _args, ctx) => fromEntry(ctx, user.id, (e) => e.emailVerified),
  phoneVerified: (user, _args, ctx) => fromEntry(ctx, user.id, (e) => e.phoneVerified),
  createdAt: (user, _args, ctx) => fromEntry(ctx, user.id, (e) => e.createdAt),
  lastLoginAt: (user, _args, ctx) => fromEntry(ctx, user.id, (e) => (e.lastLoginAt > 0 ? new Date(e.lastLoginAt) : null)),
  loginCount: (user, _args, ctx) => fromEntry(ctx, user.id, (e) => e.loginCount),
  metadata: (user, _args, ctx) => fromEntry(ctx, user.id, (e) => e.metadata),
  // Devices are not in the directory: Passage, through the cross-request cache.
  devices: async (user, _args, ctx) => {
    try {
      return await ctx.loaders.passageDevices.load(user.id);
    } catch (err) {
      // Passage no longer has the user: remembered at once, as every such answer is.
      if (err instanceof PassageError && err.status === 404 && err.code === 'user_not_found') await ctx.services.directory.recordDeletion(user.id);
      throw fromPassageError(err);
    }
  },
};

export const UserConnection: UserConnectionResolvers = {
  edges: (page) => page.edges,
  totalCount: (page) => page.totalCount,
  pageInfo: (page) => ({
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: page.edges[0]?.cursor ?? null,
    endCursor: page.edges.at(-1)?.cursor ?? null,
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
