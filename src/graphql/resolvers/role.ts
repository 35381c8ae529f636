import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { roleCatalogue } from '../../auth/policy.js';

export const Query: QueryResolvers = {
  roles: (_parent, _args, ctx) => roleCatalogue(ctx.services.roles),
};
