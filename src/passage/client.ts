import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { PassageError } from './errors.js';
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

export type PassageCallInfo = {
  method: string;
  path: string;
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
  /** Extra attempts for GETs only. Default 2. */
  maxRetries?: number;
  /** Backoff base: attempt n waits random(0, base * 2^n). Default 100. */
  retryBaseDelayMs?: number;
  fetch?: typeof fetch;
  onCall?: (info: PassageCallInfo) => void;
};

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Params = Record<string, unknown>;

// A longer Retry-After would hold an interactive request too long; the caller gets the 429 instead.
const MAX_RETRY_AFTER_MS = 2000;

const apiErrorSchema = z.object({ code: z.string(), error: z.string() });

/** Typed client for the 12 Passage management-API operations the SDKs use. */
export class PassageClient {
  readonly appId: string;
  // `#` keeps the key out of util.inspect / JSON.stringify of the client.
  readonly #apiKey: string;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #retryBaseDelayMs: number;
  readonly #fetch: typeof fetch;
  readonly #onCall: ((info: PassageCallInfo) => void) | undefined;

  constructor(opts: PassageClientOptions) {
    this.appId = opts.appId;
    this.#apiKey = opts.apiKey;
    this.#baseUrl = opts.apiUrl.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    this.#maxRetries = opts.maxRetries ?? 2;
    this.#retryBaseDelayMs = opts.retryBaseDelayMs ?? 100;
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.#onCall = opts.onCall;
  }

  getApp(): Promise<PassageApp> {
    return this.#request('GET', [], appResponseSchema);
  }

  listUsers(params: ListUsersParams = {}): Promise<PassageUserPage> {
    return this.#request('GET', ['users'], userPageSchema, { query: params });
  }

  getUser(userId: string): Promise<PassageUser> {
    return this.#request('GET', ['users', userId], userResponseSchema);
  }

  /**
   * Not an endpoint: list + get, as every Passage SDK does it. Matching is case-insensitive only
   * because we lower-case.
   */
  async getUserByIdentifier(identifier: string): Promise<PassageUser> {
    const page = await this.listUsers({ limit: 1, identifier: identifier.toLowerCase() });
    const first = page.users[0];
    if (!first) throw new PassageError(404, 'user_not_found', 'User not found.');
    return this.getUser(first.id);
  }

  createUser(input: CreateUserInput): Promise<PassageUser> {
    return this.#request('POST', ['users'], userResponseSchema, { body: input });
  }

  updateUser(userId: string, input: UpdateUserInput): Promise<PassageUser> {
    return this.#request('PATCH', ['users', userId], userResponseSchema, { body: input });
  }

  deleteUser(userId: string): Promise<void> {
    return this.#request('DELETE', ['users', userId]);
  }

  activateUser(userId: string): Promise<PassageUser> {
    return this.#request('PATCH', ['users', userId, 'activate'], userResponseSchema);
  }

  deactivateUser(userId: string): Promise<PassageUser> {
    return this.#request('PATCH', ['users', userId, 'deactivate'], userResponseSchema);
  }

  listDevices(userId: string): Promise<PassageDevice[]> {
    return this.#request('GET', ['users', userId, 'devices'], devicesResponseSchema);
  }

  deleteDevice(userId: string, deviceId: string): Promise<void> {
    return this.#request('DELETE', ['users', userId, 'devices', deviceId]);
  }

  revokeRefreshTokens(userId: string): Promise<void> {
    return this.#request('DELETE', ['users', userId, 'tokens']);
  }

  createMagicLink(input: CreateMagicLinkInput): Promise<PassageMagicLink> {
    return this.#request('POST', ['magic-links'], magicLinkResponseSchema, { body: input });
  }

  /**
   * The only place a URL is built; `segments` are relative to the app and get encoded. `path`
   * leaves out the query string, which may hold an email or phone, so it is what logs and errors see.
   */
  #url(segments: string[], query?: Params): { path: string; url: string } {
    for (const s of segments) {
      // An empty id would silently address a different route (`/users/` is the list endpoint).
      if (s === '') throw new TypeError('Passage ids must be non-empty strings');
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
    { query, body }: { query?: Params; body?: Params } = {},
  ): Promise<T> {
    const { path, url } = this.#url(segments, query);
    const payload = body === undefined ? undefined : JSON.stringify(snakeKeys(body));
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const res = await this.#send(method, url, path, payload);
        const data = schema ? parseBody(schema, res.status, res.text) : (undefined as T);
        this.#report({ method, path, status: res.status, durationMs: performance.now() - started, attempt });
        return data;
      } catch (error) {
        if (!(error instanceof PassageError)) throw error;
        this.#report({ method, path, status: error.status, durationMs: performance.now() - started, attempt, error });
        // Only GETs are safe to repeat: a repeated POST may send a second magic-link email.
        const delay = method === 'GET' && attempt < this.#maxRetries ? this.#retryDelay(error, attempt) : undefined;
        if (delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }

  /** One attempt: resolves with any 2xx response, throws PassageError for everything else. */
  async #send(
    method: Method,
    url: string,
    path: string,
    payload: string | undefined,
  ): Promise<{ status: number; text: string }> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let res: Response;
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
        const message = `Passage ${method} ${path} timed out after ${this.#timeoutMs} ms`;
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
