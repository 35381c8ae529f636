import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { andRedraw, devSignIn, memberRow, notice, org } from './console-page.js';
import { ensureConsoleBuilt, gqlAs, launchChromium, skipUnlessReady, startDevServer, type DevServer, type Gql } from './support.js';

// The console shows what the server says the viewer may do (`viewerCan`, `assignableRoles`) and
// nothing else, and drives slugs, the active org, ownership transfer and the audit log.

type Caps = { remove: boolean; changeRole: boolean; assignableRoles: string[] };
const CAPS = `query($id: ID!) { org(id: $id) { members(first: 50) { edges { node { user { email } viewerCan { remove changeRole assignableRoles } } } } } }`;

describe.skipIf(skipUnlessReady('console capabilities browser tests', { browser: true }))(
  'console controls follow viewerCan (Chromium, dev mode)',
  () => {
    let dev: DevServer;
    let browser: Browser;
    let url: string;
    let acmeId: string;
    const gql: Record<string, Gql> = {};
    const contexts: BrowserContext[] = [];

    const pageAs = async (email: string): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await devSignIn(page, url, email);
      return page;
    };
    /** What the API answers this viewer for each Acme member, by email. */
    const capsFor = async (who: string) => {
      const res = await gql[who]!<{ org: { members: { edges: Array<{ node: { user: { email: string }; viewerCan: Caps } }> } } }>(CAPS, { id: acmeId });
      return new Map(res.data!.org.members.edges.map((e) => [e.node.user.email, e.node.viewerCan]));
    };
    const options = (page: Page, email: string) =>
      memberRow(page, 'Acme', email)
        .locator('[data-testid=role-select] option:not([disabled])')
        .evaluateAll((els) => els.map((e) => e.getAttribute('value')));

    beforeAll(async () => {
      ensureConsoleBuilt();
      dev = await startDevServer();
      url = dev.url;
      const emulator = dev.server.emulator!;
      for (const name of ['olive', 'ann', 'mo']) {
        const user = await emulator.seedUser({ email: `${name}@example.com`, status: 'active' });
        gql[name] = gqlAs(url, await emulator.mintToken(user.id));
      }
      gql['admin'] = gqlAs(url, await emulator.mintToken(emulator.findUserByIdentifier('admin@example.com')!.id));
      const id = (email: string) => emulator.findUserByIdentifier(email)!.id;
      // Acme: Olive owns it, Ann is an Admin, Mo a Member.
      acmeId = (await gql['olive']!<{ createOrg: { id: string } }>('mutation { createOrg(input: { name: "Acme" }) { id } }')).data!.createOrg.id;
      const add = 'mutation($orgId: ID!, $userId: ID!, $role: String!) { addOrgMember(orgId: $orgId, userId: $userId, role: $role) { role } }';
      expect((await gql['olive']!(add, { orgId: acmeId, userId: id('ann@example.com'), role: 'Admin' })).codes).toEqual([]);
      expect((await gql['olive']!(add, { orgId: acmeId, userId: id('mo@example.com'), role: 'Member' })).codes).toEqual([]);
      browser = await launchChromium();
    }, 300_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await dev?.close();
    });

    it('a Member sees no role or remove controls except leaving, nor invite, settings or audit', async () => {
      const page = await pageAs('mo@example.com');
      const caps = await capsFor('mo');
      expect(await org(page, 'Acme').locator('[data-testid=role-select]').count()).toBe(0);
      // Each row has a remove button exactly when the API says so: only their own (leaving).
      for (const email of ['olive@example.com', 'ann@example.com', 'mo@example.com']) {
        expect(await memberRow(page, 'Acme', email).locator('[data-testid=remove-member]').count()).toBe(caps.get(email)!.remove ? 1 : 0);
      }
      expect(await memberRow(page, 'Acme', 'mo@example.com').locator('[data-testid=remove-member]').textContent()).toBe('Leave');
      expect(await org(page, 'Acme').locator('[data-testid=remove-member]').count()).toBe(1);
      expect(
        await org(page, 'Acme')
          .locator(
            '[data-testid=invite-form], [data-testid=org-slug-input], [data-testid=delete-org], [data-testid=org-audit-open], [data-testid=transfer-ownership]',
          )
          .count(),
      ).toBe(0);
    });

    it('an Admin is offered exactly the assignable roles, and nothing on the owner', async () => {
      const page = await pageAs('ann@example.com');
      const caps = await capsFor('ann');
      expect(caps.get('mo@example.com')!.assignableRoles).toEqual(['Admin', 'Member']);
      expect(await options(page, 'mo@example.com')).toEqual(caps.get('mo@example.com')!.assignableRoles);
      expect(await options(page, 'mo@example.com')).not.toContain('Owner');
      expect(
        await memberRow(page, 'Acme', 'olive@example.com')
          .locator('[data-testid=role-select], [data-testid=remove-member], [data-testid=transfer-ownership]')
          .count(),
      ).toBe(0);
      expect(await memberRow(page, 'Acme', 'mo@example.com').locator('[data-testid=remove-member]').count()).toBe(1);
      // The invite form offers the org's assignable roles, lowest first.
      expect(
        await org(page, 'Acme')
          .locator('[data-testid=invite-role] option')
          .evaluateAll((els) => els.map((e) => e.getAttribute('value'))),
      ).toEqual(['Member', 'Admin']);
      // An Admin may rename the org but not delete it.
      expect(await org(page, 'Acme').locator('[data-testid=org-slug-input]').count()).toBe(1);
      expect(await org(page, 'Acme').locator('[data-testid=delete-org]').count()).toBe(0);

      await andRedraw(page, () => memberRow(page, 'Acme', 'mo@example.com').locator('[data-testid=role-select]').selectOption('Admin'));
      expect(await notice(page)).toEqual({ ok: 'true', code: '' });
      expect(await memberRow(page, 'Acme', 'mo@example.com').getAttribute('data-role')).toBe('Admin');
    });

    it('the owner changes the slug (a malformed one is refused with its code), finds the org by slug and makes it active', async () => {
      const page = await pageAs('olive@example.com');
      expect(await org(page, 'Acme').getAttribute('data-org-slug')).toBe('acme');
      // The last owner may keep only their own role: the server's list, not "every role up to mine".
      expect((await capsFor('olive')).get('olive@example.com')!.assignableRoles).toEqual(['Owner']);
      expect(await options(page, 'olive@example.com')).toEqual(['Owner']);
      expect(await memberRow(page, 'Acme', 'olive@example.com').locator('[data-testid=remove-member]').count()).toBe(0);

      await page.fill('[data-testid=org-slug-input]', 'Not A Slug');
      await andRedraw(page, () => page.click('[data-testid=org-slug-save]'));
      expect(await notice(page)).toEqual({ ok: 'false', code: 'BAD_USER_INPUT' });
      await page.fill('[data-testid=org-slug-input]', 'acme-team');
      await andRedraw(page, () => page.click('[data-testid=org-slug-save]'));
      expect(await org(page, 'Acme').getAttribute('data-org-slug')).toBe('acme-team');

      await page.fill('[data-testid=slug-lookup]', 'acme-team');
      await andRedraw(page, () => page.click('[data-testid=slug-lookup-go]'));
      expect(await page.locator('[data-testid=slug-result]').getAttribute('data-found')).toBe('true');
      await page.fill('[data-testid=slug-lookup]', 'nobody-has-this');
      await andRedraw(page, () => page.click('[data-testid=slug-lookup-go]'));
      expect(await page.locator('[data-testid=slug-result]').getAttribute('data-found')).toBe('false');

      expect(await org(page, 'Acme').getAttribute('data-active')).toBe('false');
      await andRedraw(page, () => page.selectOption('[data-testid=active-org]', acmeId));
      expect(await org(page, 'Acme').getAttribute('data-active')).toBe('true');
      const me = await gql['olive']!<{ me: { activeOrg: { org: { id: string } } | null } }>('{ me { activeOrg { org { id } } } }');
      expect(me.data!.me.activeOrg?.org.id).toBe(acmeId);
      await andRedraw(page, () => page.selectOption('[data-testid=active-org]', ''));
      expect(await org(page, 'Acme').getAttribute('data-active')).toBe('false');
    });

    it('the owner transfers ownership and then reads it in the org audit log', async () => {
      const page = await pageAs('olive@example.com');
      // Only members who do not hold the owner role can be given it.
      expect(await memberRow(page, 'Acme', 'olive@example.com').locator('[data-testid=transfer-ownership]').count()).toBe(0);
      await andRedraw(page, () => memberRow(page, 'Acme', 'ann@example.com').locator('[data-testid=transfer-ownership]').click());
      expect(await notice(page)).toEqual({ ok: 'true', code: '' });
      expect(await memberRow(page, 'Acme', 'ann@example.com').getAttribute('data-role')).toBe('Owner');
      expect(await memberRow(page, 'Acme', 'olive@example.com').getAttribute('data-role')).toBe('Admin');
      // No longer an owner: no transfer buttons, and no audit log (org:audit:read is the Owner's).
      expect(await org(page, 'Acme').locator('[data-testid=transfer-ownership]').count()).toBe(0);
      expect(await org(page, 'Acme').locator('[data-testid=org-audit-open]').count()).toBe(0);

      const owner = await pageAs('ann@example.com');
      await andRedraw(owner, () => org(owner, 'Acme').locator('[data-testid=org-audit-open]').click());
      expect(await owner.locator('[data-testid=audit-error]').count()).toBe(0);
      const actions = await org(owner, 'Acme')
        .locator('[data-testid=audit-event]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
      expect(actions[0]).toBe('org.transfer_ownership');
      expect(actions).toContain('membership.change_role');
      expect(actions).toContain('org.create');
    });

    it('an app admin searches every org and filters the whole audit log', async () => {
      const page = await pageAs('admin@example.com');
      await page.fill('[data-testid=org-search]', 'ACME-te');
      await andRedraw(page, () => page.click('[data-testid=org-search-go]'));
      expect(await page.locator('[data-testid=admin-org]').evaluateAll((els) => els.map((e) => e.getAttribute('data-org-slug')))).toEqual(['acme-team']);
      await page.fill('[data-testid=org-search]', 'zzz');
      await andRedraw(page, () => page.click('[data-testid=org-search-go]'));
      expect(await page.locator('[data-testid=admin-org]').count()).toBe(0);

      expect(await page.locator('[data-testid=audit-error]').count()).toBe(0);
      expect(await page.locator('[data-testid=admin-audit] [data-testid=audit-event]').count()).toBeGreaterThan(0);
      await page.fill('[data-testid=audit-filter-action]', 'org.update');
      await andRedraw(page, () => page.click('[data-testid=audit-apply]'));
      const rows = page.locator('[data-testid=admin-audit] [data-testid=audit-event]');
      const seen = await rows.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-action')} ${e.getAttribute('data-outcome')}`));
      // The slug change and the refused malformed one (refusals are audited too).
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen.map((s) => s.split(' ')[0]))).toEqual(new Set(['org.update']));
    });
  },
  60_000,
);
