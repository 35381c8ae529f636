import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fromRoot } from '../paths.js';
import type { ExtraRoutes } from './server.js';
import { createStaticSite } from './static.js';

/** Where `npm run build` (build:ide) writes GraphiQL: index.html, main.js, main.css. */
export const IDE_DIR = fromRoot('dist', 'ide');
/** URL prefix of the IDE's script and stylesheet (index.html names them). */
export const IDE_ASSETS_PATH = '/graphql-ide/';

// Everything comes from this origin; fonts are data: URLs inside the stylesheet. GraphiQL's
// editor sets inline styles, hence 'unsafe-inline' for styles (never for scripts).
const IDE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL not built</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>GraphiQL is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>, which builds first), then reload.</p>
</body></html>
`;

export type Ide = {
  /** Answers a browser's GET /graphql with the GraphiQL page; false for anything else. */
  page: ExtraRoutes;
  /** Serves the page's script and stylesheet under IDE_ASSETS_PATH. */
  assets: ExtraRoutes;
};

/**
 * GraphiQL for dev mode, served from the project's own build so the page loads nothing from
 * outside the machine. Never mounted in production (see startServer).
 */
export function createIde(dir: string = IDE_DIR): Ide {
  const assets = createStaticSite({ prefix: IDE_ASSETS_PATH, root: dir, missingPage: NOT_BUILT });
  return {
    assets,
    async page(req, res, url) {
      if (!wantsPage(req, url)) return false;
      const html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => null);
      sendPage(res, html === null ? 503 : 200, html ?? NOT_BUILT);
      return true;
    },
  };
}

/**
 * A browser navigating to /graphql (it asks for HTML and sends no operation). API clients ask
 * for JSON, and a GET carrying a query still runs it.
 */
function wantsPage(req: IncomingMessage, url: URL): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (!(req.headers.accept ?? '').includes('text/html')) return false;
  return !['query', 'documentId', 'extensions'].some((name) => url.searchParams.has(name));
}

function sendPage(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
    'content-security-policy': IDE_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  });
  res.end(html);
}
