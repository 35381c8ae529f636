import { REQUEST_RECORD, type RequestRecord } from '../http/access-log.js';
import type { RequestHooks } from './request-plugin.js';

// GraphQL names are short in practice; a longer one is cut so one request cannot bloat a log line.
const MAX_NAME = 100;

/**
 * Fills the HTTP layer's request record: the operation's name and type once resolved, and the
 * code of every error in the answer as the client receives it (after masking).
 */
export const operationRecord: RequestHooks = {
  didResolveOperation({ contextValue, operationName, operation }) {
    const record = recordOf(contextValue);
    if (!record) return;
    if (operationName) record.operationName = operationName.slice(0, MAX_NAME);
    if (operation) record.operationType = operation.operation;
  },
  willSendResponse({ contextValue, response }) {
    const record = recordOf(contextValue);
    if (!record || response.body.kind !== 'single') return;
    for (const error of response.body.singleResult.errors ?? []) {
      const code = error.extensions?.['code'];
      record.errorCodes.push(typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR');
    }
  },
};

/** Absent when the operation did not come through the HTTP layer (`executeOperation` in tests). */
const recordOf = (contextValue: object | undefined) => (contextValue as Record<symbol, RequestRecord | undefined> | undefined)?.[REQUEST_RECORD];
