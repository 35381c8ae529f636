import { createRequire } from 'node:module';

/** The part of autocannon's API the bench uses (the package ships no types). */
type AutocannonRequest = { method?: string; path?: string; headers?: Record<string, string>; body?: string };
type AutocannonOptions = {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
  verifyBody?: (body: string) => boolean;
};
type AutocannonResult = {
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  requests: { total: number; average: number };
  statusCodeStats: Record<string, { count: number }>;
};
type AutocannonInstance = PromiseLike<AutocannonResult> & {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  stop(): void;
};
type Autocannon = (opts: AutocannonOptions) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export type GraphQLRequest = { query: string; variables?: Record<string, unknown>; token?: string };

export type LoadResult = {
  /** Responses completed during the measured phase. */
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Connection errors and timeouts. */
  connectionErrors: number;
  timeouts: number;
  /** Responses whose body carried a GraphQL `errors` entry. */
  graphqlErrors: number;
  /** Responses without errors whose body lacked what the scenario expects. */
  unexpectedBodies: number;
  /** The first body of each kind that was not right, to show what went wrong. */
  sampleBadBody?: string;
};

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarise(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = Float64Array.from(samples).sort();
  const mean = samples.reduce((a, b) => a + b, 0) / (samples.length || 1);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean };
}

export function requestOf(r: GraphQLRequest): AutocannonRequest {
  return {
    method: 'POST',
    path: '/graphql',
    headers: {
      'content-type': 'application/json',
      ...(r.token ? { authorization: `Bearer ${r.token}` } : {}),
    },
    body: JSON.stringify({ query: r.query, ...(r.variables ? { variables: r.variables } : {}) }),
  };
}

/**
 * Drives `baseUrl` for `durationS` seconds with `connections` keep-alive connections, each
 * cycling through `requests`. Latencies are kept at full precision (autocannon's own histogram
 * rounds to whole milliseconds, too coarse for sub-millisecond servers).
 */
export async function runLoad(opts: {
  baseUrl: string;
  requests: GraphQLRequest[];
  durationS: number;
  connections: number;
  /** A body must contain this (and no `"errors"`) to count as a good answer. */
  expect: string;
}): Promise<LoadResult> {
  let graphqlErrors = 0;
  let unexpectedBodies = 0;
  let sampleBadBody: string | undefined;
  const latencies: number[] = [];
  const instance = autocannon({
    url: opts.baseUrl,
    connections: opts.connections,
    duration: opts.durationS,
    pipelining: 1,
    timeout: 10,
    requests: opts.requests.map(requestOf),
    verifyBody: (body) => {
      if (body.includes('"errors"')) {
        graphqlErrors++;
        sampleBadBody ??= body.slice(0, 500);
        return false;
      }
      if (!body.includes(opts.expect)) {
        unexpectedBodies++;
        sampleBadBody ??= body.slice(0, 500);
        return false;
      }
      return true;
    },
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  const { p50, p99, mean } = summarise(latencies);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]));
  const total = latencies.length;
  return {
    requests: total,
    durationS: result.duration,
    rps: total / result.duration,
    p50Ms: p50,
    p99Ms: p99,
    meanMs: mean,
    non2xx: result.non2xx,
    statusCodes,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    graphqlErrors,
    unexpectedBodies,
    ...(sampleBadBody !== undefined ? { sampleBadBody } : {}),
  };
}

/** One GraphQL request with fetch (keep-alive), for set-up and sequential latency probes. */
export async function gql<T = Record<string, unknown>>(
  baseUrl: string,
  r: GraphQLRequest,
): Promise<{ status: number; data: T | null; errors?: unknown[]; text: string }> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(r.token ? { authorization: `Bearer ${r.token}` } : {}) },
    body: JSON.stringify({ query: r.query, variables: r.variables }),
  });
  const text = await res.text();
  let body: { data?: T | null; errors?: unknown[] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Left empty: the caller sees the status and the text.
  }
  return { status: res.status, data: body.data ?? null, ...(body.errors ? { errors: body.errors } : {}), text };
}
