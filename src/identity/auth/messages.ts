import { operationNotAllowed, userNotActive, userNotFound } from '../errors.js';
import type { PassageUserWire } from '../store.js';
import type { AuthDeps, Identifier } from './context.js';
import type { Message } from './delivery.js';

/** Refused before anything is stored, so a refusal changes nothing. */
export function assertDeliverable(deps: AuthDeps, identifier: Identifier): void {
  if (!deps.delivery.supports(identifier.kind)) {
    throw operationNotAllowed(identifier.kind === 'phone' ? 'phone: no SMS provider is configured.' : 'email: no email delivery is configured.');
  }
}

export function assertCanSignIn(user: PassageUserWire): void {
  if (user.status === 'inactive') throw userNotActive();
}

/**
 * The checks a sign-in message (link or code) passes before anything is stored: the limits
 * first, so refusals cost the caller too, then who it is for, then whether it can be delivered.
 */
export async function signInRecipient(deps: AuthDeps, ip: string, identifier: Identifier): Promise<PassageUserWire> {
  await deps.limits.take(ip, identifier.value);
  const user = deps.store.findUserByIdentifier(identifier.value);
  if (!user) throw userNotFound();
  assertCanSignIn(user);
  assertDeliverable(deps, identifier);
  return user;
}

/** A relative path on the app's origin; anything else would make the link point elsewhere. */
export function safeLinkPath(path: string | undefined): string {
  if (!path) return '/';
  return path.startsWith('/') && !path.startsWith('//') && !path.includes('\\') ? path : '/';
}

export function linkUrl(deps: AuthDeps, path: string, param: 'psg_magic_link' | 'psg_verify_link', secret: string): string {
  const url = new URL(path, deps.settings.authOrigin);
  url.searchParams.set(param, secret);
  return url.toString();
}

/** Sent after the database work committed: no network call inside a transaction. */
export async function deliver(deps: AuthDeps, identifier: Identifier, subject: string, text: string): Promise<void> {
  const message: Message = { channel: identifier.kind, to: identifier.value, subject, text };
  try {
    await deps.delivery.send(message);
  } catch (error) {
    // The message body carries the secret: only the reason is logged.
    deps.log('error', 'identity: delivery failed', { channel: identifier.kind, reason: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
