import type { DirectoryEntry } from '../../services/directory.js';
import type { GraphQLContext } from '../context.js';
import { toGraphQLError } from '../errors.js';

/**
 * The directory entry behind a user, through the request's DataLoader: no Passage call unless
 * the directory has never seen the user. A failure surfaces as a coded error on the field that
 * needed it, so local fields still resolve.
 */
export async function entryOf(ctx: GraphQLContext, userId: string): Promise<DirectoryEntry> {
  try {
    return await ctx.loaders.directoryUser.load(userId);
  } catch (err) {
    throw toGraphQLError(err);
  }
}

/** A field of the user's entry: synchronous when the request already holds the entry, as `me` and a page of users do. */
export function fromEntry<T>(ctx: GraphQLContext, userId: string, pick: (entry: DirectoryEntry) => T): T | Promise<T> {
  const known = ctx.loaders.knownEntry(userId);
  return known ? pick(known) : entryOf(ctx, userId).then(pick);
}

/** Passage sends "" for a missing identifier; clients expect null. */
export const nonEmpty = (value: string | null | undefined): string | null => (value ? value : null);
