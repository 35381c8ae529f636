import { createReadStream, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

const HTML_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export type StaticSiteOptions = {
  /** URL path the site is mounted at, with a trailing slash (e.g. `/console/`). */
  prefix: string;
  /** Folder with the built files. It may not exist yet: requests then get `missingPage`. */
  root: string;
  /** Served (503) in place of index.html while the folder has not been built. */
  missingPage?: string;
};

/**
 * Serves a built single-page app under a URL prefix; answers true when the request was for it.
 * Only regular files whose real path lies inside the root are served, so `..`, encoded
 * separators and symlinks cannot reach the rest of the disk.
 */
export function createStaticSite(opts: StaticSiteOptions): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const prefix = opts.prefix.endsWith('/') ? opts.prefix : `${opts.prefix}/`;
  const bare = prefix.slice(0, -1);

  return async (req, res, url) => {
    if (url.pathname !== bare && !url.pathname.startsWith(prefix)) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed');
      return true;
    }
    // Relative URLs in index.html only resolve against the folder form of the path.
    if (url.pathname === bare) {
      res.writeHead(308, { location: `${prefix}${url.search}` });
      res.end();
      return true;
    }

    const root = realRoot(opts.root);
    if (root === null) {
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : (opts.missingPage ?? 'Not built yet.'));
      return true;
    }
    const rest = url.pathname.slice(prefix.length);
    const file = resolveInside(root, rest === '' ? 'index.html' : rest);
    if (file === null) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found');
      return true;
    }
    await sendFile(req, res, file, rest);
    return true;
  };
}

function realRoot(root: string): string | null {
  try {
    const real = realpathSync(root);
    return statSync(real).isDirectory() ? real : null;
  } catch {
    return null;
  }
}

/** The real path of an existing regular file under root, or null. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  // A decoded backslash or NUL never names a legitimate asset; refusing them outright is simpler
  // than reasoning about how each platform would treat them.
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return null;
  const candidate = resolve(root, ...segments);
  let real: string;
  try {
    real = realpathSync(candidate);
    if (!statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  const rel = relative(root, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || resolve(root, rel) !== real) return null;
  return real;
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, urlPath: string): Promise<void> {
  const size = statSync(file).size;
  // Vite fingerprints everything under assets/, so those never change; the entry page must be
  // re-checked so a rebuild is picked up.
  const immutable = urlPath.startsWith('assets/');
  const ext = extname(file).toLowerCase();
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
    'content-length': String(size),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    // The app talks only to its own origin; nothing inline, nothing from elsewhere.
    ...(ext === '.html' ? { 'content-security-policy': HTML_CSP, 'x-frame-options': 'DENY' } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file), res);
  } catch (err) {
    // A browser that navigates away mid-download is not a server error.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
}
