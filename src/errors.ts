import { PassageError } from './passage/errors.js';

/**
 * Every code a client can see in `extensions.code`, declared once: the type, the public-codes
 * list and the documentation all come from here.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BUDGET_EXCEEDED',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'OUTCOME_UNKNOWN',
  'QUERY_TOO_COMPLEX',
  'RESPONSE_TOO_LARGE',
  // TRUSTED_DOCUMENTS is set and the request did not name a trusted document by its hash.
  'PERSISTED_QUERY_REQUIRED',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type AppErrorOptions = {
  /** A machine-readable refinement of the code (`LAST_OWNER`, `INSUFFICIENT_ROLE`, ...). */
  reason?: string;
  /** The input field that was refused, for `BAD_USER_INPUT`. */
  field?: string;
  /** Seconds after which a retry may succeed (rate limits, busy resources). */
  retryAfterSeconds?: number;
  /** Further facts a client may see (never secrets or internal messages). */
  details?: Record<string, unknown>;
  cause?: unknown;
};

/**
 * The one error type of the domain layer. It knows nothing of GraphQL or HTTP: the GraphQL edge
 * maps it to a `GraphQLError` in one place (`src/graphql/errors.ts`).
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly reason?: string;
  readonly field?: string;
  readonly retryAfterSeconds?: number;
  readonly details: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: AppErrorOptions = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.reason !== undefined) this.reason = opts.reason;
    if (opts.field !== undefined) this.field = opts.field;
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
    this.details = opts.details ?? {};
  }
}

export const unauthenticated = (reason = 'NO_TOKEN', message = 'Sign in to do this.') => new AppError('UNAUTHENTICATED', message, { reason });

export const forbidden = (reason: string, message = 'You are not allowed to do this.', details: Record<string, unknown> = {}) =>
  new AppError('FORBIDDEN', message, { reason, details });

export const notFound = (what = 'The requested object') => new AppError('NOT_FOUND', `${what} was not found.`);

export const badUserInput = (field: string, message: string) => new AppError('BAD_USER_INPUT', message, { field });

export const conflict = (reason: string, message: string, details: Record<string, unknown> = {}) => new AppError('CONFLICT', message, { reason, details });

export const rateLimited = (retryAfterSeconds: number, message = 'Too many requests of this kind; retry later.') =>
  new AppError('RATE_LIMITED', message, { retryAfterSeconds });

/** A local resource (the database) is too busy to take this write now; nothing was changed. */
export const serviceUnavailable = (message = 'The service is busy; nothing was changed. Retry shortly.', retryAfterSeconds = 1) =>
  new AppError('SERVICE_UNAVAILABLE', message, { retryAfterSeconds });

export const upstreamUnavailable = (message = 'The identity provider is unavailable; retry later.', reason?: string) =>
  new AppError('UPSTREAM_UNAVAILABLE', message, reason === undefined ? {} : { reason });

/**
 * Passage may or may not have made the change (no answer, or an answer we could not read). The
 * change is recorded as pending: access is decided as if it happened until the reconciler has
 * read Passage, and the same request may be retried safely (with the same Idempotency-Key).
 */
export const outcomeUnknown = (
  message = 'The identity provider did not confirm the change; it may or may not have been made. It is being checked; retrying the same request is safe.',
  details: Record<string, unknown> = {},
) => new AppError('OUTCOME_UNKNOWN', message, { details });

/**
 * True for an input refusal made by our own validation, before any upstream call. Passage's own
 * 400s carry `passageCode`: those requests reached Passage.
 */
export function refusedBeforeUpstream(err: unknown): boolean {
  return err instanceof AppError && err.code === 'BAD_USER_INPUT' && err.details['passageCode'] === undefined;
}

/**
 * Translates a Passage failure into what the client may know: not-found and invalid input pass
 * through with their Passage code; every other failure is "Passage is unavailable".
 */
export function fromPassageError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof PassageError) {
    // Never sent: the request had used all the Passage calls one request may make.
    if (err.code === 'budget_exceeded') {
      return new AppError('UPSTREAM_BUDGET_EXCEEDED', 'This request needs more identity-provider calls than one request may make; ask for less at once.');
    }
    if (err.status === 404) {
      return new AppError('NOT_FOUND', 'The user or device was not found in Passage.', {
        details: { passageCode: err.code },
      });
    }
    if (err.status === 400) return new AppError('BAD_USER_INPUT', err.message, { details: { passageCode: err.code } });
    // Passage throttling us is not the caller's own limit: coded, but no HTTP 429 for the request.
    if (err.status === 429) {
      return new AppError('RATE_LIMITED', 'Passage is rate limiting requests; retry later.', {
        details: { retryAfter: err.retryAfterSeconds ?? 1 },
      });
    }
  }
  return upstreamUnavailable();
}
