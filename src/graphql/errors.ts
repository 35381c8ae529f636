import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { PassageError } from '../passage/errors.js';

/** Every code a client can see in `extensions.code`. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const unauthenticated = (reason = 'NO_TOKEN') =>
  appError('UNAUTHENTICATED', 'Sign in to do this.', { reason });

export const forbidden = (reason: string, message = 'You are not allowed to do this.', details: Record<string, unknown> = {}) =>
  appError('FORBIDDEN', message, { reason, ...details });

export const notFound = (what = 'The requested object') => appError('NOT_FOUND', `${what} was not found.`);

export const badUserInput = (field: string, message: string) =>
  appError('BAD_USER_INPUT', message, { field });

export const conflict = (reason: string, message: string) => appError('CONFLICT', message, { reason });

/**
 * Our own limit on the caller: the response becomes HTTP 429 with `Retry-After`, and the field
 * error carries the same seconds in `extensions.retryAfter`.
 */
export const rateLimited = (retryAfterSeconds: number, message = 'Too many requests of this kind; retry later.') =>
  new GraphQLError(message, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });

/** A local resource (the database) is too busy to take this write now; nothing was changed. */
export const serviceUnavailable = (message = 'The service is busy; nothing was changed. Retry shortly.', retryAfterSeconds = 1) =>
  new GraphQLError(message, {
    extensions: {
      code: 'SERVICE_UNAVAILABLE',
      retryAfter: retryAfterSeconds,
      http: { status: 503, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });

/**
 * Translates a Passage failure into what the client may know: not-found and invalid input pass
 * through with their Passage code; every other failure is "Passage is unavailable".
 */
export function fromPassageError(err: unknown): GraphQLError {
  if (err instanceof GraphQLError) return err;
  if (err instanceof PassageError) {
    if (err.status === 404) return appError('NOT_FOUND', 'The user or device was not found in Passage.', { passageCode: err.code });
    if (err.status === 400) return appError('BAD_USER_INPUT', err.message, { passageCode: err.code });
    if (err.status === 429) {
      return appError('RATE_LIMITED', 'Passage is rate limiting requests; retry later.', {
        retryAfter: err.retryAfterSeconds ?? 1,
      });
    }
  }
  return appError('UPSTREAM_UNAVAILABLE', 'The identity provider is unavailable; retry later.');
}

/** Codes our own code raises on purpose; anything else reaching a client is masked. */
export const PUBLIC_CODES: ReadonlySet<string> = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'UPSTREAM_UNAVAILABLE',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  // Apollo's own request-level codes.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);
