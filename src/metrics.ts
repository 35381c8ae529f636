import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from './passage/breaker.js';
import type { PassageCallInfo } from './passage/client.js';
import type { RequestHooks } from './graphql/request-plugin.js';

/** What a cache reports so its hit ratio shows on /metrics. `cache` must be a constant name. */
export interface CacheMetrics {
  hit(cache: string): void;
  miss(cache: string): void;
}

export type MetricsOptions = {
  /** Distinct operation names that get their own label; later ones are counted as "other". Default 100. */
  maxOperationNames?: number;
};

// Operation names come from clients: only plain GraphQL names of sane length become labels.
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/**
 * What the Apollo plugin learns about one request (its operation name, whether it had errors),
 * for the HTTP layer to record when the response is finished. The HTTP layer puts it on the
 * context under this symbol; Apollo copies the context per operation but keeps its properties.
 */
export const OBSERVATION = Symbol('passgraph.observation');
export type Observation = { operation: string; errors: boolean };

export type DirectoryStatus = { ready: boolean; users: number; lastSuccessAt: Date | null };

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Every counter the server keeps, in a registry of its own (never prom-client's global one), so
 * several apps in one process, as in the tests, do not share or collide. Every label has a
 * bounded set of values.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly cache: CacheMetrics;
  readonly #requestDuration: Histogram<'operation' | 'outcome'>;
  readonly #upstreamCalls: Counter<'family' | 'status'>;
  readonly #upstreamFailures: Counter<'family' | 'reason'>;
  readonly #upstreamDuration: Histogram<'family'>;
  readonly #tokenFailures: Counter<'reason'>;
  readonly #databaseBusy: Counter;
  readonly #budgetRefusals: Counter<'reason'>;
  readonly #redisFallbacks: Counter<'component'>;
  #redisUp: (() => boolean) | null = null;
  readonly #operations = new Set<string>();
  readonly #maxOperations: number;
  #breakerStates: () => Partial<Record<string, BreakerState>> = () => ({});
  #pendingIntents: () => number = () => 0;
  #directory: () => DirectoryStatus | null = () => null;
  readonly #directoryRuns: Counter<'kind'>;
  readonly #directoryErrors: Counter<'kind'>;
  readonly #directoryApplied: Counter<'kind'>;

  constructor(opts: MetricsOptions = {}) {
    this.#maxOperations = opts.maxOperationNames ?? 100;
    const registers = [this.registry];
    this.#requestDuration = new Histogram({
      name: 'passgraph_graphql_request_duration_seconds',
      help: 'GraphQL HTTP requests by operation name and outcome (ok, partial, client_error, server_error).',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#upstreamCalls = new Counter({
      name: 'passgraph_passage_calls_total',
      help: 'Passage calls sent (each attempt), by endpoint family and HTTP status, or timeout / network_error.',
      labelNames: ['family', 'status'],
      registers,
    });
    this.#upstreamFailures = new Counter({
      name: 'passgraph_passage_failures_total',
      help: 'Passage calls that failed for reasons of Passage, by endpoint family and reason; breaker_open and retry_after calls were never sent.',
      labelNames: ['family', 'reason'],
      registers,
    });
    this.#upstreamDuration = new Histogram({
      name: 'passgraph_passage_call_duration_seconds',
      help: 'Duration of each Passage call attempt, by endpoint family.',
      labelNames: ['family'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const states = () => this.#breakerStates();
    new Gauge({
      name: 'passgraph_passage_breaker_state',
      help: 'Circuit breaker per Passage endpoint family: 0 closed, 1 half-open (probing), 2 open (failing fast).',
      labelNames: ['family'],
      registers,
      collect() {
        for (const [family, state] of Object.entries(states())) if (state) this.set({ family }, BREAKER_VALUE[state]);
      },
    });
    const pendingIntents = () => this.#pendingIntents();
    new Gauge({
      name: 'passgraph_passage_intents_pending',
      help: 'Passage writes recorded but not yet settled (in flight, or waiting for the reconciler).',
      registers,
      collect() {
        this.set(pendingIntents());
      },
    });
    this.#tokenFailures = new Counter({
      name: 'passgraph_token_verification_failures_total',
      help: 'Auth tokens refused (or not verifiable), by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.#databaseBusy = new Counter({
      name: 'passgraph_database_busy_total',
      help: 'Writes refused because another connection held the SQLite write lock beyond busy_timeout.',
      registers,
    });
    const directory = () => this.#directory();
    new Gauge({
      name: 'passgraph_directory_users',
      help: 'Live (not deleted) users in the user directory.',
      registers,
      collect() {
        const status = directory();
        if (status) this.set(status.users);
      },
    });
    new Gauge({
      name: 'passgraph_directory_last_success_timestamp_seconds',
      help: 'When the last directory sync run succeeded (Unix seconds; 0 before the first).',
      registers,
      collect() {
        const status = directory();
        if (status) this.set(status.lastSuccessAt ? status.lastSuccessAt.getTime() / 1000 : 0);
      },
    });
    new Gauge({
      name: 'passgraph_directory_lag_seconds',
      help: 'Seconds since the last successful directory sync run: how far behind Passage the directory may be.',
      registers,
      collect() {
        const status = directory();
        if (status?.lastSuccessAt) this.set((Date.now() - status.lastSuccessAt.getTime()) / 1000);
      },
    });
    new Gauge({
      name: 'passgraph_directory_ready',
      help: '1 once the first full directory sync finished.',
      registers,
      collect() {
        const status = directory();
        if (status) this.set(status.ready ? 1 : 0);
      },
    });
    this.#directoryRuns = new Counter({
      name: 'passgraph_directory_sync_runs_total',
      help: 'Successful directory sync runs, by kind (full, incremental, sweep).',
      labelNames: ['kind'],
      registers,
    });
    this.#directoryErrors = new Counter({
      name: 'passgraph_directory_sync_errors_total',
      help: 'Failed directory sync runs, by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.#directoryApplied = new Counter({
      name: 'passgraph_directory_sync_users_total',
      help: 'Users written by directory sync runs, by kind (deleted users count under sweep).',
      labelNames: ['kind'],
      registers,
    });
    this.#redisFallbacks = new Counter({
      name: 'passgraph_redis_fallbacks_total',
      help: 'Operations that fell back to this process alone because Redis did not answer, by component (rate_limit, invalidation, lock).',
      labelNames: ['component'],
      registers,
    });
    const redisUp = () => this.#redisUp;
    new Gauge({
      name: 'passgraph_redis_up',
      help: '1 while the Redis connection (REDIS_URL) is ready, 0 while it is not; absent without REDIS_URL.',
      registers,
      collect() {
        const up = redisUp();
        if (up) this.set(up() ? 1 : 0);
      },
    });
    this.#budgetRefusals = new Counter({
      name: 'passgraph_passage_budget_refusals_total',
      help: 'Passage calls never sent because their request had used its calls (calls) or its time (deadline).',
      labelNames: ['reason'],
      registers,
    });
    const hits = new Counter({
      name: 'passgraph_cache_hits_total',
      help: 'Cache look-ups answered from the cache, by cache.',
      labelNames: ['cache'],
      registers,
    });
    const misses = new Counter({ name: 'passgraph_cache_misses_total', help: 'Cache look-ups that had to load, by cache.', labelNames: ['cache'], registers });
    this.cache = { hit: (cache) => hits.inc({ cache }), miss: (cache) => misses.inc({ cache }) };
  }

  /**
   * Adds Node's process metrics (RSS, heap, event-loop delay, GC). They install process-wide
   * observers, so only the process owner (startServer) calls this, once.
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the Redis gauge reads the connection state from, at scrape time. */
  watchRedis(up: () => boolean): void {
    this.#redisUp = up;
  }

  /** A shared component fell back to local behaviour (Redis unavailable). */
  redisFallback(component: string): void {
    this.#redisFallbacks.inc({ component });
  }

  /** Where the breaker gauge reads its states from, at scrape time. */
  watchBreakers(read: () => Partial<Record<string, BreakerState>>): void {
    this.#breakerStates = read;
  }

  /** Where the pending-intents gauge reads its count from, at scrape time. */
  watchIntents(read: () => number): void {
    this.#pendingIntents = read;
  }

  /** Where the directory gauges read their values from, at scrape time. */
  watchDirectory(read: () => DirectoryStatus): void {
    this.#directory = read;
  }

  /** The directory sync's observer. */
  readonly directorySync = {
    onRun: (report: { kind: string; applied: number; deleted: number }): void => {
      this.#directoryRuns.inc({ kind: report.kind });
      this.#directoryApplied.inc({ kind: report.kind }, report.applied + report.deleted);
    },
    onError: (kind: string): void => this.#directoryErrors.inc({ kind }),
  };

  /** For PassageClient's `onCall`: one report per attempt, and one per call refused by an open breaker. */
  readonly onPassageCall = (info: PassageCallInfo): void => {
    const { family } = info;
    // Calls refused on our side (open breaker, Passage's Retry-After still running) never left.
    const local = info.error?.code === 'breaker_open' || info.error?.code === 'retry_after';
    const reason = local ? info.error!.code : failureReason(info);
    if (!local) {
      const status = info.status > 0 ? String(info.status) : info.error?.code === 'timeout' ? 'timeout' : 'network_error';
      this.#upstreamCalls.inc({ family, status });
      this.#upstreamDuration.observe({ family }, info.durationMs / 1000);
    }
    if (reason) this.#upstreamFailures.inc({ family, reason });
  };

  tokenFailure(reason: string): void {
    this.#tokenFailures.inc({ reason });
  }

  databaseBusy(): void {
    this.#databaseBusy.inc();
  }

  /** A request's Passage call refused for lack of budget: `calls` or `deadline`. */
  budgetRefusal(reason: string): void {
    this.#budgetRefusals.inc({ reason });
  }

  /** Notes each request's operation name and whether it had errors, for `observeRequest`. */
  requestHooks(): RequestHooks {
    const label = (name: string | null | undefined) => this.#operationLabel(name);
    const observationOf = (contextValue: object | undefined) => (contextValue as Record<symbol, Observation | undefined> | undefined)?.[OBSERVATION];
    return {
      didResolveOperation({ contextValue, operationName }) {
        const observation = observationOf(contextValue);
        if (observation) observation.operation = label(operationName);
      },
      didEncounterErrors({ contextValue }) {
        const observation = observationOf(contextValue);
        if (observation) observation.errors = true;
      },
    };
  }

  /**
   * Called by the HTTP layer when a /graphql response is finished, including those refused
   * before GraphQL ran (bad JSON, 413, 401): their operation stays "none".
   */
  observeRequest(observation: Observation, status: number, seconds: number): void {
    const outcome = status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : observation.errors ? 'partial' : 'ok';
    this.#requestDuration.observe({ operation: observation.operation, outcome }, seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (this.#operations.has(name)) return name;
    if (this.#operations.size >= this.#maxOperations) return 'other';
    this.#operations.add(name);
    return name;
  }
}

/** Null when the call succeeded or Passage answered a request error of ours (4xx other than 429). */
function failureReason(info: PassageCallInfo): string | null {
  const e = info.error;
  if (!e) return null;
  if (e.code === 'timeout' || e.code === 'network_error' || e.code === 'invalid_response') return e.code;
  if (e.status === 429) return 'rate_limited';
  if (e.status >= 500) return 'server_error';
  return null;
}
