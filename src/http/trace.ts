import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUEST_ID_ATTRIBUTE, tracing } from '../tracing/index.js';
import type { RequestRecord } from './access-log.js';

// Span names follow OpenTelemetry's HTTP convention (`METHOD route`); other paths are not named,
// so a scan of random URLs cannot create unbounded span names.
const ROUTES: ReadonlySet<string> = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);

/** The span of one HTTP request, with the request id; it ends when `serve` settles. `serve` gets the trace id. */
export function traceRequest(
  req: IncomingMessage,
  res: ServerResponse,
  info: { requestId: string; method: string; path: string },
  serve: (traceId: string | undefined) => Promise<void>,
): Promise<void> {
  // Tracing off (the default): no span, no attributes, no extra promise.
  if (!tracing.enabled) return serve(undefined);
  const route = ROUTES.has(info.path) ? info.path : undefined;
  const attributes = {
    'http.request.method': info.method,
    'url.path': info.path,
    'http.route': route,
    [REQUEST_ID_ATTRIBUTE]: info.requestId,
    'user_agent.original': req.headers['user-agent']?.slice(0, 200),
  };
  return tracing.inSpan(route ? `${info.method} ${route}` : info.method, attributes, (span) =>
    serve(tracing.traceId()).finally(() => {
      span.setAttributes({ 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.fail(`HTTP ${res.statusCode}`);
    }),
  );
}

/** The span of one GraphQL operation, named `type name` once Apollo has resolved the operation. */
export function traceGraphQL<T>(record: RequestRecord, execute: () => Promise<T>): Promise<T> {
  if (!tracing.enabled) return execute();
  return tracing.inSpan('graphql', {}, (span) =>
    execute().finally(() => {
      const { operationName, operationType } = record;
      if (operationType) span.updateName(operationName ? `${operationType} ${operationName}` : operationType);
      span.setAttributes({
        'graphql.operation.name': operationName,
        'graphql.operation.type': operationType,
        'passgraph.error_codes': record.errorCodes.length > 0 ? record.errorCodes.join(',') : undefined,
      });
      if (record.errorCodes.some((code) => code === 'INTERNAL_SERVER_ERROR')) span.fail('internal server error');
    }),
  );
}
