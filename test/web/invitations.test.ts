import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { andRedraw, devSignIn, memberRow, notice, org, ready } from './console-page.js';
import { ensureConsoleBuilt, gqlAs, launchChromium, skipUnlessReady, startDevServer, type DevServer } from './support.js';

// Invitations end to end through the console: the owner invites an email, the email (a Passage
// magic link to the console's accept page, read from the dev mailbox) signs the invitee in, and
// they accept; the other ways in (the dev sign-in from the accept page, `me.invitations`) and the
// refusals (another user, a revoked or superseded token) show their codes.

type Message = { to: string; text: string };

describe.skipIf(skipUnlessReady('console invitation browser tests', { browser: true }))(
  'invitations in the console (Chromium, dev mode, dev mailbox)',
  () => {
    let dev: DevServer;
    let browser: Browser;
    let url: string;
    let owner: Page;
    const contexts: BrowserContext[] = [];

    const newPage = async (): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return page;
    };
    const pageAs = async (email: string, start?: string): Promise<Page> => {
      const page = await newPage();
      await devSignIn(page, url, email, start);
      return page;
    };

    /** The newest message to `to` in the dev mailbox, and the accept link in it, on this server's origin. */
    async function invitationLink(to: string): Promise<string> {
      const { messages } = (await (await fetch(`${url}/dev/mailbox`)).json()) as { messages: Message[] };
      const mine = messages.filter((m) => m.to === to);
      expect(mine.length).toBeGreaterThan(0);
      const link = new URL(/(https?:\/\/\S+)/.exec(mine.at(-1)!.text)![1]!);
      expect(link.pathname).toBe('/console/');
      expect(link.searchParams.get('invitation')).toMatch(/\S{20,}/);
      expect(link.searchParams.get('psg_magic_link')).toMatch(/^ml/);
      expect(link.hash).toBe('#/accept');
      // The identity service's origin is the configured one; the page is served by this server.
      return `${url}${link.pathname}${link.search}${link.hash}`;
    }
    const withoutMagicLink = (link: string) => {
      const u = new URL(link);
      u.searchParams.delete('psg_magic_link');
      return u.toString();
    };
    const invitationRow = (page: Page, email: string) => org(page, 'Acme').locator(`[data-testid=invitation][data-email="${email}"]`);

    async function invite(email: string, role = 'Member'): Promise<void> {
      await owner.fill('[data-testid=invite-email]', email);
      await owner.selectOption('[data-testid=invite-role]', role);
      await andRedraw(owner, () => owner.click('[data-testid=invite-send]'));
      expect(await notice(owner)).toEqual({ ok: 'true', code: '' });
    }
    async function answer(page: Page, accept: boolean): Promise<{ ok: string | null; code: string | null }> {
      await andRedraw(page, () => page.click(accept ? '[data-testid=accept-invitation]' : '[data-testid=decline-invitation]'));
      const result = page.locator('[data-testid=accept-result]');
      return { ok: await result.getAttribute('data-ok'), code: await result.getAttribute('data-code') };
    }

    beforeAll(async () => {
      ensureConsoleBuilt();
      dev = await startDevServer();
      url = dev.url;
      const emulator = dev.server.emulator!;
      const olive = await emulator.seedUser({ email: 'olive@example.com', status: 'active' });
      await emulator.seedUser({ email: 'mo@example.com', status: 'active' });
      const gql = gqlAs(url, await emulator.mintToken(olive.id));
      expect((await gql('mutation { createOrg(input: { name: "Acme" }) { id } }')).codes).toEqual([]);
      browser = await launchChromium();
      owner = await pageAs('olive@example.com');
    }, 300_000);

    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await dev?.close();
    });

    it('owner invites an email; the emailed link signs the invitee in, they accept and appear in the member list', async () => {
      await invite('newbie@example.com', 'Admin');
      expect(await invitationRow(owner, 'newbie@example.com').getAttribute('data-status')).toBe('PENDING');
      expect(await invitationRow(owner, 'newbie@example.com').getAttribute('data-delivery')).toBe('SENT');
      // Inviting the same address again is refused while one is pending.
      await owner.fill('[data-testid=invite-email]', 'newbie@example.com');
      await andRedraw(owner, () => owner.click('[data-testid=invite-send]'));
      expect(await notice(owner)).toEqual({ ok: 'false', code: 'CONFLICT (INVITATION_PENDING)' });

      const link = await invitationLink('newbie@example.com');
      const invitee = await newPage();
      await invitee.goto(link);
      await ready(invitee);
      // Signed in by the magic link, which is gone from the address bar; the token stays for the answer.
      expect(await invitee.locator('[data-testid=accept-as]').textContent()).toBe('newbie@example.com');
      expect(invitee.url()).not.toContain('psg_magic_link');
      expect(await answer(invitee, true)).toEqual({ ok: 'true', code: null });
      expect(await invitee.locator('[data-testid=accept-result]').textContent()).toBe('You joined Acme as Admin.');
      // The same page again (the address bar kept the token): used.
      expect(invitee.url()).toBe(withoutMagicLink(link));
      await invitee.reload();
      await ready(invitee);
      expect(await answer(invitee, true)).toEqual({ ok: 'false', code: 'CONFLICT (INVITATION_USED)' });

      await Promise.all([invitee.waitForURL((u) => u.hash === ''), invitee.click('[data-testid=accept-home]')]);
      await ready(invitee);
      expect(await org(invitee, 'Acme').locator('[data-testid=org-role]').textContent()).toBe('Admin');

      await owner.reload();
      await ready(owner);
      expect(await memberRow(owner, 'Acme', 'newbie@example.com').getAttribute('data-role')).toBe('Admin');
      expect(await invitationRow(owner, 'newbie@example.com').count()).toBe(0);
    });

    it('the accept page signs in through the dev sign-in when needed; another user is refused with the coded error', async () => {
      await invite('second@example.com');
      const acceptUrl = withoutMagicLink(await invitationLink('second@example.com'));

      const page = await newPage();
      await page.goto(acceptUrl);
      await ready(page);
      expect(await page.locator('[data-testid=signed-out]').count()).toBe(1);
      // The dev shortcut returns to the accept page, token included.
      await Promise.all([page.waitForURL((u) => u.pathname === '/dev/sign-in'), page.click('[data-testid=sign-in]')]);
      await page.fill('#email', 'mo@example.com');
      await Promise.all([page.waitForURL((u) => u.searchParams.has('invitation')), page.click('button[type=submit]')]);
      await ready(page);
      expect(await page.locator('[data-testid=accept-as]').textContent()).toBe('mo@example.com');
      expect(await answer(page, true)).toEqual({ ok: 'false', code: 'FORBIDDEN (INVITATION_EMAIL_MISMATCH)' });

      // Signing out returns to the accept page; the right user accepts.
      await Promise.all([page.waitForURL((u) => u.searchParams.has('invitation')), page.click('[data-testid=accept-page] [data-testid=sign-out]')]);
      await ready(page);
      await Promise.all([page.waitForURL((u) => u.pathname === '/dev/sign-in'), page.click('[data-testid=sign-in]')]);
      await page.fill('#email', 'second@example.com');
      await Promise.all([page.waitForURL((u) => u.searchParams.has('invitation')), page.click('button[type=submit]')]);
      await ready(page);
      expect(await answer(page, true)).toEqual({ ok: 'true', code: null });

      await owner.reload();
      await ready(owner);
      expect(await memberRow(owner, 'Acme', 'second@example.com').getAttribute('data-role')).toBe('Member');
    });

    it('revoke and resend: the old and the revoked tokens are refused with their codes', async () => {
      await invite('third@example.com');
      const first = withoutMagicLink(await invitationLink('third@example.com'));
      await andRedraw(owner, () => invitationRow(owner, 'third@example.com').locator('[data-testid=invitation-resend]').click());
      expect(await notice(owner)).toEqual({ ok: 'true', code: '' });
      const second = withoutMagicLink(await invitationLink('third@example.com'));
      expect(second).not.toBe(first);
      await andRedraw(owner, () => invitationRow(owner, 'third@example.com').locator('[data-testid=invitation-revoke]').click());
      expect(await invitationRow(owner, 'third@example.com').count()).toBe(0);

      const page = await pageAs('third@example.com');
      await page.goto(first);
      await ready(page);
      expect(await answer(page, true)).toEqual({ ok: 'false', code: 'NOT_FOUND' });
      await page.goto(second);
      await ready(page);
      expect(await answer(page, true)).toEqual({ ok: 'false', code: 'CONFLICT (INVITATION_REVOKED)' });
    });

    it("lists the viewer's own pending invitations, with accept and decline", async () => {
      // Mo was refused above; invited now to their own address, they see it in the console.
      await invite('mo@example.com');
      const page = await pageAs('mo@example.com');
      const mine = page.locator('[data-testid=my-invitation][data-org-name="Acme"]');
      expect(await mine.count()).toBe(1);
      await andRedraw(page, () => mine.locator('[data-testid=my-invitation-decline]').click());
      expect(await notice(page)).toEqual({ ok: 'true', code: '' });
      expect(await page.locator('[data-testid=my-invitations]').count()).toBe(0);
      expect(await org(page, 'Acme').count()).toBe(0);

      await invite('mo@example.com');
      await page.reload();
      await ready(page);
      await andRedraw(page, () => page.locator('[data-testid=my-invitation-accept]').click());
      expect(await notice(page)).toEqual({ ok: 'true', code: '' });
      expect(await org(page, 'Acme').locator('[data-testid=org-role]').textContent()).toBe('Member');
    });
  },
  60_000,
);
