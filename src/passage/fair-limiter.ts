import type { UpstreamBudget } from './budget.js';

type Waiter = { grant: () => void; granted: boolean };

export type FairLimiterOptions = {
  /** Calls in flight at once, across all owners. */
  max: number;
  /** Calls one owner may have in flight at once; default `max` less a quarter, at least 1. */
  perOwnerMax?: number;
};

/**
 * Shares `max` slots for Passage calls among requests ("owners"). Each owner waits in its own
 * line and a freed slot goes to the owners in turn (round robin), so a request with a thousand
 * queued calls delays a bystander by at most one call, not by its whole queue. No owner holds
 * more than `perOwnerMax` slots, so while one request fans out a few slots stay free and a
 * bystander's call usually starts at once.
 */
export class FairLimiter {
  readonly max: number;
  readonly perOwnerMax: number;
  #active = 0;
  readonly #activeBy = new Map<object, number>();
  // Owners with waiting calls, in turn order: the owner served last moves to the back.
  readonly #lines = new Map<object, Waiter[]>();

  constructor(opts: FairLimiterOptions) {
    this.max = Math.max(1, opts.max);
    this.perOwnerMax = Math.min(this.max, Math.max(1, opts.perOwnerMax ?? this.max - Math.floor(this.max / 4)));
  }

  /** Calls in flight now, for one owner or for all. */
  active(owner?: object): number {
    return owner === undefined ? this.#active : (this.#activeBy.get(owner) ?? 0);
  }

  /** Calls waiting for a slot now, for one owner or for all. */
  waiting(owner?: object): number {
    if (owner !== undefined) return this.#lines.get(owner)?.length ?? 0;
    let n = 0;
    for (const line of this.#lines.values()) n += line.length;
    return n;
  }

  /** Runs `fn` once the owner has a slot (see `acquire`), and frees the slot after. */
  async run<T>(owner: object, fn: () => Promise<T>, budget?: UpstreamBudget): Promise<T> {
    const release = await this.acquire(owner, budget);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Waits for a slot for the owner and returns the function that frees it (once). With a budget,
   * the wait ends at the budget's deadline: the call is then refused with `deadline_exceeded`.
   */
  async acquire(owner: object, budget?: UpstreamBudget): Promise<() => void> {
    if (this.#active < this.max && this.active(owner) < this.perOwnerMax && !this.#lines.has(owner)) {
      this.#take(owner);
    } else {
      let waiter!: Waiter;
      const granted = new Promise<void>((resolve) => {
        waiter = { grant: resolve, granted: false };
      });
      const line = this.#lines.get(owner);
      if (line) line.push(waiter);
      else this.#lines.set(owner, [waiter]);
      try {
        await (budget ? budget.within(granted) : granted);
      } catch (err) {
        if (waiter.granted) this.#release(owner);
        else this.#leave(owner, waiter);
        throw err;
      }
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release(owner);
    };
  }

  #take(owner: object): void {
    this.#active++;
    this.#activeBy.set(owner, this.active(owner) + 1);
  }

  #release(owner: object): void {
    this.#active--;
    const left = this.active(owner) - 1;
    if (left > 0) this.#activeBy.set(owner, left);
    else this.#activeBy.delete(owner);
    this.#next();
  }

  #leave(owner: object, waiter: Waiter): void {
    const line = this.#lines.get(owner);
    if (!line) return;
    const at = line.indexOf(waiter);
    if (at >= 0) line.splice(at, 1);
    if (line.length === 0) this.#lines.delete(owner);
  }

  /** Hands free slots to waiting owners in turn, skipping those at their own limit. */
  #next(): void {
    let progressed = true;
    while (this.#active < this.max && progressed) {
      progressed = false;
      for (const [owner, line] of this.#lines) {
        if (this.active(owner) >= this.perOwnerMax) continue;
        const waiter = line.shift()!;
        this.#lines.delete(owner);
        if (line.length > 0) this.#lines.set(owner, line);
        this.#take(owner);
        waiter.granted = true;
        waiter.grant();
        progressed = true;
        break;
      }
    }
  }
}
