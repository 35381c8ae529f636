import { randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import type { Roles } from '../auth/roles.js';
import type { Database } from '../db/client.js';
import { orgMemberships, orgs, users, type OrgRow } from '../db/schema/index.js';
import { badUserInput, notFound } from '../errors.js';
import { audited, recordAudit } from './audit.js';

export type Actor = { id: string };

export type OrgInput = { name?: string | null; metadata?: Record<string, unknown> | null };

const MAX_METADATA_BYTES = 16_384;

/** Organizations: creation (the creator becomes owner), edits and deletion, each audited. */
export class OrgService {
  readonly #database: Database;
  readonly #roles: Roles;
  readonly #byId;

  constructor(opts: { database: Database; roles: Roles }) {
    this.#database = opts.database;
    this.#roles = opts.roles;
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
      tx.insert(users).values({ id: actor.id }).onConflictDoNothing().run();
      const org = tx.insert(orgs).values({ id, name, metadata }).returning().get();
      tx.insert(orgMemberships).values({ orgId: id, userId: actor.id, role: this.#roles.ownerRole }).run();
      recordAudit(tx, {
        actorId: actor.id,
        action: 'org.create',
        targetType: 'org',
        targetId: id,
        orgId: id,
        after: { ...org, ownerId: actor.id, ownerRole: this.#roles.ownerRole },
      });
      return org;
    });
  }

  async update(actor: Actor, id: string, input: OrgInput): Promise<OrgRow> {
    const name = validName(input.name, false);
    const metadata = validMetadata(input.metadata);
    return audited(this.#database, { actorId: actor.id, action: 'org.update', targetType: 'org', targetId: id, orgId: id }, (tx) => {
      const before = tx.select().from(orgs).where(eq(orgs.id, id)).get();
      if (!before) throw notFound('The organization');
      const patch = { ...(name !== undefined ? { name } : {}), ...(metadata !== undefined ? { metadata } : {}), updatedAt: new Date() };
      const after = tx.update(orgs).set(patch).where(eq(orgs.id, id)).returning().get()!;
      recordAudit(tx, { actorId: actor.id, action: 'org.update', targetType: 'org', targetId: id, orgId: id, before, after });
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
      recordAudit(tx, { actorId: actor.id, action: 'org.delete', targetType: 'org', targetId: id, orgId: id, before: { ...before, members } });
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
