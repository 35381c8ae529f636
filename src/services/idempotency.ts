import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { idempotencyKeys } from '../db/schema/index.js';

export type Reservation =
  | { kind: 'new' }
  | { kind: 'replay'; response: unknown }
  | { kind: 'reused' }
  | { kind: 'in_progress' };

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

  /** Forgets a reservation whose mutation changed nothing, so the client may retry it. */
  async release(actorId: string, key: string): Promise<void> {
    await this.#database.transaction((tx) => {
      tx.delete(idempotencyKeys).where(and(eq(idempotencyKeys.actorId, actorId), eq(idempotencyKeys.key, key))).run();
    });
  }
}
