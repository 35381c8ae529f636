import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import type { Database, Db } from '../db/client.js';
import { auditLog, type NewAuditRow } from '../db/schema/index.js';

export type AuditEntry = Omit<NewAuditRow, 'id' | 'at' | 'outcome'>;

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
  tx.insert(auditLog).values({ ...entry, outcome: 'success' }).run();
}

/**
 * Runs a write transaction; when it fails, the rollback leaves no trace of the change, so the
 * refusal is recorded in a transaction of its own (actor, action, target and why).
 */
export async function audited<T>(
  database: Database,
  entry: AuditEntry,
  fn: (tx: Db) => T,
): Promise<T> {
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
