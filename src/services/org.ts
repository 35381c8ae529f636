import { randomUUID } from 'node:crypto';
import { and, eq, inArray, like, or, sql } from 'drizzle-orm';
import type { Roles } from '../auth/roles.js';
import type { Database, Db } from '../db/client.js';
import { orgMemberships, orgs, users, type OrgRow } from '../db/schema/index.js';
import { badUserInput, conflict, notFound } from '../errors.js';
import { audited, changedKeys, metadataDigest, recordAudit } from './audit.js';

export type Actor = { id: string };

export type OrgInput = { name?: string | null; metadata?: Record<string, unknown> | null };

const MAX_METADATA_BYTES = 16_384;

/** Organizations: creation (the creator becomes owner), edits and deletion, each audited. */
export class OrgService {
  readonly #database: Database;
  readonly #roles: Roles;
  readonly #maxOwnedOrgs: number;
  readonly #byId;

  /** `maxOwnedOrgs`: how many organizations one user may own at once (default 100). */
  constructor(opts: { database: Database; roles: Roles; maxOwnedOrgs?: number }) {
    this.#database = opts.database;
    this.#roles = opts.roles;
    this.#maxOwnedOrgs = opts.maxOwnedOrgs ?? 100;
    this.#byId = opts.database.db.select().from(orgs).where(eq(orgs.id, sql.placeholder('id'))).prepare();
  }

  async findById(id: string): Promise<OrgRow | null> {
    return this.#byId.get({ id }) ?? null;
  }

  async findByIds(ids: readonly string[]): Promise<OrgRow[]> {
    if (ids.length === 0) return [];
    if (ids.length === 1) return [this.#byId.get({ id: ids[0]! })].filter((r) => r !== undefined);
    return this.#database.db.select().from(orgs).where(inArray(orgs.id, [...ids])).all();
  }

  async create(actor: Actor, input: OrgInput): Promise<OrgRow> {
    const name = validName(input.name, true)!;
    const metadata = validMetadata(input.metadata) ?? {};
    const id = randomUUID();
    return audited(this.#database, { actorId: actor.id, action: 'org.create', targetType: 'org', targetId: id, orgId: id }, (tx) => {
      // Counted inside the write transaction, so racing creations cannot pass the cap together.
      if (this.#ownedCount(tx, actor.id) >= this.#maxOwnedOrgs) {
        throw conflict('ORG_LIMIT', `You already own ${this.#maxOwnedOrgs} organizations, the most one user may own; delete one or transfer ownership first.`, { limit: this.#maxOwnedOrgs });
      }
      tx.insert(users).values({ id: actor.id }).onConflictDoNothing().run();
      const org = tx.insert(orgs).values({ id, name, metadata }).returning().get();
      tx.insert(orgMemberships).values({ orgId: id, userId: actor.id, role: this.#roles.ownerRole }).run();
      recordAudit(tx, {
        actorId: actor.id,
        action: 'org.create',
        targetType: 'org',
        targetId: id,
        orgId: id,
        after: { id, name, metadata: metadataDigest(metadata), ownerId: actor.id, ownerRole: this.#roles.ownerRole },
      });
      return org;
    });
  }

  #ownedCount(tx: Db, userId: string): number {
    return ownedBy(tx, userId, this.#roles.ownerRole);
  }

  async update(actor: Actor, id: string, input: OrgInput): Promise<OrgRow> {
    const name = validName(input.name, false);
    const metadata = validMetadata(input.metadata);
    return audited(this.#database, { actorId: actor.id, action: 'org.update', targetType: 'org', targetId: id, orgId: id }, (tx) => {
      const before = tx.select().from(orgs).where(eq(orgs.id, id)).get();
      if (!before) throw notFound('The organization');
      const patch = { ...(name !== undefined ? { name } : {}), ...(metadata !== undefined ? { metadata } : {}), updatedAt: new Date() };
      const after = tx.update(orgs).set(patch).where(eq(orgs.id, id)).returning().get()!;
      recordAudit(tx, {
        actorId: actor.id,
        action: 'org.update',
        targetType: 'org',
        targetId: id,
        orgId: id,
        before: { name: before.name, metadata: metadataDigest(before.metadata) },
        after: { name: after.name, metadata: metadataDigest(after.metadata), changedKeys: changedKeys(before.metadata, after.metadata) },
      });
      return after;
    });
  }

  /** Memberships go with the org (ON DELETE CASCADE); the audit row keeps what was removed. */
  async delete(actor: Actor, id: string): Promise<OrgRow> {
    return audited(this.#database, { actorId: actor.id, action: 'org.delete', targetType: 'org', targetId: id, orgId: id }, (tx) => {
      const before = tx.select().from(orgs).where(eq(orgs.id, id)).get();
      if (!before) throw notFound('The organization');
      const members = tx.select().from(orgMemberships).where(eq(orgMemberships.orgId, id)).all();
      tx.delete(orgs).where(eq(orgs.id, id)).run();
      recordAudit(tx, {
        actorId: actor.id,
        action: 'org.delete',
        targetType: 'org',
        targetId: id,
        orgId: id,
        before: { id: before.id, name: before.name, metadata: metadataDigest(before.metadata), createdAt: before.createdAt, members },
      });
      return before;
    });
  }
}

/** Read inside the caller's transaction. LIKE narrows the JSON column; the exact check runs on the rows. */
function ownedBy(tx: Db, userId: string, owner: string): number {
  return tx
    .select({ role: orgMemberships.role, additionalRoles: orgMemberships.additionalRoles })
    .from(orgMemberships)
    .where(and(eq(orgMemberships.userId, userId), or(eq(orgMemberships.role, owner), like(orgMemberships.additionalRoles, `%${JSON.stringify(owner)}%`))))
    .all()
    .filter((m) => m.role === owner || m.additionalRoles.includes(owner)).length;
}

function validName(value: string | null | undefined, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required || value === null) throw badUserInput('name', 'name is required.');
    return undefined;
  }
  const name = value.trim();
  if (name.length < 1 || name.length > 100) throw badUserInput('name', 'name must be 1 to 100 characters.');
  return name;
}

function validMetadata(value: Record<string, unknown> | null | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badUserInput('metadata', 'metadata must be a JSON object.');
  if (JSON.stringify(value).length > MAX_METADATA_BYTES) {
    throw badUserInput('metadata', `metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON.`);
  }
  return value;
}
