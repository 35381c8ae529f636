import type { IntentRow } from '../db/schema/index.js';
import { isPassageNotFound } from '../passage/errors.js';
import type { PassageClient } from '../passage/client.js';
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
  switch (intent.kind) {
    case 'create_user': {
      try {
        const user = await passage.getUserByIdentifier(intent.identifier ?? '');
        return { reached: true, truth: user, userId: user.id };
      } catch (err) {
        if (isPassageNotFound(err)) return { reached: false, truth: null };
        throw err;
      }
    }
    case 'revoke_sessions':
      // Sessions cannot be read back; revoking again is harmless and makes the outcome certain.
      await passage.revokeRefreshTokens(intent.userId!);
      return { reached: true, truth: null };
    case 'revoke_device': {
      try {
        const devices = await passage.listDevices(intent.userId!);
        return { reached: !devices.some((d) => d.id === input['deviceId']), truth: null };
      } catch (err) {
        if (isPassageNotFound(err)) return { reached: true, truth: 'deleted' };
        throw err;
      }
    }
    default: {
      let user;
      try {
        user = await passage.getUser(intent.userId!);
      } catch (err) {
        if (isPassageNotFound(err)) return { reached: intent.kind === 'delete_user', truth: 'deleted' };
        throw err;
      }
      const reached =
        intent.kind === 'activate_user' ? user.status === 'active'
        : intent.kind === 'deactivate_user' ? user.status === 'inactive'
        : intent.kind === 'update_user' ? matchesUpdate(user, input)
        : false;
      return { reached, truth: user };
    }
  }
}

/** Metadata is merged by Passage, so only the identifiers can show that an update landed. */
function matchesUpdate(user: { email: string; phone: string }, input: Record<string, unknown>): boolean {
  if (typeof input['email'] === 'string' && user.email.toLowerCase() !== input['email'].toLowerCase()) return false;
  if (typeof input['phone'] === 'string' && user.phone !== input['phone']) return false;
  return true;
}
