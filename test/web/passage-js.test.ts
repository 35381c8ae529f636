import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAuthenticator, credentialsOf, freePort, gqlAs, launchChromium, skipUnlessReady, startDevServer, type DevServer } from './support.js';

// The real Passage web client, @passageidentity/passage-js 4.1.2 from npm (a devDependency), driven in
// Chromium with a virtual authenticator against the identity service embedded in a dev passgraph.
// The package hard-codes https://auth.passage.id/v1; the test page's fetch shim (passage-js/page.mjs)
// sends those requests to the identity service's own listener, cross-origin as in production, so
// CORS preflights are part of every exchange. Where this client and the reconstructed reference
// disagree, the client wins (README, "The real Passage web client").

const PAGE_PATH = '/passage-js/';
const PAGE_ENTRY = fileURLToPath(new URL('./passage-js/page.mjs', import.meta.url));

type Outcome<T> = { ok: true; value: T } | { ok: false; name: string; status: number | null; message: string };
type Call = { method: string; path: string; status: number; code: string | null };
type Harness = {
  connect(appId: string, base: string): void;
  run(name: string, args: unknown[]): Promise<Outcome<unknown>>;
  takeCalls(): Call[];
};
type PageGlobals = {
  harness: Harness;
  localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  location: { href: string };
};

type AuthResult = { authToken: string; redirectUrl: string; refreshToken?: string; refreshTokenExpiration?: number };
type Passkey = { id: string; credId: string; friendlyName: string; userId: string; type: string; usageCount: number };
type CurrentUser = {
  id: string;
  email: string;
  emailVerified: boolean;
  phone: string;
  phoneVerified: boolean;
  status: string;
  webauthn: boolean;
  webauthnDevices: Passkey[];
  webauthnTypes: string[];
};

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The published client and its shim, bundled for the browser (an IIFE). */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [PAGE_ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

const PAGE_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>passage-js</title><script src="page.js"></script></head><body></body></html>';

/**
 * The app's own origin, a loopback server of its own: the page at PAGE_PATH (any query, as a magic
 * link opens it) and its script. A page Playwright fulfils itself has no address, and Chromium's
 * local network access checks then refuse its requests to the loopback identity service.
 */
async function serveApp(script: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body = path === PAGE_PATH ? PAGE_HTML : path === `${PAGE_PATH}page.js` ? script : undefined;
    if (req.method !== 'GET' || body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': path === PAGE_PATH ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

// Whole ceremonies in a browser take seconds each; a loaded machine must not turn that into a failure.
describe.skipIf(skipUnlessReady('passage-js browser tests', { browser: true }))(
  '@passageidentity/passage-js 4.1.2 against the identity service',
  { timeout: 60_000 },
  () => {
    let dev: DevServer;
    let browser: Browser;
    let url: string;
    let appId: string;
    let identityUrl: string;
    let appOrigin: string;
    let app: Server;
    const contexts: BrowserContext[] = [];

    async function openPage(path = PAGE_PATH): Promise<{ page: Page; cdp: CDPSession; context: BrowserContext }> {
      const context = await browser.newContext();
      contexts.push(context);
      // Nothing leaves this machine: every request to another host is refused.
      await context.route(
        (u) => !['localhost', '127.0.0.1'].includes(u.hostname),
        (route) => route.abort(),
      );
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await page.goto(`${appOrigin}${path}`);
      await page.evaluate(([id, base]) => (globalThis as unknown as PageGlobals).harness.connect(id!, base!), [appId, `${identityUrl}/v1/`]);
      return { page, cdp, context };
    }

    const run = async <T>(page: Page, name: string, ...args: unknown[]): Promise<Outcome<T>> =>
      (await page.evaluate(([n, a]) => (globalThis as unknown as PageGlobals).harness.run(n as string, a as unknown[]), [name, args] as const)) as Outcome<T>;
    async function ok<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
      const outcome = await run<T>(page, name, ...args);
      if (!outcome.ok) throw new Error(`${name} failed: ${outcome.status} ${outcome.message} (${JSON.stringify(await takeCalls(page))})`);
      return outcome.value;
    }
    const takeCalls = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).harness.takeCalls());
    const stored = (page: Page, key: string) => page.evaluate((k) => (globalThis as unknown as PageGlobals).localStorage.getItem(k), key);

    const identity = (path: string, init: RequestInit = {}) => fetch(`${identityUrl}/v1/apps/${appId}/${path}`, init);
    const refreshWith = (token: string) =>
      identity('tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: token }) });
    const meOf = async (token: string) => (await gqlAs(url, token)<{ me: { id: string; email: string } }>('{ me { id email } }')).data?.me;

    async function mailTo(address: string): Promise<string> {
      const { messages } = (await (await fetch(`${url}/dev/mailbox`)).json()) as { messages: Array<{ to: string; text: string }> };
      const mine = messages.filter((m) => m.to === address);
      expect(mine.length).toBeGreaterThan(0);
      return mine[mine.length - 1]!.text;
    }

    beforeAll(async () => {
      const port = await freePort();
      let appPort = await freePort();
      while (appPort === port) appPort = await freePort();
      // WebAuthn's RP ID is `localhost`: the page must be on that host, not 127.0.0.1.
      appOrigin = `http://localhost:${appPort}`;
      app = await serveApp(await bundlePage(), appPort);
      // The app's origin is the identity service's auth origin (RP ID `localhost`), not passgraph's.
      dev = await startDevServer({ PORT: String(port), IDENTITY_ORIGINS: appOrigin });
      url = `http://localhost:${port}`;
      ({ url: identityUrl, appId } = (await (await fetch(`${url}/dev/identity`)).json()) as { url: string; appId: string });
      identityUrl = identityUrl.replace(/\/+$/, '');
      browser = await launchChromium();
    }, 300_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await dev?.close();
      await new Promise((resolve) => (app ? app.close(resolve) : resolve(undefined)));
    });

    it('reads the app, looks identifiers up and registers a user created pending; the app origin matches the page', async () => {
      const { page, cdp } = await openPage();
      const info = await ok<{ id: string; authOrigin: string; sessionTimeoutLength: number; userMetadataSchema: unknown[] }>(page, 'app.info');
      expect(info.id).toBe(appId);
      expect(info.authOrigin).toBe(appOrigin);
      expect(await ok<boolean>(page, 'passkey.checkPasskeyOrigin')).toBe(true);
      expect(await ok(page, 'app.userExists', 'nobody@example.com')).toBeNull();
      const created = await ok<{ id: string; status: string }>(page, 'app.createUser', 'pending@example.com', { plan: 'free' });
      expect(created.status).toBe('pending');
      expect(await ok<{ id: string }>(page, 'app.userExists', 'pending@example.com')).toMatchObject({ id: created.id });
      // The elements' registration with metadata: a pending user first, then the passkey.
      await addAuthenticator(cdp);
      const registered = await ok<AuthResult>(page, 'passkey.register', 'pending@example.com');
      expect(await ok<CurrentUser & { userMetadata: unknown }>(page, 'currentUser.userInfo')).toMatchObject({
        id: created.id,
        status: 'active',
        userMetadata: { plan: 'free' },
      });
      expect((await meOf(registered.authToken))?.id).toBe(created.id);

      const bad = await run(page, 'app.userExists', 'not an identifier');
      expect(bad).toMatchObject({ ok: false, status: 400 });
      expect((await takeCalls(page)).at(-1)).toMatchObject({ method: 'GET', path: '/users', status: 400, code: 'invalid_request' });
    });

    it('registers a passkey, signs out, signs in with it by email and without one; passgraph accepts every token', async () => {
      const { page, cdp } = await openPage();
      const authenticator = await addAuthenticator(cdp);
      const email = 'jess@example.com';

      const registered = await ok<AuthResult>(page, 'passkey.register', email);
      expect(registered.redirectUrl).toBe('/');
      expect(registered.refreshToken).toBeTruthy();
      expect(await stored(page, 'psg_auth_token')).toBe(registered.authToken);
      expect(await stored(page, 'psg_refresh_token')).toBe(registered.refreshToken);
      const [credential] = await credentialsOf(cdp, authenticator);
      expect(credential?.isResidentCredential).toBe(true);
      // passage-js sends the transports beside `response`, not inside it: they are kept all the same.
      const start = (await (
        await identity('login/webauthn/start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: email }) })
      ).json()) as { handshake: { challenge: { publicKey: { allowCredentials: Array<{ transports?: string[] }> } } } };
      expect(start.handshake.challenge.publicKey.allowCredentials.map((c) => c.transports)).toEqual([['internal']]);
      expect(await ok<boolean>(page, 'session.authGuard')).toBe(true);
      const me = await meOf(registered.authToken);
      expect(me?.email).toBe(email);
      expect(await ok<boolean>(page, 'passkey.hasLocalPasskey', me!.id)).toBe(true);

      const user = await ok<CurrentUser>(page, 'currentUser.userInfo');
      expect(user).toMatchObject({ id: me!.id, email, status: 'active', webauthn: true });
      expect(user.webauthnDevices).toHaveLength(1);
      expect(user.webauthnDevices[0]!.credId).toBe(Buffer.from(credential!.credentialId, 'base64').toString('base64url'));

      // Sign-out revokes the refresh token and clears storage; the issued JWT stays valid until exp (as Passage).
      expect(await ok<boolean>(page, 'session.signOut')).toBe(true);
      expect(await stored(page, 'psg_auth_token')).toBeNull();
      expect(await stored(page, 'psg_refresh_token')).toBeNull();
      expect((await refreshWith(registered.refreshToken!)).status).toBe(401);
      expect(await run(page, 'session.getAuthToken')).toMatchObject({ ok: false });

      const byEmail = await ok<AuthResult>(page, 'passkey.login', email);
      expect((await meOf(byEmail.authToken))?.email).toBe(email);
      await ok(page, 'session.signOut');

      // No identifier: a discoverable credential, the user found from its user handle.
      const discoverable = await ok<AuthResult>(page, 'passkey.login');
      expect((await meOf(discoverable.authToken))?.id).toBe(me!.id);
      const calls = await takeCalls(page);
      expect(calls.filter((c) => c.path.startsWith('/login/webauthn/')).map((c) => `${c.path} ${c.status}`)).toEqual([
        '/login/webauthn/start 200',
        '/login/webauthn/finish 200',
        '/login/webauthn/start 200',
        '/login/webauthn/finish 200',
      ]);
      expect(calls.filter((c) => c.path === '/tokens').map((c) => `${c.method} ${c.status}`)).toEqual(['DELETE 200', 'DELETE 200']);

      // A second registration for the same (now active) user is refused with Passage's own message.
      const again = await run(page, 'passkey.register', email);
      expect(again).toMatchObject({ ok: false, status: 400, message: 'user: already exists.' });
    });

    it('refreshes with rotation when the stored token has expired; a spent refresh token ends the family', async () => {
      const { page, cdp } = await openPage();
      await addAuthenticator(cdp);
      const first = await ok<AuthResult>(page, 'passkey.register', 'kit@example.com');
      expect(await ok<string>(page, 'session.getAuthToken')).toBe(first.authToken);

      // The client reads `exp` itself (no signature check): an expired token in storage makes it refresh.
      const expired = `${b64json({ alg: 'RS256', typ: 'JWT' })}.${b64json({ sub: 'x', exp: 1 })}.c2ln`;
      await page.evaluate((t) => (globalThis as unknown as PageGlobals).localStorage.setItem('psg_auth_token', t), expired);
      const fresh = await ok<string>(page, 'session.getAuthToken');
      expect(fresh).not.toBe(expired);
      expect((await meOf(fresh))?.email).toBe('kit@example.com');
      const second = (await stored(page, 'psg_refresh_token'))!;
      expect(second).not.toBe(first.refreshToken);

      const rotated = await ok<AuthResult>(page, 'session.refresh');
      expect(rotated.refreshToken).toBeTruthy();
      expect(rotated.refreshToken).not.toBe(second);
      expect(await stored(page, 'psg_refresh_token')).toBe(rotated.refreshToken);
      expect((await meOf(rotated.authToken))?.email).toBe('kit@example.com');
      expect((await refreshWith(second)).status).toBe(401);

      // A spent token presented again (above) revoked the whole family: the client's current one too.
      const refused = await run(page, 'session.refresh');
      expect(refused).toMatchObject({ ok: false, status: 401 });
      expect((await takeCalls(page)).at(-1)).toMatchObject({ method: 'POST', path: '/tokens', status: 401, code: 'invalid_refresh_token' });
    });

    it('adds a second passkey, lists, renames and deletes passkeys; a deleted passkey no longer signs in', async () => {
      const { page, cdp } = await openPage();
      const first = await addAuthenticator(cdp);
      await ok(page, 'passkey.register', 'lou@example.com');
      const [old] = await credentialsOf(cdp, first);

      // The first authenticator holds an excluded credential: add the second passkey on another one.
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: first });
      const second = await addAuthenticator(cdp);
      const added = await ok<Passkey>(page, 'currentUser.addPasskey');
      expect(added.credId).toBe(Buffer.from((await credentialsOf(cdp, second))[0]!.credentialId, 'base64').toString('base64url'));
      const passkeys = await ok<Passkey[]>(page, 'currentUser.passkeys');
      expect(passkeys).toHaveLength(2);

      const renamed = await ok<Passkey>(page, 'currentUser.editPasskey', added.id, 'Work laptop');
      expect(renamed).toMatchObject({ id: added.id, friendlyName: 'Work laptop' });

      const oldCredId = Buffer.from(old!.credentialId, 'base64').toString('base64url');
      const oldPasskey = passkeys.find((p) => p.credId === oldCredId)!;
      expect(await ok<boolean>(page, 'currentUser.deletePasskey', oldPasskey)).toBe(true);
      expect((await ok<Passkey[]>(page, 'currentUser.passkeys')).map((p) => p.id)).toEqual([added.id]);
      await ok(page, 'session.signOut');

      expect(await ok<AuthResult>(page, 'passkey.login', 'lou@example.com')).toHaveProperty('authToken');
      await ok(page, 'session.signOut');

      // Only the deleted credential left on the device.
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: second });
      const third = await addAuthenticator(cdp);
      await cdp.send('WebAuthn.addCredential', { authenticatorId: third, credential: old! });
      await takeCalls(page);
      expect(await run(page, 'passkey.login')).toMatchObject({ ok: false, status: 401 });
      expect((await takeCalls(page)).at(-1)).toMatchObject({ path: '/login/webauthn/finish', status: 401, code: 'discoverable_login_failed' });
      expect(await stored(page, 'psg_auth_token')).toBeNull();
    });

    it('registers and signs in with one-time codes read from the dev mailbox', async () => {
      const { page } = await openPage();
      const email = 'otto@example.com';
      const registering = await ok<{ otpId: string }>(page, 'oneTimePasscode.register', email);
      const registered = await ok<AuthResult>(page, 'oneTimePasscode.activate', /\b(\d{6})\b/.exec(await mailTo(email))![1]!, registering.otpId);
      expect((await meOf(registered.authToken))?.email).toBe(email);
      expect(await stored(page, 'psg_auth_token')).toBe(registered.authToken);
      await ok(page, 'session.signOut');

      const login = await ok<{ otpId: string }>(page, 'oneTimePasscode.login', email);
      const code = /\b(\d{6})\b/.exec(await mailTo(email))![1]!;
      const wrong = code === '000000' ? '000001' : '000000';
      expect(await run(page, 'oneTimePasscode.activate', wrong, login.otpId)).toMatchObject({ ok: false, status: 400 });
      const signedIn = await ok<AuthResult>(page, 'oneTimePasscode.activate', code, login.otpId);
      expect((await meOf(signedIn.authToken))?.email).toBe(email);
      // Used once: the same code again is refused.
      expect(await run(page, 'oneTimePasscode.activate', code, login.otpId)).toMatchObject({ ok: false, status: 400 });
      expect(await run(page, 'oneTimePasscode.login', 'nobody@example.com')).toMatchObject({ ok: false, status: 404 });
    });

    it('signs in with a magic link on a second page, the first one polling status; a link works once', async () => {
      const email = 'mags@example.com';
      const { page: sender } = await openPage();
      const registering = await ok<{ id: string }>(sender, 'magicLink.register', email);
      const registerLink = /(http:\/\/localhost:\d+\S*psg_magic_link=[\w-]+)/.exec(await mailTo(email))![1]!;
      expect(new URL(registerLink).origin).toBe(appOrigin);
      expect(new URL(registerLink).pathname).toBe(PAGE_PATH);
      expect(await run(sender, 'magicLink.status', registering.id)).toMatchObject({ ok: false, status: 404 });

      // The link opened on another device: the page reads the secret from its own URL, as the elements do.
      const { page: clicker } = await openPage(new URL(registerLink).pathname + new URL(registerLink).search);
      const secret = await clicker.evaluate(() => new URL((globalThis as unknown as PageGlobals).location.href).searchParams.get('psg_magic_link'));
      const activated = await ok<AuthResult>(clicker, 'magicLink.activate', secret);
      expect((await meOf(activated.authToken))?.email).toBe(email);
      const polled = await ok<AuthResult>(sender, 'magicLink.status', registering.id);
      expect((await meOf(polled.authToken))?.email).toBe(email);
      expect(await stored(sender, 'psg_auth_token')).toBe(polled.authToken);

      expect(await run(clicker, 'magicLink.activate', secret)).toMatchObject({ ok: false, status: 401 });
      expect((await takeCalls(clicker)).at(-1)).toMatchObject({ method: 'PATCH', path: '/magic-link/activate', code: 'invalid_magic_link' });
      await ok(sender, 'session.signOut');

      await ok(sender, 'magicLink.login', email);
      const loginLink = /psg_magic_link=([\w-]+)/.exec(await mailTo(email))![1]!;
      expect(loginLink).not.toBe(secret);
      const signedIn = await ok<AuthResult>(sender, 'magicLink.activate', loginLink);
      expect((await meOf(signedIn.authToken))?.email).toBe(email);
    });

    it('reads and updates metadata, has no social connections, and changes email and phone through verification links', async () => {
      const { page, cdp } = await openPage();
      await addAuthenticator(cdp);
      await ok(page, 'passkey.register', 'meta@example.com');
      const updated = await ok<CurrentUser & { userMetadata: unknown }>(page, 'currentUser.updateMetadata', { plan: 'pro' });
      expect(updated.userMetadata).toEqual({ plan: 'pro' });
      expect(await ok(page, 'currentUser.metadata')).toEqual({ plan: 'pro' });
      expect(await ok(page, 'currentUser.listSocialConnections')).toEqual({});
      expect(await run(page, 'currentUser.deleteSocialConnection', 'github')).toMatchObject({ ok: false, status: 404 });
      expect((await takeCalls(page)).at(-1)).toMatchObject({
        method: 'DELETE',
        path: '/currentuser/social-connections/github',
        code: 'social_connection_not_found',
      });

      const change = await ok<{ id: string }>(page, 'currentUser.changeEmail', 'meta2@example.com');
      expect(change.id).toBeTruthy();
      const verify = /psg_verify_link=([\w-]+)/.exec(await mailTo('meta2@example.com'))![1]!;
      await ok(page, 'magicLink.activate', verify);
      expect(await ok<CurrentUser>(page, 'currentUser.userInfo')).toMatchObject({ email: 'meta2@example.com', emailVerified: true });

      // Phone numbers go to the dev mailbox in development (no SMS provider).
      await ok(page, 'currentUser.changePhone', '+15550102030');
      await ok(page, 'magicLink.activate', /psg_verify_link=([\w-]+)/.exec(await mailTo('+15550102030'))![1]!);
      expect(await ok<CurrentUser>(page, 'currentUser.userInfo')).toMatchObject({ phone: '+15550102030', phoneVerified: true });
    });
  },
);
