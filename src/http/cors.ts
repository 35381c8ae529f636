import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './respond.js';

// What the browser may send and read cross-origin: the GraphQL essentials and Apollo's CSRF headers.
const CORS_ALLOW_HEADERS = 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id, idempotency-key';
const CORS_EXPOSE_HEADERS = 'x-request-id, retry-after';

/** Returns true when it answered a preflight itself. */
export type Cors = (req: IncomingMessage, res: ServerResponse, method: string) => boolean;

/**
 * CORS for /graphql. Listed origins get their origin echoed with credentials allowed (the
 * console sends the Passage cookie); others get no CORS headers, so the browser withholds the
 * response. Vary: Origin keeps shared caches from serving one origin's answer to another.
 */
export function createCors(origins: readonly string[]): Cors {
  const allowedOrigins = new Set(origins);
  return (req, res, method) => {
    res.setHeader('vary', 'Origin');
    const origin = req.headers.origin;
    const allowed = origin !== undefined && allowedOrigins.has(origin);
    if (allowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-expose-headers', CORS_EXPOSE_HEADERS);
    }
    // An OPTIONS without Origin is not a preflight; it gets the ordinary 405 later.
    if (method !== 'OPTIONS' || origin === undefined) return false;
    if (!allowed || req.headers['access-control-request-method'] === undefined) {
      throw new HttpError(403, 'FORBIDDEN', 'Cross-origin requests from this origin are not allowed.');
    }
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': CORS_ALLOW_HEADERS,
      'access-control-max-age': '600',
    });
    res.end();
    return true;
  };
}
