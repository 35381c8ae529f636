import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ApiError, badRequest } from './errors.js';
import { publicJwks, rsaPublicKeyBase64 } from './keys.js';
import type { AuthApi } from './auth/router.js';
import { paginationLinks, parseListUsersQuery } from './list-query.js';
import { checkPhone, normalizeEmail, randomId, type AppSettings, type EmulatorStore, type PassageUserWire } from './store.js';

export type RecordedCall = { method: string; path: string; query: Record<string, string>; body: unknown; status: number; at: number };

export type FaultRule = {
  match?: {
    method?: string;
    /** Relative to /v1/apps/{appId} (e.g. '/users', '/.well-known/jwks.json'), or a full path. */
    pathPrefix?: string;
  };
  status?: number;
  /** A string is sent verbatim (to simulate malformed JSON); defaults to a `{code,error}` body for 4xx/5xx. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer; the socket is destroyed by close(). */
  hang?: boolean;
  delayMs?: number;
  /** How many matching requests the rule applies to; unlimited when absent. */
  times?: number;
};

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
type Context = { params: Record<string, string>; query: URLSearchParams; body: () => unknown };
type Route = { method: string; pattern: string[]; isPublic?: boolean; handle: (ctx: Context) => Reply | Promise<Reply> };

const MAX_BODY_BYTES = 1024 * 1024;
const JWKS_PATH = '/.well-known/jwks.json';
const LANGUAGES = ['de', 'en', 'es', 'it', 'pl', 'pt', 'zh'];
const DEFAULT_MAGIC_LINK_TTL_MINUTES = 60;
const MAX_MAGIC_LINK_TTL_MINUTES = 24 * 60;

const internalError = () => new ApiError(500, 'internal_server_error', 'Internal server error');

// The spec types these as string and object, not nullable: a null is refused (Prism agrees),
// never read as "absent" or, for user_metadata, as "wipe it".
const createUserBody = z.object({
  email: z.string().optional(),
  phone: z.string().optional(),
  user_metadata: z.record(z.string(), z.unknown()).optional(),
});
const updateUserBody = createUserBody;
const magicLinkBody = z.object({
  email: z.string().optional(),
  phone: z.string().optional(),
  user_id: z.string().optional(),
  channel: z.enum(['email', 'phone']).optional(),
  send: z.boolean().optional(),
  type: z.enum(['login', 'verify_identifier']).optional(),
  language: z.string().optional(),
  magic_link_path: z.string().optional(),
  redirect_url: z.string().optional(),
  ttl: z.number().int().optional(),
});

const cannotDeliver = (channel: 'email' | 'phone') =>
  new ApiError(403, 'operation_not_allowed', channel === 'phone' ? 'phone: no SMS provider is configured.' : 'email: no email delivery is configured.');

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw badRequest(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid value'}.`);
}

/** Optional fields sent blank or null count as absent (Go clients send zero values). */
function withoutBlanks(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== '' && value !== null));
}

function defaultFaultBody(status: number): unknown {
  if (status < 400) return undefined;
  const code =
    status === 400
      ? 'invalid_request'
      : status === 401
        ? 'invalid_access_token'
        : status === 403
          ? 'operation_not_allowed'
          : status === 404
            ? 'not_found'
            : status === 429
              ? 'too_many_requests'
              : 'internal_server_error';
  return { code, error: `Injected fault (${status})` };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status, { 'content-length': '0', ...reply.headers });
    res.end();
    return;
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...reply.headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining so the client is not stuck mid-upload; the request is rejected afterwards.
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  if (raw.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The HTTP side of the emulator: routing, auth, call recording, fault injection and latency. */
export class EmulatorHttp {
  readonly calls: RecordedCall[] = [];
  latencyMs: number;
  private faults: Array<FaultRule & { remaining: number }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing = false;
  private readonly routes: Route[];
  private readonly apiKeyDigest: Buffer;

  constructor(
    private readonly store: EmulatorStore,
    private readonly settings: AppSettings,
    latencyMs: number,
    private readonly maxRecordedCalls: number,
    /** Call log and fault injection: test doubles, off in a real start. */
    private readonly testDouble: boolean,
    private readonly authApi?: AuthApi,
    private readonly refreshEnabled = false,
  ) {
    this.latencyMs = latencyMs;
    this.apiKeyDigest = digest(settings.apiKey);
    this.routes = this.buildRoutes();
  }

  injectFault(rule: FaultRule): () => void {
    if (!this.testDouble) throw new Error('fault injection is a test feature: start the identity service with testDouble');
    const active = { ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.faults.push(active);
    return () => {
      this.faults = this.faults.filter((f) => f !== active);
    };
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Pending delays never resume, so no handler touches the store after it is closed. */
  shutdown(): void {
    this.closing = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch(() => {
      if (!res.headersSent && !this.closing) send(res, { status: 500, body: internalError().toBody() });
      else res.destroy();
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const raw = await readBody(req);
    const parsed = raw === undefined ? { ok: false as const } : parseJson(raw);
    const call: RecordedCall = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body: parsed.ok ? parsed.value : raw,
      status: 0,
      at: Date.now(),
    };
    if (this.testDouble) this.record(call);

    const appPrefix = `/v1/apps/${this.settings.appId}`;
    const relative = path === appPrefix || path.startsWith(`${appPrefix}/`) ? path.slice(appPrefix.length) : undefined;
    const fault = this.takeFault(method, path, relative);
    if (fault?.delayMs) await this.sleep(fault.delayMs);
    if (this.closing || fault?.hang) return;
    if (fault?.status !== undefined) {
      const reply = { status: fault.status, body: fault.body ?? defaultFaultBody(fault.status), headers: fault.headers };
      call.status = reply.status;
      send(res, reply);
      return;
    }

    const isJwks = relative === JWKS_PATH;
    if (this.latencyMs > 0 && !isJwks) await this.sleep(this.latencyMs);
    if (this.closing) return;

    const cors = this.authApi?.corsHeaders(req.headers) ?? {};
    const claimed =
      this.authApi !== undefined &&
      relative !== undefined &&
      !this.authorized(req.headers.authorization) &&
      this.authApi.claims(method, relative, {
        query: url.searchParams,
        body: parsed.ok ? parsed.value : undefined,
        hasAuthorization: req.headers.authorization !== undefined,
      });
    if (this.authApi && claimed) {
      const answer = await this.authApi.handle({
        method,
        relative,
        query: url.searchParams,
        headers: req.headers,
        ip: req.socket.remoteAddress ?? 'unknown',
        rawBytes: raw === undefined ? Number.POSITIVE_INFINITY : Buffer.byteLength(raw),
        body: () => {
          if (raw === undefined) throw badRequest('body: request body is too large.');
          if (!parsed.ok) throw badRequest('body: request body must be valid JSON.');
          return parsed.value ?? {};
        },
      });
      call.status = answer.status;
      if (!this.closing) send(res, answer);
      return;
    }

    let reply: Reply;
    try {
      reply = await this.route(method, path, url.searchParams, req.headers.authorization, () => {
        // Every operation with a body declares it required and application/json only.
        if (raw === undefined) throw badRequest('body: request body is too large.');
        if (!isJson(req.headers['content-type'])) throw badRequest('body: must be sent as application/json.');
        if (!parsed.ok) throw badRequest('body: request body must be valid JSON.');
        if (parsed.value === undefined) throw badRequest('body: is required.');
        return parsed.value;
      });
    } catch (error) {
      // Only the message: request bodies and responses may carry secrets.
      if (!(error instanceof ApiError)) process.stderr.write(`emulator: ${method} ${path} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      const apiError = error instanceof ApiError ? error : internalError();
      reply = { status: apiError.status, body: apiError.toBody() };
    }
    call.status = reply.status;
    send(res, { ...reply, headers: { ...reply.headers, ...cors } });
  }

  /** Keeps the last `maxRecordedCalls`; the call object is still filled in when not kept. */
  private record(call: RecordedCall): void {
    if (this.maxRecordedCalls <= 0) return;
    if (this.calls.length >= this.maxRecordedCalls) this.calls.splice(0, this.calls.length - this.maxRecordedCalls + 1);
    this.calls.push(call);
  }

  private takeFault(method: string, path: string, relative: string | undefined): FaultRule | undefined {
    const fault = this.faults.find((f) => {
      const m = f.match ?? {};
      if (m.method && m.method.toUpperCase() !== method) return false;
      if (m.pathPrefix === undefined) return true;
      return path.startsWith(m.pathPrefix) || (relative !== undefined && relative.startsWith(m.pathPrefix));
    });
    if (fault && --fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private route(method: string, path: string, query: URLSearchParams, authorization: string | undefined, body: () => unknown): Reply | Promise<Reply> {
    const segments = path.split('/').filter(Boolean);
    const [version, apps, appId, ...rest] = segments;
    if (version !== 'v1' || apps !== 'apps' || appId === undefined) throw new ApiError(404, 'not_found', 'Not found');
    if (appId !== this.settings.appId) throw new ApiError(404, 'app_not_found', 'App not found');
    for (const route of this.routes) {
      if (route.method !== method || route.pattern.length !== rest.length) continue;
      const params: Record<string, string> = {};
      const matches = route.pattern.every((part, i) => {
        const segment = safeDecode(rest[i]!);
        if (part.startsWith(':')) params[part.slice(1)] = segment;
        return part.startsWith(':') || part === segment;
      });
      if (!matches) continue;
      if (appId !== this.settings.appId) throw new ApiError(404, 'app_not_found', 'App not found');
      if (!route.isPublic && !this.authorized(authorization)) throw new ApiError(401, 'invalid_access_token', 'Invalid access token');
      return route.handle({ params, query, body });
    }
    throw new ApiError(404, 'not_found', 'Not found');
  }

  private authorized(header: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return match !== null && timingSafeEqual(digest(match[1]!), this.apiKeyDigest);
  }

  private buildRoutes(): Route[] {
    const store = this.store;
    const user = (u: PassageUserWire): Reply => ({ status: 200, body: { user: u } });
    const empty: Reply = { status: 200 };
    return [
      { method: 'GET', pattern: [], isPublic: true, handle: () => ({ status: 200, body: { app: this.appInfo() } }) },
      { method: 'GET', pattern: ['.well-known', 'jwks.json'], isPublic: true, handle: () => ({ status: 200, body: publicJwks(store) }) },
      {
        method: 'GET',
        pattern: ['users'],
        handle: ({ query }) => {
          const parsed = parseListUsersQuery(query, Date.now());
          const { total, users } = store.listUsers(parsed.query);
          return {
            status: 200,
            body: {
              _links: paginationLinks(this.settings.appId, parsed, total),
              created_before: parsed.createdBefore,
              limit: parsed.query.limit,
              page: parsed.query.page,
              total_users: total,
              users,
            },
          };
        },
      },
      {
        method: 'POST',
        pattern: ['users'],
        handle: ({ body }) => {
          const input = parseBody(createUserBody, body());
          const created = store.createUser({ email: input.email, phone: input.phone, userMetadata: input.user_metadata });
          return { status: 201, body: { user: created } };
        },
      },
      { method: 'GET', pattern: ['users', ':user'], handle: ({ params }) => user(store.requireUser(params.user!)) },
      {
        method: 'PATCH',
        pattern: ['users', ':user'],
        handle: ({ params, body }) => {
          store.requireUser(params.user!);
          const input = parseBody(updateUserBody, body());
          return user(store.updateUser(params.user!, { email: input.email, phone: input.phone, userMetadata: input.user_metadata }));
        },
      },
      {
        method: 'DELETE',
        pattern: ['users', ':user'],
        handle: ({ params }) => {
          store.deleteUser(params.user!);
          return empty;
        },
      },
      { method: 'PATCH', pattern: ['users', ':user', 'activate'], handle: ({ params }) => user(store.setStatus(params.user!, 'active')) },
      { method: 'PATCH', pattern: ['users', ':user', 'deactivate'], handle: ({ params }) => user(store.setStatus(params.user!, 'inactive')) },
      {
        method: 'GET',
        pattern: ['users', ':user', 'devices'],
        handle: ({ params }) => ({ status: 200, body: { devices: store.listDevices(params.user!) } }),
      },
      {
        method: 'DELETE',
        pattern: ['users', ':user', 'devices', ':device'],
        handle: ({ params }) => {
          store.deleteDevice(params.user!, params.device!);
          return empty;
        },
      },
      {
        method: 'DELETE',
        pattern: ['users', ':user', 'tokens'],
        handle: ({ params }) => {
          store.revokeTokens(params.user!);
          return empty;
        },
      },
      { method: 'POST', pattern: ['magic-links'], handle: async ({ body }) => ({ status: 201, body: { magic_link: await this.createMagicLink(body()) } }) },
    ];
  }

  /**
   * Like Passage: an unknown email or phone becomes a pending user. With the Authentication API
   * present the link can be activated there, and `send: true` delivers it (the dev mailbox in
   * development); a delivery failure is a 500 after the link was made.
   */
  private async createMagicLink(body: unknown) {
    const input = parseBody(magicLinkBody, withoutBlanks(body));
    const targets = [input.email, input.phone, input.user_id].filter((t) => t !== undefined);
    if (targets.length !== 1) throw badRequest('magic_link: exactly one of email, phone or user_id is required.');
    if (input.send && !input.channel) throw badRequest('channel: is required when send is true.');
    if (input.language !== undefined && !LANGUAGES.includes(input.language)) {
      throw badRequest(`language: must be one of ${LANGUAGES.join(', ')}.`);
    }
    const ttl = input.ttl ?? DEFAULT_MAGIC_LINK_TTL_MINUTES;
    if (ttl < 1 || ttl > MAX_MAGIC_LINK_TTL_MINUTES) throw badRequest(`ttl: must be between 1 and ${MAX_MAGIC_LINK_TTL_MINUTES}.`);
    const magicLinkPath = input.magic_link_path ?? '/';
    if (!magicLinkPath.startsWith('/') || magicLinkPath.startsWith('//')) throw badRequest('magic_link_path: must be a relative url.');
    const type = input.type ?? 'login';

    let target: PassageUserWire;
    let identifier: string;
    if (input.user_id !== undefined) {
      target = this.store.requireUser(input.user_id);
      identifier = input.channel === 'phone' ? target.phone : input.channel === 'email' ? target.email : target.email || target.phone;
      if (!identifier) throw badRequest(`channel: user has no ${input.channel ?? 'identifier'}.`);
    } else {
      const kind = input.email !== undefined ? 'email' : 'phone';
      if (input.channel && input.channel !== kind) throw badRequest(`channel: must be ${kind} for a ${kind} identifier.`);
      identifier = kind === 'email' ? normalizeEmail(input.email!) : checkPhone(input.phone!);
      if (input.send && this.authApi && !this.authApi.canDeliver(kind)) throw cannotDeliver(kind);
      // The real service signs up unknown identifiers on the spot; they stay pending until they log in.
      target = this.store.findUserByIdentifier(identifier) ?? this.store.createUser({ [kind]: identifier, status: 'pending' });
    }
    if (target.status === 'inactive' && type === 'login') {
      throw new ApiError(403, 'operation_not_allowed', 'user: is deactivated.');
    }
    const channel: 'email' | 'phone' = identifier.startsWith('+') ? 'phone' : 'email';
    if (input.send && this.authApi && !this.authApi.canDeliver(channel)) throw cannotDeliver(channel);
    const linkSecret = this.authApi ? `ml${randomId(32)}` : undefined;
    const link = this.store.createMagicLink({
      userId: target.id,
      identifier,
      type,
      channel: input.channel,
      language: input.language,
      send: input.send ?? false,
      magicLinkPath,
      redirectUrl: input.redirect_url ?? '/',
      ttl,
      ...(linkSecret ? { linkSecret } : {}),
    });
    if (this.authApi && linkSecret) {
      await this.authApi.issueManagementLink({
        userId: target.id,
        to: { kind: channel, value: identifier },
        type,
        secret: linkSecret,
        url: link.url,
        ttlMinutes: ttl,
        send: input.send ?? false,
      });
    }
    return link;
  }

  /** `AppInfo` with every required field; values are those of a fresh "complete" app. */
  private appInfo() {
    const s = this.settings;
    const ttlMethod = { enabled: true, ttl: 300, ttl_display_unit: 'm' };
    return {
      id: s.appId,
      name: s.appName,
      type: 'complete',
      auth_origin: s.authOrigin,
      redirect_url: '/',
      login_url: '/',
      hosted: false,
      hosted_subdomain: '',
      hosted_theme: 'auto',
      created_at: s.createdAt,
      role: 'owner',
      rsa_public_key: rsaPublicKeyBase64(this.store),
      session_timeout_length: s.tokenTtlSeconds,
      refresh_enabled: this.refreshEnabled,
      refresh_absolute_lifetime: 0,
      refresh_inactivity_lifetime: 0,
      allowed_identifier: 'both',
      required_identifier: 'either',
      require_email_verification: false,
      require_identifier_verification: false,
      public_signup: true,
      profile_management: true,
      passage_branding: true,
      default_language: 'en',
      additional_auth_origins: [],
      allowed_callback_urls: [],
      allowed_logout_urls: [],
      application_login_uri: '',
      auth_fallback_method: 'magic_link',
      auth_fallback_method_ttl: 300,
      auto_theme_enabled: true,
      auth_methods: { passkeys: { enabled: true }, otp: ttlMethod, magic_link: ttlMethod },
      user_metadata_schema: [],
      layouts: { registration: [], profile: [] },
      technologies: [],
      element_customization: {},
      element_customization_dark: {},
    };
  }
}
