import type { Logger } from '../logger.js';

/**
 * What the GraphQL layer learns about one request, for its access-log line and its trace. The
 * HTTP layer puts one on the context under this symbol; the operation-record plugin fills it in.
 */
export const REQUEST_RECORD = Symbol('passgraph.requestRecord');

export type RequestRecord = {
  operationName?: string;
  operationType?: string;
  /** `extensions.code` of every error the client was sent, in order. */
  errorCodes: string[];
};

export type AccessEntry = {
  requestId: string;
  /** Set when tracing is on. */
  traceId: string | undefined;
  method: string;
  /** The path only: a query string may carry variables, and with them personal data. */
  path: string;
  status: number;
  durationMs: number;
  /** False when the client went away before the answer was sent. */
  completed: boolean;
  record: RequestRecord;
};

// Codes that say the server (or what it depends on) failed, as opposed to the client's request.
const SERVER_ERROR_CODES: ReadonlySet<string> = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);

/**
 * One line per request: method, path, status, duration, operation, request id and error codes.
 * Never headers, bodies, variables or the query string, so no token, cookie or personal data.
 * Client errors are ordinary traffic (info); a server-side failure is an error.
 */
export function logAccess(log: Logger, entry: AccessEntry): void {
  const { record } = entry;
  const serverError = entry.status >= 500 || record.errorCodes.some((code) => SERVER_ERROR_CODES.has(code));
  // The line is built only when it will be written.
  if (!log.isLevelEnabled(serverError ? 'error' : 'info')) return;
  const line = {
    requestId: entry.requestId,
    ...(entry.traceId !== undefined ? { traceId: entry.traceId } : {}),
    method: entry.method,
    path: entry.path,
    status: entry.status,
    durationMs: Math.round(entry.durationMs * 10) / 10,
    ...(record.operationName !== undefined ? { operationName: record.operationName } : {}),
    ...(record.operationType !== undefined ? { operationType: record.operationType } : {}),
    ...(record.errorCodes.length > 0 ? { errorCodes: record.errorCodes } : {}),
    ...(entry.completed ? {} : { aborted: true }),
  };
  if (serverError) log.error(line, 'request');
  else log.info(line, 'request');
}
