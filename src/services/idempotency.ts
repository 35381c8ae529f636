import { and, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { idempotencyKeys } from '../db/schema/index.js';

export type Reservation = { kind: 'new' } | { kind: 'replay'; response: unknown } | { kind: 'reused' } | { kind: 'in_progress' };

export type IdempotencyOptions = {
  database: Database;
  /** How long a finished result is replayed (the IETF draft suggests 24 h). */
  retentionMs?: number;
  /** An unfinished reservation older than this belonged to a request that died; it is dropped. */
  abandonAfterMs?: number;
};

/**
 * Idempotency keys for mutations, per actor. The reservation is taken in a BEGIN IMMEDIATE
 * transaction, so two requests racing with the same key cannot both run the mutation.
 */
export class IdempotencyService {
  readonly #database: Database;
  readonly #retentionMs: number;
  readonly #abandonAfterMs: number;

  constructor(opts: IdempotencyOptions) {
    this.#database = opts.database;
    this.#retentionMs = opts.retentionMs ?? 24 * 3600_000;
    this.#abandonAfterMs = opts.abandonAfterMs ?? 5 * 60_000;
  }

  async reserve(actorId: string, key: string, requestHash: string): Promise<Reservation> {
    return this.#database.transaction((tx): Reservation => {
      const where = and(eq(idempotencyKeys.actorId, actorId), eq(idempotencyKeys.key, key));
      const row = tx.select().from(idempotencyKeys).where(where).get();
      const age = row ? Date.now() - row.createdAt.getTime() : 0;
      const expired = row && (row.state === 'done' ? age > this.#retentionMs : age > this.#abandonAfterMs);
      if (row && !expired) {
        if (row.requestHash !== requestHash) return { kind: 'reused' };
        return row.state === 'done' ? { kind: 'replay', response: row.response } : { kind: 'in_progress' };
      }
      if (row) tx.delete(idempotencyKeys).where(where).run();
      tx.insert(idempotencyKeys).values({ actorId, key, requestHash, state: 'in_progress' }).run();
      return { kind: 'new' };
    });
  }

  async complete(actorId: string, key: string, response: unknown): Promise<void> {
    await this.#database.transaction((tx) => {
      tx.update(idempotencyKeys)
        .set({ state: 'done', response })
        .where(and(eq(idempotencyKeys.actorId, actorId), eq(idempotencyKeys.key, key)))
        .run();
    });
  }

  /**
   * Deletes expired rows (finished ones past the retention, unfinished ones past the abandon
   * time), at most `limit` per call so one run never holds the write lock for long; returns how
   * many went. The server calls it on a timer; a backlog drains over several runs.
   */
  async purgeExpired(limit = 500, now = Date.now()): Promise<number> {
    const doneBefore = new Date(now - this.#retentionMs);
    const abandonedBefore = new Date(now - this.#abandonAfterMs);
    return this.#database.transaction((tx) => {
      const expired = tx
        .select({ rowid: sql<number>`rowid` })
        .from(idempotencyKeys)
        .where(
          or(
            and(eq(idempotencyKeys.state, 'done'), lt(idempotencyKeys.createdAt, doneBefore)),
            and(eq(idempotencyKeys.state, 'in_progress'), lt(idempotencyKeys.createdAt, abandonedBefore)),
          ),
        )
        .limit(limit)
        .all()
        .map((r) => r.rowid);
      if (expired.length === 0) return 0;
      tx.delete(idempotencyKeys).where(inArray(sql`rowid`, expired)).run();
      return expired.length;
    });
  }

  /** Forgets a reservation whose mutation changed nothing, so the client may retry it. */
  async release(actorId: string, key: string): Promise<void> {
    await this.#database.transaction((tx) => {
      tx.delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.actorId, actorId), eq(idempotencyKeys.key, key)))
        .run();
    });
  }
}
