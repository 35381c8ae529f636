import { createHash } from 'node:crypto';
import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import * as policy from '../auth/policy.js';
import { AppError, badUserInput } from '../errors.js';
import type { Database, Db } from '../db/client.js';
import { auditLog, type AuditRow, type NewAuditRow } from '../db/schema/index.js';

/**
 * What a service records. `onBehalfOf` is required (null when nobody is impersonated) so no audit
 * write can forget an impersonation: build both fields with `auditActor(actor)`.
 */
export type AuditEntry = Omit<NewAuditRow, 'id' | 'at' | 'outcome' | 'onBehalfOf'> & { onBehalfOf: string | null };

/** Who acts: a viewer, possibly an app admin impersonating them (`impersonatorId`). */
export type AuditActor = { readonly id: string; readonly impersonatorId?: string | undefined };

/**
 * The audit fields for an actor: during an impersonation the admin is the actor, on behalf of the
 * user; otherwise the viewer acts for themself.
 */
export function auditActor(actor: AuditActor): { actorId: string; onBehalfOf: string | null } {
  return actor.impersonatorId === undefined ? { actorId: actor.id, onBehalfOf: null } : { actorId: actor.impersonatorId, onBehalfOf: actor.id };
}

/**
 * What an audit row keeps of a metadata object: a digest, its size and its keys, never the
 * blob itself (up to 16 KB per change would make the append-only log grow without need).
 */
export function metadataDigest(metadata: Record<string, unknown>): { sha256: string; bytes: number; keys: string[] } {
  const text = JSON.stringify(metadata);
  return { sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text), keys: Object.keys(metadata).slice(0, 50) };
}

/** Top-level keys whose values differ between two metadata objects (at most 50 listed). */
export function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).slice(0, 50);
}

/** Writes a success row inside the caller's transaction, so the change and its record commit together. */
export function recordAudit(tx: Db, entry: AuditEntry): void {
  tx.insert(auditLog)
    .values({ ...entry, outcome: 'success' })
    .run();
}

/**
 * Runs a write transaction; when it fails, the rollback leaves no trace of the change, so the
 * refusal is recorded in a transaction of its own (actor, action, target and why).
 */
export async function audited<T>(database: Database, entry: AuditEntry, fn: (tx: Db) => T): Promise<T> {
  try {
    return await database.transaction(fn);
  } catch (err) {
    await recordFailure(database, entry, err);
    throw err;
  }
}

/** Records a refused or failed change with the error code as its detail; never throws. */
export async function recordFailure(database: Database, entry: AuditEntry, err: unknown): Promise<void> {
  // Refusals from the GraphQL layer (access rules) arrive already mapped; the services' own as AppError.
  const code = err instanceof AppError ? err.code : (err as { extensions?: { code?: unknown } }).extensions?.code;
  await database
    .transaction((tx) => {
      tx.insert(auditLog)
        .values({ ...entry, outcome: 'failure', detail: typeof code === 'string' ? code : 'ERROR' })
        .run();
    })
    .catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Reading the log
// ---------------------------------------------------------------------------------------------

export type AuditFilter = {
  orgId?: string | null;
  actorId?: string | null;
  onBehalfOf?: string | null;
  targetId?: string | null;
  action?: string | null;
  since?: Date | null;
  until?: Date | null;
};

export type AuditPage = { rows: AuditRow[]; hasNextPage: boolean; hasPreviousPage: boolean };

/** The most events one page returns. */
export const MAX_AUDIT_PAGE = 100;

/** Keys whose values are never shown, however a row came to hold them (magic-link secrets, tokens, their URLs). */
const SECRET_KEY = /secret|token|password|magic_?link|url|hash/i;

/** A copy of a recorded value with every secret-looking key's value replaced; bounded in depth. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 16) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]));
  }
  return value;
}

/**
 * The audit log as people read it: newest first, by id (cursors are ids, so a page never shifts
 * as rows are appended). No total count: the log only grows, and counting it would be a full scan.
 * Who may read is decided by the callers: app admins for `list`, `listForOrg` asks the policy.
 */
export class AuditService {
  readonly #database: Database;

  constructor(opts: { database: Database }) {
    this.#database = opts.database;
  }

  list(filter: AuditFilter, page: { first: number; after?: string | null }): AuditPage {
    const conditions: SQL[] = [];
    if (filter.orgId) conditions.push(eq(auditLog.orgId, filter.orgId));
    if (filter.actorId) conditions.push(eq(auditLog.actorId, filter.actorId));
    if (filter.onBehalfOf) conditions.push(eq(auditLog.onBehalfOf, filter.onBehalfOf));
    if (filter.targetId) conditions.push(eq(auditLog.targetId, filter.targetId));
    if (filter.action) conditions.push(eq(auditLog.action, filter.action));
    if (filter.since) conditions.push(gte(auditLog.at, filter.since));
    if (filter.until) conditions.push(lt(auditLog.at, filter.until));
    if (page.after) conditions.push(lt(auditLog.id, decodeAuditCursor(page.after)));
    const rows = this.#database.db
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.id))
      .limit(page.first + 1)
      .all();
    return { rows: rows.slice(0, page.first), hasNextPage: rows.length > page.first, hasPreviousPage: Boolean(page.after) };
  }

  /** One org's events, for a member whose roles grant `org:audit:read` (or an app admin). */
  listForOrg(viewer: policy.PolicyViewer, membership: policy.Grant | null, orgId: string, page: { first: number; after?: string | null }): AuditPage {
    policy.enforce(policy.inOrg(viewer, orgId, membership, policy.withPermissions([policy.ORG_PERMISSIONS.auditRead])));
    return this.list({ orgId }, page);
  }
}

export const encodeAuditCursor = (row: Pick<AuditRow, 'id'>): string => Buffer.from(String(row.id)).toString('base64url');

function decodeAuditCursor(cursor: string): number {
  const id = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(id) || id < 1) throw badUserInput('after', 'after is not a cursor returned by this connection.');
  return id;
}
