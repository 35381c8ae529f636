import {
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';

// The identity service's Authentication API (the one the Passage web SDK spoke). The console calls
// it on its own origin, `/v1/apps/{appId}/…`: passgraph forwards it to the embedded identity service
// in dev mode, and a production set-up puts the same path behind its proxy. Same-origin keeps the
// console's CSP at `connect-src 'self'` and needs no CORS.

/** Where the tokens live: the names Passage's web SDK used, in this origin's localStorage. */
const AUTH_TOKEN = 'psg_auth_token';
const REFRESH_TOKEN = 'psg_refresh_token';

export type AuthResult = { auth_token: string; refresh_token?: string; refresh_token_expiration?: number };

/** An answer the identity service refused: its `code` (e.g. `user_not_found`) and HTTP status. */
export class IdentityError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

let appIdPromise: Promise<string> | null = null;

/**
 * The app id: from the build (`VITE_PASSAGE_APP_ID`), else asked of the dev server
 * (`GET /dev/identity`, dev mode only).
 */
function appId(): Promise<string> {
  const built = import.meta.env['VITE_PASSAGE_APP_ID'] as string | undefined;
  if (built) return Promise.resolve(built);
  appIdPromise ??= fetch('/dev/identity', { headers: { accept: 'application/json' } })
    .then(async (res) => {
      if (!res.ok) throw new IdentityError(res.status, 'identity_not_found');
      return ((await res.json()) as { appId: string }).appId;
    })
    .catch((err: unknown) => {
      appIdPromise = null;
      throw err instanceof IdentityError ? err : new IdentityError(0, 'network_error');
    });
  return appIdPromise;
}

type Call = { method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'; body?: unknown; bearer?: boolean; query?: Record<string, string> };

async function call<T>(path: string, opts: Call = {}): Promise<T> {
  const id = await appId();
  const query = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.bearer) {
    const token = authToken();
    if (token) headers['authorization'] = `Bearer ${token}`;
  }
  let res: Response;
  try {
    res = await fetch(`/v1/apps/${encodeURIComponent(id)}/${path}${query}`, {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch {
    throw new IdentityError(0, 'network_error');
  }
  const text = await res.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) throw new IdentityError(res.status, typeof body['code'] === 'string' ? body['code'] : 'error');
  return body as T;
}

export function authToken(): string | null {
  return localStorage.getItem(AUTH_TOKEN);
}

function keep(result: AuthResult): void {
  localStorage.setItem(AUTH_TOKEN, result.auth_token);
  if (result.refresh_token) localStorage.setItem(REFRESH_TOKEN, result.refresh_token);
  else localStorage.removeItem(REFRESH_TOKEN);
}

function forget(): void {
  localStorage.removeItem(AUTH_TOKEN);
  localStorage.removeItem(REFRESH_TOKEN);
}

type Handshake<T> = { handshake: { id: string; challenge: { publicKey: T } } };

/** "Sign in with a passkey": no email typed, the authenticator offers its discoverable credentials. */
export async function signInWithPasskey(identifier?: string): Promise<void> {
  const start = await call<Handshake<PublicKeyCredentialRequestOptionsJSON>>('login/webauthn/start', { body: identifier ? { identifier } : {} });
  const response = await startAuthentication({ optionsJSON: start.handshake.challenge.publicKey });
  const finish = await call<{ auth_result: AuthResult }>('login/webauthn/finish', { body: { handshake_id: start.handshake.id, handshake_response: response } });
  keep(finish.auth_result);
}

/** A new account: the email becomes the user, the passkey made now is their first credential. */
export async function registerWithPasskey(identifier: string): Promise<void> {
  const start = await call<Handshake<PublicKeyCredentialCreationOptionsJSON>>('register/webauthn/start', { body: { identifier } });
  const response = await startRegistration({ optionsJSON: start.handshake.challenge.publicKey });
  const finish = await call<{ auth_result: AuthResult }>('register/webauthn/finish', {
    body: { handshake_id: start.handshake.id, handshake_response: response },
  });
  keep(finish.auth_result);
}

/** Whether an account exists for this identifier (what Passage's own API reveals too). */
export async function userExists(identifier: string): Promise<boolean> {
  const found = await call<{ user: unknown }>('users', { query: { identifier } });
  return found.user !== null && found.user !== undefined;
}

/** Another passkey for the signed-in user (`currentuser/devices/start|finish`). */
export async function addPasskey(): Promise<void> {
  const start = await call<Handshake<PublicKeyCredentialCreationOptionsJSON>>('currentuser/devices/start', { body: {}, bearer: true });
  const response = await startRegistration({ optionsJSON: start.handshake.challenge.publicKey });
  await call('currentuser/devices/finish', { body: { handshake_id: start.handshake.id, handshake_response: response }, bearer: true });
}

/** A passkey of the signed-in user, as the identity service lists it. */
export type Passkey = { id: string; friendly_name: string; type: string; usage_count: number; created_at: string };

/**
 * The signed-in user's passkeys, read from the identity service itself: passgraph caches what it
 * reads from Passage for a while, and a passkey added here must show at once.
 */
export async function listPasskeys(): Promise<Passkey[]> {
  return (await call<{ devices: Passkey[] }>('currentuser/devices', { bearer: true })).devices;
}

/** Deletes one of the signed-in user's passkeys; it can no longer sign in. */
export async function deletePasskey(id: string): Promise<void> {
  await call(`currentuser/devices/${encodeURIComponent(id)}`, { method: 'DELETE', bearer: true });
}

/** Sends a sign-in link to the console's own page; registers the identifier first if it is new. */
export async function sendMagicLink(identifier: string, path: string): Promise<void> {
  const body = { identifier, magic_link_path: path };
  if (await userExists(identifier)) await call('login/magic-link', { body });
  else await call('register/magic-link', { body });
}

/** Signs in with the secret from a link this console sent (`?psg_magic_link=`). */
export async function activateMagicLink(secret: string): Promise<void> {
  const result = await call<{ auth_result: AuthResult }>('magic-link/activate', { method: 'PATCH', body: { magic_link: secret } });
  keep(result.auth_result);
}

/** Sends a one-time code; answers the id `activateCode` needs with the code. */
export async function sendCode(identifier: string): Promise<string> {
  const path = (await userExists(identifier)) ? 'login/otp' : 'register/otp';
  return (await call<{ otp_id: string }>(path, { body: { identifier } })).otp_id;
}

export async function activateCode(otpId: string, code: string): Promise<void> {
  const result = await call<{ auth_result: AuthResult }>('otp/activate', { body: { otp: code, otp_id: otpId } });
  keep(result.auth_result);
}

let refreshing: Promise<boolean> | null = null;

/**
 * Trades the refresh token for a new pair (the old one is spent: the identity service rotates it).
 * False when there is none or it is refused (revoked, reused, user deactivated): the tokens are
 * then forgotten. Concurrent callers share one refresh, so a token is never presented twice.
 */
export function refreshSession(): Promise<boolean> {
  const token = localStorage.getItem(REFRESH_TOKEN);
  if (!token) return Promise.resolve(false);
  refreshing ??= call<{ auth_result: AuthResult }>('tokens', { body: { refresh_token: token } })
    .then((result) => {
      keep(result.auth_result);
      return true;
    })
    .catch((err: unknown) => {
      // A network failure keeps the tokens: the outcome is unknown, so the user may retry.
      if (!(err instanceof IdentityError) || err.status === 0) return false;
      forget();
      return false;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** Sign-out: the refresh token is revoked (`DELETE tokens`), then both tokens are forgotten. */
export async function signOut(): Promise<void> {
  const token = localStorage.getItem(REFRESH_TOKEN);
  try {
    if (token) await call('tokens', { method: 'DELETE', query: { refresh_token: token } });
  } catch {
    // Forgetting locally is still right; the auth token expires on its own.
  } finally {
    forget();
  }
}
