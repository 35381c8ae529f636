import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { users, type UserRow } from '../db/schema/index.js';
import type { PassageUser } from '../passage/types.js';

/** What Passage says about one user: the user as it answered, or that it does not know them. */
export type PassageTruth = PassageUser | 'deleted';

/**
 * The one place where Passage's word about a user is written locally, inside the caller's
 * transaction: confirmed writes, the intent reconciler and (later) the user directory all come
 * through here, so they cannot disagree about what "deleted" or "inactive" means locally.
 * Returns the local row as it now is (null once deleted).
 */
export function applyPassageTruth(tx: Db, userId: string, truth: PassageTruth): UserRow | null {
  if (truth === 'deleted') {
    // Memberships go with the row (ON DELETE CASCADE).
    tx.delete(users).where(eq(users.id, userId)).run();
    return null;
  }
  const current = tx.select().from(users).where(eq(users.id, userId)).get();
  // Unchanged facts leave the row alone: a reconciler run that learns nothing new writes nothing.
  if (current?.status === truth.status) return current;
  if (current) return tx.update(users).set({ status: truth.status, updatedAt: new Date() }).where(eq(users.id, userId)).returning().get()!;
  return tx.insert(users).values({ id: userId, status: truth.status }).returning().get()!;
}
