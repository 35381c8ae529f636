import { z } from 'zod';

/**
 * The only reader of process.env. Every variable is validated once at start-up; all problems are
 * reported together so an operator fixes a bad deployment in one pass.
 */

const DEFAULT_PASSAGE_API_URL = 'https://api.passage.id/v1';

/** What the embedded identity service reads (validated by its own reader, src/identity/config.ts). */
const IDENTITY_ENV = /^(IDENTITY_[A-Z_]+|SMTP_URL|EMAIL_FROM|PASSAGE_APP_ID|PASSAGE_API_KEY|NODE_ENV)$/;

// An empty string in the environment means "unset": shells and .env files produce them easily.
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const httpUrl = z.url({ protocol: /^https?$/ });

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `N/S`: at most N calls per S seconds per caller; `off` disables the limit. */
const rateLimit = z
  .string()
  .trim()
  .regex(/^(off|\d+\/\d+)$/, 'must be "N/S" (N calls per S seconds, e.g. "5/60") or "off"')
  .transform((v, ctx) => {
    if (v === 'off') return null;
    const [limit, seconds] = v.split('/').map(Number) as [number, number];
    if (limit < 1 || seconds < 1 || seconds > 86_400) {
      ctx.addIssue({ code: 'custom', message: 'needs N >= 1 and 1 <= S <= 86400' });
      return z.NEVER;
    }
    return { limit, windowSeconds: seconds };
  });

/** Comma-separated origins (`https://console.example.com`); each is normalised the way browsers send it. */
const originList = z.string().transform((v, ctx) => {
  const origins: string[] = [];
  for (const entry of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    // A path, query or wildcard would suggest a matching rule we do not have; only exact origins.
    const exact = url && /^https?:$/.test(url.protocol) && /^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname);
    if (!url || !exact || url.origin !== entry.replace(/\/$/, '').toLowerCase()) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not an origin like https://app.example.com` });
      continue;
    }
    origins.push(url.origin);
  }
  return [...new Set(origins)];
});

/** `key=value,key2=value2` (OpenTelemetry's format for OTEL_EXPORTER_OTLP_HEADERS), values URL-encoded. */
const otlpHeaders = z.string().transform((v, ctx) => {
  const headers: Record<string, string> = {};
  for (const pair of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim().toLowerCase() : '';
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
      ctx.addIssue({ code: 'custom', message: 'must be key=value pairs separated by commas' });
      return z.NEVER;
    }
    try {
      headers[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `the value of "${key}" is not URL-encoded correctly` });
      return z.NEVER;
    }
  }
  return headers;
});

const envSchema = z.object({
  NODE_ENV: optional(z.enum(['development', 'production', 'test'])),
  PORT: optional(z.coerce.number().int().min(0).max(65535)),
  HOST: optional(z.string()),
  DATABASE_URL: optional(z.string()),
  PASSAGE_APP_ID: optional(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a Passage app id (letters, digits, - or _)')),
  PASSAGE_API_KEY: optional(z.string()),
  PASSAGE_API_URL: optional(httpUrl),
  PASSAGE_JWKS_URL: optional(httpUrl),
  PASSAGE_TIMEOUT_MS: optional(z.coerce.number().int().min(50).max(60_000)),
  ADMIN_USER_IDS: optional(z.string()),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  GRAPHQL_INTROSPECTION: optional(booleanFlag),
  ROLES_FILE: optional(z.string()),
  EMULATOR_DB: optional(z.string()),
  IDENTITY: optional(z.enum(['embedded'])),
  CORS_ORIGINS: optional(originList),
  MAX_BODY_BYTES: optional(int(1024, 50_000_000)),
  QUERY_MAX_DEPTH: optional(int(1, 100)),
  QUERY_MAX_ALIASES: optional(int(0, 1000)),
  QUERY_MAX_DIRECTIVES: optional(int(0, 1000)),
  QUERY_MAX_COST: optional(int(1, 10_000_000)),
  QUERY_MAX_TOKENS: optional(int(10, 1_000_000)),
  METRICS_ENABLED: optional(booleanFlag),
  METRICS_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
  RATE_LIMIT_MAGIC_LINKS: optional(rateLimit),
  RATE_LIMIT_CREATE_USER: optional(rateLimit),
  RATE_LIMIT_CREATE_ORG: optional(rateLimit),
  RATE_LIMIT_INVITATIONS: optional(rateLimit),
  INVITATION_ACCEPT_URL: optional(httpUrl),
  INVITATION_TTL_HOURS: optional(int(1, 24 * 90)),
  MAX_ORGS_PER_USER: optional(int(1, 1_000_000)),
  MAX_RESPONSE_BYTES: optional(int(10_000, 1_000_000_000)),
  IDEMPOTENCY_PURGE_INTERVAL_MS: optional(int(50, 86_400_000)),
  SQLITE_BUSY_TIMEOUT_MS: optional(int(0, 60_000)),
  PASSAGE_BREAKER_FAILURE_PERCENT: optional(int(1, 100)),
  PASSAGE_BREAKER_MIN_CALLS: optional(int(1, 10_000)),
  PASSAGE_BREAKER_WINDOW_MS: optional(int(100, 600_000)),
  PASSAGE_BREAKER_OPEN_MS: optional(int(10, 3_600_000)),
  JWKS_REFRESH_INTERVAL_MS: optional(int(50, 86_400_000)),
  PASSAGE_CACHE_TTL: optional(int(0, 86_400)),
  PASSAGE_CACHE_MAX_STALE: optional(int(0, 86_400)),
  PASSAGE_CACHE_MAX: optional(int(1, 10_000_000)),
  PASSAGE_CONCURRENCY: optional(int(1, 1000)),
  PASSAGE_MAX_CALLS_PER_REQUEST: optional(int(1, 100_000)),
  PASSAGE_REQUEST_BUDGET_MS: optional(int(50, 600_000)),
  TOKEN_CACHE_MAX: optional(int(0, 10_000_000)),
  IMPERSONATION_TTL_SECONDS: optional(int(60, 86_400)),
  INTENT_RECONCILE_INTERVAL_MS: optional(int(100, 86_400_000)),
  INTENT_TEST_PAUSE: optional(z.enum(['before_passage', 'after_passage'])),
  DIRECTORY_SYNC_INTERVAL_MS: optional(int(50, 86_400_000)),
  DIRECTORY_SWEEP_INTERVAL_MS: optional(int(50, 86_400_000)),
  TRUSTED_DOCUMENTS: optional(z.string()),
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(httpUrl),
  OTEL_EXPORTER_OTLP_HEADERS: optional(otlpHeaders),
  OTEL_SERVICE_NAME: optional(z.string().trim().min(1).max(100)),
});

/** Every variable the server reads; `.env.example` must list each (a test checks). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type RateLimitSetting = Readonly<{ limit: number; windowSeconds: number }> | null;

export const DEFAULT_RATE_LIMITS = Object.freeze({
  magicLinks: Object.freeze({ limit: 5, windowSeconds: 60 }),
  createUser: Object.freeze({ limit: 10, windowSeconds: 60 }),
  createOrg: Object.freeze({ limit: 20, windowSeconds: 3600 }),
  invitations: Object.freeze({ limit: 30, windowSeconds: 3600 }),
});

/** The dev console's accept page (served by passgraph in dev mode at /console/). */
export const devInvitationAcceptUrl = (port: number) => `http://localhost:${port}/console/#/accept`;

export type Config = Readonly<{
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseFile: string;
  logLevel: string;
  introspection: boolean;
  adminUserIds: readonly string[];
  rolesFile: string | undefined;
  /** Null in dev mode: no Passage app configured, so the embedded emulator provides one. */
  passage: Readonly<{
    appId: string;
    apiKey: string;
    apiUrl: string;
    jwksUrl: string;
    timeoutMs: number;
  }> | null;
  emulator: Readonly<{ dbFile: string }>;
  /**
   * The identity service runs inside this process: always in dev mode (no Passage app), and in
   * any mode with IDENTITY=embedded. `env` is handed to the identity service's own settings
   * reader (its IDENTITY_*, SMTP_URL, EMAIL_FROM, PASSAGE_APP_ID/API_KEY and NODE_ENV).
   */
  identity: Readonly<{ embedded: boolean; env: Readonly<Record<string, string | undefined>> }>;
  http: Readonly<{
    maxBodyBytes: number;
    /** Exact origins that may call the API from a browser, with credentials. Empty: none. */
    corsOrigins: readonly string[];
  }>;
  /** Explicit numbers for every query limit; a request over any of them is a 400. */
  queryLimits: Readonly<{ maxDepth: number; maxAliases: number; maxDirectives: number; maxCost: number; maxTokens: number }>;
  metrics: Readonly<{ enabled: boolean; token: string | undefined }>;
  /** Per caller; null means unlimited. Keyed by the bucket names used in `@rateLimit(bucket:)`. */
  rateLimits: Readonly<{ magicLinks: RateLimitSetting; createUser: RateLimitSetting; createOrg: RateLimitSetting; invitations: RateLimitSetting }>;
  /**
   * Invitations by email: the page the emailed link opens (the token is added as `invitation`), or
   * null in production when INVITATION_ACCEPT_URL is unset (inviting is then refused); and how
   * long an invitation stays valid.
   */
  invitations: Readonly<{ acceptUrl: string | null; ttlHours: number }>;
  /** Organizations one user may own (hold the owner role in) at once. */
  maxOrgsPerUser: number;
  /** Largest response body; past it the answer is one `RESPONSE_TOO_LARGE` error. */
  maxResponseBytes: number;
  /** How often expired idempotency keys are purged (by the server process, not `createApp`). */
  idempotencyPurgeIntervalMs: number;
  sqliteBusyTimeoutMs: number;
  /** One breaker per Passage endpoint family. */
  passageBreaker: Readonly<{ failurePercent: number; minimumCalls: number; windowMs: number; openMs: number }>;
  jwksRefreshIntervalMs: number;
  /** The user directory's background sync (timers run in `startServer` only). */
  directory: Readonly<{ syncIntervalMs: number; sweepIntervalMs: number }>;
  /** What one GraphQL request may spend on Passage: calls (retries included) and one deadline for all of them. */
  passageRequest: Readonly<{ maxCalls: number; budgetMs: number }>;
  cache: Readonly<{
    /** 0 turns the cross-request Passage cache off (every read asks Passage). */
    passageTtlMs: number;
    passageMaxStaleMs: number;
    passageMaxEntries: number;
    passageConcurrency: number;
    /** 0 turns the verified-token cache off. */
    tokenMaxEntries: number;
  }>;
  /** Lifetime of the tokens `impersonateUser` issues. */
  impersonation: Readonly<{ ttlSeconds: number }>;
  /** A persisted-documents manifest: only its operations run, sent by hash. Unset: any operation. */
  trustedDocumentsFile: string | undefined;
  /** OpenTelemetry export; null when OTEL_EXPORTER_OTLP_ENDPOINT is unset (tracing off). */
  tracing: Readonly<{ endpoint: string; serviceName: string; headers: Readonly<Record<string, string>> }> | null;
  intents: Readonly<{
    /** How often pending Passage writes are settled in the background (also once at start-up). */
    reconcileIntervalMs: number;
    /** Test-only: every Passage write waits forever at this step, so a test can kill the process there. */
    testPause: 'before_passage' | 'after_passage' | undefined;
  }>;
}>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Accepts a plain path, `file:path`, `file://path` or `:memory:`. */
export function sqliteFileFromUrl(url: string): string {
  if (url === ':memory:') return url;
  if (url.startsWith('file://')) return decodeURIComponent(new URL(url).pathname);
  if (url.startsWith('file:')) return url.slice('file:'.length);
  return url;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.success ? parsed.data : ({} as z.infer<typeof envSchema>);
  // Cross-variable rules read the raw values so they are reported even when a field failed above.
  const set = (name: string) => (env[name] ?? '').trim() !== '';

  if (set('PASSAGE_APP_ID') && !set('PASSAGE_API_KEY')) {
    problems.push('PASSAGE_API_KEY: required when PASSAGE_APP_ID is set');
  }
  const embedded = (env['IDENTITY'] ?? '').trim() === 'embedded';
  if (!set('PASSAGE_APP_ID') && !embedded && (env['NODE_ENV'] ?? '').trim() === 'production') {
    // Without an app and without IDENTITY=embedded, only the development identity service could start.
    problems.push('PASSAGE_APP_ID: required in production unless IDENTITY=embedded runs the identity service in this process');
  }
  if (embedded && (set('PASSAGE_API_URL') || set('PASSAGE_JWKS_URL'))) {
    problems.push('PASSAGE_API_URL, PASSAGE_JWKS_URL: not used with IDENTITY=embedded (the embedded identity service is the Passage app)');
  }
  if (!set('PASSAGE_APP_ID') && (set('PASSAGE_API_KEY') || set('PASSAGE_API_URL') || set('PASSAGE_JWKS_URL'))) {
    problems.push('PASSAGE_APP_ID: required when PASSAGE_API_KEY, PASSAGE_API_URL or PASSAGE_JWKS_URL is set');
  }
  const adminUserIds = (env['ADMIN_USER_IDS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of adminUserIds) {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) problems.push(`ADMIN_USER_IDS: "${id}" is not a Passage user id`);
  }
  if (set('INTENT_TEST_PAUSE') && (env['NODE_ENV'] ?? '').trim() !== 'test') {
    // It stops every admin write forever: never in a real deployment.
    problems.push('INTENT_TEST_PAUSE: only allowed with NODE_ENV=test');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const nodeEnv = e.NODE_ENV ?? 'development';
  const appId = e.PASSAGE_APP_ID;
  return Object.freeze({
    nodeEnv,
    port: e.PORT ?? 4000,
    host: e.HOST ?? '127.0.0.1',
    databaseFile: sqliteFileFromUrl(e.DATABASE_URL ?? './data/passgraph.sqlite'),
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    introspection: e.GRAPHQL_INTROSPECTION ?? nodeEnv !== 'production',
    adminUserIds: Object.freeze(adminUserIds),
    rolesFile: e.ROLES_FILE,
    passage: appId
      ? Object.freeze({
          appId,
          apiKey: e.PASSAGE_API_KEY!,
          apiUrl: (e.PASSAGE_API_URL ?? DEFAULT_PASSAGE_API_URL).replace(/\/+$/, ''),
          jwksUrl: e.PASSAGE_JWKS_URL ?? `https://auth.passage.id/v1/apps/${appId}/.well-known/jwks.json`,
          timeoutMs: e.PASSAGE_TIMEOUT_MS ?? 5000,
        })
      : null,
    emulator: Object.freeze({ dbFile: e.EMULATOR_DB ?? './data/emulator.sqlite' }),
    identity: Object.freeze({
      embedded: embedded || !appId,
      env: Object.freeze(Object.fromEntries(Object.entries(env).filter(([name]) => IDENTITY_ENV.test(name)))),
    }),
    http: Object.freeze({
      maxBodyBytes: e.MAX_BODY_BYTES ?? 1_000_000,
      corsOrigins: Object.freeze(e.CORS_ORIGINS ?? []),
    }),
    // graphql-armor's own defaults: a looser number must be a deliberate setting.
    queryLimits: Object.freeze({
      maxDepth: e.QUERY_MAX_DEPTH ?? 6,
      maxAliases: e.QUERY_MAX_ALIASES ?? 15,
      maxDirectives: e.QUERY_MAX_DIRECTIVES ?? 50,
      maxCost: e.QUERY_MAX_COST ?? 5000,
      maxTokens: e.QUERY_MAX_TOKENS ?? 1000,
    }),
    // Setting a token is asking for the endpoint; METRICS_ENABLED=false still wins.
    metrics: Object.freeze({ enabled: e.METRICS_ENABLED ?? e.METRICS_TOKEN !== undefined, token: e.METRICS_TOKEN }),
    rateLimits: Object.freeze({
      magicLinks: e.RATE_LIMIT_MAGIC_LINKS === undefined ? DEFAULT_RATE_LIMITS.magicLinks : e.RATE_LIMIT_MAGIC_LINKS,
      createUser: e.RATE_LIMIT_CREATE_USER === undefined ? DEFAULT_RATE_LIMITS.createUser : e.RATE_LIMIT_CREATE_USER,
      createOrg: e.RATE_LIMIT_CREATE_ORG === undefined ? DEFAULT_RATE_LIMITS.createOrg : e.RATE_LIMIT_CREATE_ORG,
      invitations: e.RATE_LIMIT_INVITATIONS === undefined ? DEFAULT_RATE_LIMITS.invitations : e.RATE_LIMIT_INVITATIONS,
    }),
    // A link to localhost mailed to real people would be a bug: production names its page or invites nobody.
    invitations: Object.freeze({
      acceptUrl: e.INVITATION_ACCEPT_URL ?? (nodeEnv === 'production' ? null : devInvitationAcceptUrl(e.PORT ?? 4000)),
      ttlHours: e.INVITATION_TTL_HOURS ?? 168,
    }),
    maxOrgsPerUser: e.MAX_ORGS_PER_USER ?? 100,
    maxResponseBytes: e.MAX_RESPONSE_BYTES ?? 10_000_000,
    idempotencyPurgeIntervalMs: e.IDEMPOTENCY_PURGE_INTERVAL_MS ?? 600_000,
    sqliteBusyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS ?? 5000,
    passageBreaker: Object.freeze({
      failurePercent: e.PASSAGE_BREAKER_FAILURE_PERCENT ?? 50,
      minimumCalls: e.PASSAGE_BREAKER_MIN_CALLS ?? 10,
      windowMs: e.PASSAGE_BREAKER_WINDOW_MS ?? 10_000,
      openMs: e.PASSAGE_BREAKER_OPEN_MS ?? 30_000,
    }),
    jwksRefreshIntervalMs: e.JWKS_REFRESH_INTERVAL_MS ?? 600_000,
    directory: Object.freeze({
      syncIntervalMs: e.DIRECTORY_SYNC_INTERVAL_MS ?? 15_000,
      sweepIntervalMs: e.DIRECTORY_SWEEP_INTERVAL_MS ?? 600_000,
    }),
    passageRequest: Object.freeze({
      maxCalls: e.PASSAGE_MAX_CALLS_PER_REQUEST ?? 200,
      budgetMs: e.PASSAGE_REQUEST_BUDGET_MS ?? 2500,
    }),
    cache: Object.freeze({
      passageTtlMs: (e.PASSAGE_CACHE_TTL ?? 30) * 1000,
      passageMaxStaleMs: (e.PASSAGE_CACHE_MAX_STALE ?? 300) * 1000,
      passageMaxEntries: e.PASSAGE_CACHE_MAX ?? 10_000,
      passageConcurrency: e.PASSAGE_CONCURRENCY ?? 16,
      tokenMaxEntries: e.TOKEN_CACHE_MAX ?? 10_000,
    }),
    impersonation: Object.freeze({ ttlSeconds: e.IMPERSONATION_TTL_SECONDS ?? 900 }),
    trustedDocumentsFile: e.TRUSTED_DOCUMENTS,
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? Object.freeze({
          endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
          serviceName: e.OTEL_SERVICE_NAME ?? 'passgraph',
          headers: Object.freeze(e.OTEL_EXPORTER_OTLP_HEADERS ?? {}),
        })
      : null,
    intents: Object.freeze({
      reconcileIntervalMs: e.INTENT_RECONCILE_INTERVAL_MS ?? 15_000,
      testPause: e.INTENT_TEST_PAUSE,
    }),
  });
}
