import { z } from 'zod';
import { SmtpDelivery } from './auth/delivery.js';
import type { EmulatorOptions } from './index.js';

/**
 * The identity service's settings, read from an environment object (its own reader: it shares
 * nothing with passgraph's config). Used by `npm run identity` and by passgraph's embedded mode.
 */

const blankIsUnset = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const origin = z.url({ protocol: /^https?$/ }).transform((v) => new URL(v).origin);

const schema = z.object({
  NODE_ENV: blankIsUnset(z.enum(['development', 'production', 'test'])),
  IDENTITY_HOST: blankIsUnset(z.string()),
  IDENTITY_PORT: blankIsUnset(z.coerce.number().int().min(0).max(65535)),
  IDENTITY_DB: blankIsUnset(z.string()),
  PASSAGE_APP_ID: blankIsUnset(z.string().regex(/^[A-Za-z0-9_-]+$/)),
  PASSAGE_API_KEY: blankIsUnset(z.string().min(32, 'must be at least 32 characters')),
  IDENTITY_APP_NAME: blankIsUnset(z.string().max(100)),
  IDENTITY_AUTH_ORIGIN: blankIsUnset(origin),
  IDENTITY_RP_ID: blankIsUnset(z.string().regex(/^[a-z0-9.-]+$/i, 'must be a host name')),
  IDENTITY_ORIGINS: blankIsUnset(z.string()),
  IDENTITY_SESSION_SECONDS: blankIsUnset(seconds(5, 7 * 86_400)),
  IDENTITY_REFRESH: blankIsUnset(flag),
  IDENTITY_REFRESH_LIFETIME_SECONDS: blankIsUnset(seconds(60, 366 * 86_400)),
  IDENTITY_LIMIT_PER_IP: blankIsUnset(seconds(1, 100_000)),
  IDENTITY_LIMIT_PER_IDENTIFIER: blankIsUnset(seconds(1, 10_000)),
  SMTP_URL: blankIsUnset(z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')),
  EMAIL_FROM: blankIsUnset(z.string().max(320)),
});

/** Every variable the identity service reads; `.env.identity.example` lists each. */
export const IDENTITY_VARIABLES: readonly string[] = Object.keys(schema.shape);

export type IdentitySettings = {
  production: boolean;
  host: string;
  port: number;
  options: EmulatorOptions;
};

export class IdentityConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid identity service configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'IdentityConfigError';
  }
}

/** `defaults` lets an embedding host supply what it knows (its own origin, its data folder). */
export function loadIdentitySettings(
  env: Record<string, string | undefined>,
  defaults: { authOrigin?: string; dbFile?: string; port?: number } = {},
): IdentitySettings {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const e = parsed.success ? parsed.data : ({} as z.infer<typeof schema>);
  const production = e.NODE_ENV === 'production';
  const origins: string[] = [];
  for (const entry of (e.IDENTITY_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const result = origin.safeParse(entry);
    if (result.success) origins.push(result.data);
    else problems.push(`IDENTITY_ORIGINS: "${entry}" is not an origin like https://app.example.com`);
  }
  const authOrigin = e.IDENTITY_AUTH_ORIGIN ?? origins[0] ?? defaults.authOrigin;
  if (production) {
    // In production nothing is generated silently: the app id and key are shared with passgraph.
    if (!e.PASSAGE_APP_ID) problems.push('PASSAGE_APP_ID: required in production');
    if (!e.PASSAGE_API_KEY) problems.push('PASSAGE_API_KEY: required in production (at least 32 characters)');
    if (!authOrigin) problems.push('IDENTITY_AUTH_ORIGIN: required in production (the origin of the app users sign in to)');
    if (e.SMTP_URL && !e.EMAIL_FROM) problems.push('EMAIL_FROM: required when SMTP_URL is set');
  }
  if (problems.length > 0) throw new IdentityConfigError(problems);

  const finalOrigin = authOrigin ?? 'http://localhost:4000';
  const delivery: EmulatorOptions['delivery'] = e.SMTP_URL
    ? new SmtpDelivery(e.SMTP_URL, e.EMAIL_FROM ?? 'no-reply@localhost')
    : production
      ? 'none'
      : undefined;
  return {
    production,
    host: e.IDENTITY_HOST ?? '127.0.0.1',
    port: e.IDENTITY_PORT ?? defaults.port ?? 4010,
    options: {
      dbFile: e.IDENTITY_DB ?? defaults.dbFile ?? './data/identity.sqlite',
      appId: e.PASSAGE_APP_ID,
      apiKey: e.PASSAGE_API_KEY,
      appName: e.IDENTITY_APP_NAME,
      authOrigin: finalOrigin,
      rpId: e.IDENTITY_RP_ID,
      origins: origins.length > 0 ? origins : [finalOrigin],
      tokenTtlSeconds: e.IDENTITY_SESSION_SECONDS,
      refreshEnabled: e.IDENTITY_REFRESH ?? !production,
      refreshLifetimeSeconds: e.IDENTITY_REFRESH_LIFETIME_SECONDS,
      delivery,
      limits: { perIpPerMinute: e.IDENTITY_LIMIT_PER_IP ?? 60, perIdentifierPerMinute: e.IDENTITY_LIMIT_PER_IDENTIFIER ?? 10 },
      // Test doubles are never part of a real start; the dev mailbox only outside production.
      testDouble: false,
      devRoutes: !production,
    },
  };
}
