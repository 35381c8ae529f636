import type { MutationResolvers, QueryResolvers, UserResolvers, UserStatus } from '../__generated__/resolvers-types.js';
import { badUserInput, fromPassageError } from '../errors.js';
import { nonEmpty, passageUserOf } from './passage-field.js';

const STATUS: Record<string, UserStatus> = { active: 'ACTIVE', inactive: 'INACTIVE', pending: 'PENDING' };

export const Query: QueryResolvers = {
  me: async (_parent, _args, ctx) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null),
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
    try {
      await ctx.loaders.passageUser.load(userId);
    } catch (err) {
      throw fromPassageError(err);
    }
    const row = await ctx.services.users.setAppRole(ctx.viewer!, userId, role);
    ctx.loaders.user.clear(row.id).prime(row.id, row);
    return row;
  },
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
    // `get user` already carries the devices: one Passage call serves both fields.
    const passageUser = await passageUserOf(ctx, user.id);
    return passageUser.webauthnDevices ?? [];
  },
};
