import { z } from 'zod';
import { ApiError, badRequest } from '../errors.js';
import { authResult, parseBody, parseIdentifier, requireSignInUser, type AuthDeps, type AuthRoute, type Identifier } from './context.js';
import { assertCanSignIn, assertDeliverable, deliver, signInRecipient, linkUrl, safeLinkPath } from './messages.js';
import type { LinkPurpose } from './store.js';

/** Magic links: sent by email (or the dev mailbox), activated once, polled by the sending device. */

const sendBody = z.object({ identifier: z.string().max(320), language: z.string().max(16).optional(), magic_link_path: z.string().max(2048).optional() });
const activateBody = z.object({ magic_link: z.string().min(1).max(256) });
const statusBody = z.object({ id: z.string().min(1).max(64) });

const notFound = () => new ApiError(404, 'magic_link_not_found', 'magic_link: not found.');
const invalidLink = () => new ApiError(401, 'invalid_magic_link', 'magic_link: is expired or already used.');

export async function sendLink(deps: AuthDeps, input: { userId: string; purpose: LinkPurpose; to: Identifier; path?: string; verify?: boolean }) {
  const link = deps.auth.createLink({ userId: input.userId, purpose: input.purpose, newIdentifier: input.to.value, ttlMs: deps.messageTtlSeconds * 1000 });
  const url = linkUrl(deps, safeLinkPath(input.path), input.verify ? 'psg_verify_link' : 'psg_magic_link', link.secret);
  const minutes = Math.round(deps.messageTtlSeconds / 60);
  await deliver(deps, input.to, `Your ${deps.settings.appName} link`, `Open this link to continue (valid for ${minutes} minutes):\n\n${url}\n`);
  return { magic_link: { id: link.id } };
}

/**
 * A link made through the management API (`POST /magic-links`): activated like the
 * Authentication API's own links, and delivered when `send` is set. Called after the link is
 * stored, outside any transaction; a delivery failure is thrown after the link exists.
 */
export async function issueManagementLink(
  deps: AuthDeps,
  input: { userId: string; to: Identifier; type: 'login' | 'verify_identifier'; secret: string; url: string; ttlMinutes: number; send: boolean },
): Promise<void> {
  const purpose: LinkPurpose = input.type === 'login' ? 'login' : input.to.kind === 'email' ? 'verify_email' : 'verify_phone';
  deps.auth.createLink({
    userId: input.userId,
    purpose,
    newIdentifier: input.to.value,
    ttlMs: input.ttlMinutes * 60_000,
    secret: input.secret,
  });
  if (!input.send) return;
  const what = input.type === 'login' ? `sign in to ${deps.settings.appName}` : 'confirm this address';
  await deliver(deps, input.to, `Your ${deps.settings.appName} link`, `Open this link to ${what} (valid for ${input.ttlMinutes} minutes):\n\n${input.url}\n`);
}

const loginLink: AuthRoute = {
  method: 'POST',
  pattern: ['login', 'magic-link'],
  handle: async (req, deps) => {
    const input = parseBody(sendBody, req.body());
    const identifier = parseIdentifier(input.identifier);
    const user = await signInRecipient(deps, req.ip, identifier);
    return { status: 200, body: await sendLink(deps, { userId: user.id, purpose: 'login', to: identifier, path: input.magic_link_path }) };
  },
};

const registerLink: AuthRoute = {
  method: 'POST',
  pattern: ['register', 'magic-link'],
  handle: async (req, deps) => {
    const input = parseBody(sendBody, req.body());
    const identifier = parseIdentifier(input.identifier);
    await deps.limits.take(req.ip, identifier.value);
    assertDeliverable(deps, identifier);
    const user = registeringUser(deps, identifier);
    return { status: 201, body: await sendLink(deps, { userId: user.id, purpose: 'register', to: identifier, path: input.magic_link_path }) };
  },
};

/** The pending user a registration is for: created when absent; a user who signed in already exists. */
export function registeringUser(deps: AuthDeps, identifier: Identifier) {
  const user = deps.store.findUserByIdentifier(identifier.value);
  if (user) {
    assertCanSignIn(user);
    if (user.status !== 'pending' || user.login_count > 0) throw badRequest('user: already exists.');
    return user;
  }
  return deps.store.createUser({ [identifier.kind]: identifier.value, status: 'pending' });
}

/** Applies a link or code to its user inside the caller's transaction; returns the user id. */
export function applyPurpose(deps: AuthDeps, userId: string, purpose: LinkPurpose, identifier: string): void {
  requireSignInUser(deps, userId);
  if (purpose === 'verify_email' || purpose === 'verify_phone') {
    const kind = purpose === 'verify_email' ? 'email' : 'phone';
    deps.store.updateUser(userId, { [kind]: identifier });
    deps.auth.markVerified(userId, kind);
    return;
  }
  if (identifier) deps.auth.markVerified(userId, identifier.startsWith('+') ? 'phone' : 'email');
  deps.auth.recordLogin(userId);
}

const activate: AuthRoute = {
  method: 'PATCH',
  pattern: ['magic-link', 'activate'],
  handle: async (req, deps) => {
    const { magic_link: secret } = parseBody(activateBody, req.body());
    const userId = deps.auth.transaction(() => {
      const link = deps.auth.linkBySecret(secret);
      if (!link) throw notFound();
      if (link.activated_at !== null || link.expires_at <= Date.now()) throw invalidLink();
      requireSignInUser(deps, link.user_id);
      if (!deps.auth.activateLink(link.id)) throw invalidLink();
      applyPurpose(deps, link.user_id, link.purpose, link.new_identifier);
      return link.user_id;
    });
    return { status: 200, body: { auth_result: await authResult(deps, userId) } };
  },
};

const status: AuthRoute = {
  method: 'POST',
  pattern: ['magic-link', 'status'],
  handle: async (req, deps) => {
    const { id } = parseBody(statusBody, req.body());
    // One answer per activated link: the id is not a secret the way the link is, so it signs in once.
    const userId = deps.auth.transaction(() => {
      const link = deps.auth.linkById(id);
      if (!link || link.activated_at === null || link.expires_at <= Date.now()) throw notFound();
      if (!deps.auth.claimLinkStatus(link.id)) throw notFound();
      requireSignInUser(deps, link.user_id);
      return link.user_id;
    });
    return { status: 200, body: { auth_result: await authResult(deps, userId) } };
  },
};

export const magicLinkRoutes: AuthRoute[] = [loginLink, registerLink, activate, status];
