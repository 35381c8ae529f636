/**
 * Every failure of a Passage call. `status` is the HTTP status when Passage answered and 0 when it
 * did not (`timeout`, `network_error`). `code` is Passage's own code when its error body had one,
 * `http_<status>` when it did not, and `invalid_response` when a 2xx body was not what we expect.
 * Calls refused before sending have status 0 (`breaker_open`, `budget_exceeded`,
 * `deadline_exceeded`) or 429 (`retry_after`), or 400 (`invalid_id`: not a plain id).
 */
export class PassageError extends Error {
  override readonly name = 'PassageError';
  /** Seconds from a 429's `Retry-After` header, when it had one. */
  readonly retryAfterSeconds?: number;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const isPassageNotFound = (e: unknown): e is PassageError => e instanceof PassageError && e.status === 404;

/**
 * True when the failure says nothing about the request itself: Passage is down, slow, throttling
 * or garbled, or the request's time for Passage ran out (`deadline_exceeded`). Not for
 * `budget_exceeded`: the request asked for too much, which a stale answer would only hide.
 */
export const isPassageUnavailable = (e: unknown): e is PassageError =>
  e instanceof PassageError && e.code !== 'budget_exceeded' && (e.status === 0 || e.status >= 500 || e.status === 429 || e.code === 'invalid_response');
