import type { ImpersonationResolvers, ImpersonationRevocationResolvers, MutationResolvers, UserResolvers } from '../__generated__/resolvers-types.js';
import type { GraphQLContext } from '../context.js';

const userRow = async (ctx: GraphQLContext, id: string) => (await ctx.loaders.user.load(id)) ?? ctx.services.users.transient(id);

export const Mutation: MutationResolvers = {
  impersonateUser: (_parent, { input }, ctx) => ctx.services.impersonation.start(ctx.viewer!, input.userId, input.reason, ctx.upstream),
  revokeImpersonation: (_parent, { input }, ctx) => ctx.services.impersonation.revoke(ctx.viewer!, input.token),
};

export const Impersonation: ImpersonationResolvers = {
  token: (i) => i.token,
  expiresAt: (i) => i.expiresAt,
  user: (i, _args, ctx) => userRow(ctx, i.userId),
};

export const ImpersonationRevocation: ImpersonationRevocationResolvers = {
  user: (r, _args, ctx) => userRow(ctx, r.userId),
  impersonator: (r, _args, ctx) => ctx.loaders.user.load(r.impersonatorId),
  revokedAt: (r) => r.revokedAt,
  expiresAt: (r) => r.expiresAt,
};

export const User: UserResolvers = {
  // Only on the viewer themself: nobody else learns who is impersonating whom.
  impersonator: (user, _args, ctx) => (ctx.viewer?.impersonatorId !== undefined && ctx.viewer.id === user.id ? userRow(ctx, ctx.viewer.impersonatorId) : null),
};
