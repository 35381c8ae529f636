import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { REQUEST_RECORD, type RequestRecord } from '../http/access-log.js';

// GraphQL names are short in practice; a longer one is cut so one request cannot bloat a log line.
const MAX_NAME = 100;

/**
 * Fills the HTTP layer's request record: the operation's name and type once resolved, and the
 * code of every error in the answer as the client receives it (after masking).
 */
export function operationRecord(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart({ contextValue }) {
      const record = (contextValue as Record<symbol, RequestRecord | undefined>)[REQUEST_RECORD];
      if (!record) return;
      return {
        async didResolveOperation({ operationName, operation }) {
          if (operationName) record.operationName = operationName.slice(0, MAX_NAME);
          if (operation) record.operationType = operation.operation;
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            const code = error.extensions?.['code'];
            record.errorCodes.push(typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR');
          }
        },
      };
    },
  };
}
