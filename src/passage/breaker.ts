/**
 * A circuit breaker per Passage endpoint family. While Passage keeps failing, callers get an
 * immediate `breaker_open` error instead of each waiting out a deadline, which also stops us
 * from piling retries onto a struggling upstream. After `openMs` one probe call is let through;
 * its outcome closes the breaker or keeps it open for another `openMs`.
 */

export type BreakerState = 'closed' | 'open' | 'half_open';

/** What one call tells the breaker: Passage failed, Passage answered, or Passage asked us to slow down. */
export type CallOutcome = 'failure' | 'success' | 'throttled';

export type BreakerOptions = {
  /** Share of failed calls in the window that opens the breaker, 1 to 100. */
  failurePercent: number;
  /** Fewer calls than this in the window never open it, so two early failures are not an outage. */
  minimumCalls: number;
  /** Length of the rolling window the share is computed over. */
  windowMs: number;
  /** How long it stays open before a probe is allowed. */
  openMs: number;
  now?: () => number;
  onStateChange?: (state: BreakerState) => void;
};

const BUCKETS = 10;

export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #openedAt = 0;
  #probing = false;
  // Counts per time slice; a slice is reused once it has fallen out of the window.
  readonly #slices = Array.from({ length: BUCKETS }, () => ({ id: -1, calls: 0, failures: 0 }));
  readonly #sliceMs: number;
  readonly #opts: BreakerOptions;
  readonly #now: () => number;

  constructor(opts: BreakerOptions) {
    this.#opts = opts;
    this.#sliceMs = Math.max(1, Math.ceil(opts.windowMs / BUCKETS));
    this.#now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    // An open breaker whose wait is over reports half-open even before a call arrives, so the
    // metric shows "ready to probe" rather than a stale "open".
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#opts.openMs) return 'half_open';
    return this.#state;
  }

  /**
   * Asks to make one call. Returns a function that must be called exactly once with the call's
   * outcome, or null when the call must not be made (open, or a probe is already out).
   */
  acquire(): ((outcome: CallOutcome) => void) | null {
    if (this.#state === 'open') {
      if (this.#now() - this.#openedAt < this.#opts.openMs) return null;
      this.#transition('half_open');
    }
    if (this.#state === 'half_open') {
      if (this.#probing) return null;
      this.#probing = true;
      return this.#once((outcome) => {
        this.#probing = false;
        if (outcome === 'failure') this.#open();
        else this.#close();
      });
    }
    return this.#once((outcome) => this.#record(outcome));
  }

  #record(outcome: CallOutcome): void {
    // A throttled call says nothing about Passage's health; counting it either way would skew the share.
    if (outcome === 'throttled' || this.#state !== 'closed') return;
    const now = this.#now();
    const id = Math.floor(now / this.#sliceMs);
    const slice = this.#slices[id % BUCKETS]!;
    if (slice.id !== id) Object.assign(slice, { id, calls: 0, failures: 0 });
    slice.calls++;
    if (outcome === 'failure') slice.failures++;

    let calls = 0;
    let failures = 0;
    for (const s of this.#slices) {
      if (id - s.id < BUCKETS) {
        calls += s.calls;
        failures += s.failures;
      }
    }
    if (calls >= this.#opts.minimumCalls && failures * 100 >= this.#opts.failurePercent * calls) this.#open();
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#transition('open');
  }

  #close(): void {
    for (const s of this.#slices) Object.assign(s, { id: -1, calls: 0, failures: 0 });
    this.#transition('closed');
  }

  #transition(state: BreakerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#opts.onStateChange?.(state);
  }

  #once(fn: (outcome: CallOutcome) => void): (outcome: CallOutcome) => void {
    let done = false;
    return (outcome) => {
      if (done) return;
      done = true;
      fn(outcome);
    };
  }
}

/** The groups of Passage endpoints that fail together; each has its own breaker and metrics label. */
export type EndpointFamily = 'app' | 'users_read' | 'users_write' | 'devices' | 'magic_links';

export const ENDPOINT_FAMILIES: readonly EndpointFamily[] = ['app', 'users_read', 'users_write', 'devices', 'magic_links'];

/** `segments` are relative to the app (`['users', id, 'devices']`). */
export function endpointFamily(method: string, segments: readonly string[]): EndpointFamily {
  const [first, , third] = segments;
  if (first === undefined) return 'app';
  if (first === 'magic-links') return 'magic_links';
  if (third === 'devices') return 'devices';
  return method === 'GET' ? 'users_read' : 'users_write';
}
