import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import { CHROMIUM, launchChromium, IN_CI, ROOT, startDevServer, type DevServer } from './support.js';

const IDE_DIST = join(ROOT, 'dist/ide');

/** Builds GraphiQL (npm run build:ide) unless dist/ide is newer than src/ide. */
function ensureIdeBuilt(): void {
  const index = join(IDE_DIST, 'index.html');
  const sources = join(ROOT, 'src/ide');
  const newest = Math.max(...readdirSync(sources).map((name) => statSync(join(sources, name)).mtimeMs));
  if (existsSync(index) && statSync(index).mtimeMs >= newest) return;
  const result = spawnSync('npm', ['run', '-s', 'build:ide'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`build:ide failed:\n${result.stdout}\n${result.stderr}`);
}

const noBrowser = !existsSync(CHROMIUM) && !IN_CI;
if (noBrowser) console.warn(`skipping GraphiQL browser test: ${CHROMIUM} is missing`);

// Runs in the page: the text of a CodeMirror 5 editor inside `selector`.
type CodeMirrorHost = { CodeMirror?: { getValue(): string; setValue(v: string): void } };
const editorValue = (selector: string): string => {
  const host = (globalThis as unknown as { document: { querySelector(s: string): CodeMirrorHost | null } }).document.querySelector(`${selector} .CodeMirror`);
  return host?.CodeMirror?.getValue() ?? '';
};

describe('GraphiQL in dev mode', () => {
  let dev: DevServer;

  beforeAll(async () => {
    ensureIdeBuilt();
    dev = await startDevServer();
  }, 180_000);
  afterAll(() => dev?.close());

  it('answers a browser at /graphql with the page, and API clients as before', async () => {
    const page = await fetch(`${dev.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/graphql-ide/main.js');

    const script = await fetch(`${dev.url}/graphql-ide/main.js`);
    expect(script.status).toBe(200);
    const api = await fetch(`${dev.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it.skipIf(noBrowser)(
    'runs { me { email } } as the signed-in user from the cookie, loading nothing from elsewhere, with the schema docs',
    async () => {
      const browser: Browser = await launchChromium();
      try {
        const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
        const page = await context.newPage();
        const requested: string[] = [];
        page.on('request', (request) => requested.push(request.url()));

        await page.goto(`${dev.url}/dev/sign-in?redirect=%2Fgraphql`);
        await page.fill('#email', 'member@example.com');
        await Promise.all([page.waitForURL(`${dev.url}/graphql`), page.click('button[type=submit]')]);
        await page.waitForSelector('.graphiql-query-editor .CodeMirror');

        await page.evaluate(() => {
          const host = (globalThis as unknown as { document: { querySelector(s: string): CodeMirrorHost | null } }).document.querySelector(
            '.graphiql-query-editor .CodeMirror',
          );
          host?.CodeMirror?.setValue('{ me { email } }');
        });
        await page.click('.graphiql-execute-button');
        await page.waitForFunction((selector) => {
          const host = (globalThis as unknown as { document: { querySelector(s: string): CodeMirrorHost | null } }).document.querySelector(
            `${selector} .CodeMirror`,
          );
          return (host?.CodeMirror?.getValue() ?? '').includes('"data"');
        }, '.graphiql-response');
        const answer = JSON.parse(await page.evaluate(editorValue, '.graphiql-response')) as unknown;
        expect(answer).toEqual({ data: { me: { email: 'member@example.com' } } });

        // The docs come from introspection: the explorer lists the root types.
        await page.click('[aria-label="Show Documentation Explorer"]');
        await page.waitForSelector('.graphiql-doc-explorer');
        expect(await page.locator('.graphiql-doc-explorer').textContent()).toContain('Query');

        const elsewhere = requested.filter((u) => !u.startsWith(dev.url) && !u.startsWith('data:'));
        expect(elsewhere).toEqual([]);
        await page.screenshot({ path: join(ROOT, 'test/web/artifacts/graphiql.png') }).catch(() => undefined);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});

describe('GraphiQL outside dev mode', () => {
  it('is never served in production', async () => {
    const h = await startHarness({ env: { NODE_ENV: 'production' } });
    try {
      const res = await fetch(`${h.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
      expect((await fetch(`${h.url}/graphql-ide/main.js`)).status).toBe(404);
    } finally {
      await h.close();
    }
  });
});
