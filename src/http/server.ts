import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Database } from '../db/client.js';
import { migrationsApplied } from '../db/migrate.js';
import type { GraphQLContext, RequestInfo } from '../graphql/context.js';
import type { Logger } from '../logger.js';
import { landingPageHtml } from './landing-page.js';

export type RequestHandlerOptions = {
  apollo: ApolloServer<GraphQLContext>;
  log: Logger;
  database: Database;
  isShuttingDown: () => boolean;
  landingPage: boolean;
  context: (req: RequestInfo) => Promise<GraphQLContext>;
  maxBodyBytes?: number;
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** The whole HTTP surface. Small on purpose: GraphQL, liveness, readiness, and a local landing page. */
export function createRequestHandler(opts: RequestHandlerOptions): RequestListener {
  const maxBodyBytes = opts.maxBodyBytes ?? 1_000_000;

  return (req, res) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    handle(req, res, requestId).catch((err: unknown) => {
      if (err instanceof HttpError) {
        sendJson(res, err.status, { errors: [{ message: err.message, extensions: { code: err.code } }] });
        return;
      }
      opts.log.error({ err, requestId }, 'request failed');
      sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';

    if (url.pathname === '/healthz' && method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz' && method === 'GET') return readiness(res);
    if (url.pathname === '/' && method === 'GET' && opts.landingPage) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(landingPageHtml);
      return;
    }
    if (url.pathname !== '/graphql') throw new HttpError(404, 'NOT_FOUND', 'Not found. GraphQL is served at /graphql.');
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET or POST.');
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = method === 'POST' ? await readBody(req, headers.get('content-type')) : undefined;

    const response = await opts.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: url.search, body },
      context: () =>
        opts.context({ requestId, headers: { authorization: req.headers.authorization, cookie: req.headers.cookie } }),
    });

    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  function readiness(res: ServerResponse): void {
    const checks = {
      database: safe(() => opts.database.ping()),
      migrations: safe(() => migrationsApplied(opts.database)),
      accepting: !opts.isShuttingDown(),
    };
    const ready = Object.values(checks).every(Boolean);
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
  }

  /** Reads at most `maxBodyBytes`; JSON is parsed here so a syntax error is a clean 400. */
  async function readBody(req: IncomingMessage, contentType: string | undefined): Promise<unknown> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      req.resume();
      throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBodyBytes} bytes.`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBodyBytes) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBodyBytes} bytes.`);
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (!contentType || !/^application\/(graphql-response\+)?json\b/i.test(contentType.trim())) {
      // Apollo rejects other content types itself (and they are what CSRF prevention watches for).
      return text;
    }
    if (text.trim() === '') throw new HttpError(400, 'BAD_REQUEST', 'The request body is empty; send a JSON object with a "query".');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'The request body is not valid JSON.');
    }
  }
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
