import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ensureConsoleBuilt, skipUnlessReady, startDevServer, WEB_DIR, type DevServer } from './support.js';

type PageGlobals = { document: { documentElement: { dataset: Record<string, string | undefined> } } };
// Runs in the page: the console has finished its first redraw.
const drawn = (): boolean => {
  const d = (globalThis as unknown as PageGlobals).document.documentElement.dataset;
  return Number(d['generation'] ?? 0) > 0 && d['busy'] === undefined;
};

/** The manifest the console's build writes (client preset, persistedDocuments). */
const MANIFEST = join(WEB_DIR, 'src/gql/persisted-documents.json');

describe.skipIf(skipUnlessReady('trusted-documents console test', { browser: true }))('the web console against TRUSTED_DOCUMENTS', () => {
  let dev: DevServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureConsoleBuilt();
    dev = await startDevServer({ TRUSTED_DOCUMENTS: MANIFEST });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await dev?.close();
  });

  it('works with its own manifest, while an ad-hoc query is refused', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const bodies: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/graphql') bodies.push(request.postData() ?? '');
    });
    await page.goto(`${dev.url}/console/`);
    await page.waitForFunction(drawn);
    await Promise.all([page.waitForURL((u) => u.pathname === '/dev/sign-in'), page.click('[data-testid=sign-in]')]);
    await page.fill('#email', 'member@example.com');
    await Promise.all([page.waitForURL(`${dev.url}/console/`), page.click('button[type=submit]')]);
    await page.waitForFunction(drawn);
    expect(await page.locator('[data-testid=me-email]').textContent()).toBe('member@example.com');
    // Every operation went by its hash.
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) expect((JSON.parse(body) as { documentId?: string }).documentId).toMatch(/^sha256:[0-9a-f]{64}$/);

    const adHoc = await fetch(`${dev.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ me { email } }"}' });
    expect(adHoc.status).toBe(400);
    expect(((await adHoc.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('PERSISTED_QUERY_REQUIRED');
    await context.close();
  });
});
