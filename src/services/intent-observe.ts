import type { IntentRow } from '../db/schema/index.js';
import { isPassageNotFound } from '../passage/errors.js';
import type { PassageClient } from '../passage/client.js';
import type { PassageUser } from '../passage/types.js';
import type { PassageTruth } from './passage-truth.js';

/**
 * What Passage shows about one intent: whether the change it asked for is visible (`reached`),
 * what to write locally about the user (`truth`, null when no local state depends on it) and,
 * for a created user, who they are.
 */
export type Observation = { reached: boolean; truth: PassageTruth | null; userId?: string };

/**
 * Reads Passage (one or two GETs) to see whether an intent took effect. Throws when Passage
 * cannot be read; the intent then stays pending for the next run.
 */
export async function observeIntent(passage: PassageClient, intent: IntentRow): Promise<Observation> {
  const input = intent.input;
  const userId = intent.userId!;
  switch (intent.kind) {
    case 'create_user':
      try {
        const user = await passage.getUserByIdentifier(intent.identifier ?? '');
        return { reached: true, truth: user, userId: user.id };
      } catch (err) {
        if (isPassageNotFound(err)) return { reached: false, truth: null };
        throw err;
      }
    case 'revoke_sessions':
      // Sessions cannot be read back; revoking again is harmless and makes the outcome certain.
      await passage.revokeRefreshTokens(userId);
      return { reached: true, truth: null };
    case 'revoke_device':
      try {
        const devices = await passage.listDevices(userId);
        return { reached: !devices.some((d) => d.id === input['deviceId']), truth: null };
      } catch (err) {
        if (isPassageNotFound(err)) return { reached: true, truth: 'deleted' };
        throw err;
      }
    case 'update_user':
      if (typeof input['email'] !== 'string' && typeof input['phone'] !== 'string') {
        // Metadata is merged by Passage, so reading it back cannot show whether this update
        // landed; sending the same update again is harmless and makes the outcome certain.
        return readUser(
          () => passage.updateUser(userId, { userMetadata: input['metadata'] as Record<string, unknown> | undefined }),
          () => true,
        );
      }
      return readUser(
        () => passage.getUser(userId),
        (user) => matchesUpdate(user, input),
      );
    case 'activate_user':
      return readUser(
        () => passage.getUser(userId),
        (user) => user.status === 'active',
      );
    case 'deactivate_user':
      return readUser(
        () => passage.getUser(userId),
        (user) => user.status === 'inactive',
      );
    case 'delete_user':
      return readUser(
        () => passage.getUser(userId),
        () => false,
        true,
      );
  }
}

/** One user call: its answer is the truth; "not found" is a deletion (the goal of a delete intent). */
async function readUser(call: () => Promise<PassageUser>, reached: (user: PassageUser) => boolean, deleting = false): Promise<Observation> {
  try {
    const user = await call();
    return { reached: reached(user), truth: user };
  } catch (err) {
    if (isPassageNotFound(err)) return { reached: deleting, truth: 'deleted' };
    throw err;
  }
}

/** Only the identifiers can show that an update landed (metadata is merged). */
function matchesUpdate(user: PassageUser, input: Record<string, unknown>): boolean {
  if (typeof input['email'] === 'string' && user.email.toLowerCase() !== input['email'].toLowerCase()) return false;
  if (typeof input['phone'] === 'string' && user.phone !== input['phone']) return false;
  return true;
}
