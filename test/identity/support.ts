import type { Emulator } from '../../src/identity/index.js';
import { SoftAuthenticator } from '../helpers/authenticator.js';

export type Reply = { status: number; body: any; headers: Headers };

/** A browser-like client of the Authentication API: no API key, optional user bearer token. */
export function authClient(identity: Emulator, origin = identity.authOrigin) {
  return async (method: string, path: string, body?: unknown, token?: string): Promise<Reply> => {
    const headers: Record<string, string> = { origin };
    if (token) headers.authorization = `Bearer ${token}`;
    // Sent as text/plain on purpose: the API parses JSON whatever the content type.
    const res = await fetch(`${identity.apiUrl}/apps/${identity.appId}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
}

export type AuthClient = ReturnType<typeof authClient>;

/** Registers `email` with a new software passkey; returns the authenticator, user id and auth_result. */
export async function registerPasskey(api: AuthClient, origin: string, email: string) {
  const authenticator = new SoftAuthenticator(origin);
  const start = await api('POST', '/register/webauthn/start', { identifier: email });
  if (start.status !== 201) throw new Error(`register start: ${start.status} ${JSON.stringify(start.body)}`);
  const finish = await api('POST', '/register/webauthn/finish', {
    handshake_id: start.body.handshake.id,
    user_id: start.body.user.id,
    handshake_response: authenticator.create(start.body.handshake.challenge.publicKey),
  });
  if (finish.status !== 201) throw new Error(`register finish: ${finish.status} ${JSON.stringify(finish.body)}`);
  return { authenticator, userId: start.body.user.id as string, result: finish.body.auth_result };
}

/** Signs in with a passkey, discoverable unless an identifier is given. */
export async function loginPasskey(api: AuthClient, authenticator: SoftAuthenticator, identifier?: string, ceremony = {}) {
  const start = await api('POST', '/login/webauthn/start', identifier ? { identifier } : undefined);
  if (start.status !== 200) return start;
  return api('POST', '/login/webauthn/finish', {
    handshake_id: start.body.handshake.id,
    ...(identifier ? { user_id: start.body.user.id } : {}),
    handshake_response: authenticator.get(start.body.handshake.challenge.publicKey, ceremony),
  });
}

/** The management API with the app's API key (server-to-server). */
export function managementClient(identity: Emulator) {
  return async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const res = await fetch(`${identity.apiUrl}/apps/${identity.appId}${path}`, {
      method,
      headers: { authorization: `Bearer ${identity.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
}
