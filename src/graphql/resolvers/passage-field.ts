import type { PassageUser } from '../../passage/types.js';
import type { GraphQLContext } from '../context.js';
import { fromPassageError } from '../errors.js';

/**
 * Loads the Passage record behind a user through the request's DataLoader. A Passage failure
 * surfaces as a coded error on the field that needed it, so local fields still resolve.
 */
export async function passageUserOf(ctx: GraphQLContext, userId: string): Promise<PassageUser> {
  try {
    return await ctx.loaders.passageUser.load(userId);
  } catch (err) {
    throw fromPassageError(err);
  }
}

/** Passage sends "" for a missing identifier; clients expect null. */
export const nonEmpty = (value: string | null | undefined): string | null => (value ? value : null);
