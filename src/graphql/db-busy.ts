import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { DatabaseBusyError } from '../db/client.js';
import { serviceUnavailable } from './errors.js';

/** A locked database is a coded, retryable 503 for the client, not a masked internal error. */
export function toServiceUnavailable(err: unknown): unknown {
  return err instanceof DatabaseBusyError ? serviceUnavailable() : err;
}

/**
 * Writes happen in mutations (and in the first request of a new user, which the caller of
 * createContext maps), so only the Mutation root fields are wrapped; query fields keep
 * graphql-js's synchronous fast path.
 */
export function mapDatabaseBusy(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.MUTATION_ROOT_FIELD]: (field) => {
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve: async (source, args, ctx, info) => {
          try {
            return await resolve(source, args, ctx, info);
          } catch (err) {
            throw toServiceUnavailable(err);
          }
        },
      };
    },
  });
}
