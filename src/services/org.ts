import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, gt, like, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Roles } from '../auth/roles.js';
import type { Database, Db } from '../db/client.js';
import { idList, inIdList } from '../db/id-list.js';
import { orgMemberships, orgs, users, type OrgRow } from '../db/schema/index.js';
import { badUserInput, conflict, notFound } from '../errors.js';
import { orgLimit, ownedBy } from './membership.js';
import { audited, auditActor, changedKeys, metadataDigest, recordAudit, type AuditActor } from './audit.js';
import { likePattern, slugFromName, validSlug } from './slug.js';

export type Actor = AuditActor;

export type OrgInput = { name?: string | null; slug?: string | null; metadata?: Record<string, unknown> | null };

export type OrgPage = { rows: OrgRow[]; totalCount: number; hasNextPage: boolean; hasPreviousPage: boolean };

const MAX_METADATA_BYTES = 16_384;

/** Organizations: creation (the creator becomes owner), edits and deletion, each audited. */
export class OrgService {
  readonly #database: Database;
  readonly #roles: Roles;
  readonly #maxOwnedOrgs: number;
  readonly #byId;
  readonly #byIds;

  /** `maxOwnedOrgs`: how many organizations one user may own at once (default 100). */
  constructor(opts: { database: Database; roles: Roles; maxOwnedOrgs?: number }) {
    this.#database = opts.database;
    this.#roles = opts.roles;
    this.#maxOwnedOrgs = opts.maxOwnedOrgs ?? 100;
    this.#byId = opts.database.db
      .select()
      .from(orgs)
      .where(eq(orgs.id, sql.placeholder('id')))
      .prepare();
    this.#byIds = opts.database.db.select().from(orgs).where(inIdList(orgs.id)).prepare();
  }

  async findById(id: string): Promise<OrgRow | null> {
    return this.#byId.get({ id }) ?? null;
  }

  async findByIds(ids: readonly string[]): Promise<OrgRow[]> {
    if (ids.length === 0) return [];
    if (ids.length === 1) return [this.#byId.get({ id: ids[0]! })].filter((r) => r !== undefined);
    return this.#byIds.all({ ids: idList(ids) });
  }

  /** A malformed slug names no org: the caller's mistake, said as such. */
  async findBySlug(slug: string): Promise<OrgRow | null> {
    return (
      this.#database.db
        .select()
        .from(orgs)
        .where(eq(orgs.slug, validSlug(slug)))
        .get() ?? null
    );
  }

  /** Every org, oldest first (the app admins' list); `query` matches name or slug, case-insensitively. */
  async list(opts: { first: number; after?: string | null; query?: string | null }): Promise<OrgPage> {
    const { db } = this.#database;
    const filters: SQL[] = [];
    const query = opts.query?.trim();
    if (query) {
      if (query.length > 100) throw badUserInput('query', 'query must be at most 100 characters.');
      const pattern = likePattern(query.toLowerCase());
      filters.push(or(sql`lower(${orgs.name}) like ${pattern} escape '\\'`, sql`${orgs.slug} like ${pattern} escape '\\'`)!);
    }
    const totalCount = db
      .select({ n: count() })
      .from(orgs)
      .where(and(...filters))
      .get()!.n;
    if (opts.after) {
      const cursor = decodeOrgCursor(opts.after);
      filters.push(or(gt(orgs.createdAt, cursor.createdAt), and(eq(orgs.createdAt, cursor.createdAt), gt(orgs.id, cursor.id)))!);
    }
    const rows = db
      .select()
      .from(orgs)
      .where(and(...filters))
      .orderBy(asc(orgs.createdAt), asc(orgs.id))
      .limit(opts.first + 1)
      .all();
    return { rows: rows.slice(0, opts.first), totalCount, hasNextPage: rows.length > opts.first, hasPreviousPage: Boolean(opts.after) };
  }

  /** `base`, or `base-2`, `base-3`, ... when taken; read inside the creating transaction, so two creations cannot pick the same one. */
  #freeSlug(tx: Db, base: string): string {
    const taken = new Set(
      tx
        .select({ slug: orgs.slug })
        .from(orgs)
        .where(or(eq(orgs.slug, base), like(orgs.slug, `${base}-%`)))
        .limit(1000)
        .all()
        .map((r) => r.slug),
    );
    if (!taken.has(base)) return base;
    for (let n = 2; n <= 1001; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
    // More than a thousand orgs with one name: a random suffix instead of a longer search.
    return `${base}-${randomUUID().slice(0, 8)}`;
  }

  async create(actor: Actor, input: OrgInput): Promise<OrgRow> {
    const name = validName(input.name, true)!;
    const metadata = validMetadata(input.metadata) ?? {};
    const id = randomUUID();
    return audited(this.#database, { ...auditActor(actor), action: 'org.create', targetType: 'org', targetId: id, orgId: id }, (tx) => {
      // Counted inside the write transaction, so racing creations cannot pass the cap together.
      if (this.#ownedCount(tx, actor.id) >= this.#maxOwnedOrgs) {
        throw orgLimit(
          this.#maxOwnedOrgs,
          `You already own ${this.#maxOwnedOrgs} organizations, the most one user may own; delete one or transfer ownership first.`,
        );
      }
      tx.insert(users).values({ id: actor.id }).onConflictDoNothing().run();
      const slug = this.#freeSlug(tx, slugFromName(name));
      const org = tx.insert(orgs).values({ id, name, slug, metadata }).returning().get();
      tx.insert(orgMemberships).values({ orgId: id, userId: actor.id, role: this.#roles.ownerRole }).run();
      recordAudit(tx, {
        ...auditActor(actor),
        action: 'org.create',
        targetType: 'org',
        targetId: id,
        orgId: id,
        after: { id, name, slug: org.slug, metadata: metadataDigest(metadata), ownerId: actor.id, ownerRole: this.#roles.ownerRole },
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
    const slug = input.slug === undefined ? undefined : validSlug(input.slug);
    return audited(this.#database, { ...auditActor(actor), action: 'org.update', targetType: 'org', targetId: id, orgId: id }, (tx) => {
      const before = tx.select().from(orgs).where(eq(orgs.id, id)).get();
      if (!before) throw notFound('The organization');
      if (
        slug !== undefined &&
        tx
          .select({ id: orgs.id })
          .from(orgs)
          .where(and(eq(orgs.slug, slug), ne(orgs.id, id)))
          .get()
      ) {
        throw conflict('SLUG_TAKEN', 'Another organization has this slug.', { field: 'slug' });
      }
      const patch = {
        ...(name !== undefined ? { name } : {}),
        ...(slug !== undefined ? { slug } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
        updatedAt: new Date(),
      };
      const after = tx.update(orgs).set(patch).where(eq(orgs.id, id)).returning().get()!;
      recordAudit(tx, {
        ...auditActor(actor),
        action: 'org.update',
        targetType: 'org',
        targetId: id,
        orgId: id,
        before: { name: before.name, slug: before.slug, metadata: metadataDigest(before.metadata) },
        after: { name: after.name, slug: after.slug, metadata: metadataDigest(after.metadata), changedKeys: changedKeys(before.metadata, after.metadata) },
      });
      return after;
    });
  }

  /** Memberships go with the org (ON DELETE CASCADE); the audit row keeps what was removed. */
  async delete(actor: Actor, id: string): Promise<OrgRow> {
    return audited(this.#database, { ...auditActor(actor), action: 'org.delete', targetType: 'org', targetId: id, orgId: id }, (tx) => {
      const before = tx.select().from(orgs).where(eq(orgs.id, id)).get();
      if (!before) throw notFound('The organization');
      const members = tx.select().from(orgMemberships).where(eq(orgMemberships.orgId, id)).all();
      tx.delete(orgs).where(eq(orgs.id, id)).run();
      // Every membership ended with it: none of them stays anyone's active org.
      tx.update(users).set({ activeOrgId: null }).where(eq(users.activeOrgId, id)).run();
      recordAudit(tx, {
        ...auditActor(actor),
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

export function encodeOrgCursor(row: Pick<OrgRow, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.createdAt.getTime(), row.id])).toString('base64url');
}

function decodeOrgCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [ms, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof ms === 'number' && Number.isFinite(ms) && typeof id === 'string') return { createdAt: new Date(ms), id };
  } catch {
    // fall through
  }
  throw badUserInput('after', 'after is not a cursor returned by this connection.');
}
