import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { andRedraw, devSignIn, notice, org, ready } from './console-page.js';
import { ensureConsoleBuilt, gqlAs, launchChromium, skipUnlessReady, startDevServer, type DevServer, type Gql } from './support.js';

// An app admin impersonates a user from the users list: the console runs on the impersonation
// token (Bearer) under a banner, refuses what `@noImpersonation` marks, and "Stop" revokes the
// token and returns to the admin's own session.

type Stored = { token: string; expiresAt: string };
const stored = (page: Page) =>
  page.evaluate(() => {
    const raw = (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('passgraph_impersonation');
    return raw === null ? null : (JSON.parse(raw) as Stored);
  });

describe.skipIf(skipUnlessReady('console impersonation browser tests', { browser: true }))(
  'impersonation in the console (Chromium, dev mode)',
  () => {
    let dev: DevServer;
    let browser: Browser;
    let url: string;
    let admin: Gql;
    let labId: string;
    let page: Page;
    const contexts: BrowserContext[] = [];
    const userRow = (email: string) => page.locator(`[data-testid=user-row][data-email="${email}"]`);

    async function impersonate(email: string, reason: string): Promise<void> {
      await andRedraw(page, () => userRow(email).locator('[data-testid=impersonate]').click());
      await page.fill('[data-testid=impersonate-reason]', reason);
      await andRedraw(page, () => page.click('[data-testid=impersonate-start]'));
    }

    beforeAll(async () => {
      ensureConsoleBuilt();
      dev = await startDevServer();
      url = dev.url;
      const emulator = dev.server.emulator!;
      const mo = await emulator.seedUser({ email: 'mo@example.com', status: 'active' });
      const moGql = gqlAs(url, await emulator.mintToken(mo.id));
      const lab = await moGql<{ createOrg: { id: string } }>('mutation { createOrg(input: { name: "Mo Lab" }) { id } }');
      expect(lab.codes).toEqual([]);
      labId = lab.data!.createOrg.id;
      admin = gqlAs(url, await emulator.mintToken(emulator.findUserByIdentifier('admin@example.com')!.id));
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      contexts.push(context);
      page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await devSignIn(page, url, 'admin@example.com');
    }, 300_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await dev?.close();
    });

    it('acts as the user under a banner, with the token as Bearer; @noImpersonation actions are refused', async () => {
      // No impersonate action on admins (the server refuses them) or on oneself.
      expect(await userRow('admin@example.com').locator('[data-testid=impersonate]').count()).toBe(0);
      expect(await userRow('member@example.com').locator('[data-testid=impersonate]').count()).toBe(1);
      await impersonate('mo@example.com', 'ticket 42');
      expect(await notice(page)).toEqual({ ok: 'true', code: '' });
      const banner = page.locator('[data-testid=impersonation-banner]');
      expect(await banner.getAttribute('data-impersonator')).toBe('admin@example.com');
      expect(await page.locator('[data-testid=me-email]').textContent()).toBe('mo@example.com');
      expect(await page.locator('[data-testid=admin-users]').count()).toBe(0);
      expect(await org(page, 'Mo Lab').count()).toBe(1);

      const token = (await stored(page))!.token;
      const headers: Array<Promise<Record<string, string>>> = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/graphql') headers.push(request.allHeaders());
      });
      await page.reload();
      await ready(page);
      expect(await banner.count()).toBe(1);
      for (const h of await Promise.all(headers)) expect(h['authorization']).toBe(`Bearer ${token}`);

      // Mo owns Mo Lab, but deleteOrg is @noImpersonation: viewerCan.delete is false, so the console
      // offers no Delete, and the same Bearer token sent straight to the API is refused.
      expect(await org(page, 'Mo Lab').locator('[data-testid=delete-org]').count()).toBe(0);
      expect(await org(page, 'Mo Lab').locator('[data-testid=invite-form]').count()).toBe(1);
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'mutation($id: ID!) { deleteOrg(id: $id) { deletedOrgId } }', variables: { id: labId } }),
      });
      const body = (await res.json()) as { errors?: Array<{ extensions?: { code?: string; reason?: string } }> };
      expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([['FORBIDDEN', 'IMPERSONATION']]);
      expect(await org(page, 'Mo Lab').count()).toBe(1);
    });

    it('"Stop" revokes the token and returns to the admin, whose audit log shows the impersonation', async () => {
      const token = (await stored(page))!.token;
      await andRedraw(page, () => page.click('[data-testid=stop-impersonating]'));
      expect(await notice(page)).toEqual({ ok: 'true', code: '' });
      expect(await page.locator('[data-testid=impersonation-banner]').count()).toBe(0);
      expect(await page.locator('[data-testid=me-email]').textContent()).toBe('admin@example.com');
      expect(await stored(page)).toBeNull();
      expect((await gqlAs(url, token)('{ me { id } }')).status).toBe(401);

      const actions = await page
        .locator('[data-testid=admin-audit] [data-testid=audit-event]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
      expect(actions).toContain('user.impersonate');
      expect(actions).toContain('user.impersonation_revoke');
    });

    it('a token revoked elsewhere is dropped with its code and the admin is back', async () => {
      await impersonate('mo@example.com', 'ticket 43');
      const token = (await stored(page))!.token;
      expect((await admin('mutation($t: String!) { revokeImpersonation(input: { token: $t }) { revokedAt } }', { t: token })).codes).toEqual([]);
      await page.reload();
      await ready(page);
      expect(await notice(page)).toEqual({ ok: 'false', code: 'UNAUTHENTICATED (IMPERSONATION_REVOKED)' });
      expect(await page.locator('[data-testid=me-email]').textContent()).toBe('admin@example.com');
      expect(await stored(page)).toBeNull();
    });
  },
  60_000,
);
