import type { Config } from './config.js';
import { startEmulator, type Emulator } from './emulator/index.js';
import type { ExtraRoutes } from './http/server.js';
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
 * Dev mode: with no Passage app configured, run the emulator in-process on loopback, seed the
 * demo users, and point the configuration at it. The emulator keeps its own SQLite file, so
 * users, keys and tokens survive restarts.
 */
export async function startDevPassage(config: Config, log: Logger): Promise<{ config: Config; emulator: Emulator }> {
  const emulator = await startEmulator({
    dbFile: config.emulator.dbFile,
    host: '127.0.0.1',
    port: 0,
    authOrigin: `http://localhost:${config.port}`,
    appName: 'passgraph dev',
    // Nothing in dev mode reads the call log, and npm start may run for days.
    maxRecordedCalls: 0,
  });
  const adminIds = [...config.adminUserIds];
  for (const demo of DEMO_USERS) {
    const user = await emulator.seedUser({ email: demo.email, status: 'active', devices: [{ friendlyName: demo.device, type: 'passkey' }] });
    if (demo.admin) adminIds.push(user.id);
  }
  log.info(
    { emulator: emulator.url, appId: emulator.appId, demoUsers: DEMO_USERS.map((u) => u.email) },
    'dev mode: Passage emulator started; get a token with `npm run -s token -- member@example.com`',
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
        timeoutMs: 5000,
      }),
    }),
  };
}

/**
 * Dev mode's extra routes: the built web console, and the emulator's sign-in page mounted on
 * passgraph's own origin so the cookie it sets is sent with the console's /graphql requests.
 * Never mounted when a real Passage app is configured. Every one of them goes through
 * `loopbackOnly`; a dev route added later belongs inside it too.
 */
export function devRoutes(emulator: Emulator, consoleDir: string = CONSOLE_DIR): ExtraRoutes {
  const site = createStaticSite({ prefix: CONSOLE_PATH, root: consoleDir, missingPage: CONSOLE_NOT_BUILT });
  return loopbackOnly(async (req, res, url) => (await site(req, res, url)) || emulator.handleDevSignIn(req, res));
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
