import { eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { users, type UserRow } from '../db/schema/index.js';
import { audited, recordAudit } from './audit.js';

export type AppRole = 'USER' | 'ADMIN';

export type UserServiceOptions = { database: Database; adminUserIds: readonly string[] };

/** Local user rows: just-in-time creation, profile edits and the app-level role. */
export class UserService {
  readonly #database: Database;
  readonly #admins: ReadonlySet<string>;
  readonly #byId;

  constructor(opts: UserServiceOptions) {
    this.#database = opts.database;
    this.#admins = new Set(opts.adminUserIds);
    const { db } = opts.database;
    // Built once: drizzle query building costs more than the SQLite lookup itself.
    this.#byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  }

  async findById(id: string): Promise<UserRow | null> {
    return this.#byId.get({ id }) ?? null;
  }

  /** Batch read for DataLoader: rows in no particular order, missing ids absent. */
  async findByIds(ids: readonly string[]): Promise<UserRow[]> {
    if (ids.length === 0) return [];
    return this.#database.db.select().from(users).where(inArray(users.id, [...ids])).all();
  }

  /**
   * Returns the local row for a Passage user, creating it the first time we see them. Callers
   * must already know the id is a real Passage user (a verified token, or Passage confirmed it).
   */
  async ensure(id: string): Promise<UserRow> {
    const existing = await this.findById(id);
    if (existing) return existing;
    return this.#database.transaction((tx) => {
      tx.insert(users).values({ id }).onConflictDoNothing().run();
      return tx.select().from(users).where(eq(users.id, id)).get()!;
    });
  }

  async updateProfile(id: string, patch: { displayName?: string | null }): Promise<UserRow> {
    return this.#database.transaction((tx) => {
      tx.insert(users).values({ id }).onConflictDoNothing().run();
      if (patch.displayName !== undefined) {
        tx.update(users).set({ displayName: patch.displayName, updatedAt: new Date() }).where(eq(users.id, id)).run();
      }
      return tx.select().from(users).where(eq(users.id, id)).get()!;
    });
  }

  /** Promotes or demotes a user (audited). The caller has confirmed the user exists in Passage. */
  async setAppRole(actor: { id: string }, id: string, role: AppRole): Promise<UserRow> {
    const entry = { actorId: actor.id, action: 'user.set_app_role', targetType: 'user', targetId: id };
    return audited(this.#database, entry, (tx) => {
      tx.insert(users).values({ id }).onConflictDoNothing().run();
      const before = tx.select().from(users).where(eq(users.id, id)).get()!;
      const after = tx.update(users).set({ appRole: role, updatedAt: new Date() }).where(eq(users.id, id)).returning().get()!;
      recordAudit(tx, { ...entry, before: { appRole: before.appRole }, after: { appRole: after.appRole } });
      return after;
    });
  }

  /** `ADMIN_USER_IDS` always wins; otherwise the promoted role stored locally. */
  appRoleOf(row: Pick<UserRow, 'id' | 'appRole'>): AppRole {
    return this.#admins.has(row.id) ? 'ADMIN' : row.appRole;
  }
}
