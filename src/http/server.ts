import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Database } from '../db/client.js';
import type { GraphQLContext, RequestInfo } from '../graphql/context.js';
import type { Logger } from '../logger.js';
import type { Observation } from '../metrics.js';
import { createCors } from './cors.js';
import { graphqlEndpoint } from './graphql.js';
import { landingPageHtml } from './landing-page.js';
import { metricsEndpoint, readiness, type HttpMetrics } from './operations.js';
import { HttpError, sendError, sendJson } from './respond.js';

export type { HttpMetrics } from './operations.js';

export type RequestHandlerOptions = {
  apollo: ApolloServer<GraphQLContext>;
  log: Logger;
  database: Database;
  isShuttingDown: () => boolean;
  /** More named readiness checks (the user directory); each must be true for /readyz to answer 200. */
  readinessChecks?: () => Record<string, boolean>;
  landingPage: boolean;
  context: (req: RequestInfo) => Promise<GraphQLContext>;
  maxBodyBytes?: number;
  /** Largest response body sent; a larger one is replaced by a 400 RESPONSE_TOO_LARGE. */
  maxResponseBytes?: number;
  /** Tried before the 404 for paths other than /graphql (dev mode: console, sign-in); true when it answered. */
  routes?: ExtraRoutes;
  /** Origins a browser may call /graphql from, with credentials (the cookie). Default none. */
  corsOrigins?: readonly string[];
  metrics?: HttpMetrics;
  /** Serve GET /metrics; with a token, only to `Authorization: Bearer <token>`. Default off. */
  metricsEndpoint?: { token: string | undefined } | false;
};

export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type Observed = { graphql: boolean; observation: Observation };

/**
 * The whole HTTP surface, routed here: GraphQL, liveness, readiness, metrics, a local landing
 * page and the caller's extra routes. Each endpoint lives in its own module.
 */
export function createRequestHandler(opts: RequestHandlerOptions): RequestListener {
  const cors = createCors(opts.corsOrigins ?? []);
  const graphql = graphqlEndpoint({ apollo: opts.apollo, context: opts.context, maxBodyBytes: opts.maxBodyBytes ?? 1_000_000, maxResponseBytes: opts.maxResponseBytes });
  const metrics = opts.metricsEndpoint && opts.metrics ? metricsEndpoint(opts.metrics, opts.metricsEndpoint.token) : undefined;

  return (req, res) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    const observed: Observed = { graphql: false, observation: { operation: 'none', errors: false } };
    res.once('finish', () => {
      if (observed.graphql) opts.metrics?.observeRequest(observed.observation, res.statusCode, (performance.now() - started) / 1000);
    });
    route(req, res, requestId, observed).catch((err: unknown) => {
      if (err instanceof HttpError) {
        sendError(res, err.status, err.code, err.message);
        return;
      }
      opts.log.error({ err, requestId }, 'request failed');
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    });
  };

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string, observed: Observed): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';

    if (url.pathname === '/healthz' && method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz' && method === 'GET') return readiness(res, opts.database, opts.isShuttingDown, opts.readinessChecks);
    if (url.pathname === '/' && method === 'GET' && opts.landingPage) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(landingPageHtml);
      return;
    }
    if (url.pathname === '/metrics' && method === 'GET' && metrics) return metrics(req, res);
    if (url.pathname !== '/graphql') {
      if (opts.routes && (await opts.routes(req, res, url))) return;
      throw new HttpError(404, 'NOT_FOUND', 'Not found. GraphQL is served at /graphql.');
    }
    observed.graphql = true;
    if (cors(req, res, method)) return;
    return graphql(req, res, url, requestId, observed.observation);
  }
}

