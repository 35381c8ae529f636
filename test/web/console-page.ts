import type { Page } from 'playwright-core';

// How the browser tests wait for the console: it numbers each finished redraw on <html>
// (`data-generation`) and marks one in progress (`data-busy`).

type PageGlobals = { document: { documentElement: { dataset: Record<string, string | undefined> } } };

/**
 * Runs in the page (Playwright sends its source; a string would be eval'd, which the console's
 * CSP forbids): true once the console has finished a redraw numbered above n.
 */
const redrawnAfter = (n: number): boolean => {
  const d = (globalThis as unknown as PageGlobals).document.documentElement.dataset;
  return Number(d['generation'] ?? 0) > n && d['busy'] === undefined;
};

export const ready = (page: Page) => page.waitForFunction(redrawnAfter, 0);

const generation = (page: Page) => page.evaluate(() => Number((globalThis as unknown as PageGlobals).document.documentElement.dataset['generation'] ?? 0));

/** Runs a UI action and waits until the console has redrawn from the server's answer. */
export async function andRedraw(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await generation(page);
  await action();
  await page.waitForFunction(redrawnAfter, before);
}

/** Signs in through the dev sign-in page (the "sign in without a passkey" shortcut) from `start`. */
export async function devSignIn(page: Page, url: string, email: string, start = `${url}/console/`): Promise<void> {
  await page.goto(start);
  await ready(page);
  await Promise.all([page.waitForURL((u) => u.pathname === '/dev/sign-in'), page.click('[data-testid=sign-in]')]);
  await page.fill('#email', email);
  await Promise.all([page.waitForURL((u) => u.pathname === '/console/'), page.click('button[type=submit]')]);
  await ready(page);
}

export const org = (page: Page, name: string) => page.locator(`[data-testid=org][data-org-name="${name}"]`);
export const memberRow = (page: Page, orgName: string, email: string) => org(page, orgName).locator(`[data-testid=member][data-email="${email}"]`);
export const notice = async (page: Page) => ({
  ok: await page.locator('[data-testid=notice]').getAttribute('data-ok'),
  code: await page.locator('[data-testid=notice]').getAttribute('data-code'),
});
