import { and, asc, count, desc, eq, gt, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database, Db } from '../db/client.js';
import { idList, inIdList } from '../db/id-list.js';
import { directorySync, directoryUsers, users, type DirectorySyncRow, type DirectoryUserRow } from '../db/schema/index.js';
import { badUserInput } from '../errors.js';
import type { PassageUser, PassageUserListItem, PassageUserStatus } from '../passage/types.js';
import { recordAudit } from './audit.js';

export type DirectoryEntry = DirectoryUserRow;

export type UserOrderField = 'CREATED_AT' | 'LAST_LOGIN_AT' | 'EMAIL';
export type OrderDirection = 'ASC' | 'DESC';
export type UserOrder = { field: UserOrderField; direction: OrderDirection };

export type DirectorySearch = {
  first: number;
  after?: string | null;
  /** Matched literally (no wildcards) against email, phone and display name, case-insensitively. */
  query?: string | null;
  status?: PassageUserStatus | null;
  orderBy?: UserOrder | null;
};

export type DirectoryPage = {
  entries: Array<{ entry: DirectoryEntry; cursor: string }>;
  totalCount: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
};

/** Where a Passage user object came from: only a read of that one user may undo a tombstone. */
export type Source = 'list' | 'get' | 'write';

const NEWEST_FIRST: UserOrder = { field: 'CREATED_AT', direction: 'DESC' };

const ORDER_COLUMN = {
  CREATED_AT: directoryUsers.createdAt,
  LAST_LOGIN_AT: directoryUsers.lastLoginAt,
  EMAIL: directoryUsers.email,
} as const;

/** The actor recorded in audit rows for changes the directory learned from Passage itself. */
export const DIRECTORY_ACTOR = 'passage-directory';

/**
 * The user directory: reads for access decisions and `User` fields, and the one write path that
 * applies "Passage's truth" about a user (`applyInTx` / `apply` for a Passage user object,
 * `recordDeletionInTx` / `recordDeletion` for a user Passage no longer has). Services that change
 * Passage call the `InTx` forms inside the transaction that also writes their local rows.
 */
export class DirectoryService {
  readonly #database: Database;
  readonly #byId;
  readonly #byIds;
  readonly #state;

  constructor(opts: { database: Database }) {
    this.#database = opts.database;
    const { db } = opts.database;
    // Read on every authenticated request: prepared once.
    this.#byId = db
      .select()
      .from(directoryUsers)
      .where(eq(directoryUsers.id, sql.placeholder('id')))
      .prepare();
    this.#byIds = db.select().from(directoryUsers).where(inIdList(directoryUsers.id)).prepare();
    this.#state = db.select().from(directorySync).where(eq(directorySync.id, 1)).prepare();
  }

  // --- reads -------------------------------------------------------------------------------------

  /** The entry, tombstones included (a deleted user's entry has `deletedAt`). */
  get(id: string): DirectoryEntry | null {
    return this.#byId.get({ id }) ?? null;
  }

  /** Batch read for DataLoader: entries in no particular order, unknown ids absent. */
  getMany(ids: readonly string[]): DirectoryEntry[] {
    if (ids.length === 0) return [];
    if (ids.length === 1) return [this.#byId.get({ id: ids[0]! })].filter((r) => r !== undefined);
    return this.#byIds.all({ ids: idList(ids) });
  }

  /** A live user by email (any case) or E.164 phone. */
  findByIdentifier(identifier: string): DirectoryEntry | null {
    const column = identifier.includes('@') ? directoryUsers.email : directoryUsers.phone;
    const value = identifier.includes('@') ? identifier.toLowerCase() : identifier;
    return (
      this.#database.db
        .select()
        .from(directoryUsers)
        .where(and(eq(column, value), isNull(directoryUsers.deletedAt)))
        .limit(1)
        .get() ?? null
    );
  }

  /** Live users in the directory. */
  count(): number {
    return this.#database.db.select({ n: count() }).from(directoryUsers).where(isNull(directoryUsers.deletedAt)).get()?.n ?? 0;
  }

  /**
   * A page of live users with keyset cursors: each edge's cursor names that user's position in the
   * order, so `after` continues right after it whatever the page size, and users added meanwhile
   * never shift anyone into or out of a page already read.
   */
  search(opts: DirectorySearch): DirectoryPage {
    if (!Number.isInteger(opts.first) || opts.first < 1 || opts.first > 100) throw badUserInput('first', 'first must be between 1 and 100.');
    const order = opts.orderBy ?? NEWEST_FIRST;
    const column = ORDER_COLUMN[order.field];
    const filters: SQL[] = [isNull(directoryUsers.deletedAt)];
    if (opts.status) filters.push(eq(directoryUsers.status, opts.status));
    const text = opts.query?.trim().toLowerCase();
    if (text) {
      // instr() matches the text itself: `%` and `_` are not wildcards here.
      filters.push(
        sql`(instr(${directoryUsers.email}, ${text}) > 0 or instr(${directoryUsers.phone}, ${text}) > 0 or exists (select 1 from ${users} where ${users.id} = ${directoryUsers.id} and instr(lower(${users.displayName}), ${text}) > 0))`,
      );
    }
    const where = and(...filters)!;
    const keyed = [where];
    if (opts.after) {
      const [value, id] = decodeCursor(opts.after, order);
      const beyond = order.direction === 'ASC' ? gt : lt;
      keyed.push(or(beyond(column, value as never), and(eq(column, value as never), beyond(directoryUsers.id, id)))!);
    }
    const direction = order.direction === 'ASC' ? asc : desc;
    const { db } = this.#database;
    const rows = db
      .select()
      .from(directoryUsers)
      .where(and(...keyed))
      .orderBy(direction(column), direction(directoryUsers.id))
      .limit(opts.first + 1)
      .all();
    const totalCount = db.select({ n: count() }).from(directoryUsers).where(where).get()?.n ?? 0;
    const page = rows.slice(0, opts.first).map((entry) => ({ entry, cursor: encodeCursor(order, entry) }));
    return { entries: page, totalCount, hasNextPage: rows.length > opts.first, hasPreviousPage: Boolean(opts.after) };
  }

  // --- the write path: Passage's truth ------------------------------------------------------------

  /**
   * Stores what Passage says about a user, inside the caller's transaction. An answer older than
   * the entry (a list page fetched before a write we already applied) changes nothing. Only a read
   * or write of this one user (`source` 'get' or 'write') lifts a tombstone: a list page may have
   * been fetched before the deletion.
   */
  applyInTx(tx: Db, user: PassageUser | PassageUserListItem, source: Source): DirectoryEntry {
    const values = entryValues(user, new Date());
    const existing = tx.select().from(directoryUsers).where(eq(directoryUsers.id, user.id)).get();
    if (existing?.deletedAt && source === 'list') return existing;
    if (existing && source === 'list' && existing.updatedAt.getTime() > values.updatedAt.getTime()) return existing;
    const row = tx
      .insert(directoryUsers)
      .values(values)
      .onConflictDoUpdate({ target: directoryUsers.id, set: { ...values, deletedAt: null } })
      .returning()
      .get();
    // The local row's copy of the status (kept for rows that predate the directory) follows.
    tx.update(users)
      .set({ status: user.status })
      .where(and(eq(users.id, user.id), sql`${users.status} <> ${user.status}`))
      .run();
    return row;
  }

  /**
   * One page of Passage's user list, applied in the caller's transaction with two statements
   * whatever the page's size (the sync's cost per user is what it must be: one row written). The
   * rules are `applyInTx`'s for a list page: a tombstone stays, and an entry with a newer
   * `updated_at` than the page's copy is left alone, so re-reading an overlap changes nothing.
   */
  applyListPageInTx(tx: Db, page: readonly PassageUserListItem[]): void {
    if (page.length === 0) return;
    // One JSON array bound as one parameter: SQLite unpacks it with json_each, so the statement
    // text, and the work of building it, does not grow with the page.
    const rows = JSON.stringify(
      page.map((u) => [
        u.id,
        u.email,
        u.phone,
        u.status,
        u.emailVerified,
        u.phoneVerified,
        new Date(u.createdAt).getTime(),
        new Date(u.updatedAt).getTime(),
        u.lastLoginAt ? Date.parse(u.lastLoginAt) || 0 : 0,
        clampInt(u.loginCount),
        u.userMetadata ?? null,
      ]),
    );
    tx.run(sql`
      insert into directory_users (id, email, phone, status, email_verified, phone_verified, created_at, updated_at, last_login_at, login_count, metadata, synced_at)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, ${Date.now()}
      from json_each(${rows}) where true
      on conflict (id) do update set
        email = excluded.email, phone = excluded.phone, status = excluded.status,
        email_verified = excluded.email_verified, phone_verified = excluded.phone_verified,
        created_at = excluded.created_at, updated_at = excluded.updated_at, last_login_at = excluded.last_login_at,
        login_count = excluded.login_count, metadata = excluded.metadata, synced_at = excluded.synced_at
      where directory_users.deleted_at is null and directory_users.updated_at <= excluded.updated_at`);
    // The local row's copy of the status follows the directory, as in applyInTx.
    tx.run(sql`
      update users set status = d.status from directory_users as d
      where d.id = users.id and users.status <> d.status and users.id in (select value ->> 0 from json_each(${rows}))`);
  }

  /** `applyInTx` in a transaction of its own. */
  apply(user: PassageUser | PassageUserListItem, source: Source): Promise<DirectoryEntry> {
    return this.#database.transaction((tx) => this.applyInTx(tx, user, source));
  }

  /**
   * Records that Passage no longer has the user: a tombstone (identifiers and metadata dropped),
   * and their local row and memberships go, as after `deleteUser`. The caller audits the change.
   * Returns whether anything changed.
   */
  recordDeletionInTx(tx: Db, id: string): { changed: boolean; hadLocalRow: boolean } {
    const now = new Date();
    const existing = tx.select().from(directoryUsers).where(eq(directoryUsers.id, id)).get();
    const tombstone = { email: '', phone: '', metadata: null, deletedAt: now, syncedAt: now };
    if (existing && !existing.deletedAt) tx.update(directoryUsers).set(tombstone).where(eq(directoryUsers.id, id)).run();
    else if (!existing)
      tx.insert(directoryUsers)
        .values({ id, status: 'inactive', createdAt: now, updatedAt: now, ...tombstone })
        .run();
    const local = tx.delete(users).where(eq(users.id, id)).returning({ id: users.id }).all();
    return { changed: !existing?.deletedAt || local.length > 0, hadLocalRow: local.length > 0 };
  }

  /** `recordDeletionInTx` in a transaction of its own, audited as learned from Passage. */
  recordDeletion(id: string): Promise<boolean> {
    return this.#database.transaction((tx) => {
      const { changed, hadLocalRow } = this.recordDeletionInTx(tx, id);
      if (hadLocalRow) recordAudit(tx, { actorId: DIRECTORY_ACTOR, onBehalfOf: null, action: 'user.deleted_in_passage', targetType: 'user', targetId: id });
      return changed;
    });
  }

  // --- sync state (used by the directory sync) ------------------------------------------------------

  syncState(): DirectorySyncRow {
    return (
      this.#state.get() ?? {
        id: 1,
        fullSyncDoneAt: null,
        fullSyncPage: 1,
        fullSyncCreatedBefore: null,
        highWaterMark: null,
        lastSuccessAt: null,
        lastSweepRun: 0,
      }
    );
  }

  saveSyncStateInTx(tx: Db, patch: Partial<Omit<DirectorySyncRow, 'id'>>): void {
    tx.insert(directorySync)
      .values({ id: 1, ...patch })
      .onConflictDoUpdate({ target: directorySync.id, set: patch })
      .run();
  }

  /** Live entries Passage created before `before`: compared with Passage's own count to notice deletions. */
  countCreatedBefore(before: Date): number {
    return (
      this.#database.db
        .select({ n: count() })
        .from(directoryUsers)
        .where(and(lt(directoryUsers.createdAt, before), isNull(directoryUsers.deletedAt)))
        .get()?.n ?? 0
    );
  }

  /** When the oldest live entry was created in Passage, or null when there is none. */
  oldestCreatedAt(): Date | null {
    return (
      this.#database.db
        .select({ createdAt: directoryUsers.createdAt })
        .from(directoryUsers)
        .where(isNull(directoryUsers.deletedAt))
        .orderBy(asc(directoryUsers.createdAt))
        .limit(1)
        .get()?.createdAt ?? null
    );
  }

  /** Ids of live entries created in [from, to), oldest first, at most `limit`. */
  createdBetween(from: Date, to: Date, limit: number): string[] {
    return this.#database.db
      .select({ id: directoryUsers.id })
      .from(directoryUsers)
      .where(and(gte(directoryUsers.createdAt, from), lt(directoryUsers.createdAt, to), isNull(directoryUsers.deletedAt)))
      .orderBy(asc(directoryUsers.createdAt))
      .limit(limit)
      .all()
      .map((r) => r.id);
  }

  /** Marks users the sweep saw in Passage's list. */
  markSweptInTx(tx: Db, ids: readonly string[], run: number): void {
    if (ids.length > 0)
      tx.update(directoryUsers)
        .set({ sweepRun: run })
        .where(inArray(directoryUsers.id, [...ids]))
        .run();
  }

  /** Live users created before `before` that the sweep `run` did not see: deletion candidates. */
  unsweptBefore(run: number, before: Date, limit: number): string[] {
    return this.#database.db
      .select({ id: directoryUsers.id })
      .from(directoryUsers)
      .where(and(isNull(directoryUsers.deletedAt), lt(directoryUsers.sweepRun, run), lt(directoryUsers.createdAt, before)))
      .limit(limit)
      .all()
      .map((r) => r.id);
  }
}

/** The directory columns for a Passage user object. */
function entryValues(user: PassageUser | PassageUserListItem, syncedAt: Date) {
  return {
    id: user.id,
    email: user.email,
    phone: user.phone,
    status: user.status,
    emailVerified: user.emailVerified,
    phoneVerified: user.phoneVerified,
    createdAt: new Date(user.createdAt),
    updatedAt: new Date(user.updatedAt),
    lastLoginAt: user.lastLoginAt ? Date.parse(user.lastLoginAt) || 0 : 0,
    loginCount: clampInt(user.loginCount),
    metadata: user.userMetadata,
    syncedAt,
  };
}

/**
 * The entry a Passage answer makes, without storing it: what a write's answer shows when Passage
 * confirmed the change but the local write is left to the intent reconciler.
 */
export function entryFromPassage(user: PassageUser): DirectoryEntry {
  return { ...entryValues(user, new Date()), deletedAt: null, sweepRun: 0 };
}

/** Passage's counters are not ours to trust: a value SQLite or GraphQL cannot hold is clamped. */
export function clampInt(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return Math.min(Math.trunc(value), 2_147_483_647);
}

function keyOf(order: UserOrder, entry: DirectoryEntry): string | number {
  if (order.field === 'CREATED_AT') return entry.createdAt.getTime();
  if (order.field === 'LAST_LOGIN_AT') return entry.lastLoginAt;
  return entry.email;
}

function encodeCursor(order: UserOrder, entry: DirectoryEntry): string {
  return Buffer.from(JSON.stringify([order.field, order.direction, keyOf(order, entry), entry.id])).toString('base64url');
}

/** The cursor's key value (a Date for CREATED_AT, as the column compares) and id. */
function decodeCursor(cursor: string, order: UserOrder): [unknown, string] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 4) {
      const [field, direction, value, id] = parsed as [unknown, unknown, unknown, unknown];
      const valueOk = order.field === 'EMAIL' ? typeof value === 'string' : Number.isInteger(value);
      if (field === order.field && direction === order.direction && valueOk && typeof id === 'string') {
        return [order.field === 'CREATED_AT' ? new Date(value as number) : value, id];
      }
    }
  } catch {
    // fall through
  }
  throw badUserInput('after', 'after is not a cursor returned by this connection with this order.');
}
