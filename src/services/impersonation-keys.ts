import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { CLOCK_TOLERANCE_SECONDS, IMPERSONATION_ALG, type ImpersonationKeyring, type SigningKey } from '../auth/impersonation.js';
import type { Database, Db } from '../db/client.js';
import { impersonationKeys, type ImpersonationKeyRow } from '../db/schema/index.js';

/** A signing key older than this is replaced at the next impersonation. */
export const KEY_ROTATION_MS = 30 * 24 * 3600_000;

/**
 * A retired key with no token yet recorded is kept this long: a token may be signed with it
 * right before the rotation and recorded right after.
 */
const UNUSED_KEY_GRACE_MS = 60_000;

type Held = { row: ImpersonationKeyRow; publicKey: Promise<CryptoKey>; privateKey?: Promise<CryptoKey> };

/**
 * passgraph's own impersonation signing keys, persisted in its database so tokens survive a
 * restart. One key signs (the newest, replaced after KEY_ROTATION_MS or on `rotate()`); retired
 * keys keep verifying until the last token they signed has expired, then are deleted. Keys are
 * held in memory: one process owns a database file, and every change goes through this object.
 */
export class ImpersonationKeys implements ImpersonationKeyring {
  readonly #database: Database;
  readonly #rotateAfterMs: number;
  #held = new Map<string, Held>();
  #rotating: Promise<string> | null = null;

  constructor(opts: { database: Database; rotateAfterMs?: number }) {
    this.#database = opts.database;
    this.#rotateAfterMs = opts.rotateAfterMs ?? KEY_ROTATION_MS;
    this.#reload(opts.database.db);
  }

  /** The key to sign with now; the first one is made on first use, an old one is replaced. */
  async signingKey(now = Date.now()): Promise<SigningKey> {
    let current = this.#current();
    if (!current || now - current.row.createdAt.getTime() >= this.#rotateAfterMs) {
      await this.rotate();
      current = this.#current()!;
    }
    current.privateKey ??= importJWK(JSON.parse(current.row.privateJwk) as JWK, IMPERSONATION_ALG) as Promise<CryptoKey>;
    return { kid: current.row.kid, privateKey: await current.privateKey };
  }

  /**
   * Adds a new signing key and retires the current one, which keeps verifying its tokens until
   * they expire. Concurrent calls share one rotation. Returns the new key's id.
   */
  rotate(): Promise<string> {
    this.#rotating ??= this.#rotate().finally(() => {
      this.#rotating = null;
    });
    return this.#rotating;
  }

  async #rotate(): Promise<string> {
    // Generated before the transaction: no slow work while holding the write lock.
    const { privateKey, publicKey } = await generateKeyPair(IMPERSONATION_ALG, { crv: 'Ed25519', extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = JSON.stringify(await exportJWK(privateKey));
    await this.#database.transaction((tx) => {
      const now = new Date();
      tx.update(impersonationKeys).set({ retiredAt: now }).where(isNull(impersonationKeys.retiredAt)).run();
      tx.insert(impersonationKeys)
        .values({ kid, alg: IMPERSONATION_ALG, privateJwk, publicJwk: JSON.stringify(publicJwk), createdAt: now })
        .run();
      this.#prune(tx, now.getTime());
      this.#reload(tx);
    });
    return kid;
  }

  /** Inside the transaction that records an impersonation: the key must verify until `expiresAt`. */
  noteIssuedInTx(tx: Db, kid: string, expiresAt: Date): void {
    tx.update(impersonationKeys)
      .set({ lastExpiresAt: sql`max(coalesce(${impersonationKeys.lastExpiresAt}, 0), ${expiresAt.getTime()})` })
      .where(eq(impersonationKeys.kid, kid))
      .run();
    const held = this.#held.get(kid);
    if (held && (held.row.lastExpiresAt?.getTime() ?? 0) < expiresAt.getTime()) held.row = { ...held.row, lastExpiresAt: expiresAt };
  }

  async verificationKey(kid: string): Promise<CryptoKey | null> {
    const held = this.#held.get(kid);
    if (!held || !this.#verifies(held.row, Date.now())) return null;
    return held.publicKey;
  }

  keyPublished(kid: string): boolean {
    const held = this.#held.get(kid);
    return held !== undefined && this.#verifies(held.row, Date.now());
  }

  /** The kids that verify now, signing key first (tests and diagnostics). */
  kids(): string[] {
    const now = Date.now();
    return [...this.#held.values()]
      .filter((h) => this.#verifies(h.row, now))
      .sort((a, b) => Number(a.row.retiredAt !== null) - Number(b.row.retiredAt !== null) || b.row.createdAt.getTime() - a.row.createdAt.getTime())
      .map((h) => h.row.kid);
  }

  /** The signing key verifies; a retired one until its last token (plus clock tolerance) has expired. */
  #verifies(row: ImpersonationKeyRow, now: number): boolean {
    if (!row.retiredAt) return true;
    const until = row.lastExpiresAt?.getTime() ?? row.retiredAt.getTime() + UNUSED_KEY_GRACE_MS;
    return now <= until + CLOCK_TOLERANCE_SECONDS * 1000;
  }

  #current(): Held | undefined {
    return [...this.#held.values()].find((h) => !h.row.retiredAt);
  }

  /** Deletes retired keys that can no longer verify anything. */
  #prune(tx: Db, now: number): void {
    const expired = new Date(now - CLOCK_TOLERANCE_SECONDS * 1000);
    tx.delete(impersonationKeys)
      .where(
        and(
          isNotNull(impersonationKeys.retiredAt),
          or(
            lt(impersonationKeys.lastExpiresAt, expired),
            and(isNull(impersonationKeys.lastExpiresAt), lt(impersonationKeys.retiredAt, new Date(now - UNUSED_KEY_GRACE_MS))),
          ),
        ),
      )
      .run();
  }

  #reload(db: Db): void {
    const rows = db.select().from(impersonationKeys).all();
    const next = new Map<string, Held>();
    for (const row of rows) {
      const previous = this.#held.get(row.kid);
      next.set(
        row.kid,
        previous ? { ...previous, row } : { row, publicKey: importJWK(JSON.parse(row.publicJwk) as JWK, IMPERSONATION_ALG) as Promise<CryptoKey> },
      );
    }
    this.#held = next;
  }
}
