import type { Context, Span } from '@opentelemetry/api';
import { type ActiveSpan, REQUEST_ID_ATTRIBUTE, type SpanAttributes, type Tracer, type TracingOptions } from './index.js';

/**
 * The OpenTelemetry implementation of the tracing seam. Every package is imported dynamically, so
 * a bundle built from src/ still loads none of them until tracing is turned on. The context
 * manager is used directly rather than registered globally: nothing here changes OpenTelemetry's
 * process-wide state, so another library's instrumentation is left alone.
 */
export async function createOtelTracer(options: TracingOptions): Promise<Tracer> {
  const [api, sdk, hooks, exporterModule, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const contextManager = new hooks.AsyncLocalStorageContextManager().enable();
  const exporter = new exporterModule.OTLPTraceExporter({
    url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces`,
    headers: { ...options.headers },
  });
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, scheduledDelayMillis: options.exportDelayMs ?? 2000 })],
  });
  const tracer = provider.getTracer('passgraph');
  const requestIdKey = api.createContextKey(REQUEST_ID_ATTRIBUTE);

  const handle = (span: Span): ActiveSpan => ({
    setAttributes: (attributes) => span.setAttributes(defined(attributes)),
    updateName: (name) => span.updateName(name),
    fail: (message) => span.setStatus({ code: api.SpanStatusCode.ERROR, message }),
  });

  const settle = (span: Span, error?: unknown) => {
    if (error !== undefined) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: api.SpanStatusCode.ERROR });
    }
    span.end();
  };

  return {
    inSpan<T>(name: string, attributes: SpanAttributes, fn: (span: ActiveSpan) => T): T {
      const parent: Context = contextManager.active();
      const own = defined(attributes);
      // Every span of a request carries its id, not only the one that knew it.
      const requestId = own[REQUEST_ID_ATTRIBUTE] ?? parent.getValue(requestIdKey);
      if (requestId !== undefined) own[REQUEST_ID_ATTRIBUTE] = requestId as string;
      const span = tracer.startSpan(name, { attributes: own }, parent);
      let active = api.trace.setSpan(parent, span);
      if (requestId !== undefined) active = active.setValue(requestIdKey, requestId);
      let result: T;
      try {
        result = contextManager.with(active, fn, undefined, handle(span));
      } catch (err) {
        settle(span, err);
        throw err;
      }
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => {
            settle(span);
            return value;
          },
          (err: unknown) => {
            settle(span, err);
            throw err;
          },
        ) as T;
      }
      settle(span);
      return result;
    },
    traceId: () => api.trace.getSpan(contextManager.active())?.spanContext().traceId,
    shutdown: async () => {
      await provider.shutdown();
      contextManager.disable();
    },
  };
}

function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}
