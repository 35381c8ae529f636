import Database from 'better-sqlite3';
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiError, badRequest, userNotFound } from './errors.js';

export type UserStatus = 'active' | 'inactive' | 'pending';
export const USER_STATUSES: readonly UserStatus[] = ['active', 'inactive', 'pending'];
export type WebAuthnType = 'passkey' | 'security_key' | 'platform';
export const WEBAUTHN_TYPES: readonly WebAuthnType[] = ['passkey', 'security_key', 'platform'];
export type MagicLinkType = 'login' | 'verify_identifier';

/** `WebAuthnDevices` in the spec. */
export type PassageDeviceWire = {
  id: string;
  cred_id: string;
  friendly_name: string;
  usage_count: number;
  created_at: string;
  updated_at: string;
  last_login_at: string;
  type: WebAuthnType;
  icons: { light: string | null; dark: string | null };
};

/** `ListPaginatedUsersItem` in the spec: a user without webauthn, events and social connections. */
export type PassageUserListItemWire = {
  id: string;
  email: string;
  email_verified: boolean;
  phone: string;
  phone_verified: boolean;
  status: UserStatus;
  created_at: string;
  updated_at: string;
  last_login_at: string;
  login_count: number;
  user_metadata: Record<string, unknown> | null;
  external_id: string;
};

/** `UserInfo` in the spec. */
export type PassageUserWire = PassageUserListItemWire & {
  webauthn: boolean;
  webauthn_devices: PassageDeviceWire[];
  webauthn_types: WebAuthnType[];
  recent_events: unknown[];
  social_connections: Record<string, unknown>;
};

/** `MagicLink` in the spec. */
export type MagicLinkWire = {
  id: string;
  app_id: string;
  user_id: string;
  identifier: string;
  type: MagicLinkType;
  url: string;
  secret: string;
  redirect_url: string;
  ttl: number;
  activated: boolean;
};

export type AppSettings = {
  appId: string;
  apiKey: string;
  appName: string;
  authOrigin: string;
  issuer: string;
  tokenTtlSeconds: number;
  createdAt: string;
};

export type SigningKeyRow = { kid: string; private_jwk: string; public_jwk: string; created_at: string; current: number; retire_at: number | null };

export type NewUser = {
  email?: string;
  phone?: string;
  status?: UserStatus;
  userMetadata?: Record<string, unknown> | null;
  loginCount?: number;
  lastLoginAt?: Date;
};

export type FilterField = 'identifier' | 'id' | 'status' | 'login_count' | 'created_at' | 'updated_at' | 'last_login_at';
export type FilterOp = 'eq' | 'ne' | 'gt' | 'lt' | 'like' | 'not_like';
export type UserFilter = { field: FilterField; op: FilterOp; value: string | number };
export const ORDER_FIELDS = ['id', 'email', 'phone', 'status', 'login_count', 'created_at', 'updated_at', 'last_login_at'] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];
export type ListUsersQuery = {
  page: number;
  limit: number;
  /** Stored-form timestamp; only users created strictly before it are listed. */
  createdBefore: string;
  orderBy: Array<{ field: OrderField; direction: 'ASC' | 'DESC' }>;
  filters: UserFilter[];
};

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `magic_link_path` on the app's origin with `psg_magic_link` added to its query: a path that has a
 * query or a `#fragment` keeps both, and the secret goes before the fragment, where pages read it.
 */
export function magicLinkUrl(authOrigin: string, path: string, secret: string): string {
  const url = new URL(path, authOrigin);
  url.searchParams.set('psg_magic_link', secret);
  return url.toString();
}

export function randomId(length = 24): string {
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return id;
}

// Timestamps are stored as fixed-width RFC 3339 text with microseconds, so text order is time
// order and SQL can compare them directly (the zero time does not fit a JS-safe microsecond count).
export const ZERO_STAMP = '0001-01-01T00:00:00.000000Z';
let lastMicros = 0;

/** Strictly increasing within the process, so creation order is a stable sort key. */
export function nowStamp(): string {
  lastMicros = Math.max(Math.floor((performance.timeOrigin + performance.now()) * 1000), lastMicros + 1);
  const iso = new Date(Math.floor(lastMicros / 1000)).toISOString();
  return `${iso.slice(0, 23)}${String(lastMicros % 1000).padStart(3, '0')}Z`;
}

export function stampFromDate(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 timestamp into the stored form, or undefined when it is not one. */
export function parseStamp(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[9]) {
    const offsetMinutes = Number(m[10]) * 60 + Number(m[11]);
    date.setTime(date.getTime() - (m[9] === '-' ? -1 : 1) * offsetMinutes * 60_000);
  }
  return `${date.toISOString().slice(0, 19)}.${(m[7] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/** Passage prints Go's zero time for "never", without a fraction. */
function wireTime(stamp: string): string {
  return stamp === ZERO_STAMP ? '0001-01-01T00:00:00Z' : stamp;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{1,14}$/;

export function normalizeEmail(email: string): string {
  const lower = email.toLowerCase();
  if (lower.length > 254 || !EMAIL.test(lower)) throw badRequest('identifier: must be a valid email address.');
  return lower;
}

export function checkPhone(phone: string): string {
  if (!E164.test(phone)) throw badRequest('identifier: must be a valid E164 number.');
  return phone;
}

type UserRow = {
  id: string;
  email: string;
  email_verified: number;
  phone: string;
  phone_verified: number;
  status: UserStatus;
  user_metadata: string | null;
  external_id: string;
  login_count: number;
  created_at: string;
  updated_at: string;
  last_login_at: string;
  tokens_revoked_at: string | null;
};

type DeviceRow = {
  id: string;
  user_id: string;
  cred_id: string;
  friendly_name: string;
  type: WebAuthnType;
  usage_count: number;
  created_at: string;
  updated_at: string;
  last_login_at: string;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY,
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at TEXT NOT NULL,
  current INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL DEFAULT '',
  email_verified INTEGER NOT NULL DEFAULT 0,
  phone TEXT NOT NULL DEFAULT '',
  phone_verified INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  user_metadata TEXT,
  external_id TEXT NOT NULL DEFAULT '',
  login_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_login_at TEXT NOT NULL,
  tokens_revoked_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users (email) WHERE email <> '';
CREATE UNIQUE INDEX IF NOT EXISTS users_phone ON users (phone) WHERE phone <> '';
-- The list endpoint's orders, ties included (created_at, then id), so a page is read from an index
-- instead of sorting every user: the default created_at order and the sync's updated_at order.
DROP INDEX IF EXISTS users_created_at;
CREATE INDEX IF NOT EXISTS users_created_at_id ON users (created_at, id);
CREATE INDEX IF NOT EXISTS users_updated_at_created_at_id ON users (updated_at, created_at, id);
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  cred_id TEXT NOT NULL,
  friendly_name TEXT NOT NULL,
  type TEXT NOT NULL,
  usage_count INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_login_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_user_id ON devices (user_id);
CREATE TABLE IF NOT EXISTS magic_links (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  identifier TEXT NOT NULL,
  type TEXT NOT NULL,
  channel TEXT,
  language TEXT,
  sent INTEGER NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  redirect_url TEXT NOT NULL,
  ttl INTEGER NOT NULL,
  activated INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS magic_links_user_id ON magic_links (user_id);
-- Authentication API state. A passkey goes with its device row, so a device deleted through
-- either API can no longer sign in.
CREATE TABLE IF NOT EXISTS passkeys (
  device_id TEXT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  cred_id TEXT NOT NULL UNIQUE,
  public_key BLOB NOT NULL,
  counter INTEGER NOT NULL,
  transports TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS handshakes (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  challenge TEXT NOT NULL,
  user_id TEXT,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS handshakes_expires_at ON handshakes (expires_at);
-- No foreign key to users: a deleted user's refresh must answer user_not_found, not look unknown.
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash TEXT PRIMARY KEY,
  family TEXT NOT NULL,
  user_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX IF NOT EXISTS refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE TABLE IF NOT EXISTS auth_links (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  new_identifier TEXT NOT NULL DEFAULT '',
  expires_at INTEGER NOT NULL,
  activated_at INTEGER,
  status_claimed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS one_time_codes (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  purpose TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  used_at INTEGER
);
`;

/** The emulator's whole state: one SQLite file shared by the HTTP server and the token CLI. */
/** The identity service's own copy of passgraph's rule (it imports nothing from passgraph). */
function ensureParentDir(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file::memory:')) return;
  mkdirSync(dirname(file), { recursive: true });
}

export class EmulatorStore {
  /** Shared with the Authentication API's store (`auth/store.ts`): one file, one connection. */
  readonly db: Database.Database;
  // Prepared once per SQL text: preparing on every call was most of the emulator's CPU per request.
  private readonly statements = new Map<string, Database.Statement>();

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
  private readonly likePatterns = new Map<string, RegExp>();

  private constructor(db: Database.Database) {
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // The dev server and the token CLI may hold the file at the same time.
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    // Files from before key retirement: add the column in place.
    const keyColumns = db.prepare('PRAGMA table_info(signing_keys)').all() as Array<{ name: string }>;
    if (!keyColumns.some((c) => c.name === 'retire_at')) db.exec('ALTER TABLE signing_keys ADD COLUMN retire_at INTEGER');
    // SQLite's LIKE ignores ASCII case; Passage's (Postgres-backed) filter is assumed not to.
    db.function('passage_like', { deterministic: true }, (value: unknown, pattern: unknown) => (this.likeRegex(String(pattern)).test(String(value)) ? 1 : 0));
  }

  static open(file: string, opts: { mustExist?: boolean } = {}): EmulatorStore {
    // A file that must exist is only read (the token CLI); anything else may be created here.
    if (!opts.mustExist) ensureParentDir(file);
    return new EmulatorStore(new Database(file, { fileMustExist: opts.mustExist ?? false }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- app settings -------------------------------------------------------

  private setting(key: string): string | undefined {
    const row = this.stmt('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  /** Resolves explicit options over persisted values over generated defaults, and persists the result. */
  configure(opts: { appId?: string; apiKey?: string; appName?: string; authOrigin: string; issuer?: string; tokenTtlSeconds: number }): AppSettings {
    const appId = opts.appId ?? this.setting('app_id') ?? randomId();
    const settings: AppSettings = {
      appId,
      apiKey: opts.apiKey ?? this.setting('api_key') ?? randomId(64),
      appName: opts.appName ?? this.setting('app_name') ?? 'Passgraph Emulator',
      authOrigin: opts.authOrigin,
      issuer: opts.issuer ?? appId,
      tokenTtlSeconds: opts.tokenTtlSeconds,
      createdAt: this.setting('created_at') ?? nowStamp(),
    };
    const upsert = this.stmt('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      upsert.run('app_id', settings.appId);
      upsert.run('api_key', settings.apiKey);
      upsert.run('app_name', settings.appName);
      upsert.run('auth_origin', settings.authOrigin);
      upsert.run('issuer', settings.issuer);
      upsert.run('token_ttl_seconds', String(settings.tokenTtlSeconds));
      upsert.run('created_at', settings.createdAt);
    })();
    return settings;
  }

  /** The settings of the last `configure`; throws when the file was never used by an emulator. */
  settings(): AppSettings {
    const rows = this.stmt('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>;
    const map = new Map(rows.map((r) => [r.key, r.value]));
    const get = (key: string) => {
      const value = map.get(key);
      if (value === undefined) throw new Error(`emulator database has no ${key}; start the emulator once first`);
      return value;
    };
    return {
      appId: get('app_id'),
      apiKey: get('api_key'),
      appName: get('app_name'),
      authOrigin: get('auth_origin'),
      issuer: get('issuer'),
      tokenTtlSeconds: Number(get('token_ttl_seconds')),
      createdAt: get('created_at'),
    };
  }

  // --- signing keys -------------------------------------------------------

  currentKey(): SigningKeyRow | undefined {
    return this.stmt('SELECT * FROM signing_keys WHERE current = 1').get() as SigningKeyRow | undefined;
  }

  /** The current key and the previous ones still inside their grace period. */
  publishedKeys(): SigningKeyRow[] {
    return this.stmt('SELECT * FROM signing_keys WHERE current = 1 OR retire_at IS NULL OR retire_at > ? ORDER BY created_at DESC').all(
      Date.now(),
    ) as SigningKeyRow[];
  }

  /**
   * A new current key. The old ones are dropped, kept (`keepOld`), or kept until `retireAfterMs`
   * from now so tokens they signed stay verifiable until they expire.
   */
  addKey(key: { kid: string; privateJwk: string; publicJwk: string }, keepOld: boolean, retireAfterMs?: number): void {
    this.db.transaction(() => {
      this.stmt('DELETE FROM signing_keys WHERE current = 0 AND retire_at IS NOT NULL AND retire_at <= ?').run(Date.now());
      if (retireAfterMs !== undefined) this.stmt('UPDATE signing_keys SET retire_at = ? WHERE current = 1').run(Date.now() + retireAfterMs);
      this.stmt(keepOld || retireAfterMs !== undefined ? 'UPDATE signing_keys SET current = 0' : 'DELETE FROM signing_keys').run();
      this.stmt('INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at, current) VALUES (?, ?, ?, ?, 1)').run(
        key.kid,
        key.privateJwk,
        key.publicJwk,
        nowStamp(),
      );
    })();
  }

  // --- users --------------------------------------------------------------

  private userRow(id: string): UserRow | undefined {
    return this.stmt('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
  }

  private requireUserRow(id: string): UserRow {
    const row = this.userRow(id);
    if (!row) throw userNotFound();
    return row;
  }

  getUser(id: string): PassageUserWire | undefined {
    const row = this.userRow(id);
    return row && this.toUserWire(row);
  }

  requireUser(id: string): PassageUserWire {
    return this.toUserWire(this.requireUserRow(id));
  }

  /** Exact match on the lower-cased email, or on the phone number. */
  findUserByIdentifier(identifier: string): PassageUserWire | undefined {
    const row = this.stmt("SELECT * FROM users WHERE (email <> '' AND email = ?) OR (phone <> '' AND phone = ?)").get(identifier.toLowerCase(), identifier) as
      | UserRow
      | undefined;
    return row && this.toUserWire(row);
  }

  private assertIdentifiersFree(email: string, phone: string, exceptId = ''): void {
    const clash = this.stmt("SELECT id FROM users WHERE id <> ? AND ((email <> '' AND email = ?) OR (phone <> '' AND phone = ?))").get(exceptId, email, phone);
    if (clash) throw badRequest('user: already exists.');
  }

  /** Blank email/phone count as absent; at least one is required. */
  createUser(input: NewUser): PassageUserWire {
    const email = input.email ? normalizeEmail(input.email) : '';
    const phone = input.phone ? checkPhone(input.phone) : '';
    if (!email && !phone) throw badRequest('identifier: cannot be blank.');
    this.assertIdentifiersFree(email, phone);
    const now = nowStamp();
    const id = randomId();
    this.stmt(
      `INSERT INTO users (id, email, phone, status, user_metadata, login_count, created_at, updated_at, last_login_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      email,
      phone,
      input.status ?? 'active',
      JSON.stringify(input.userMetadata ?? {}),
      input.loginCount ?? 0,
      now,
      now,
      input.lastLoginAt ? stampFromDate(input.lastLoginAt) : ZERO_STAMP,
    );
    return this.requireUser(id);
  }

  /**
   * Present fields are validated even when blank (the real API rejects a blank email or phone on
   * update). Metadata is merged shallowly; a null value removes the key.
   */
  updateUser(id: string, patch: { email?: string; phone?: string; userMetadata?: Record<string, unknown> }): PassageUserWire {
    const row = this.requireUserRow(id);
    const email = patch.email === undefined ? row.email : normalizeEmail(patch.email);
    const phone = patch.phone === undefined ? row.phone : checkPhone(patch.phone);
    this.assertIdentifiersFree(email, phone, id);
    const metadata = row.user_metadata ? (JSON.parse(row.user_metadata) as Record<string, unknown>) : {};
    for (const [key, value] of Object.entries(patch.userMetadata ?? {})) {
      if (value === null) delete metadata[key];
      else metadata[key] = value;
    }
    this.stmt(
      `UPDATE users SET email = ?, phone = ?, user_metadata = ?, updated_at = ?,
           email_verified = CASE WHEN email = ? THEN email_verified ELSE 0 END,
           phone_verified = CASE WHEN phone = ? THEN phone_verified ELSE 0 END
         WHERE id = ?`,
    ).run(email, phone, JSON.stringify(metadata), nowStamp(), email, phone, id);
    return this.requireUser(id);
  }

  setStatus(id: string, status: UserStatus): PassageUserWire {
    this.requireUserRow(id);
    this.stmt('UPDATE users SET status = ?, updated_at = ? WHERE id = ?').run(status, nowStamp(), id);
    return this.requireUser(id);
  }

  /** Devices and magic links go with the user (foreign keys cascade). */
  deleteUser(id: string): void {
    // Refresh tokens stay until they expire, so a refresh names the reason (user_not_found).
    if (this.stmt('DELETE FROM users WHERE id = ?').run(id).changes === 0) throw userNotFound();
  }

  revokeTokens(id: string): void {
    this.requireUserRow(id);
    this.db.transaction(() => {
      this.stmt('UPDATE users SET tokens_revoked_at = ? WHERE id = ?').run(nowStamp(), id);
      this.stmt('DELETE FROM refresh_tokens WHERE user_id = ?').run(id);
    })();
  }

  tokensRevokedAt(id: string): string | undefined {
    return this.requireUserRow(id).tokens_revoked_at ?? undefined;
  }

  listUsers(query: ListUsersQuery): { total: number; users: PassageUserListItemWire[] } {
    const { countSql, pageSql, params } = listUsersSql(query);
    const { total } = this.stmt(countSql).get(...params) as { total: number };
    const rows = this.stmt(pageSql).all(...params, query.limit, (query.page - 1) * query.limit) as UserRow[];
    return { total, users: rows.map((row) => this.toListItemWire(row)) };
  }

  // --- devices ------------------------------------------------------------

  addDevice(userId: string, device: { friendlyName?: string; type?: string }): PassageDeviceWire {
    this.requireUserRow(userId);
    const type = (device.type ?? 'passkey') as WebAuthnType;
    if (!WEBAUTHN_TYPES.includes(type)) throw badRequest(`type: must be one of ${WEBAUTHN_TYPES.join(', ')}.`);
    const now = nowStamp();
    const id = randomId();
    // A device exists because it was used once, to register.
    this.stmt(
      `INSERT INTO devices (id, user_id, cred_id, friendly_name, type, usage_count, created_at, updated_at, last_login_at)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    ).run(id, userId, randomId(43), device.friendlyName ?? 'Passkey', type, now, now, now);
    return toDeviceWire(this.stmt('SELECT * FROM devices WHERE id = ?').get(id) as DeviceRow);
  }

  listDevices(userId: string): PassageDeviceWire[] {
    this.requireUserRow(userId);
    return this.deviceRows(userId).map(toDeviceWire);
  }

  deleteDevice(userId: string, deviceId: string): void {
    this.requireUserRow(userId);
    if (this.stmt('DELETE FROM devices WHERE id = ? AND user_id = ?').run(deviceId, userId).changes === 0) {
      throw new ApiError(404, 'device_not_found', 'Device not found');
    }
  }

  private deviceRows(userId: string): DeviceRow[] {
    return this.stmt('SELECT * FROM devices WHERE user_id = ? ORDER BY created_at, id').all(userId) as DeviceRow[];
  }

  // --- magic links --------------------------------------------------------

  createMagicLink(input: {
    userId: string;
    identifier: string;
    type: MagicLinkType;
    channel?: string;
    language?: string;
    send: boolean;
    magicLinkPath: string;
    redirectUrl: string;
    ttl: number;
    /** The secret the link's URL carries, when the Authentication API can activate it; else a fresh one. */
    linkSecret?: string;
  }): MagicLinkWire {
    const { appId, authOrigin } = this.settings();
    const id = randomId();
    const secret = input.linkSecret ?? `ml${randomId(32)}`;
    const url = magicLinkUrl(authOrigin, input.magicLinkPath, secret);
    this.stmt(
      `INSERT INTO magic_links (id, user_id, identifier, type, channel, language, sent, url, secret, redirect_url, ttl, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      input.userId,
      input.identifier,
      input.type,
      input.channel ?? null,
      input.language ?? null,
      input.send ? 1 : 0,
      url,
      secret,
      input.redirectUrl,
      input.ttl,
      nowStamp(),
    );
    return {
      id,
      app_id: appId,
      user_id: input.userId,
      identifier: input.identifier,
      type: input.type,
      url,
      secret,
      redirect_url: input.redirectUrl,
      ttl: input.ttl,
      activated: false,
    };
  }

  countMagicLinks(userId: string): number {
    return (this.stmt('SELECT COUNT(*) AS n FROM magic_links WHERE user_id = ?').get(userId) as { n: number }).n;
  }

  // --- wire mapping -------------------------------------------------------

  private toListItemWire(row: UserRow): PassageUserListItemWire {
    return {
      id: row.id,
      email: row.email,
      email_verified: row.email_verified === 1,
      phone: row.phone,
      phone_verified: row.phone_verified === 1,
      status: row.status,
      created_at: wireTime(row.created_at),
      updated_at: wireTime(row.updated_at),
      last_login_at: wireTime(row.last_login_at),
      login_count: row.login_count,
      user_metadata: row.user_metadata === null ? null : (JSON.parse(row.user_metadata) as Record<string, unknown>),
      external_id: row.external_id,
    };
  }

  private toUserWire(row: UserRow): PassageUserWire {
    const devices = this.deviceRows(row.id).map(toDeviceWire);
    return {
      ...this.toListItemWire(row),
      webauthn: devices.length > 0,
      webauthn_devices: devices,
      webauthn_types: [...new Set(devices.map((d) => d.type))],
      recent_events: [],
      social_connections: {},
    };
  }

  private likeRegex(pattern: string): RegExp {
    let regex = this.likePatterns.get(pattern);
    if (!regex) {
      const body = [...pattern].map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
      regex = new RegExp(`^${body}$`, 's');
      this.likePatterns.set(pattern, regex);
    }
    return regex;
  }
}

function toDeviceWire(row: DeviceRow): PassageDeviceWire {
  return {
    id: row.id,
    cred_id: row.cred_id,
    friendly_name: row.friendly_name,
    usage_count: row.usage_count,
    created_at: wireTime(row.created_at),
    updated_at: wireTime(row.updated_at),
    last_login_at: wireTime(row.last_login_at),
    type: row.type,
    icons: { light: null, dark: null },
  };
}

const COMPARISON = { eq: '=', ne: '<>', gt: '>', lt: '<' } as const;

function compareSql(column: string, op: FilterOp): string {
  if (op === 'like') return `passage_like(${column}, ?)`;
  if (op === 'not_like') return `NOT passage_like(${column}, ?)`;
  return `${column} ${COMPARISON[op]} ?`;
}

/** Column names come from the FilterField union, never from the request. */
/**
 * The list endpoint's two statements: the count, and the page (bound to the same parameters, then
 * limit and offset). Both orders the sync uses (created_at, updated_at) are read from an index
 * that holds the tie-breakers too, so a page never sorts every user.
 */
export function listUsersSql(query: ListUsersQuery): { countSql: string; pageSql: string; params: Array<string | number> } {
  const where = ['created_at < ?'];
  const params: Array<string | number> = [query.createdBefore];
  for (const filter of query.filters) {
    const [sql, values] = filterSql(filter);
    where.push(sql);
    params.push(...values);
  }
  const whereSql = where.join(' AND ');
  // Ties fall back to creation order, then id, so pages never overlap.
  const order = query.orderBy.map((o) => `${o.field} ${o.direction}`);
  for (const field of ['created_at', 'id'] as const) {
    if (!query.orderBy.some((o) => o.field === field)) order.push(`${field} ASC`);
  }
  const orderSql = order.join(', ');
  return {
    countSql: `SELECT COUNT(*) AS total FROM users WHERE ${whereSql}`,
    pageSql: `SELECT * FROM users WHERE ${whereSql} ORDER BY ${orderSql} LIMIT ? OFFSET ?`,
    params,
  };
}

function filterSql(filter: UserFilter): [string, Array<string | number>] {
  const { field, op, value } = filter;
  if (field !== 'identifier') return [compareSql(field, op), [value]];
  // identifier means "email OR phone"; a negated operator must hold for both.
  if (op === 'ne' || op === 'not_like') {
    const positive = op === 'ne' ? 'eq' : 'like';
    return [`NOT (${compareSql('email', positive)} OR ${compareSql('phone', positive)})`, [value, value]];
  }
  return [`((email <> '' AND ${compareSql('email', op)}) OR (phone <> '' AND ${compareSql('phone', op)}))`, [value, value]];
}
