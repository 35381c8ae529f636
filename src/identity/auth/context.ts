import type { IncomingHttpHeaders } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { z } from 'zod';
import { badRequest, invalidAccessToken, userNotActive, userNotFound } from '../errors.js';
import { mintToken, publicJwks } from '../keys.js';
import { checkPhone, normalizeEmail, type AppSettings, type EmulatorStore, type PassageDeviceWire, type PassageUserWire } from '../store.js';
import type { Delivery } from './delivery.js';
import type { Limits } from './limits.js';
import type { AuthStore } from './store.js';

export type WebAuthnSettings = {
  /** The relying party id: the host name passkeys are bound to. */
  rpId: string;
  /** Origins a ceremony may come from (also the CORS allow-list). */
  origins: string[];
  rpName: string;
  challengeTtlMs: number;
};

export type RefreshSettings = { enabled: boolean; lifetimeSeconds: number };

/** Everything an Authentication API handler may use; built once per identity service. */
export type AuthDeps = {
  store: EmulatorStore;
  auth: AuthStore;
  settings: AppSettings;
  webauthn: WebAuthnSettings;
  refresh: RefreshSettings;
  delivery: Delivery;
  limits: Limits;
  /** Link and code lifetime. */
  messageTtlSeconds: number;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
};

export type AuthRequest = {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: () => unknown;
  headers: IncomingHttpHeaders;
  ip: string;
};
export type AuthReply = { status: number; body?: unknown };
export type AuthRoute = { method: string; pattern: string[]; handle: (req: AuthRequest, deps: AuthDeps) => Promise<AuthReply> | AuthReply };

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw badRequest(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid value'}.`);
}

export type Identifier = { kind: 'email' | 'phone'; value: string };

/** An email (lower-cased) or an E.164 phone number; anything else is 400 invalid_request. */
export function parseIdentifier(raw: string): Identifier {
  const trimmed = raw.trim();
  if (trimmed.startsWith('+')) return { kind: 'phone', value: checkPhone(trimmed) };
  return { kind: 'email', value: normalizeEmail(trimmed) };
}

/** `User` of the Authentication API (public shape). */
export function publicUser(user: PassageUserWire, withTypes = true) {
  return {
    id: user.id,
    email: user.email,
    email_verified: user.email_verified,
    phone: user.phone,
    phone_verified: user.phone_verified,
    status: user.status,
    user_metadata: user.user_metadata,
    webauthn: user.webauthn,
    ...(withTypes ? { webauthn_types: user.webauthn_types } : {}),
  };
}

export function credentialWire(device: PassageDeviceWire, userId: string) {
  return { ...device, user_id: userId };
}

/** `CurrentUser`: the public user plus devices, timestamps and login count. */
export function currentUserWire(user: PassageUserWire) {
  return {
    ...publicUser(user),
    webauthn_devices: user.webauthn_devices.map((d) => credentialWire(d, user.id)),
    social_connections: {},
    created_at: user.created_at,
    updated_at: user.updated_at,
    last_login_at: user.last_login_at,
    login_count: user.login_count,
  };
}

/** The user a sign-in is for: must exist and not be deactivated. */
export function requireSignInUser(deps: AuthDeps, userId: string): PassageUserWire {
  const user = deps.store.getUser(userId);
  if (!user) throw userNotFound();
  if (user.status === 'inactive') throw userNotActive();
  return user;
}

/** `auth_result`: an auth token, plus a refresh token (new family unless rotating) when enabled. */
export async function authResult(deps: AuthDeps, userId: string, refresh?: { family: string; expiresAt: number }) {
  const authToken = await mintToken(deps.store, userId);
  if (!deps.refresh.enabled) return { auth_token: authToken, redirect_url: '/' };
  const expiresAt = refresh?.expiresAt ?? Date.now() + deps.refresh.lifetimeSeconds * 1000;
  const refreshToken = deps.auth.issueRefresh(userId, refresh?.family ?? null, expiresAt);
  return { auth_token: authToken, redirect_url: '/', refresh_token: refreshToken, refresh_token_expiration: Math.floor(expiresAt / 1000) };
}

/** The signed-in user of a `/currentuser` request, from its bearer auth token. */
export async function bearerUser(deps: AuthDeps, headers: IncomingHttpHeaders): Promise<PassageUserWire> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (!match) throw invalidAccessToken();
  let sub: string | undefined;
  try {
    const { payload } = await jwtVerify(match[1]!, createLocalJWKSet(publicJwks(deps.store)), {
      algorithms: ['RS256'],
      issuer: deps.settings.issuer,
      audience: deps.settings.appId,
    });
    sub = payload.sub;
  } catch {
    throw invalidAccessToken();
  }
  if (!sub) throw invalidAccessToken();
  return requireSignInUser(deps, sub);
}
