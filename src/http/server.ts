import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Database } from '../db/client.js';
import { migrationsApplied } from '../db/migrate.js';
import type { GraphQLContext, RequestInfo } from '../graphql/context.js';
import type { Logger } from '../logger.js';
import { landingPageHtml } from './landing-page.js';
import { OBSERVATION, type Observation } from '../metrics.js';
import { logAccess, REQUEST_RECORD, type RequestRecord } from './access-log.js';
import { traceGraphQL, traceRequest } from './trace.js';
import type { TrustedDocuments } from './trusted-documents.js';

export type RequestHandlerOptions = {
  apollo: ApolloServer<GraphQLContext>;
  log: Logger;
  database: Database;
  isShuttingDown: () => boolean;
  landingPage: boolean;
  context: (req: RequestInfo) => Promise<GraphQLContext>;
  maxBodyBytes?: number;
  /** Tried before the 404 for paths other than /graphql (dev mode: console, sign-in); true when it answered. */
  routes?: ExtraRoutes;
  /** Origins a browser may call /graphql from, with credentials (the cookie). Default none. */
  corsOrigins?: readonly string[];
  metrics?: HttpMetrics;
  /** Serve GET /metrics; with a token, only to `Authorization: Bearer <token>`. Default off. */
  metricsEndpoint?: { token: string | undefined } | false;
  /** Dev mode: answers a browser's GET /graphql (GraphiQL); true when it answered. */
  ide?: ExtraRoutes;
  /** Only these operations run, named by hash (TRUSTED_DOCUMENTS). Default: any operation. */
  trustedDocuments?: TrustedDocuments;
};

export type HttpMetrics = {
  /** `observation` was filled in by the metrics plugin when the request got that far. */
  observeRequest(observation: Observation, status: number, seconds: number): void;
  render(): Promise<{ contentType: string; body: string }>;
};

export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// What the browser may send and read cross-origin: the GraphQL essentials and Apollo's CSRF headers.
const CORS_ALLOW_HEADERS = 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id, idempotency-key';
const CORS_EXPOSE_HEADERS = 'x-request-id, retry-after';

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** The whole HTTP surface. Small on purpose: GraphQL, liveness, readiness, and a local landing page. */
export function createRequestHandler(opts: RequestHandlerOptions): RequestListener {
  const maxBodyBytes = opts.maxBodyBytes ?? 1_000_000;
  const corsOrigins = new Set(opts.corsOrigins ?? []);
  const metricsToken = opts.metricsEndpoint && opts.metricsEndpoint.token !== undefined ? digest(opts.metricsEndpoint.token) : undefined;

  return (req, res) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    const observed: Observed = { graphql: false, observation: { operation: 'none', errors: false } };
    res.once('finish', () => {
      if (observed.graphql) opts.metrics?.observeRequest(observed.observation, res.statusCode, (performance.now() - started) / 1000);
    });
    const record: RequestRecord = { errorCodes: [] };
    const method = req.method ?? 'GET';
    const path = pathOf(req.url);
    let traceId: string | undefined;
    // 'close' also comes when the client left early, so every request gets its line. It runs
    // outside the request's trace context, so the trace id is handed over.
    res.once('close', () => {
      logAccess(opts.log, {
        requestId,
        traceId,
        method,
        path,
        status: res.statusCode,
        durationMs: performance.now() - started,
        completed: res.writableFinished,
        record,
      });
    });
    void traceRequest(req, res, { requestId, method, path }, (id) => {
      traceId = id;
      return handle(req, res, requestId, observed, record).catch((err: unknown) => {
        if (err instanceof HttpError) {
          record.errorCodes.push(err.code);
          sendJson(res, err.status, { errors: [{ message: err.message, extensions: { code: err.code } }] });
          return;
        }
        opts.log.error({ err, requestId }, 'request failed');
        record.errorCodes.push('INTERNAL_SERVER_ERROR');
        sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      });
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string, observed: Observed, record: RequestRecord): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';

    if (url.pathname === '/healthz' && method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz' && method === 'GET') return readiness(res);
    if (url.pathname === '/' && method === 'GET' && opts.landingPage) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(landingPageHtml);
      return;
    }
    if (url.pathname === '/metrics' && method === 'GET' && opts.metricsEndpoint && opts.metrics) {
      return serveMetrics(req, res, opts.metrics);
    }
    if (url.pathname !== '/graphql') {
      if (opts.routes && (await opts.routes(req, res, url))) return;
      throw new HttpError(404, 'NOT_FOUND', 'Not found. GraphQL is served at /graphql.');
    }
    if (opts.ide && method === 'GET' && (await opts.ide(req, res, url))) return;
    observed.graphql = true;
    if (cors(req, res, method)) return;
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET or POST.');
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body = method === 'POST' ? await readBody(req, res, headers.get('content-type')) : undefined;
    let search = url.search;
    if (opts.trustedDocuments) {
      const trusted = opts.trustedDocuments.resolve(method, body, url.searchParams);
      if (!trusted.ok) throw new HttpError(trusted.status, trusted.code, trusted.message);
      ({ body, search } = trusted);
    }

    const response = await traceGraphQL(record, () =>
      opts.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search, body },
        context: async () => {
          const context = await opts
            .context({
              requestId,
              headers: { authorization: req.headers.authorization, cookie: req.headers.cookie, idempotencyKey: headerValue(req.headers['idempotency-key']) },
            })
            .catch((err: unknown) => {
              // Refused before GraphQL ran (a bad token, a busy database): no plugin sees it.
              const code = (err as { extensions?: { code?: unknown } } | null)?.extensions?.code;
              record.errorCodes.push(typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR');
              throw err;
            });
          (context as unknown as Record<symbol, Observation>)[OBSERVATION] = observed.observation;
          (context as unknown as Record<symbol, RequestRecord>)[REQUEST_RECORD] = record;
          return context;
        },
      }),
    );

    for (const [key, value] of response.headers) {
      // Keep our Vary: Origin when Apollo varies on something too.
      const vary = key === 'vary' ? res.getHeader('vary') : undefined;
      res.setHeader(key, vary ? `${String(vary)}, ${value}` : value);
    }
    res.statusCode = response.status ?? 200;
    // Every "try again later" answer says when; errors that know better set their own value.
    if ((res.statusCode === 503 || res.statusCode === 429) && !res.hasHeader('retry-after')) res.setHeader('retry-after', '5');
    // A 401 here always means the token that was sent is unusable (RFC 6750 section 3).
    if (res.statusCode === 401 && !res.hasHeader('www-authenticate')) res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  /**
   * CORS for /graphql. Listed origins get their origin echoed with credentials allowed (the
   * console sends the Passage cookie); others get no CORS headers, so the browser withholds the
   * response. Vary: Origin keeps shared caches from serving one origin's answer to another.
   * Returns true when it answered a preflight itself.
   */
  function cors(req: IncomingMessage, res: ServerResponse, method: string): boolean {
    res.setHeader('vary', 'Origin');
    const origin = req.headers.origin;
    const allowed = origin !== undefined && corsOrigins.has(origin);
    if (allowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-expose-headers', CORS_EXPOSE_HEADERS);
    }
    // An OPTIONS without Origin is not a preflight; it gets the ordinary 405 below.
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
  }

  async function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: HttpMetrics): Promise<void> {
    if (metricsToken) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      // Digests make the comparison constant-time whatever the length of what was sent.
      if (!match || !timingSafeEqual(digest(match[1]!), metricsToken)) {
        res.setHeader('www-authenticate', 'Bearer');
        throw new HttpError(401, 'UNAUTHENTICATED', 'The metrics endpoint needs its bearer token.');
      }
    }
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
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
  async function readBody(req: IncomingMessage, res: ServerResponse, contentType: string | undefined): Promise<unknown> {
    const tooLarge = () => {
      // The rest of the body is dropped unread, so this connection cannot carry another request:
      // without this a keep-alive client would send its next request into a dead socket.
      res.setHeader('connection', 'close');
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBodyBytes} bytes.`);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      req.resume();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // Plain listeners rather than `for await`: leaving that loop early destroys the socket
    // before the 413 can be written.
    await new Promise<void>((resolve, reject) => {
      const done = (err?: unknown) => {
        req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) done(tooLarge());
        else chunks.push(chunk);
      };
      const onEnd = () => done();
      // The client went away mid-body: not our failure, and nobody is left to read an answer.
      const onError = () => done(new HttpError(400, 'BAD_REQUEST', 'The request body could not be read.'));
      const onClose = () => done(req.complete ? undefined : new HttpError(400, 'BAD_REQUEST', 'The request body ended early.'));
      req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    });
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

type Observed = { graphql: boolean; observation: Observation };

const digest = (value: string) => createHash('sha256').update(value).digest();

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

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return (query === -1 ? raw : raw.slice(0, query)).slice(0, 200);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
