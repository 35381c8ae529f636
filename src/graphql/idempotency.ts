import { createHash } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { IdempotencyService } from '../services/idempotency.js';
import type { GraphQLContext } from './context.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

// Errors after which a retry must run again: nothing was changed, or (OUTCOME_UNKNOWN) the change
// may have been made and repeating the same request settles it (the intent is taken over).
const RETRYABLE = new Set(['UPSTREAM_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR', 'OUTCOME_UNKNOWN']);

// Its response carries a one-time sign-in credential, which is never stored.
const NOT_REPLAYABLE = new Set(['createMagicLink']);

function refusal(status: number, code: string, message: string): GraphQLResponse {
  return { http: { status, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { errors: [{ message, extensions: { code } }] } } };
}

/**
 * `Idempotency-Key` on mutations (IETF httpapi-idempotency-key draft): the first request with a
 * key runs and its result is kept for 24 h; a retry with the same key and body gets that result
 * again (`Idempotent-Replayed: true`) without running anything; the same key with another body
 * is 422 IDEMPOTENCY_KEY_REUSED; a retry while the first is still running is 409
 * IDEMPOTENCY_IN_PROGRESS. Keys are scoped to the signed-in caller.
 */
export function idempotency(service: IdempotencyService): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      let reserved: { actorId: string; key: string } | null = null;
      return {
        async responseForOperation({ operation, request, contextValue }) {
          const key = contextValue.idempotencyKey;
          if (!key || operation.operation !== 'mutation' || !contextValue.viewer) return null;
          if (!KEY.test(key)) return refusal(400, 'BAD_USER_INPUT', 'Idempotency-Key must be 1 to 255 printable characters.');
          if (rootFields(operation).some((f) => NOT_REPLAYABLE.has(f))) return null;
          const hash = createHash('sha256')
            .update(JSON.stringify([request.query ?? '', request.operationName ?? null, request.variables ?? {}]))
            .digest('base64url');
          const actorId = contextValue.viewer.id;
          const reservation = await service.reserve(actorId, key, hash);
          switch (reservation.kind) {
            case 'new':
              reserved = { actorId, key };
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
        },
        async willSendResponse({ response }) {
          if (!reserved) return;
          const { actorId, key } = reserved;
          reserved = null;
          if (response.body.kind !== 'single') return service.release(actorId, key);
          const { data, errors } = response.body.singleResult;
          const retryable = (errors ?? []).some((e) => RETRYABLE.has(String(e.extensions?.['code'])));
          if (retryable) return service.release(actorId, key);
          await service.complete(actorId, key, { data, ...(errors ? { errors } : {}) });
        },
      };
    },
  };
}

function rootFields(operation: OperationDefinitionNode): string[] {
  return operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}
