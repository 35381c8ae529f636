import { and, asc, count, eq, gt, inArray, like, or, sql, type SQL } from 'drizzle-orm';
import type { Roles, RoleSummary } from '../auth/roles.js';
import type { Database, Db } from '../db/client.js';
import { idList, inIdList } from '../db/id-list.js';
import { directoryUsers, orgMemberships, orgs, users, type MembershipRow } from '../db/schema/index.js';
import * as policy from '../auth/policy.js';
import { enforce } from '../auth/policy.js';
import { badUserInput, conflict, notFound } from '../errors.js';
import { audited, auditActor, recordAudit } from './audit.js';
import { deletionPending, pendingChange, usersBeingRemoved } from './intent.js';
import { likePattern } from './slug.js';

/** A membership with what its roles grant. */
export type Membership = MembershipRow & RoleSummary;

/** Who is acting: app admins rank above every org role. */
export type MembershipActor = policy.PolicyViewer;

export type MemberPage = { rows: MembershipRow[]; totalCount: number; hasNextPage: boolean; hasPreviousPage: boolean };

/** The most memberships one `User.memberships` list returns (and its default). */
export const MAX_MEMBERSHIPS_PAGE = 100;

export type RoleChange = { orgId: string; userId: string; role: string; additionalRoles?: readonly string[] | null };

/**
 * Org memberships and their invariants, each enforced inside one BEGIN IMMEDIATE transaction on
 * rows read there: the rules themselves (nobody grants a role above their own or changes someone
 * ranked above them, an org always keeps an owner) are the policy's (`src/auth/policy.ts`); a
 * user is a member at most once. Two racing requests serialize on the write
 * lock, so the second one sees the first one's result.
 */
export class MembershipService {
  readonly #database: Database;
  readonly #roles: Roles;
  readonly #maxOwnedOrgs: number;

  // Prepared once for the common one-key batches (the viewer's own rows): building a drizzle
  // query costs more than running it.
  readonly #ofUser;
  readonly #inOrg;
  readonly #inOrgs;
  readonly #sharing;
  readonly #firstPage;
  readonly #memberCount;

  /** `maxOwnedOrgs`: how many organizations one user may own at once (default 100), as for createOrg. */
  constructor(opts: { database: Database; roles: Roles; maxOwnedOrgs?: number }) {
    this.#database = opts.database;
    this.#roles = opts.roles;
    this.#maxOwnedOrgs = opts.maxOwnedOrgs ?? 100;
    const { db } = opts.database;
    this.#ofUser = db
      .select()
      .from(orgMemberships)
      .where(eq(orgMemberships.userId, sql.placeholder('userId')))
      .orderBy(asc(orgMemberships.createdAt), asc(orgMemberships.orgId))
      .limit(sql.placeholder('limit'))
      .prepare();
    this.#inOrg = db
      .select()
      .from(orgMemberships)
      .where(and(eq(orgMemberships.orgId, sql.placeholder('orgId')), eq(orgMemberships.userId, sql.placeholder('userId'))))
      .prepare();
    // And for the batches a page of members or users makes (up to 200 keys).
    this.#inOrgs = db
      .select()
      .from(orgMemberships)
      .where(and(eq(orgMemberships.userId, sql.placeholder('userId')), inIdList(orgMemberships.orgId)))
      .prepare();
    const viewerOrgs = db
      .select({ orgId: orgMemberships.orgId })
      .from(orgMemberships)
      .where(eq(orgMemberships.userId, sql.placeholder('viewerId')));
    this.#sharing = db
      .selectDistinct({ userId: orgMemberships.userId })
      .from(orgMemberships)
      .where(and(inIdList(orgMemberships.userId), inArray(orgMemberships.orgId, viewerOrgs)))
      .prepare();
    // The first page of an org's members without filters: what a members list asks for most.
    this.#firstPage = db
      .select()
      .from(orgMemberships)
      .where(eq(orgMemberships.orgId, sql.placeholder('orgId')))
      .orderBy(asc(orgMemberships.createdAt), asc(orgMemberships.userId))
      .limit(sql.placeholder('limit'))
      .prepare();
    this.#memberCount = db
      .select({ n: count() })
      .from(orgMemberships)
      .where(eq(orgMemberships.orgId, sql.placeholder('orgId')))
      .prepare();
  }

  // A row's summary is read by several fields (permissions, inheritedRoles, isAtLeast, ...);
  // rows are per-request objects, so remembering it by identity never serves a stale one.
  readonly #described = new WeakMap<MembershipRow, Membership>();

  describe(row: MembershipRow): Membership {
    let described = this.#described.get(row);
    if (!described) {
      described = { ...row, ...this.#roles.summarize(row.role, row.additionalRoles) };
      this.#described.set(row, described);
    }
    return described;
  }

  /** One user's memberships in the given orgs (the authorization loader's batch). */
  async forUserInOrgs(userId: string, orgIds: readonly string[]): Promise<MembershipRow[]> {
    if (orgIds.length === 0) return [];
    if (orgIds.length === 1) return [this.#inOrg.get({ orgId: orgIds[0]!, userId })].filter((r) => r !== undefined);
    return this.#inOrgs.all({ userId, ids: idList(orgIds) });
  }

  /** Which of `userIds` share at least one org with `viewerId` (the User access rule's batch). */
  async sharingAnOrgWith(viewerId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = this.#sharing.all({ viewerId, ids: idList(userIds) });
    return new Set(rows.map((r) => r.userId));
  }

  /**
   * Each user's oldest `limit` memberships (the User.memberships batch). One bounded query per
   * user: a user may belong to any number of orgs, and a request reads at most `limit` of each.
   */
  async forUsers(userIds: readonly string[], limit = MAX_MEMBERSHIPS_PAGE): Promise<MembershipRow[]> {
    return userIds.flatMap((userId) => this.#ofUser.all({ userId, limit }));
  }

  /** A user's memberships after the one in `afterOrgId` (oldest first), at most `limit`. */
  async forUserAfter(userId: string, afterOrgId: string, limit: number): Promise<MembershipRow[]> {
    const { db } = this.#database;
    const cursor = this.#inOrg.get({ orgId: afterOrgId, userId });
    if (!cursor) throw badUserInput('after', "after must be the org id of one of the user's memberships.");
    return db
      .select()
      .from(orgMemberships)
      .where(
        and(
          eq(orgMemberships.userId, userId),
          or(gt(orgMemberships.createdAt, cursor.createdAt), and(eq(orgMemberships.createdAt, cursor.createdAt), gt(orgMemberships.orgId, cursor.orgId))),
        ),
      )
      .orderBy(asc(orgMemberships.createdAt), asc(orgMemberships.orgId))
      .limit(limit)
      .all();
  }

  /** A page of an org's members in join order; `after` is the cursor of the last row seen. */
  async listMembers(orgId: string, opts: { first: number; after?: string | null; role?: string | null; query?: string | null }): Promise<MemberPage> {
    if (!opts.role && !opts.query?.trim() && !opts.after) {
      const rows = this.#firstPage.all({ orgId, limit: opts.first + 1 });
      const totalCount = rows.length <= opts.first ? rows.length : this.#memberCount.get({ orgId })!.n;
      return { rows: rows.slice(0, opts.first), totalCount, hasNextPage: rows.length > opts.first, hasPreviousPage: false };
    }
    const { db } = this.#database;
    const filters: SQL[] = [eq(orgMemberships.orgId, orgId)];
    if (opts.role) filters.push(eq(orgMemberships.role, opts.role));
    const query = opts.query?.trim();
    if (query) filters.push(this.#matchingMembers(query));
    const totalCount = db
      .select({ n: count() })
      .from(orgMemberships)
      .where(and(...filters))
      .get()!.n;
    if (opts.after) {
      const cursor = decodeCursor(opts.after);
      filters.push(
        or(gt(orgMemberships.createdAt, cursor.createdAt), and(eq(orgMemberships.createdAt, cursor.createdAt), gt(orgMemberships.userId, cursor.userId)))!,
      );
    }
    const rows = db
      .select()
      .from(orgMemberships)
      .where(and(...filters))
      .orderBy(asc(orgMemberships.createdAt), asc(orgMemberships.userId))
      .limit(opts.first + 1)
      .all();
    return { rows: rows.slice(0, opts.first), totalCount, hasNextPage: rows.length > opts.first, hasPreviousPage: Boolean(opts.after) };
  }

  async add(actor: MembershipActor, change: RoleChange): Promise<MembershipRow> {
    const additionalRoles = this.#validRoles(change);
    const entry = {
      ...auditActor(actor),
      action: 'membership.add',
      targetType: 'membership',
      targetId: `${change.orgId}:${change.userId}`,
      orgId: change.orgId,
    };
    return audited(this.#database, entry, (tx) => {
      this.#requireOrg(tx, change.orgId);
      enforce(policy.mayGrant(this.#roles, this.#rankOf(tx, actor, change.orgId), { role: change.role, additionalRoles }));
      if (this.#find(tx, change.orgId, change.userId)) throw conflict('ALREADY_MEMBER', 'The user is already a member of this organization.');
      if (deletionPending(tx, change.userId)) throw pendingChange();
      tx.insert(users).values({ id: change.userId }).onConflictDoNothing().run();
      const row = tx.insert(orgMemberships).values({ orgId: change.orgId, userId: change.userId, role: change.role, additionalRoles }).returning().get();
      recordAudit(tx, { ...entry, after: row });
      return row;
    });
  }

  async changeRole(actor: MembershipActor, change: RoleChange): Promise<MembershipRow> {
    const entry = {
      ...auditActor(actor),
      action: 'membership.change_role',
      targetType: 'membership',
      targetId: `${change.orgId}:${change.userId}`,
      orgId: change.orgId,
    };
    const requested = this.#validRoles(change);
    return audited(this.#database, entry, (tx) => {
      const before = this.#find(tx, change.orgId, change.userId);
      if (!before) throw notFound('The membership');
      const additionalRoles = change.additionalRoles === undefined || change.additionalRoles === null ? before.additionalRoles : requested;
      const next = { role: change.role, additionalRoles };
      enforce(policy.mayChangeRole(this.#roles, this.#rankOf(tx, actor, change.orgId), before, next, () => this.#ownerCount(tx, change.orgId)));
      if (deletionPending(tx, change.userId)) throw pendingChange();
      if (policy.isOwner(this.#roles, before) && !policy.isOwner(this.#roles, next)) this.#assertOwnerRemains(tx, change.orgId, change.userId);
      const after = tx
        .update(orgMemberships)
        .set({ role: change.role, additionalRoles, updatedAt: new Date() })
        .where(and(eq(orgMemberships.orgId, change.orgId), eq(orgMemberships.userId, change.userId)))
        .returning()
        .get()!;
      recordAudit(tx, { ...entry, before, after });
      return after;
    });
  }

  /** Removes a member, or lets a member leave (actor = the member). */
  async remove(actor: MembershipActor, orgId: string, userId: string): Promise<MembershipRow> {
    const entry = { ...auditActor(actor), action: 'membership.remove', targetType: 'membership', targetId: `${orgId}:${userId}`, orgId };
    return audited(this.#database, entry, (tx) => {
      const before = this.#find(tx, orgId, userId);
      if (!before) throw notFound('The membership');
      enforce(policy.mayRemove(this.#roles, actor, this.#rankOf(tx, actor, orgId), before, () => this.#ownerCount(tx, orgId)));
      if (policy.isOwner(this.#roles, before)) this.#assertOwnerRemains(tx, orgId, userId);
      tx.delete(orgMemberships)
        .where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, userId)))
        .run();
      // The membership ended, so it can no longer be the user's active org.
      tx.update(users)
        .set({ activeOrgId: null })
        .where(and(eq(users.id, userId), eq(users.activeOrgId, orgId)))
        .run();
      recordAudit(tx, { ...entry, before });
      return before;
    });
  }

  /**
   * Gives the owner role to another member; the caller steps down to the next role. Both rows
   * change in one transaction with one audit row, so the org never has zero or an extra owner
   * in between. Returns the new owner's membership.
   */
  async transferOwnership(actor: MembershipActor, orgId: string, userId: string): Promise<MembershipRow> {
    const entry = { ...auditActor(actor), action: 'org.transfer_ownership', targetType: 'membership', targetId: `${orgId}:${userId}`, orgId };
    if (userId === actor.id) throw badUserInput('userId', 'Ownership must go to another member.');
    return audited(this.#database, entry, (tx) => {
      this.#requireOrg(tx, orgId);
      const from = this.#find(tx, orgId, actor.id) ?? null;
      const to = this.#find(tx, orgId, userId);
      if (!to) throw notFound('The membership');
      enforce(policy.mayTransferOwnership(this.#roles, from, to));
      const next = policy.afterTransfer(this.#roles, from!, to);
      if (!next) throw conflict('NO_LOWER_ROLE', 'The role definitions have no role below the owner role for the current owner to keep.');
      // Neither side may be on its way out at Passage: the org could end up owned by a deleted or
      // deactivated user, or handed over by one whose removal was checked against the old owners.
      if (usersBeingRemoved(tx, [actor.id, userId]).size > 0) throw pendingChange();
      // The receiver owns one more org: the same cap as createOrg, counted under the write lock.
      if (ownedBy(tx, userId, this.#roles.ownerRole) >= this.#maxOwnedOrgs) {
        throw orgLimit(this.#maxOwnedOrgs, `The new owner already owns ${this.#maxOwnedOrgs} organizations, the most one user may own.`);
      }
      const now = new Date();
      const set = (uid: string, a: policy.Assignment) =>
        tx
          .update(orgMemberships)
          .set({ role: a.role, additionalRoles: [...a.additionalRoles], updatedAt: now })
          .where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, uid)))
          .returning()
          .get()!;
      const formerOwner = set(actor.id, next.from);
      const newOwner = set(userId, next.to);
      recordAudit(tx, { ...entry, before: { from, to }, after: { from: formerOwner, to: newOwner } });
      return newOwner;
    });
  }

  /**
   * Inside the transaction that records a user's deletion or deactivation: every org they own
   * must keep another owner who is not being removed too.
   */
  assertNotSoleOwner(tx: Db, userId: string): void {
    const owned = tx
      .select()
      .from(orgMemberships)
      .where(eq(orgMemberships.userId, userId))
      .all()
      .filter((m) => policy.isOwner(this.#roles, m));
    for (const m of owned) {
      if (this.#ownerCount(tx, m.orgId) <= 1) throw conflict('LAST_OWNER', 'The user is the last owner of an organization; transfer ownership first.');
      this.#assertOwnerRemains(tx, m.orgId, userId);
    }
  }

  /** Orgs in which the user is the only owner (deleting or deactivating them would orphan the org). */
  async orgsSolelyOwnedBy(userId: string): Promise<string[]> {
    const { db } = this.#database;
    const mine = db
      .select()
      .from(orgMemberships)
      .where(eq(orgMemberships.userId, userId))
      .all()
      .filter((m) => policy.isOwner(this.#roles, m));
    return mine.filter((m) => this.#ownerCount(db, m.orgId) <= 1).map((m) => m.orgId);
  }

  /** How many members hold the owner role (the capability answers ask it only when it matters). */
  ownerCount(orgId: string): number {
    return this.#ownerCount(this.#database.db, orgId);
  }

  /** Members whose directory email or display name contains `query`, case-insensitively. */
  #matchingMembers(query: string): SQL {
    if (query.length > 100) throw badUserInput('query', 'query must be at most 100 characters.');
    const pattern = likePattern(query.toLowerCase());
    // Correlated on each member's primary key, so the cost follows the org's size, not the directory's.
    return sql`(exists (select 1 from ${directoryUsers} where ${directoryUsers.id} = ${orgMemberships.userId} and ${directoryUsers.email} like ${pattern} escape '\\')
      or exists (select 1 from ${users} where ${users.id} = ${orgMemberships.userId} and lower(${users.displayName}) like ${pattern} escape '\\'))`;
  }

  #validRoles(change: RoleChange): string[] {
    if (!this.#roles.has(change.role)) throw badUserInput('role', `Unknown role "${change.role}".`);
    const additional = [...new Set(change.additionalRoles ?? [])].filter((r) => r !== change.role);
    for (const role of additional) {
      if (!this.#roles.has(role)) throw badUserInput('additionalRoles', `Unknown role "${role}".`);
    }
    return additional;
  }

  #requireOrg(tx: Db, orgId: string): void {
    if (!orgExists(tx, orgId)) throw notFound('The organization');
  }

  #find(tx: Db, orgId: string, userId: string): MembershipRow | undefined {
    return tx
      .select()
      .from(orgMemberships)
      .where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, userId)))
      .get();
  }

  /** Read inside the transaction: the decision uses the actor's role as it is now. */
  #rankOf(tx: Db, actor: MembershipActor, orgId: string): number {
    // An app admin's rank needs no membership: skip the read.
    const row = policy.passesEveryOrgRule(actor) ? undefined : this.#find(tx, orgId, actor.id);
    return policy.actingRank(actor, row ? this.describe(row) : null);
  }

  #owners(tx: Db, orgId: string): string[] {
    const owner = this.#roles.ownerRole;
    // LIKE narrows the JSON column portably; the exact check runs on the parsed rows.
    return tx
      .select()
      .from(orgMemberships)
      .where(and(eq(orgMemberships.orgId, orgId), or(eq(orgMemberships.role, owner), like(orgMemberships.additionalRoles, `%${JSON.stringify(owner)}%`))))
      .all()
      .filter((m) => policy.isOwner(this.#roles, m))
      .map((m) => m.userId);
  }

  #ownerCount(tx: Db, orgId: string): number {
    return this.#owners(tx, orgId).length;
  }

  /**
   * Once the policy saw another owner besides `leaving`: an owner whose deletion or deactivation
   * is pending at Passage does not count. If only such owners would remain, the change waits
   * (`PENDING_CHANGE`) instead of risking an org with no owner.
   */
  #assertOwnerRemains(tx: Db, orgId: string, leaving: string): void {
    const others = this.#owners(tx, orgId).filter((id) => id !== leaving);
    const removed = usersBeingRemoved(tx, others);
    if (others.length > 0 && others.every((id) => removed.has(id))) throw pendingChange();
  }
}

export function encodeCursor(row: Pick<MembershipRow, 'createdAt' | 'userId'>): string {
  return Buffer.from(JSON.stringify([row.createdAt.getTime(), row.userId])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; userId: string } {
  try {
    const [ms, userId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof ms === 'number' && Number.isFinite(ms) && typeof userId === 'string') return { createdAt: new Date(ms), userId };
  } catch {
    // fall through
  }
  throw badUserInput('after', 'after is not a cursor returned by this connection.');
}

/** Read inside the caller's transaction. LIKE narrows the JSON column; the exact check runs on the rows. */
export function ownedBy(tx: Db, userId: string, owner: string): number {
  return tx
    .select({ role: orgMemberships.role, additionalRoles: orgMemberships.additionalRoles })
    .from(orgMemberships)
    .where(and(eq(orgMemberships.userId, userId), or(eq(orgMemberships.role, owner), like(orgMemberships.additionalRoles, `%${JSON.stringify(owner)}%`))))
    .all()
    .filter((m) => m.role === owner || m.additionalRoles.includes(owner)).length;
}

/** A user would own more organizations than `MAX_ORGS_PER_USER` allows. */
export const orgLimit = (limit: number, message: string) => conflict('ORG_LIMIT', message, { limit });

/** Read inside the caller's transaction. */
export function orgExists(tx: Db, orgId: string): boolean {
  return tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)).get() !== undefined;
}

/** Read inside the caller's transaction. */
export function isMember(tx: Db, orgId: string, userId: string): boolean {
  return (
    tx
      .select({ id: orgMemberships.userId })
      .from(orgMemberships)
      .where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, userId)))
      .get() !== undefined
  );
}
