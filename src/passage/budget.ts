import { PassageError } from './errors.js';

export type BudgetRefusal = 'calls' | 'deadline';

export type UpstreamBudgetOptions = {
  /** Passage calls (attempts, retries included) the request may send. */
  maxCalls: number;
  /** One deadline for every Passage call of the request, from the budget's creation. */
  deadlineMs: number;
  now?: () => number;
  /** Told each time a call is refused for lack of budget, for metrics. */
  onRefused?: (reason: BudgetRefusal) => void;
};

/**
 * One request's allowance of Passage work: a number of calls and a single deadline shared by all
 * of them, so neither a fan-out (1,500 calls) nor a hanging Passage (a timeout per field, each
 * retried) can hold a request, or the shared queue, for long. Built per request in
 * `createContext`; the Passage reader and client consult it before every call.
 */
export class UpstreamBudget {
  readonly maxCalls: number;
  readonly #deadline: number;
  readonly #now: () => number;
  readonly #onRefused: ((reason: BudgetRefusal) => void) | undefined;
  #calls = 0;

  constructor(opts: UpstreamBudgetOptions) {
    this.maxCalls = opts.maxCalls;
    this.#now = opts.now ?? (() => performance.now());
    this.#deadline = this.#now() + opts.deadlineMs;
    this.#onRefused = opts.onRefused;
  }

  /** Calls sent so far. */
  get calls(): number {
    return this.#calls;
  }

  remainingMs(): number {
    return Math.max(0, this.#deadline - this.#now());
  }

  /** True when one more call may be sent now. */
  canCall(): boolean {
    return this.#calls < this.maxCalls && this.remainingMs() > 0;
  }

  /**
   * Throws when no further call may be sent: no calls left, or less than `minRemainingMs` (at
   * least some) of the deadline left.
   */
  check(minRemainingMs = 0): void {
    if (this.#calls >= this.maxCalls) throw this.#refuse('calls');
    const remaining = this.remainingMs();
    if (remaining <= 0 || remaining < minRemainingMs) throw this.#refuse('deadline');
  }

  /** Counts one call about to be sent; throws instead when the budget has none left (see `check`). */
  take(minRemainingMs = 0): void {
    this.check(minRemainingMs);
    this.#calls++;
  }

  /** Waits for `promise` (a call another request started, a queue slot) no longer than the deadline. */
  within<T>(promise: Promise<T>): Promise<T> {
    const remaining = this.remainingMs();
    if (remaining <= 0) {
      promise.catch(() => {});
      return Promise.reject(this.#refuse('deadline'));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(this.#refuse('deadline')), Math.ceil(remaining));
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  #refuse(reason: BudgetRefusal): PassageError {
    try {
      this.#onRefused?.(reason);
    } catch {
      // Telemetry never changes the outcome.
    }
    return reason === 'calls'
      ? new PassageError(0, 'budget_exceeded', `This request used its ${this.maxCalls} Passage calls; no further call was made`)
      : new PassageError(0, 'deadline_exceeded', 'This request spent its time for Passage calls; no further call was made');
  }
}
