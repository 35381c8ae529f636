import { request } from 'node:http';
import type { ExtraRoutes } from './http/server.js';

/** The identity service answers in milliseconds on loopback; a stuck one must not hold a request. */
const FORWARD_TIMEOUT_MS = 10_000;

/** Request headers the identity service needs; cookies and the rest stay on passgraph's side. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'content-length', 'authorization', 'origin', 'accept', 'x-request-id'];
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'cache-control',
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
  'vary',
];

/**
 * Dev mode: the embedded identity service's Authentication API under passgraph's own origin
 * (`/v1/apps/{appId}/…`), so the console calls it same-origin, which its CSP
 * (`connect-src 'self'`) requires. This is what the README's production set-up does with a proxy in
 * front of both. The body is streamed through; the identity service enforces its own size limit.
 */
export function identityForwarder(target: { url: string; appId: string }): ExtraRoutes {
  const prefix = `/v1/apps/${target.appId}/`;
  const base = new URL(target.url);
  return (req, res, url) => {
    if (!url.pathname.startsWith(prefix) && url.pathname !== prefix.slice(0, -1)) return Promise.resolve(false);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return new Promise<boolean>((resolve) => {
      const upstream = request(
        { host: base.hostname, port: base.port, method: req.method, path: `${url.pathname}${url.search}`, headers, timeout: FORWARD_TIMEOUT_MS },
        (answer) => {
          const out: Record<string, string> = {};
          for (const name of FORWARDED_RESPONSE_HEADERS) {
            const value = answer.headers[name];
            if (typeof value === 'string') out[name] = value;
          }
          res.writeHead(answer.statusCode ?? 502, out);
          answer.pipe(res);
          answer.on('end', () => resolve(true));
          answer.on('error', () => {
            res.destroy();
            resolve(true);
          });
        },
      );
      upstream.on('timeout', () => upstream.destroy(new Error('identity service timed out')));
      upstream.on('error', () => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ code: 'identity_unavailable', error: 'The identity service cannot be reached.' }));
        } else res.destroy();
        resolve(true);
      });
      req.pipe(upstream);
    });
  };
}
