import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addAuthenticator,
  credentialsOf,
  ensureConsoleBuilt,
  freePort,
  gqlAs,
  launchChromium,
  skipUnlessReady,
  startDevServer,
  type DevServer,
} from './support.js';

// The console's sign-in page against the embedded identity service, in Chromium with a virtual
// authenticator (CDP WebAuthn domain): real ceremonies, real origin and RP ID checks.

type PageGlobals = { document: { documentElement: { dataset: Record<string, string | undefined> } } };
type StorageGlobals = { localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void } };

/** In the page: true once the console has finished a redraw numbered above n. */
const redrawnAfter = (n: number): boolean => {
  const d = (globalThis as unknown as PageGlobals).document.documentElement.dataset;
  return Number(d['generation'] ?? 0) > n && d['busy'] === undefined;
};
const ready = (page: Page) => page.waitForFunction(redrawnAfter, 0);
const generation = (page: Page) => page.evaluate(() => Number((globalThis as unknown as PageGlobals).document.documentElement.dataset['generation'] ?? 0));
async function andRedraw(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await generation(page);
  await action();
  await page.waitForFunction(redrawnAfter, before);
}
const stored = (page: Page, key: string) => page.evaluate((k) => (globalThis as unknown as StorageGlobals).localStorage.getItem(k), key);
const store = (page: Page, key: string, value: string) =>
  page.evaluate(([k, v]) => (globalThis as unknown as StorageGlobals).localStorage.setItem(k!, v!), [key, value]);

describe.skipIf(skipUnlessReady('console sign-in browser tests', { browser: true }))(
  'console sign-in with the identity service (Chromium, virtual authenticator)',
  () => {
    let dev: DevServer;
    let browser: Browser;
    let url: string;
    let appId: string;
    const contexts: BrowserContext[] = [];

    const newPage = async () => {
      const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return { page, cdp: await context.newCDPSession(page) };
    };

    /** The Authentication API as the browser reaches it: on passgraph's origin. */
    const identity = (path: string, init: RequestInit = {}) => fetch(`${url}/v1/apps/${appId}/${path}`, init);
    const refreshWith = (token: string) =>
      identity('tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: token }) });

    async function mailTo(address: string): Promise<string> {
      const res = await fetch(`${url}/dev/mailbox`);
      const { messages } = (await res.json()) as { messages: Array<{ to: string; text: string }> };
      const mine = messages.filter((m) => m.to === address);
      expect(mine.length).toBeGreaterThan(0);
      return mine[mine.length - 1]!.text;
    }

    async function signOut(page: Page): Promise<void> {
      await Promise.all([page.waitForEvent('load'), page.click('[data-testid=sign-out]')]);
      await ready(page);
      await page.waitForSelector('[data-testid=signin-passkey]');
    }

    async function signInWithCode(page: Page, email: string): Promise<void> {
      await page.fill('[data-testid=signin-email]', email);
      await page.click('[data-testid=signin-otp]');
      await page.waitForSelector('[data-testid=otp-code]');
      const code = /\b(\d{6})\b/.exec(await mailTo(email))![1]!;
      await page.fill('[data-testid=otp-code]', code);
      await andRedraw(page, () => page.click('[data-testid=otp-submit]'));
      expect(await page.textContent('[data-testid=me-email]')).toBe(email);
    }

    beforeAll(async () => {
      ensureConsoleBuilt();
      const port = await freePort();
      dev = await startDevServer({ PORT: String(port) });
      // WebAuthn's RP ID is `localhost`: the page must be on that host, not 127.0.0.1.
      url = `http://localhost:${port}`;
      appId = ((await (await fetch(`${url}/dev/identity`)).json()) as { appId: string }).appId;
      browser = await launchChromium();
    }, 300_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await dev?.close();
    });

    it('registers with an email and a passkey, signs out (refresh revoked), signs in without an email, and passgraph accepts the token', async () => {
      const { page, cdp } = await newPage();
      await cdp.send('WebAuthn.enable');
      const first = await addAuthenticator(cdp);
      await page.goto(`${url}/console/`);
      await ready(page);
      await page.fill('[data-testid=signin-email]', 'pat@example.com');
      await andRedraw(page, () => page.click('[data-testid=signin-continue]'));
      expect(await page.textContent('[data-testid=me-email]')).toBe('pat@example.com');
      expect(await page.locator('[data-testid=device]').count()).toBe(1);
      const [credential] = await credentialsOf(cdp, first);
      expect(credential?.isResidentCredential).toBe(true);

      const token = (await stored(page, 'psg_auth_token'))!;
      const refresh = (await stored(page, 'psg_refresh_token'))!;
      expect(refresh).toBeTruthy();
      const me = await gqlAs(url, token)<{ me: { email: string } }>('{ me { email } }');
      expect(me.data?.me.email).toBe('pat@example.com');

      await signOut(page);
      expect(await stored(page, 'psg_auth_token')).toBeNull();
      expect((await refreshWith(refresh)).status).toBe(401);

      // No email typed: the authenticator offers its discoverable credential.
      await andRedraw(page, () => page.click('[data-testid=signin-passkey]'));
      expect(await page.textContent('[data-testid=me-email]')).toBe('pat@example.com');
      const after = await gqlAs(url, (await stored(page, 'psg_auth_token'))!)<{ me: { email: string } }>('{ me { email } }');
      expect(after.data?.me.email).toBe('pat@example.com');
    });

    it('adds a second passkey from the profile; a removed passkey can no longer sign in, the other still can', async () => {
      const { page, cdp } = await newPage();
      await cdp.send('WebAuthn.enable');
      const first = await addAuthenticator(cdp);
      await page.goto(`${url}/console/`);
      await ready(page);
      await page.fill('[data-testid=signin-email]', 'quinn@example.com');
      await andRedraw(page, () => page.click('[data-testid=signin-continue]'));
      const [old] = await credentialsOf(cdp, first);
      // A second device: the first authenticator holds an excluded credential and would refuse.
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: first });
      const second = await addAuthenticator(cdp);
      await andRedraw(page, () => page.click('[data-testid=add-passkey]'));
      expect(await page.getAttribute('[data-testid=notice]', 'data-ok')).toBe('true');
      expect(await page.locator('[data-testid=device]').count()).toBe(2);

      const devices = (await (
        await identity('currentuser/devices', { headers: { authorization: `Bearer ${await stored(page, 'psg_auth_token')}` } })
      ).json()) as { devices: Array<{ id: string; cred_id: string }> };
      const oldCredId = Buffer.from(old!.credentialId, 'base64').toString('base64url');
      const oldDevice = devices.devices.find((d) => d.cred_id === oldCredId)!;
      expect(oldDevice).toBeDefined();
      await andRedraw(page, () => page.click(`[data-testid=device][data-device-id="${oldDevice.id}"] [data-testid=remove-device]`));
      expect(await page.locator('[data-testid=device]').count()).toBe(1);

      await signOut(page);
      await andRedraw(page, () => page.click('[data-testid=signin-passkey]'));
      expect(await page.textContent('[data-testid=me-email]')).toBe('quinn@example.com');
      await signOut(page);

      // Only the removed credential left on the device: the identity service refuses it.
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: second });
      const third = await addAuthenticator(cdp);
      await cdp.send('WebAuthn.addCredential', { authenticatorId: third, credential: old! });
      await page.click('[data-testid=signin-passkey]');
      await page.waitForSelector('[data-testid=signin-status][data-ok=false]');
      expect(await page.getAttribute('[data-testid=signin-status]', 'data-code')).toBe('discoverable_login_failed');
      expect(await stored(page, 'psg_auth_token')).toBeNull();
    });

    it('signs in with a magic link and with a one-time code read from the dev mailbox; a link works once', async () => {
      const { page } = await newPage();
      await page.goto(`${url}/console/`);
      await ready(page);
      await page.fill('[data-testid=signin-email]', 'mo@example.com');
      await page.click('[data-testid=signin-magic-link]');
      await page.waitForSelector('[data-testid=signin-status][data-ok=true]');
      const link = /(http:\/\/localhost:\d+\/console\/\?psg_magic_link=[\w-]+)/.exec(await mailTo('mo@example.com'))![1]!;
      await page.goto(link);
      await ready(page);
      expect(await page.textContent('[data-testid=me-email]')).toBe('mo@example.com');
      expect(page.url()).not.toContain('psg_magic_link');

      await signOut(page);
      await page.goto(link);
      await ready(page);
      expect(await page.getAttribute('[data-testid=signin-status]', 'data-code')).toBe('invalid_magic_link');

      await signInWithCode(page, 'mo@example.com');
    });

    it('rotates the refresh token when the auth token is refused; reuse of an old one, or revokeSessions, ends the session', async () => {
      const { page } = await newPage();
      await page.goto(`${url}/console/`);
      await ready(page);
      await signInWithCode(page, 'rae@example.com');

      // A refused auth token (as an expired one would be): the console refreshes and carries on.
      const first = (await stored(page, 'psg_refresh_token'))!;
      await store(page, 'psg_auth_token', 'not-a-token');
      await page.reload();
      await ready(page);
      expect(await page.textContent('[data-testid=me-email]')).toBe('rae@example.com');
      const second = (await stored(page, 'psg_refresh_token'))!;
      expect(second).not.toBe(first);

      // The spent token presented again: its whole family is revoked, the console's current one too.
      expect((await refreshWith(first)).status).toBe(401);
      await store(page, 'psg_auth_token', 'not-a-token');
      await page.reload();
      await ready(page);
      await page.waitForSelector('[data-testid=signin-passkey]');
      expect(await stored(page, 'psg_refresh_token')).toBeNull();

      // revokeSessions through passgraph: the refresh token stops working.
      await signInWithCode(page, 'rae@example.com');
      const token = (await stored(page, 'psg_auth_token'))!;
      const refresh = (await stored(page, 'psg_refresh_token'))!;
      const gql = gqlAs(url, token);
      const me = await gql<{ me: { id: string } }>('{ me { id } }');
      const revoked = await gql<{ revokeSessions: boolean }>('mutation($id: ID!) { revokeSessions(userId: $id) }', { id: me.data!.me.id });
      expect(revoked.codes).toEqual([]);
      expect(revoked.data?.revokeSessions).toBe(true);
      await store(page, 'psg_auth_token', 'not-a-token');
      await page.reload();
      await ready(page);
      await page.waitForSelector('[data-testid=signin-passkey]');
      expect((await refreshWith(refresh)).status).toBe(401);
    });
  },
);
