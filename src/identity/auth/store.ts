import type Database from 'better-sqlite3';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { nowStamp, randomId, type EmulatorStore } from '../store.js';

/**
 * The Authentication API's state (passkeys, handshakes, refresh tokens, links and codes) behind one
 * small interface, on the identity store's SQLite connection. Secrets are stored only as hashes.
 */

export type HandshakeKind = 'register' | 'login' | 'device';
export type Handshake = { id: string; kind: HandshakeKind; challenge: string; userId: string | null };
export type PasskeyRow = { device_id: string; user_id: string; cred_id: string; public_key: Buffer; counter: number; transports: string };
export type LinkPurpose = 'login' | 'register' | 'verify_email' | 'verify_phone';
export type LinkRow = {
  id: string;
  user_id: string;
  purpose: LinkPurpose;
  new_identifier: string;
  expires_at: number;
  activated_at: number | null;
  status_claimed: number;
};
export type CodeRow = { id: string; user_id: string; code_hash: string; purpose: LinkPurpose; expires_at: number; attempts: number; used_at: number | null };
export type RefreshRow = { hash: string; family: string; user_id: string; expires_at: number; used_at: number | null };

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Constant-time equality of two secrets, compared through their digests (equal lengths). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export class AuthStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly users: EmulatorStore) {
    this.db = users.db;
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- handshakes: single use, with a TTL ---------------------------------

  createHandshake(kind: HandshakeKind, challenge: string, userId: string | null, ttlMs: number): string {
    const id = randomId(32);
    const now = Date.now();
    // Expired handshakes are swept on the way, so the table stays bounded by the start rate limit.
    this.stmt('DELETE FROM handshakes WHERE expires_at < ?').run(now);
    this.stmt('INSERT INTO handshakes (id, kind, challenge, user_id, expires_at) VALUES (?, ?, ?, ?, ?)').run(id, kind, challenge, userId, now + ttlMs);
    return id;
  }

  /** Deletes and returns the handshake: a finish consumes it whether or not it succeeds. */
  takeHandshake(id: string, kind: HandshakeKind): Handshake | undefined {
    const row = this.stmt('DELETE FROM handshakes WHERE id = ? RETURNING *').get(id) as
      | { id: string; kind: HandshakeKind; challenge: string; user_id: string | null; expires_at: number }
      | undefined;
    if (!row || row.kind !== kind || row.expires_at < Date.now()) return undefined;
    return { id: row.id, kind: row.kind, challenge: row.challenge, userId: row.user_id };
  }

  // --- passkeys -----------------------------------------------------------

  passkeysOf(userId: string): PasskeyRow[] {
    return this.stmt('SELECT p.*, d.user_id FROM passkeys p JOIN devices d ON d.id = p.device_id WHERE d.user_id = ? ORDER BY d.created_at').all(
      userId,
    ) as PasskeyRow[];
  }

  passkeyByCredId(credId: string): PasskeyRow | undefined {
    return this.stmt('SELECT p.*, d.user_id FROM passkeys p JOIN devices d ON d.id = p.device_id WHERE p.cred_id = ?').get(credId) as PasskeyRow | undefined;
  }

  /** A device row (what both APIs list) plus the key material that signs in with it. */
  addPasskey(input: {
    userId: string;
    credId: string;
    publicKey: Uint8Array;
    counter: number;
    transports: string[];
    friendlyName: string;
    type: string;
  }): string {
    const id = randomId();
    const now = nowStamp();
    this.stmt(
      `INSERT INTO devices (id, user_id, cred_id, friendly_name, type, usage_count, created_at, updated_at, last_login_at)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    ).run(id, input.userId, input.credId, input.friendlyName, input.type, now, now, now);
    this.stmt('INSERT INTO passkeys (device_id, cred_id, public_key, counter, transports) VALUES (?, ?, ?, ?, ?)').run(
      id,
      input.credId,
      Buffer.from(input.publicKey),
      input.counter,
      JSON.stringify(input.transports),
    );
    return id;
  }

  recordPasskeyUse(deviceId: string, counter: number): void {
    const now = nowStamp();
    this.stmt('UPDATE passkeys SET counter = ? WHERE device_id = ?').run(counter, deviceId);
    this.stmt('UPDATE devices SET usage_count = usage_count + 1, last_login_at = ?, updated_at = ? WHERE id = ?').run(now, now, deviceId);
  }

  renameDevice(userId: string, deviceId: string, friendlyName: string): boolean {
    return (
      this.stmt('UPDATE devices SET friendly_name = ?, updated_at = ? WHERE id = ? AND user_id = ?').run(friendlyName, nowStamp(), deviceId, userId).changes > 0
    );
  }

  // --- users --------------------------------------------------------------

  /** A successful sign-in: counts it and turns a pending user active. */
  recordLogin(userId: string): void {
    const now = nowStamp();
    this.stmt(
      "UPDATE users SET login_count = login_count + 1, last_login_at = ?, updated_at = ?, status = CASE WHEN status = 'pending' THEN 'active' ELSE status END WHERE id = ?",
    ).run(now, now, userId);
  }

  markVerified(userId: string, kind: 'email' | 'phone'): void {
    this.stmt(`UPDATE users SET ${kind}_verified = 1, updated_at = ? WHERE id = ?`).run(nowStamp(), userId);
  }

  // --- refresh tokens: opaque, hashed, rotated, reuse revokes the family ----

  issueRefresh(userId: string, family: string | null, expiresAt: number): string {
    const token = newSecret();
    this.stmt('DELETE FROM refresh_tokens WHERE expires_at < ?').run(Date.now());
    this.stmt('INSERT INTO refresh_tokens (hash, family, user_id, expires_at) VALUES (?, ?, ?, ?)').run(
      hashSecret(token),
      family ?? randomId(32),
      userId,
      expiresAt,
    );
    return token;
  }

  refreshRow(token: string): RefreshRow | undefined {
    return this.stmt('SELECT * FROM refresh_tokens WHERE hash = ?').get(hashSecret(token)) as RefreshRow | undefined;
  }

  markRefreshUsed(hash: string): void {
    this.stmt('UPDATE refresh_tokens SET used_at = ? WHERE hash = ?').run(Date.now(), hash);
  }

  revokeFamily(family: string): void {
    this.stmt('DELETE FROM refresh_tokens WHERE family = ?').run(family);
  }

  // --- magic links --------------------------------------------------------

  createLink(input: { userId: string; purpose: LinkPurpose; newIdentifier?: string; ttlMs: number; secret?: string }): { id: string; secret: string } {
    const id = randomId();
    const secret = input.secret ?? newSecret();
    this.stmt('DELETE FROM auth_links WHERE expires_at < ?').run(Date.now() - 24 * 3600_000);
    this.stmt('INSERT INTO auth_links (id, secret_hash, user_id, purpose, new_identifier, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      id,
      hashSecret(secret),
      input.userId,
      input.purpose,
      input.newIdentifier ?? '',
      Date.now() + input.ttlMs,
    );
    return { id, secret };
  }

  linkBySecret(secret: string): LinkRow | undefined {
    return this.stmt('SELECT * FROM auth_links WHERE secret_hash = ?').get(hashSecret(secret)) as LinkRow | undefined;
  }

  linkById(id: string): LinkRow | undefined {
    return this.stmt('SELECT * FROM auth_links WHERE id = ?').get(id) as LinkRow | undefined;
  }

  /** True only for the one caller that activated it (the row is guarded by activated_at IS NULL). */
  activateLink(id: string): boolean {
    return this.stmt('UPDATE auth_links SET activated_at = ? WHERE id = ? AND activated_at IS NULL').run(Date.now(), id).changes > 0;
  }

  claimLinkStatus(id: string): boolean {
    return this.stmt('UPDATE auth_links SET status_claimed = 1 WHERE id = ? AND status_claimed = 0 AND activated_at IS NOT NULL').run(id).changes > 0;
  }

  // --- one-time codes -----------------------------------------------------

  createCode(input: { userId: string; purpose: LinkPurpose; code: string; ttlMs: number }): string {
    const id = randomId();
    this.stmt('DELETE FROM one_time_codes WHERE expires_at < ?').run(Date.now() - 24 * 3600_000);
    this.stmt('INSERT INTO one_time_codes (id, user_id, code_hash, purpose, expires_at) VALUES (?, ?, ?, ?, ?)').run(
      id,
      input.userId,
      hashSecret(input.code),
      input.purpose,
      Date.now() + input.ttlMs,
    );
    return id;
  }

  codeById(id: string): CodeRow | undefined {
    return this.stmt('SELECT * FROM one_time_codes WHERE id = ?').get(id) as CodeRow | undefined;
  }

  /** Counts one attempt, atomically; false once `max` attempts were made (even concurrent ones). */
  takeCodeAttempt(id: string, max: number): boolean {
    return this.stmt('UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = ? AND attempts < ?').run(id, max).changes > 0;
  }

  useCode(id: string): boolean {
    return this.stmt('UPDATE one_time_codes SET used_at = ? WHERE id = ? AND used_at IS NULL').run(Date.now(), id).changes > 0;
  }
}
