/**
 * The tracing seam every layer calls. Off by default: `inSpan` just calls its function, and no
 * OpenTelemetry module is loaded. `startTracing` (only when OTEL_EXPORTER_OTLP_ENDPOINT is set)
 * loads the SDK on demand and swaps the implementation in.
 */

/** The attribute naming the request (`x-request-id`) on every span of it. */
export const REQUEST_ID_ATTRIBUTE = 'passgraph.request_id';

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface ActiveSpan {
  setAttributes(attributes: SpanAttributes): void;
  updateName(name: string): void;
  /** Marks the span as failed; the span still ends when its function returns. */
  fail(message: string): void;
}

export interface Tracer {
  /** Runs `fn` inside a new child span of the active one; a returned promise ends the span when it settles. */
  inSpan<T>(name: string, attributes: SpanAttributes, fn: (span: ActiveSpan) => T): T;
  /** The active trace id, for log lines. */
  traceId(): string | undefined;
  /** Sends what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

export type TracingOptions = {
  /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  serviceName: string;
  headers: Readonly<Record<string, string>>;
  /** Delay before a batch of finished spans is sent. */
  exportDelayMs?: number;
};

const NOOP_SPAN: ActiveSpan = { setAttributes() {}, updateName() {}, fail() {} };

const NOOP_TRACER: Tracer = {
  inSpan: (_name, _attributes, fn) => fn(NOOP_SPAN),
  traceId: () => undefined,
  shutdown: async () => {},
};

let current: Tracer = NOOP_TRACER;

export const tracing = {
  inSpan<T>(name: string, attributes: SpanAttributes, fn: (span: ActiveSpan) => T): T {
    return current.inSpan(name, attributes, fn);
  },
  traceId(): string | undefined {
    return current.traceId();
  },
  get enabled(): boolean {
    return current !== NOOP_TRACER;
  },
};

/**
 * Loads the OpenTelemetry SDK and makes it the process's tracer. Returns a function that flushes
 * and turns tracing off again.
 */
export async function startTracing(options: TracingOptions): Promise<() => Promise<void>> {
  const { createOtelTracer } = await import('./otel.js');
  const tracer = await createOtelTracer(options);
  current = tracer;
  return async () => {
    if (current === tracer) current = NOOP_TRACER;
    await tracer.shutdown();
  };
}
