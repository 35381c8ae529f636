import type { AppResolvers, QueryResolvers } from '../__generated__/resolvers-types.js';
import { fromPassageError } from '../errors.js';

export const Query: QueryResolvers = {
  app: (_parent, _args, ctx) => ({ id: ctx.passage.appId }),
};

export const App: AppResolvers = {
  id: (app) => app.id,
  name: async (app, _args, ctx) => {
    try {
      return (await ctx.loaders.app.load(app.id)).name;
    } catch (err) {
      throw fromPassageError(err);
    }
  },
};
