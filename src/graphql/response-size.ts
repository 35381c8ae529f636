import { defaultFieldResolver, getNamedType, GraphQLError, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { GraphQLContext } from './context.js';
import type { RequestHooks } from './request-plugin.js';

/** Per request: bytes of JSON values resolved so far, and whether the bound was crossed. */
export type ResponseBudget = { jsonBytes: number; exceeded: boolean };

/** The one error a too-large response is replaced with (HTTP 400). */
export function responseTooLarge(limit: number, changesApplied?: boolean): GraphQLError {
  return new GraphQLError(
    `The response would be larger than ${limit} bytes; ask for fewer objects or smaller pages.` +
      (changesApplied ? ' The mutation did make its changes: read the result with a smaller query.' : ''),
    {
      extensions: {
        code: 'RESPONSE_TOO_LARGE',
        limit,
        ...(changesApplied === undefined ? {} : { changesApplied }),
        http: { status: 400 },
      },
    },
  );
}

/**
 * Counts the bytes of every `JSON` field's value as it resolves. The cost limit bounds how many
 * fields a response has, and every other leaf is small; JSON values (metadata, up to 16 KB each)
 * are what can make a response huge. Once the request's JSON values pass `MAX_RESPONSE_BYTES`,
 * every further JSON field fails at once, so no more of the response is built, and the plugin
 * below replaces the answer with one `RESPONSE_TOO_LARGE` error.
 */
export function countJsonBytes(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      if (getNamedType(field.type).name !== 'JSON') return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        async resolve(source, args, ctx: GraphQLContext, info) {
          const budget = ctx.flags.responseBudget;
          const limit = ctx.config.maxResponseBytes;
          if (budget.exceeded) throw responseTooLarge(limit);
          const value: unknown = await resolve(source, args, ctx, info);
          // Stored values were bounded when written, so stringifying them is safe and small.
          budget.jsonBytes += value === undefined ? 0 : (JSON.stringify(value) ?? '').length;
          if (budget.jsonBytes > limit) {
            budget.exceeded = true;
            throw responseTooLarge(limit);
          }
          return value;
        },
      };
    },
  });
}

/**
 * Replaces an over-budget answer with the single error. It must come before idempotency in the
 * request plugin, so an answer replaced for its size is stored replaced.
 */
export const responseSize: RequestHooks = {
  willSendResponse({ response, contextValue }) {
    if (!contextValue.flags.responseBudget.exceeded || response.body.kind !== 'single') return;
    const outcomes = contextValue.flags.mutationOutcomes;
    const error = responseTooLarge(contextValue.config.maxResponseBytes, outcomes.length > 0 ? outcomes.some((o) => o.code === null) : undefined);
    const { http: _http, ...extensions } = error.extensions;
    response.body.singleResult = { errors: [{ message: error.message, extensions }] };
    response.http.status = 400;
  },
};
