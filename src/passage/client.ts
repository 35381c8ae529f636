import { setTimeout as sleep } from 'node:timers/promises';
import { createHttpTransport, type PassageFetch } from './http-transport.js';
import { z } from 'zod';
import { CircuitBreaker, ENDPOINT_FAMILIES, endpointFamily, type BreakerOptions, type BreakerState, type CallOutcome, type EndpointFamily } from './breaker.js';
import { PassageError } from './errors.js';
import { isPassageId } from './ids.js';
import type { UpstreamBudget } from './budget.js';
import {
  appResponseSchema,
  devicesResponseSchema,
  magicLinkResponseSchema,
  userPageSchema,
  userResponseSchema,
  type CreateMagicLinkInput,
  type CreateUserInput,
  type ListUsersParams,
  type PassageApp,
  type PassageDevice,
  type PassageMagicLink,
  type PassageUser,
  type PassageUserPage,
  type UpdateUserInput,
} from './types.js';
import { tracing } from '../tracing/index.js';

export type PassageCallInfo = {
  method: string;
  path: string;
  family: EndpointFamily;
  status: number;
  durationMs: number;
  attempt: number;
  error?: PassageError;
};

export type PassageClientOptions = {
  appId: string;
  apiKey: string;
  /** e.g. `https://api.passage.id/v1`; a trailing slash is fine. */
  apiUrl: string;
  /** Deadline of each attempt. Default 5000. */
  timeoutMs?: number;
  /** Deadline of a whole call, retries and their waits included. Default twice `timeoutMs`. */
  deadlineMs?: number;
  /** Extra attempts for GETs only. Default 2. */
  maxRetries?: number;
  /** Backoff base: attempt n waits random(0, base * 2^n). Default 100. */
  retryBaseDelayMs?: number;
  /** How requests are sent; defaults to a keep-alive node:http pool. `fetch` fits. */
  fetch?: PassageFetch;
  onCall?: (info: PassageCallInfo) => void;
  /** One breaker per endpoint family with these settings; `false` turns breaking off. Default on. */
  breaker?: Omit<BreakerOptions, 'onStateChange'> | false;
  onBreakerStateChange?: (family: EndpointFamily, state: BreakerState) => void;
};

const DEFAULT_BREAKER = { failurePercent: 50, minimumCalls: 10, windowMs: 10_000, openMs: 30_000 };

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Params = Record<string, unknown>;

/** Per-call options: the calling request's budget of Passage calls and time, when it has one. */
export type CallOptions = { budget?: UpstreamBudget | undefined };

// A longer Retry-After would hold an interactive request too long; the caller gets the 429 instead.
const MAX_RETRY_AFTER_MS = 2000;
// The longest Retry-After we keep a family quiet for; a bogus header must not silence us for a day.
const MAX_HONOURED_RETRY_AFTER_MS = 5 * 60_000;

// A write needs at least this much of its request's time left to be sent at all.
const MIN_WRITE_ALLOTMENT_MS = 1000;
// Below this, a timed-out attempt (cut short by its request's deadline) is not held against Passage.
const MIN_JUDGED_ATTEMPT_MS = 100;

const apiErrorSchema = z.object({ code: z.string(), error: z.string() });

/** Typed client for the 12 Passage management-API operations the SDKs use. */
export class PassageClient {
  readonly appId: string;
  // `#` keeps the key out of util.inspect / JSON.stringify of the client.
  readonly #apiKey: string;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #deadlineMs: number;
  readonly #maxRetries: number;
  readonly #retryBaseDelayMs: number;
  readonly #fetch: PassageFetch;
  readonly #onCall: ((info: PassageCallInfo) => void) | undefined;
  readonly #breakers: ReadonlyMap<EndpointFamily, CircuitBreaker>;
  // When Passage answered 429 with Retry-After, the time before which that family is not called.
  readonly #quietUntil = new Map<EndpointFamily, number>();

  constructor(opts: PassageClientOptions) {
    this.appId = opts.appId;
    this.#apiKey = opts.apiKey;
    this.#baseUrl = opts.apiUrl.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    this.#deadlineMs = opts.deadlineMs ?? 2 * this.#timeoutMs;
    this.#maxRetries = opts.maxRetries ?? 2;
    this.#retryBaseDelayMs = opts.retryBaseDelayMs ?? 100;
    this.#fetch = opts.fetch ?? createHttpTransport();
    this.#onCall = opts.onCall;
    const breaker = opts.breaker === false ? null : (opts.breaker ?? DEFAULT_BREAKER);
    this.#breakers = new Map(
      breaker === null
        ? []
        : ENDPOINT_FAMILIES.map((family) => [family, new CircuitBreaker({ ...breaker, onStateChange: (state) => opts.onBreakerStateChange?.(family, state) })]),
    );
  }

  /** The current state of each endpoint family's breaker (empty when breaking is off). */
  breakerStates(): Partial<Record<EndpointFamily, BreakerState>> {
    return Object.fromEntries([...this.#breakers].map(([family, b]) => [family, b.state]));
  }

  getApp(opts: CallOptions = {}): Promise<PassageApp> {
    return this.#request('GET', [], appResponseSchema, opts);
  }

  listUsers(params: ListUsersParams = {}, opts: CallOptions = {}): Promise<PassageUserPage> {
    return this.#request('GET', ['users'], userPageSchema, { ...opts, query: params });
  }

  getUser(userId: string, opts: CallOptions = {}): Promise<PassageUser> {
    return this.#request('GET', ['users', userId], userResponseSchema, opts);
  }

  /**
   * Not an endpoint: list + get, as every Passage SDK does it. Matching is case-insensitive only
   * because we lower-case.
   */
  async getUserByIdentifier(identifier: string, opts: CallOptions = {}): Promise<PassageUser> {
    const page = await this.listUsers({ limit: 1, identifier: identifier.toLowerCase() }, opts);
    const first = page.users[0];
    if (!first) throw new PassageError(404, 'user_not_found', 'User not found.');
    return this.getUser(first.id, opts);
  }

  createUser(input: CreateUserInput, opts: CallOptions = {}): Promise<PassageUser> {
    return this.#request('POST', ['users'], userResponseSchema, { ...opts, body: input });
  }

  updateUser(userId: string, input: UpdateUserInput, opts: CallOptions = {}): Promise<PassageUser> {
    return this.#request('PATCH', ['users', userId], userResponseSchema, { ...opts, body: input });
  }

  deleteUser(userId: string, opts: CallOptions = {}): Promise<void> {
    return this.#request('DELETE', ['users', userId], undefined, opts);
  }

  activateUser(userId: string, opts: CallOptions = {}): Promise<PassageUser> {
    return this.#request('PATCH', ['users', userId, 'activate'], userResponseSchema, opts);
  }

  deactivateUser(userId: string, opts: CallOptions = {}): Promise<PassageUser> {
    return this.#request('PATCH', ['users', userId, 'deactivate'], userResponseSchema, opts);
  }

  listDevices(userId: string, opts: CallOptions = {}): Promise<PassageDevice[]> {
    return this.#request('GET', ['users', userId, 'devices'], devicesResponseSchema, opts);
  }

  deleteDevice(userId: string, deviceId: string, opts: CallOptions = {}): Promise<void> {
    return this.#request('DELETE', ['users', userId, 'devices', deviceId], undefined, opts);
  }

  revokeRefreshTokens(userId: string, opts: CallOptions = {}): Promise<void> {
    return this.#request('DELETE', ['users', userId, 'tokens'], undefined, opts);
  }

  createMagicLink(input: CreateMagicLinkInput, opts: CallOptions = {}): Promise<PassageMagicLink> {
    return this.#request('POST', ['magic-links'], magicLinkResponseSchema, { ...opts, body: input });
  }

  /**
   * The only place a URL is built; `segments` are relative to the app and get encoded. `path`
   * leaves out the query string, which may hold an email or phone, so it is what logs and errors see.
   */
  #url(segments: string[], query?: Params): { path: string; url: string } {
    for (const s of segments) {
      // Defence in depth behind input validation: `""`, `.` or `..` would address a different
      // route (`/users/` is the list endpoint, `/users/..` the app itself). Refused before any
      // call, so it costs no upstream request and never counts against a breaker.
      if (!isPassageId(s)) throw new PassageError(400, 'invalid_id', 'Not a Passage id; no call was made.');
    }
    const path = `/${['apps', this.appId, ...segments].map(encodeURIComponent).join('/')}`;
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(snakeKeys(query ?? {}))) qs.set(k, String(v));
    return { path, url: `${this.#baseUrl}${path}${qs.size ? `?${qs}` : ''}` };
  }

  /**
   * The only place a request is sent. Without a schema the body is ignored (Passage answers
   * deletes with an empty 200).
   */
  async #request<T = void>(
    method: Method,
    segments: string[],
    schema?: z.ZodType<T>,
    { query, body, budget }: CallOptions & { query?: Params; body?: Params } = {},
  ): Promise<T> {
    const { path, url } = this.#url(segments, query);
    const payload = body === undefined ? undefined : JSON.stringify(snakeKeys(body));
    const family = endpointFamily(method, segments);
    const breaker = this.#breakers.get(family);
    const deadline = performance.now() + this.#deadlineMs;
    let waitedAsAsked = false;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const quietFor = (this.#quietUntil.get(family) ?? 0) - Date.now();
      // This call's own retry already waited out the Retry-After; everyone else keeps away.
      if (quietFor > 0 && !waitedAsAsked) {
        const error = new PassageError(429, 'retry_after', `Passage asked for no ${family} calls for now; not calling ${method} ${path}`, {
          retryAfterSeconds: Math.ceil(quietFor / 1000),
        });
        this.#report({ method, path, family, status: 429, durationMs: 0, attempt, error });
        throw error;
      }
      // Counted before the breaker: a request out of calls or time sends nothing and asks nothing.
      // A write is not started in the last moments of the request's time: refused unsent, nothing
      // changed, rather than sent and cut off with its outcome unknown.
      budget?.take(method === 'GET' ? 0 : Math.min(MIN_WRITE_ALLOTMENT_MS, this.#timeoutMs));
      const release = breaker ? breaker.acquire() : () => {};
      if (release === null) {
        const error = new PassageError(0, 'breaker_open', `Passage ${family} calls are failing; not calling ${method} ${path} for now`);
        this.#report({ method, path, family, status: 0, durationMs: 0, attempt, error });
        throw error;
      }
      // Unexpected errors (bugs, not Passage) must neither open the breaker nor leave a probe out forever.
      let outcome: CallOutcome = 'throttled';
      const allotted = Math.min(this.#timeoutMs, deadline - started, budget ? budget.remainingMs() : Infinity);
      try {
        const res = await traceAttempt({ method, family, attempt }, () => this.#send(method, url, path, payload, allotted));
        const data = schema ? parseBody(schema, res.status, res.text) : (undefined as T);
        outcome = 'success';
        this.#report({ method, path, family, status: res.status, durationMs: performance.now() - started, attempt });
        return data;
      } catch (error) {
        if (!(error instanceof PassageError)) throw error;
        outcome = outcomeOf(error);
        // An attempt the request's own deadline gave only a moment cannot judge Passage's health.
        if (error.code === 'timeout' && allotted < MIN_JUDGED_ATTEMPT_MS && allotted < this.#timeoutMs) outcome = 'throttled';
        this.#report({ method, path, family, status: error.status, durationMs: performance.now() - started, attempt, error });
        if (error.status === 429 && error.retryAfterSeconds) {
          const until = Date.now() + Math.min(error.retryAfterSeconds * 1000, MAX_HONOURED_RETRY_AFTER_MS);
          this.#quietUntil.set(family, Math.max(until, this.#quietUntil.get(family) ?? 0));
        }
        // Only GETs are safe to repeat: a repeated POST may send a second magic-link email.
        const delay = method === 'GET' && attempt < this.#maxRetries ? this.#retryDelay(error, attempt) : undefined;
        // A retry that cannot start before the call's deadline would only make the caller wait longer.
        if (delay === undefined || performance.now() + delay >= deadline) throw error;
        // Nor one the request has no calls or time left for.
        if (budget && (!budget.canCall() || budget.remainingMs() <= delay)) throw error;
        waitedAsAsked = error.status === 429;
        release(outcome);
        await sleep(delay);
      } finally {
        release(outcome);
      }
    }
  }

  /** One attempt: resolves with any 2xx response, throws PassageError for everything else. */
  async #send(method: Method, url: string, path: string, payload: string | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
    const signal = AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs)));
    let res: Awaited<ReturnType<PassageFetch>>;
    let text: string;
    try {
      res = await this.#fetch(url, {
        method,
        headers: { Authorization: `Bearer ${this.#apiKey}`, 'Content-Type': 'application/json' },
        body: payload,
        signal,
        // The management API never redirects; following one would send the key somewhere unexpected.
        redirect: 'error',
      });
      // Reading the body is under the same deadline: a server may send headers and then stall.
      text = await res.text();
    } catch (cause) {
      if (signal.aborted) {
        const message = `Passage ${method} ${path} timed out after ${Math.round(timeoutMs)} ms`;
        throw new PassageError(0, 'timeout', message, { cause });
      }
      throw new PassageError(0, 'network_error', `Passage ${method} ${path} failed: no response`, { cause });
    }
    if (res.ok) return { status: res.status, text };

    const apiError = apiErrorSchema.safeParse(parseJson(text)).data;
    const retryAfterSeconds = res.status === 429 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
    throw new PassageError(
      res.status,
      apiError?.code ?? `http_${res.status}`,
      this.#redact(apiError?.error ?? `Passage ${method} ${path} answered ${res.status}`),
      retryAfterSeconds === undefined ? undefined : { retryAfterSeconds },
    );
  }

  #retryDelay(error: PassageError, attempt: number): number | undefined {
    const retryable = error.status === 0 || error.status === 429 || error.status >= 500;
    if (!retryable) return undefined;
    if (error.retryAfterSeconds !== undefined) {
      const ms = error.retryAfterSeconds * 1000;
      return ms <= MAX_RETRY_AFTER_MS ? ms : undefined;
    }
    // Full jitter spreads retries from many requests that failed together.
    return Math.random() * this.#retryBaseDelayMs * 2 ** attempt;
  }

  // Error bodies come from the server and may echo what we sent; the key must never reach a message.
  #redact(message: string): string {
    return this.#apiKey ? message.split(this.#apiKey).join('[redacted]') : message;
  }

  #report(info: PassageCallInfo): void {
    try {
      this.#onCall?.(info);
    } catch {
      // Telemetry must never change the outcome of a call.
    }
  }
}

/**
 * Only Passage's own trouble (no answer in time, no connection, a 5xx) counts against its
 * breaker. A 4xx is Passage judging our request, so it says Passage is up. A 2xx of an
 * unexpected shape is not counted as a failure either: Passage answered, and the shape of an
 * answer depends on what was asked, so counting it would let one caller's odd requests open the
 * breaker for everyone (`GET /users/..` once did). The field still fails; the log has the cause.
 */
function outcomeOf(error: PassageError): CallOutcome {
  if (error.status === 429) return 'throttled';
  if (error.status === 0 || error.status >= 500) return 'failure';
  return 'success';
}

/** camelCase -> snake_case for top-level keys only (user_metadata's own keys are user data); drops undefined. */
function snakeKeys(obj: Params): Params {
  return Object.fromEntries(
    Object.entries(obj)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]),
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseBody<T>(schema: z.ZodType<T>, status: number, text: string): T {
  const json = parseJson(text);
  if (json === undefined) throw new PassageError(status, 'invalid_response', 'Passage sent a body that is not JSON');
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new PassageError(status, 'invalid_response', 'Passage sent a body of an unexpected shape', {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** RFC 9110: delay-seconds or an HTTP-date. */
function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * One span per attempt, so retries show as siblings. Named by endpoint family, not path: paths
 * carry user ids.
 */
function traceAttempt<T extends { status: number }>(call: { method: string; family: EndpointFamily; attempt: number }, send: () => Promise<T>): Promise<T> {
  const attributes = {
    'passage.operation': `${call.method} ${call.family}`,
    'http.request.method': call.method,
    'passage.attempt': call.attempt,
    'passage.retry': call.attempt > 0,
  };
  return tracing.inSpan(`passage ${call.method} ${call.family}`, attributes, (span) =>
    send().then(
      (res) => {
        span.setAttributes({ 'http.response.status_code': res.status });
        return res;
      },
      (err: unknown) => {
        if (err instanceof PassageError) {
          span.setAttributes({ 'http.response.status_code': err.status || undefined, 'passage.error': err.code });
          span.fail(err.code);
        }
        throw err;
      },
    ),
  );
}
