import { createHash } from 'node:crypto';
import { HeaderMap, type GraphQLResponse } from '@apollo/server';
import {
  defaultFieldResolver,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { IdempotencyService } from '../services/idempotency.js';
import type { GraphQLContext } from './context.js';
import type { RequestHooks } from './request-plugin.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

// Errors after which the field changed nothing and a retry may succeed; and OUTCOME_UNKNOWN, after
// which repeating the same request takes the pending intent over and settles it.
const RETRYABLE = new Set(['UPSTREAM_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR', 'OUTCOME_UNKNOWN']);

// Its response carries a one-time sign-in credential, which is never stored.
const NOT_REPLAYABLE = new Set(['createMagicLink']);

/** How each root mutation field of a request ended: `null` for success, else its error code. */
export type MutationOutcomes = Array<{ field: string; code: string | null }>;

function refusal(status: number, code: string, message: string): GraphQLResponse {
  return { http: { status, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { errors: [{ message, extensions: { code } }] } } };
}

/**
 * `Idempotency-Key` on mutations (IETF httpapi-idempotency-key draft): the first request with a
 * key runs and its result is kept for 24 h; a retry with the same key and body gets that result
 * again (`Idempotent-Replayed: true`) without running anything; the same key with another body
 * is 422 IDEMPOTENCY_KEY_REUSED; a retry while the first is still running is 409
 * IDEMPOTENCY_IN_PROGRESS. Keys are scoped to the signed-in caller.
 *
 * The key is released (a retry runs again) only when nothing ran: every root field that started
 * failed with a retryable error. Once any root field succeeded, or failed for good, the answer
 * as sent (partial, with its errors) is what every retry gets.
 */
export function idempotency(service: IdempotencyService): RequestHooks {
  // The key a request reserved, until its answer is stored or the key released.
  const reserved = new WeakMap<GraphQLContext, { actorId: string; key: string }>();
  return {
    responseForOperation({ operation, document, request, contextValue }) {
      const key = contextValue.idempotencyKey;
      // Queries and requests without a key cost nothing here.
      if (!key || operation.operation !== 'mutation' || !contextValue.viewer) return null;
      if (!KEY.test(key)) return refusal(400, 'BAD_USER_INPUT', 'Idempotency-Key must be 1 to 255 printable characters.');
      // What the document does, fragments included, never how it is written.
      if (rootFieldNames(document, operation).some((f) => NOT_REPLAYABLE.has(f))) return null;
      const hash = createHash('sha256')
        .update(JSON.stringify([request.query ?? '', request.operationName ?? null, request.variables ?? {}]))
        .digest('base64url');
      const actorId = contextValue.viewer.id;
      return service.reserve(actorId, key, hash).then((reservation): GraphQLResponse | null => {
        switch (reservation.kind) {
          case 'new':
            reserved.set(contextValue, { actorId, key });
            return null;
          case 'replay':
            return {
              http: { status: undefined, headers: new HeaderMap([['idempotent-replayed', 'true']]) },
              body: { kind: 'single', singleResult: reservation.response as Record<string, unknown> },
            };
          case 'reused':
            return refusal(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request.');
          case 'in_progress':
            return refusal(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running.');
        }
      });
    },
    willSendResponse({ response, contextValue }) {
      const held = reserved.get(contextValue);
      if (!held) return;
      reserved.delete(contextValue);
      const { actorId, key } = held;
      const outcomes = contextValue.flags.mutationOutcomes;
      const nothingRan = outcomes.every((o) => o.code !== null && RETRYABLE.has(o.code));
      if (nothingRan || response.body.kind !== 'single') return service.release(actorId, key);
      const { data, errors } = response.body.singleResult;
      return service.complete(actorId, key, { data, ...(errors ? { errors } : {}) });
    },
  };
}

/**
 * Records how each root mutation field ended in `ctx.flags.mutationOutcomes`, so the
 * idempotency plugin knows whether anything ran. Only root fields are wrapped: queries and
 * nested fields keep graphql-js's fast path.
 */
export function recordMutationOutcomes(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType()?.name;
  if (!mutation) return schema;
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      if (typeName !== mutation) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        async resolve(source, args, ctx: GraphQLContext, info) {
          try {
            const value = await resolve(source, args, ctx, info);
            ctx.flags.mutationOutcomes.push({ field: fieldName, code: null });
            return value;
          } catch (err) {
            const code = err instanceof GraphQLError ? err.extensions['code'] : undefined;
            ctx.flags.mutationOutcomes.push({ field: fieldName, code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' });
            throw err;
          }
        },
      };
    },
  });
}

/** The root field names an operation selects, through fragment spreads and inline fragments. */
export function rootFieldNames(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const names = new Set<string>();
  const seen = new Set<string>();
  const pending: SelectionSetNode[] = [operation.selectionSet];
  while (pending.length > 0) {
    for (const selection of pending.pop()!.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) pending.push(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) pending.push(fragment.selectionSet);
      }
    }
  }
  return [...names];
}
