import { z } from 'zod';

/**
 * The only reader of process.env. Every variable is validated once at start-up; all problems are
 * reported together so an operator fixes a bad deployment in one pass.
 */

const DEFAULT_PASSAGE_API_URL = 'https://api.passage.id/v1';

// An empty string in the environment means "unset": shells and .env files produce them easily.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const httpUrl = z.url({ protocol: /^https?$/ });

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
});

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
  });
}
