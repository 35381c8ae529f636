import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { ApiError, badRequest } from '../errors.js';
import { authResult, parseBody, parseIdentifier, type AuthRoute } from './context.js';
import { applyPurpose, registeringUser } from './magic-link.js';
import { assertDeliverable, deliver, signInRecipient } from './messages.js';
import { hashSecret, secretsEqual } from './store.js';

/** One-time passcodes: six digits, a few attempts, single use. */

export const MAX_OTP_ATTEMPTS = 5;
const sendBody = z.object({ identifier: z.string().max(320), language: z.string().max(16).optional() });
const activateBody = z.object({ otp: z.string().min(1).max(32), otp_id: z.string().min(1).max(64) });

const invalidCode = () => badRequest('otp: is invalid or expired.');
const exceeded = () => new ApiError(401, 'exceeded_attempts', 'otp: exceeded number of attempts.');

function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

async function sendCode(deps: Parameters<AuthRoute['handle']>[1], userId: string, purpose: 'login' | 'register', to: ReturnType<typeof parseIdentifier>) {
  const code = newCode();
  const id = deps.auth.createCode({ userId, purpose, code, ttlMs: deps.messageTtlSeconds * 1000 });
  await deliver(deps, to, `Your ${deps.settings.appName} code`, `Your one-time code is ${code}\n`);
  return id;
}

const loginOtp: AuthRoute = {
  method: 'POST',
  pattern: ['login', 'otp'],
  handle: async (req, deps) => {
    const input = parseBody(sendBody, req.body());
    const identifier = parseIdentifier(input.identifier);
    const user = await signInRecipient(deps, req.ip, identifier);
    return { status: 200, body: { otp_id: await sendCode(deps, user.id, 'login', identifier) } };
  },
};

const registerOtp: AuthRoute = {
  method: 'POST',
  pattern: ['register', 'otp'],
  handle: async (req, deps) => {
    const input = parseBody(sendBody, req.body());
    const identifier = parseIdentifier(input.identifier);
    await deps.limits.take(req.ip, identifier.value);
    assertDeliverable(deps, identifier);
    const user = registeringUser(deps, identifier);
    return { status: 201, body: { otp_id: await sendCode(deps, user.id, 'register', identifier) } };
  },
};

const activate: AuthRoute = {
  method: 'POST',
  pattern: ['otp', 'activate'],
  handle: async (req, deps) => {
    const input = parseBody(activateBody, req.body());
    const row = deps.auth.codeById(input.otp_id);
    if (!row || row.used_at !== null || row.expires_at <= Date.now()) throw invalidCode();
    // Counted before comparing, in its own statement, so concurrent guesses share one budget.
    if (!deps.auth.takeCodeAttempt(row.id, MAX_OTP_ATTEMPTS)) throw exceeded();
    if (!secretsEqual(hashSecret(input.otp), row.code_hash)) throw invalidCode();
    const user = deps.store.getUser(row.user_id);
    deps.auth.transaction(() => {
      if (!deps.auth.useCode(row.id)) throw invalidCode();
      applyPurpose(deps, row.user_id, row.purpose, user?.email || user?.phone || '');
    });
    return { status: 200, body: { auth_result: await authResult(deps, row.user_id) } };
  },
};

export const otpRoutes: AuthRoute[] = [loginOtp, registerOtp, activate];
