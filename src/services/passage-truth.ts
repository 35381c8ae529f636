import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { users, type UserRow } from '../db/schema/index.js';
import type { PassageUser } from '../passage/types.js';
import type { DirectoryService } from './directory.js';

/** What Passage says about one user: the user as it answered, or that it does not know them. */
export type PassageTruth = PassageUser | 'deleted';

/**
 * The one place where Passage's word about one user, learned from a write or a read of that
 * user, is written locally, inside the caller's transaction: confirmed writes and the intent
 * reconciler both come through here, so they cannot disagree about what "deleted" or "inactive"
 * means locally. The user directory is written in the same transaction (a deletion leaves its
 * tombstone, so the user's token stays refused). The caller audits the change. Returns the local
 * row as it now is (null once deleted).
 */
export function applyPassageTruth(tx: Db, directory: DirectoryService, userId: string, truth: PassageTruth, source: 'get' | 'write'): UserRow | null {
  if (truth === 'deleted') {
    // The local row goes too, and its memberships with it (ON DELETE CASCADE).
    directory.recordDeletionInTx(tx, userId);
    return null;
  }
  const current = tx.select().from(users).where(eq(users.id, userId)).get();
  // Unchanged facts leave the local row alone: a reconciler run that learns nothing new rewrites only the directory entry.
  let row: UserRow;
  if (current?.status === truth.status) row = current;
  else if (current) row = tx.update(users).set({ status: truth.status, updatedAt: new Date() }).where(eq(users.id, userId)).returning().get()!;
  else row = tx.insert(users).values({ id: userId, status: truth.status }).returning().get()!;
  directory.applyInTx(tx, truth, source);
  return row;
}
