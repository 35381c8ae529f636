import { and, eq, sql } from 'drizzle-orm';
import type { Database, Db } from '../db/client.js';
import { idList, inIdList } from '../db/id-list.js';
import { orgMemberships, users, type UserRow } from '../db/schema/index.js';
import { badUserInput, conflict, fromPassageError, notFound, upstreamUnavailable } from '../errors.js';
import type { CallOptions, PassageClient } from '../passage/client.js';
import type { CreateMagicLinkInput, PassageMagicLink, PassageUser } from '../passage/types.js';
import { isPassageNotFound, PassageError } from '../passage/errors.js';
import type { UpstreamBudget } from '../passage/budget.js';
import type { DirectoryEntry, DirectoryPage, DirectorySearch, DirectoryService } from './directory.js';
import { audited, auditActor, recordAudit, recordFailure, type AuditActor, type AuditEntry } from './audit.js';
import { deletionPending, pendingChange, type IntentService, type IntentSpec } from './intent.js';
import type { MembershipService } from './membership.js';
import { applyPassageTruth } from './passage-truth.js';
import type { PassageReader } from '../passage/cache.js';
import { MAGIC_LINK_LANGUAGES, validEmail, validMetadata, validPhone, validUrlOrPath } from './validation.js';

export type AppRole = 'USER' | 'ADMIN';
export type UserStatus = UserRow['status'];
export type Actor = AuditActor;

export type UserServiceOptions = {
  database: Database;
  adminUserIds: readonly string[];
  passage: PassageClient;
  /** The cross-request cache of Passage reads: every confirmed write updates it. */
  reader: PassageReader;
  memberships: MembershipService;
  /** Every change to Passage goes through an intent (see IntentService). */
  intents: IntentService;
  /** Where Passage's answers about users are kept; every confirmed write goes there in its transaction. */
  directory: DirectoryService;
};

export type UserInput = { email?: string | null; phone?: string | null; metadata?: unknown };

export type MagicLinkInput = {
  email?: string | null;
  phone?: string | null;
  userId?: string | null;
  channel?: 'email' | 'phone' | null;
  send?: boolean | null;
  type?: 'login' | 'verify_identifier' | null;
  redirectUrl?: string | null;
  magicLinkPath?: string | null;
  language?: string | null;
  ttl?: number | null;
};

/**
 * Users: local rows (created just-in-time, never before Passage confirms the user exists), the
 * app-level role, and the admin operations that change Passage. Each of those is an intent
 * (IntentService): recorded with its local checks, sent to Passage, then completed locally with
 * its audit row, so none half-happens; a refusal or failure is audited as a failure. Every
 * method that calls Passage takes the calling request's budget of Passage calls and time last
 * (`call`), so its calls spend from the same allowance as the request's reads.
 */
export class UserService {
  readonly #database: Database;
  readonly #admins: ReadonlySet<string>;
  readonly #passage: PassageClient;
  readonly #reader: PassageReader;
  readonly #memberships: MembershipService;
  readonly #intents: IntentService;
  readonly #directory: DirectoryService;
  readonly #byId;
  readonly #byIds;

  constructor(opts: UserServiceOptions) {
    this.#database = opts.database;
    this.#admins = new Set(opts.adminUserIds);
    this.#passage = opts.passage;
    this.#reader = opts.reader;
    this.#memberships = opts.memberships;
    this.#intents = opts.intents;
    this.#directory = opts.directory;
    const { db } = opts.database;
    // Built once: drizzle query building costs more than the SQLite lookup itself.
    this.#byId = db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare();
    this.#byIds = db.select().from(users).where(inIdList(users.id)).prepare();
  }

  async findById(id: string): Promise<UserRow | null> {
    return this.#byId.get({ id }) ?? null;
  }

  /** Batch read for DataLoader: rows in no particular order, missing ids absent. */
  async findByIds(ids: readonly string[]): Promise<UserRow[]> {
    if (ids.length === 0) return [];
    // Most batches hold one id (the viewer): the prepared statement skips building a query.
    if (ids.length === 1) return [this.#byId.get({ id: ids[0]! })].filter((r) => r !== undefined);
    return this.#byIds.all({ ids: idList(ids) });
  }

  /**
   * Returns the local row for a Passage user, creating it the first time we see them. Callers
   * must already know the id is a real Passage user (a verified token, or Passage confirmed it).
   */
  async ensure(id: string, status: UserStatus = 'active'): Promise<UserRow> {
    const existing = await this.findById(id);
    if (existing) return existing;
    return this.#database.transaction((tx) => {
      tx.insert(users).values({ id, status }).onConflictDoNothing().run();
      return tx.select().from(users).where(eq(users.id, id)).get()!;
    });
  }

  /** What a user we have no row for looks like to resolvers (reads never create rows). */
  transient(id: string, status: UserStatus = 'active'): UserRow {
    return { id, displayName: null, appRole: 'USER', status, activeOrgId: null, createdAt: new Date(0), updatedAt: new Date(0) };
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

  /**
   * Sets (or, with null, clears) the org the user works in. Only an org they belong to: any
   * other id is `NOT_FOUND`, as `org(id)` answers, so the answer does not reveal which orgs exist.
   * Checked and written in one transaction, so a membership removed meanwhile cannot be chosen.
   */
  async setActiveOrg(userId: string, orgId: string | null): Promise<UserRow> {
    return this.#database.transaction((tx) => {
      if (orgId !== null) {
        const member = tx
          .select({ orgId: orgMemberships.orgId })
          .from(orgMemberships)
          .where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, userId)))
          .get();
        if (!member) throw notFound('The organization');
      }
      const row = tx.update(users).set({ activeOrgId: orgId, updatedAt: new Date() }).where(eq(users.id, userId)).returning().get();
      if (!row) throw notFound('The user');
      return row;
    });
  }

  /** Promotes or demotes a user (audited). The caller has confirmed the user exists in Passage. */
  async setAppRole(actor: Actor, id: string, role: AppRole): Promise<UserRow> {
    const entry = { ...auditActor(actor), action: 'user.set_app_role', targetType: 'user', targetId: id };
    return audited(this.#database, entry, (tx) => {
      if (deletionPending(tx, id)) throw pendingChange();
      // The configuration would keep them ADMIN whatever is stored: accepting would be a silent no-op.
      if (role !== 'ADMIN' && this.#admins.has(id)) {
        throw conflict('CONFIGURED_ADMIN', 'This user is an admin by configuration (ADMIN_USER_IDS); their role cannot be changed here.');
      }
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

  // --- Admin operations on Passage -------------------------------------------------------------

  /** Admin search, answered from the directory alone (no Passage call). */
  list(opts: DirectorySearch): DirectoryPage {
    return this.#directory.search(opts);
  }

  /**
   * A live user's directory entry. A user the directory has never seen is fetched from Passage
   * once (first sight) and recorded; a user Passage does not know is `NOT_FOUND` and remembered
   * as deleted. Passage being unreachable is `UPSTREAM_UNAVAILABLE`.
   */
  async known(id: string, budget?: UpstreamBudget): Promise<DirectoryEntry> {
    const entry = this.#directory.get(id) ?? (await this.firstSight(id, budget));
    if (entry.deletedAt) throw notFound('The user');
    return entry;
  }

  /** Asks Passage about one user and records the answer (a 404 records the deletion). */
  async firstSight(id: string, budget?: UpstreamBudget): Promise<DirectoryEntry> {
    let read: { value: PassageUser; stale: boolean };
    try {
      read = await this.#reader.getUser(id, budget);
    } catch (err) {
      if (isPassageNotFound(err)) {
        await this.#directory.recordDeletion(id);
        throw notFound('The user');
      }
      throw fromPassageError(err);
    }
    // An expired copy is not Passage's truth: without a fresh answer the user stays unseen.
    if (read.stale) throw upstreamUnavailable();
    return this.#directory.apply(read.value, 'get');
  }

  /** By email (any case) or E.164 phone: the directory, then Passage for a user it has not seen yet. */
  async findByIdentifier(identifier: string, call: CallOptions = {}): Promise<DirectoryEntry | null> {
    const trimmed = identifier.trim();
    if (trimmed.includes('@')) validEmail(trimmed, 'identifier');
    else validPhone(trimmed, 'identifier');
    const local = this.#directory.findByIdentifier(trimmed);
    if (local) return local;
    try {
      const passageUser = await this.#passage.getUserByIdentifier(trimmed, call);
      return await this.#directory.apply(passageUser, 'get');
    } catch (err) {
      if ((err as { status?: number }).status === 404) return null;
      throw fromPassageError(err);
    }
  }

  async create(actor: Actor, input: UserInput, call: CallOptions = {}): Promise<{ row: UserRow; passageUser: PassageUser }> {
    const entry: AuditEntry = { ...auditActor(actor), action: 'user.create', targetType: 'user', targetId: input.email ?? input.phone ?? '' };
    const result = await this.#admin(entry, async () => {
      const email = validEmail(input.email);
      const phone = validPhone(input.phone);
      const metadata = validMetadata(input.metadata);
      if (!email && !phone) throw badUserInput('email', 'email or phone is required.');
      const identifier = (email ?? phone)!.toLowerCase();
      return this.#write({
        kind: 'create_user',
        identifier,
        actorId: actor.id,
        input: { email, phone, metadata },
        call: async (intent) => {
          try {
            return await this.#passage.createUser({ email, phone, userMetadata: metadata }, call);
          } catch (err) {
            // The retry of a create Passage already carried out answers with that user.
            if (isAlreadyExists(err) && this.#intents.earlierAttempt(intent)) return this.#passage.getUserByIdentifier(identifier, call);
            throw err;
          }
        },
        complete: (tx, passageUser) => {
          const row = applyPassageTruth(tx, this.#directory, passageUser.id, passageUser, 'write')!;
          recordAudit(tx, { ...entry, targetId: passageUser.id, after: { email: passageUser.email, phone: passageUser.phone, status: passageUser.status } });
          return { row, passageUser };
        },
        confirmed: (passageUser) => ({ row: this.#rowOr(passageUser), passageUser }),
      });
    });
    await this.#reader.putUser(result.passageUser);
    return result;
  }

  async update(actor: Actor, id: string, input: UserInput, call: CallOptions = {}): Promise<{ row: UserRow; passageUser: PassageUser }> {
    const entry: AuditEntry = { ...auditActor(actor), action: 'user.update', targetType: 'user', targetId: id };
    const result = await this.#admin(entry, async () => {
      const email = validEmail(input.email);
      const phone = validPhone(input.phone);
      const metadata = validMetadata(input.metadata);
      return this.#write({
        kind: 'update_user',
        userId: id,
        actorId: actor.id,
        input: { email, phone, metadata },
        call: () => this.#passage.updateUser(id, { email, phone, userMetadata: metadata }, call),
        complete: (tx, passageUser) => this.#completeWithUser(tx, entry, passageUser, { email, phone, metadata }),
        confirmed: (passageUser) => ({ row: this.#rowOr(passageUser), passageUser }),
      });
    });
    await this.#reader.putUser(result.passageUser);
    return result;
  }

  async setStatus(actor: Actor, id: string, status: 'active' | 'inactive', call: CallOptions = {}): Promise<{ row: UserRow; passageUser: PassageUser }> {
    const activate = status === 'active';
    const entry: AuditEntry = { ...auditActor(actor), action: activate ? 'user.activate' : 'user.deactivate', targetType: 'user', targetId: id };
    const result = await this.#admin(entry, () =>
      this.#write({
        kind: activate ? 'activate_user' : 'deactivate_user',
        userId: id,
        actorId: actor.id,
        input: {},
        check: activate ? undefined : (tx) => this.#assertRemovable(tx, actor, id),
        call: () => (activate ? this.#passage.activateUser(id, call) : this.#passage.deactivateUser(id, call)),
        complete: (tx, passageUser) => this.#completeWithUser(tx, entry, passageUser, { status: passageUser.status }),
        confirmed: (passageUser) => ({ row: this.#rowOr(passageUser), passageUser }),
      }),
    );
    await this.#reader.putUser(result.passageUser);
    return result;
  }

  /** The local row and memberships (cascade) go once Passage confirmed; until then the user's token is refused. */
  async delete(actor: Actor, id: string, call: CallOptions = {}): Promise<void> {
    const entry: AuditEntry = { ...auditActor(actor), action: 'user.delete', targetType: 'user', targetId: id };
    await this.#admin(entry, () =>
      this.#write({
        kind: 'delete_user',
        userId: id,
        actorId: actor.id,
        input: {},
        check: (tx) => this.#assertRemovable(tx, actor, id),
        call: async (intent) => {
          try {
            await this.#passage.deleteUser(id, call);
          } catch (err) {
            // A retry of a deletion Passage already carried out: the user is gone, as asked.
            if (!(isPassageNotFound(err) && this.#intents.earlierAttempt(intent))) throw err;
          }
        },
        complete: (tx) => {
          const before = tx.select().from(users).where(eq(users.id, id)).get();
          applyPassageTruth(tx, this.#directory, id, 'deleted', 'write');
          recordAudit(tx, { ...entry, before: before ?? null });
        },
        confirmed: () => undefined,
      }),
    );
    await this.#reader.invalidateUser(id);
  }

  async revokeDevice(actor: Actor, userId: string, deviceId: string, call: CallOptions = {}): Promise<void> {
    const entry: AuditEntry = { ...auditActor(actor), action: 'user.revoke_device', targetType: 'device', targetId: deviceId, detail: null };
    await this.#admin(entry, () =>
      this.#write({
        kind: 'revoke_device',
        userId,
        actorId: actor.id,
        input: { deviceId },
        call: () => this.#passage.deleteDevice(userId, deviceId, call),
        complete: (tx) => recordAudit(tx, { ...entry, before: { userId } }),
        confirmed: () => undefined,
      }),
    );
    await this.#reader.invalidateUser(userId);
  }

  async revokeSessions(actor: Actor, userId: string, call: CallOptions = {}): Promise<void> {
    const entry: AuditEntry = { ...auditActor(actor), action: 'user.revoke_sessions', targetType: 'user', targetId: userId };
    await this.#admin(entry, () =>
      this.#write({
        kind: 'revoke_sessions',
        userId,
        actorId: actor.id,
        input: {},
        call: () => this.#passage.revokeRefreshTokens(userId, call),
        complete: (tx) => recordAudit(tx, entry),
        confirmed: () => undefined,
      }),
    );
  }

  /** The link's URL and secret go to the caller only: never into logs or audit rows. */
  async createMagicLink(actor: Actor, input: MagicLinkInput, call: CallOptions = {}): Promise<PassageMagicLink> {
    const entry: AuditEntry = { ...auditActor(actor), action: 'magic_link.create', targetType: 'magic_link', targetId: '' };
    return this.#admin(entry, async () => {
      const request = validMagicLink(input);
      const link = await this.#remote(request.userId ?? null, () => this.#passage.createMagicLink(request, call));
      // A link to an unknown identifier creates the user in Passage.
      await this.#reader.invalidateUser(link.userId);
      await this.#database.transaction((tx) => {
        tx.insert(users).values({ id: link.userId }).onConflictDoNothing().run();
        recordAudit(tx, {
          ...entry,
          targetId: link.id,
          after: { id: link.id, userId: link.userId, type: link.type, ttl: link.ttl, send: request.send ?? false },
        });
      });
      // A user the link created exists in Passage now; the directory learns of them at once rather
      // than at the next sync, so lists show them. The link is made either way: a failed read only
      // leaves them to the sync.
      if (!this.#directory.get(link.userId)) await this.firstSight(link.userId, call.budget).catch(() => undefined);
      return link;
    });
  }

  /** Runs an admin operation; any refusal or failure leaves a failure row in the audit log. */
  async #admin<T>(entry: AuditEntry, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      await recordFailure(this.#database, entry, err);
      throw err;
    }
  }

  #completeWithUser(tx: Db, entry: AuditEntry, passageUser: PassageUser, change: Record<string, unknown>): { row: UserRow; passageUser: PassageUser } {
    const before = tx.select().from(users).where(eq(users.id, passageUser.id)).get();
    const row = applyPassageTruth(tx, this.#directory, passageUser.id, passageUser, 'write')!;
    recordAudit(tx, { ...entry, before: { status: before?.status ?? null }, after: change });
    return { row, passageUser };
  }

  /** The answer's row when the local completion is still to come: what we hold, with Passage's status. */
  #rowOr(passageUser: PassageUser): UserRow {
    const row = this.#byId.get({ id: passageUser.id }) ?? this.transient(passageUser.id);
    return { ...row, status: passageUser.status };
  }

  /** Checked in the transaction that records the intent: an admin cannot lock themself out or orphan an org. */
  #assertRemovable(tx: Db, actor: Actor, id: string): void {
    if (actor.id === id) throw conflict('SELF', 'You cannot deactivate or delete yourself.');
    this.#memberships.assertNotSoleOwner(tx, id);
  }

  /**
   * Records the intent, calls Passage, completes locally; Passage's refusals become our codes. A
   * "user not found" about the target means Passage deleted them: recorded at once.
   */
  async #write<T, R>(spec: IntentSpec<T, R>): Promise<R> {
    try {
      return await this.#intents.run(spec);
    } catch (err) {
      if (!(err instanceof PassageError)) throw err;
      if (spec.userId && isUserGone(err)) await this.#directory.recordDeletion(spec.userId);
      if (isAlreadyExists(err)) throw conflict('ALREADY_EXISTS', 'A user with this email or phone already exists.');
      throw fromPassageError(err);
    }
  }

  /** A Passage call outside an intent; a "user not found" about `userId` means Passage deleted them: recorded at once. */
  async #remote<T>(userId: string | null, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (userId !== null && isUserGone(err)) await this.#directory.recordDeletion(userId);
      throw fromPassageError(err);
    }
  }
}

/** A duplicate identifier is Passage's 400 "already exists": a conflict for our clients. */
function isAlreadyExists(err: unknown): boolean {
  return err instanceof PassageError && err.status === 400 && /already exists/i.test(err.message);
}

/** Passage's answer that the user itself does not exist (not, say, one of their devices). */
function isUserGone(err: unknown): boolean {
  return err instanceof PassageError && err.status === 404 && err.code === 'user_not_found';
}

function validMagicLink(input: MagicLinkInput): CreateMagicLinkInput {
  const targets = [input.email, input.phone, input.userId].filter((v) => v !== undefined && v !== null);
  if (targets.length !== 1) throw badUserInput('email', 'Name exactly one of email, phone or userId.');
  const email = validEmail(input.email);
  const phone = validPhone(input.phone);
  if (input.send && !input.channel) throw badUserInput('channel', 'channel is required when send is true.');
  if (input.language !== undefined && input.language !== null && !(MAGIC_LINK_LANGUAGES as readonly string[]).includes(input.language)) {
    throw badUserInput('language', `language must be one of ${MAGIC_LINK_LANGUAGES.join(', ')}.`);
  }
  if (input.ttl !== undefined && input.ttl !== null && (!Number.isInteger(input.ttl) || input.ttl < 1 || input.ttl > 1440)) {
    throw badUserInput('ttl', 'ttl must be 1 to 1440 minutes.');
  }
  const magicLinkPath = input.magicLinkPath ?? undefined;
  if (magicLinkPath !== undefined && !magicLinkPath.startsWith('/')) throw badUserInput('magicLinkPath', 'magicLinkPath must start with /.');
  const request: CreateMagicLinkInput = {
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    ...(input.userId ? { userId: input.userId } : {}),
    ...(input.channel ? { channel: input.channel } : {}),
    send: input.send ?? false,
    type: input.type ?? 'login',
  };
  const redirectUrl = validUrlOrPath(input.redirectUrl, 'redirectUrl');
  if (redirectUrl) request.redirectUrl = redirectUrl;
  if (magicLinkPath) request.magicLinkPath = magicLinkPath;
  if (input.language) request.language = input.language;
  if (input.ttl) request.ttl = input.ttl;
  return request;
}
