import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ensureConsoleBuilt, gqlAs, ROOT, skipUnlessReady, startDevServer, type DevServer, type Gql } from './support.js';

const ARTIFACTS = join(ROOT, 'test/web/artifacts');

type PageGlobals = { document: { documentElement: { dataset: Record<string, string | undefined> } } };

/**
 * Runs in the page (Playwright sends its source; a string would be eval'd, which the console's
 * CSP forbids): true once the console has finished a redraw numbered above n.
 */
const redrawnAfter = (n: number): boolean => {
  const d = (globalThis as unknown as PageGlobals).document.documentElement.dataset;
  return Number(d['generation'] ?? 0) > n && d['busy'] === undefined;
};
const ready = (page: Page) => page.waitForFunction(redrawnAfter, 0);
const generation = (page: Page) => page.evaluate(() => Number((globalThis as unknown as PageGlobals).document.documentElement.dataset['generation'] ?? 0));

/** Runs a UI action and waits until the console has redrawn from the server's answer. */
async function andRedraw(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await generation(page);
  await action();
  await page.waitForFunction(redrawnAfter, before);
}

async function signIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await ready(page);
  await Promise.all([page.waitForURL((u) => u.pathname === '/dev/sign-in'), page.click('[data-testid=sign-in]')]);
  await page.fill('#email', email);
  await Promise.all([page.waitForURL(`${url}/console/`), page.click('button[type=submit]')]);
  await ready(page);
}

const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();
const org = (page: Page, name: string) => page.locator(`[data-testid=org][data-org-name="${name}"]`);
const memberRow = (page: Page, orgName: string, email: string) => org(page, orgName).locator(`[data-testid=member][data-email="${email}"]`);
const userRow = (page: Page, email: string) => page.locator(`[data-testid=user-row][data-email="${email}"]`);

describe.skipIf(skipUnlessReady('web console browser tests', { browser: true }))(
  'web console in a real browser (dev mode)',
  () => {
    let dev: DevServer;
    let browser: Browser;
    let url: string;
    let admin: { id: string; gql: Gql };
    let member: { id: string; gql: Gql };
    let dana: { id: string; token: string };
    let acmeId: string;
    const contexts: BrowserContext[] = [];

    const newPage = async () => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      contexts.push(context);
      return { context, page: await context.newPage() };
    };

    beforeAll(async () => {
      ensureConsoleBuilt();
      mkdirSync(ARTIFACTS, { recursive: true });
      dev = await startDevServer();
      url = dev.url;
      const emulator = dev.server.emulator!;
      const adminUser = emulator.findUserByIdentifier('admin@example.com')!;
      const memberUser = emulator.findUserByIdentifier('member@example.com')!;
      admin = { id: adminUser.id, gql: gqlAs(url, await emulator.mintToken(adminUser.id)) };
      member = { id: memberUser.id, gql: gqlAs(url, await emulator.mintToken(memberUser.id)) };
      const danaUser = await emulator.seedUser({ email: 'dana@example.com', status: 'active', devices: [{ friendlyName: 'Dana laptop', type: 'passkey' }] });
      dana = { id: danaUser.id, token: await emulator.mintToken(danaUser.id) };

      const setName = 'mutation($name: String!) { updateMe(input: { displayName: $name }) { id } }';
      const createOrg = 'mutation($name: String!) { createOrg(input: { name: $name }) { id } }';
      const add = 'mutation($orgId: ID!, $userId: ID!) { addOrgMember(orgId: $orgId, userId: $userId, role: "Member") { role } }';
      expect((await admin.gql(setName, { name: 'Ada Admin' })).codes).toEqual([]);
      expect((await member.gql(setName, { name: 'Mia Member' })).codes).toEqual([]);
      // Acme: the admin owns it, member and Dana are plain members.
      acmeId = (await admin.gql<{ createOrg: { id: string } }>(createOrg, { name: 'Acme' })).data!.createOrg.id;
      for (const userId of [member.id, dana.id]) expect((await admin.gql(add, { orgId: acmeId, userId })).codes).toEqual([]);
      // Member Lab: the member owns it, so they may manage Dana there but not in Acme.
      const labId = (await member.gql<{ createOrg: { id: string } }>(createOrg, { name: 'Member Lab' })).data!.createOrg.id;
      expect((await member.gql(add, { orgId: labId, userId: dana.id })).codes).toEqual([]);

      browser = await launchChromium();
    }, 300_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await dev?.close();
    });

    it('serves the console on the API origin and shows anonymous visitors a sign-in link', async () => {
      const res = await fetch(`${url}/console/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');

      const { page } = await newPage();
      await page.goto(`${url}/console/`);
      await ready(page);
      expect(await page.locator('[data-testid=signed-out]').count()).toBe(1);
      expect(await page.locator('[data-testid=sign-in]').getAttribute('href')).toBe('/dev/sign-in?redirect=%2Fconsole%2F');
      expect(await page.locator('[data-testid=profile]').count()).toBe(0);
    });

    it('signs a member in with the cookie and shows their profile, orgs and only the controls they may use', async () => {
      const { context, page } = await newPage();
      await signIn(page, url, 'member@example.com');
      const sent: Array<Promise<Record<string, string>>> = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/graphql') sent.push(request.allHeaders());
      });
      await page.reload();
      await ready(page);

      const cookie = (await context.cookies(url)).find((c) => c.name === 'psg_auth_token');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      // The console never handles the token: every request authenticates with the cookie alone.
      const headers = await Promise.all(sent);
      expect(headers.length).toBeGreaterThan(0);
      for (const h of headers) {
        expect(h['authorization']).toBeUndefined();
        expect(h['cookie']).toContain(`psg_auth_token=${cookie!.value}`);
        expect(h['content-type']).toBe('application/json');
      }

      expect(await page.locator('[data-testid=me-email]').textContent()).toBe('member@example.com');
      expect(await page.locator('[data-testid=me-display-name]').textContent()).toBe('Mia Member');
      expect(await page.locator('[data-testid=me-app-role]').textContent()).toBe('USER');
      expect(await texts(page, '[data-testid=device] strong')).toEqual(['Demo passkey (member)']);

      expect(await page.locator('[data-testid=org]').evaluateAll((els) => els.map((e) => e.getAttribute('data-org-name')))).toEqual(['Acme', 'Member Lab']);
      expect(await org(page, 'Acme').locator('[data-testid=org-role]').textContent()).toBe('Member');
      expect(await org(page, 'Acme').locator('[data-testid=permission]').allTextContents()).toEqual(['org:members:read', 'org:read']);
      expect(await org(page, 'Member Lab').locator('[data-testid=org-role]').textContent()).toBe('Owner');
      expect(await org(page, 'Member Lab').locator('[data-testid=permission]').allTextContents()).toContain('org:members:change_role');

      // Acme: the member sees everyone but may change nobody's role and remove only themself.
      expect(
        await org(page, 'Acme')
          .locator('[data-testid=member]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-email'))),
      ).toEqual(['admin@example.com', 'member@example.com', 'dana@example.com']);
      expect(await org(page, 'Acme').locator('[data-testid=role-select]').count()).toBe(0);
      expect(await org(page, 'Acme').locator('[data-testid=remove-member]').count()).toBe(1);
      expect(await memberRow(page, 'Acme', 'member@example.com').locator('[data-testid=remove-member]').count()).toBe(1);
      // Member Lab: as its owner they may manage Dana.
      expect(await memberRow(page, 'Member Lab', 'dana@example.com').locator('[data-testid=role-select]').count()).toBe(1);
      expect(await memberRow(page, 'Member Lab', 'dana@example.com').locator('[data-testid=remove-member]').count()).toBe(1);

      expect(await page.locator('[data-testid=admin-users]').count()).toBe(0);
      // What is hidden is also refused: the same cookie cannot list users.
      const users = (await page.evaluate(
        `fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ users { totalCount } }' }) }).then((r) => r.json())`,
      )) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect(users.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      // CSRF prevention is on for cookie sessions: a request a cross-site form could send is refused.
      const simple = (await page.evaluate(
        `fetch('/graphql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ me { id } }' }) }).then(async (r) => ({ status: r.status, body: await r.json() }))`,
      )) as { status: number; body: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> } };
      expect(simple.status).toBe(400);
      expect(simple.body.data).toBeUndefined();

      await page.screenshot({ path: join(ARTIFACTS, 'member.png'), fullPage: true });
    });

    describe('as an app admin', () => {
      let page: Page;

      beforeAll(async () => {
        ({ page } = await newPage());
        await signIn(page, url, 'admin@example.com');
      });

      it('shows every user and the admin controls', async () => {
        expect(await page.locator('[data-testid=me-email]').textContent()).toBe('admin@example.com');
        expect(await page.locator('[data-testid=me-app-role]').textContent()).toBe('ADMIN');
        expect(await page.locator('[data-testid=admin-users]').count()).toBe(1);
        const emails = await page.locator('[data-testid=user-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-email')));
        expect([...emails].sort()).toEqual(['admin@example.com', 'dana@example.com', 'member@example.com']);
        expect(await userRow(page, 'dana@example.com').getAttribute('data-status')).toBe('ACTIVE');
        expect(await userRow(page, 'dana@example.com').locator('[data-testid=deactivate]').count()).toBe(1);
        // No self-service foot-guns: an admin's own row has no actions.
        expect(await userRow(page, 'admin@example.com').locator('button').count()).toBe(0);
        // As Acme's owner the admin may change every member's role, their own included.
        expect(await org(page, 'Acme').locator('[data-testid=role-select]').count()).toBe(3);
      });

      it("changes a member's role in an org", async () => {
        await andRedraw(page, () => memberRow(page, 'Acme', 'member@example.com').locator('[data-testid=role-select]').selectOption('Admin'));
        expect(await page.locator('[data-testid=notice]').getAttribute('data-ok')).toBe('true');
        expect(await memberRow(page, 'Acme', 'member@example.com').getAttribute('data-role')).toBe('Admin');

        const seen = await admin.gql<{ org: { members: { edges: Array<{ node: { role: string; user: { id: string } } }> } } }>(
          'query($id: ID!) { org(id: $id) { members { edges { node { role user { id } } } } } }',
          { id: acmeId },
        );
        expect(seen.data!.org.members.edges.find((e) => e.node.user.id === member.id)?.node.role).toBe('Admin');

        // The member's own console now offers them Acme's role controls.
        const { page: memberPage } = await newPage();
        await signIn(memberPage, url, 'member@example.com');
        expect(await org(memberPage, 'Acme').locator('[data-testid=org-role]').textContent()).toBe('Admin');
        expect(await memberRow(memberPage, 'Acme', 'dana@example.com').locator('[data-testid=role-select]').count()).toBe(1);
        // Still nothing on the owner, who ranks above them.
        expect(await memberRow(memberPage, 'Acme', 'admin@example.com').locator('[data-testid=role-select]').count()).toBe(0);
        expect(await memberRow(memberPage, 'Acme', 'admin@example.com').locator('[data-testid=remove-member]').count()).toBe(0);
      });

      it('deactivates a user, whose next request is refused, and activates them again', async () => {
        const { page: danaPage } = await newPage();
        await signIn(danaPage, url, 'dana@example.com');
        expect(await danaPage.locator('[data-testid=me-email]').textContent()).toBe('dana@example.com');

        await andRedraw(page, () => userRow(page, 'dana@example.com').locator('[data-testid=deactivate]').click());
        expect(await page.locator('[data-testid=notice]').getAttribute('data-ok')).toBe('true');
        expect(await userRow(page, 'dana@example.com').getAttribute('data-status')).toBe('INACTIVE');
        await page.screenshot({ path: join(ARTIFACTS, 'admin.png'), fullPage: true });

        // Her cookie is still unexpired, yet the next request is refused.
        await danaPage.reload();
        await ready(danaPage);
        expect(await danaPage.locator('[data-testid=auth-error]').getAttribute('data-code')).toMatch(/^UNAUTHENTICATED\b/);
        expect(await danaPage.locator('[data-testid=profile]').count()).toBe(0);
        expect((await gqlAs(url, dana.token)('{ me { id } }')).status).toBe(401);
        await danaPage.screenshot({ path: join(ARTIFACTS, 'deactivated.png'), fullPage: true });

        await andRedraw(page, () => userRow(page, 'dana@example.com').locator('[data-testid=activate]').click());
        expect(await userRow(page, 'dana@example.com').getAttribute('data-status')).toBe('ACTIVE');
        await danaPage.reload();
        await ready(danaPage);
        expect(await danaPage.locator('[data-testid=me-email]').textContent()).toBe('dana@example.com');
      });

      it('creates a magic link, which adds a pending user', async () => {
        await page.fill('[data-testid=magic-link-email]', 'newcomer@example.com');
        await andRedraw(page, () => page.click('[data-testid=magic-link-create]'));
        expect(await page.locator('[data-testid=notice]').getAttribute('data-ok')).toBe('true');
        const link = new URL((await page.locator('[data-testid=magic-link-url]').textContent())!);
        expect(link.searchParams.get('psg_magic_link')).toMatch(/^ml/);
        expect(await userRow(page, 'newcomer@example.com').getAttribute('data-status')).toBe('PENDING');
      });

      it('deletes a user after a confirming second click', async () => {
        await andRedraw(page, () => userRow(page, 'newcomer@example.com').locator('[data-testid=delete]').click());
        // One click only asks.
        expect(await userRow(page, 'newcomer@example.com').count()).toBe(1);
        await andRedraw(page, () => userRow(page, 'newcomer@example.com').locator('[data-testid=confirm-delete]').click());
        expect(await page.locator('[data-testid=notice]').getAttribute('data-ok')).toBe('true');
        expect(await userRow(page, 'newcomer@example.com').count()).toBe(0);
        const lookup = await admin.gql<{ userByIdentifier: unknown }>('{ userByIdentifier(identifier: "newcomer@example.com") { id } }');
        expect(lookup.data).toEqual({ userByIdentifier: null });
      });

      it('signs out, which clears the cookie', async () => {
        await Promise.all([page.waitForURL(`${url}/console/`), page.click('[data-testid=sign-out]')]);
        await ready(page);
        expect((await page.context().cookies(url)).map((c) => c.name)).not.toContain('psg_auth_token');
        expect(await page.locator('[data-testid=signed-out]').count()).toBe(1);
        expect(await page.locator('[data-testid=auth-error]').count()).toBe(0);
      });
    });
  },
  60_000,
);
