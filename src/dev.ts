import type { ServerResponse } from 'node:http';
import type { Config } from './config.js';
import { loadIdentitySettings } from './identity/config.js';
import { DEV_MAILBOX_PATH, startEmulator, type Emulator } from './identity/index.js';
import type { ExtraRoutes } from './http/server.js';
import { identityForwarder } from './dev-identity-proxy.js';
import { createStaticSite } from './http/static.js';
import type { Logger } from './logger.js';
import { fromRoot } from './paths.js';

/** Where `npm run web:build` puts the example console (examples/web). */
export const CONSOLE_DIR = `${fromRoot('examples', 'web', 'dist')}/`;
export const CONSOLE_PATH = '/console/';

export const DEMO_USERS = [
  { email: 'admin@example.com', admin: true, device: 'Demo passkey (admin)' },
  { email: 'member@example.com', admin: false, device: 'Demo passkey (member)' },
] as const;

/**
 * The identity service inside this process: dev mode (no Passage app configured) or
 * IDENTITY=embedded. It listens on loopback only; passgraph talks to it over HTTP like to any
 * Passage app. Dev mode defaults: refresh tokens on, RP ID `localhost`, passgraph's own origin as
 * the WebAuthn origin, demo users seeded. Its SQLite file keeps users, keys and sessions.
 */
export async function startEmbeddedIdentity(config: Config, log: Logger): Promise<{ config: Config; emulator: Emulator }> {
  const settings = loadIdentitySettings(config.identity.env, {
    authOrigin: `http://localhost:${config.port}`,
    dbFile: config.emulator.dbFile,
    port: 0,
  });
  const dev = config.nodeEnv !== 'production';
  const emulator = await startEmulator({
    ...settings.options,
    appName: settings.options.appName ?? (dev ? 'passgraph dev' : undefined),
    host: '127.0.0.1',
    port: 0,
    // The mailbox is served by passgraph itself in dev (see devRoutes), not by the identity listener.
    devRoutes: false,
    log: (level, message, fields) => log[level](fields ?? {}, message),
  });
  const adminIds = [...config.adminUserIds];
  if (dev) {
    for (const demo of DEMO_USERS) {
      const user = await emulator.seedUser({ email: demo.email, status: 'active', devices: [{ friendlyName: demo.device, type: 'passkey' }] });
      if (demo.admin) adminIds.push(user.id);
    }
  }
  log.info(
    {
      identity: emulator.url,
      emulator: emulator.url,
      appId: emulator.appId,
      rpId: emulator.rpId,
      origins: emulator.origins,
      ...(dev ? { demoUsers: DEMO_USERS.map((u) => u.email) } : {}),
    },
    dev ? 'dev mode: identity service started; get a token with `npm run -s token -- member@example.com`' : 'identity service embedded',
  );
  return {
    emulator,
    config: Object.freeze({
      ...config,
      adminUserIds: Object.freeze([...new Set(adminIds)]),
      passage: Object.freeze({
        appId: emulator.appId,
        apiKey: emulator.apiKey,
        apiUrl: emulator.apiUrl,
        jwksUrl: emulator.jwksUrl,
        timeoutMs: config.passage?.timeoutMs ?? 5000,
      }),
    }),
  };
}

/**
 * Dev mode's extra routes: the built web console, the identity service's Authentication API
 * (`/v1/apps/{appId}/…`, for the console's sign-in page), and the emulator's dev-only sign-in page
 * mounted on passgraph's own origin so the cookie it sets is sent with the console's /graphql requests.
 * Never mounted when a real Passage app is configured. Every one of them goes through
 * `loopbackOnly`; a dev route added later belongs inside it too.
 */
export function devRoutes(emulator: Emulator, opts: { consoleDir?: string; extra?: ExtraRoutes } = {}): ExtraRoutes {
  const site = createStaticSite({ prefix: CONSOLE_PATH, root: opts.consoleDir ?? CONSOLE_DIR, missingPage: CONSOLE_NOT_BUILT });
  const extra = opts.extra ?? (async () => false);
  const identity = identityForwarder({ url: emulator.url, appId: emulator.appId });
  return loopbackOnly(async (req, res, url) => {
    if (await site(req, res, url)) return true;
    if (await extra(req, res, url)) return true;
    if (await identity(req, res, url)) return true;
    if (url.pathname === DEV_IDENTITY_PATH && req.method === 'GET') {
      sendJson(res, { url: emulator.url, appId: emulator.appId });
      return true;
    }
    if (url.pathname === DEV_MAILBOX_PATH && req.method === 'GET' && emulator.mailbox) {
      sendJson(res, { messages: emulator.mailbox.messages });
      return true;
    }
    return emulator.handleDevSignIn(req, res);
  });
}

/**
 * Anyone who reaches the dev sign-in can become the demo admin. So dev routes answer only a
 * request from this machine (with HOST=0.0.0.0 others can connect) that names this machine in
 * its Host header: a DNS-rebinding page reaches the port from the developer's own browser, but
 * under its own host name. Anything else falls through to the ordinary 404.
 */
export function loopbackOnly(routes: ExtraRoutes): ExtraRoutes {
  return async (req, res, url) => {
    if (!isLoopback(req.socket.remoteAddress) || !isLoopbackHost(req.headers.host)) return false;
    return routes(req, res, url);
  };
}

/** Where tools and tests find the embedded identity service: `{ url, appId }`. */
export const DEV_IDENTITY_PATH = '/dev/identity';

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** `localhost`, `127.0.0.1` or `[::1]`, with an optional port; written exactly so, case aside. */
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

/** A Host header naming this machine. */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

const CONSOLE_NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>The web console is not built</h1>
<p>Run <code>npm run web:install</code> once and <code>npm run web:build</code>, then reload.</p>
</body></html>
`;
