import { z } from 'zod';

export type PassageUserStatus = 'active' | 'inactive' | 'pending';

export type PassageDevice = {
  id: string;
  credId: string;
  friendlyName: string;
  type: 'passkey' | 'security_key' | 'platform' | string;
  usageCount: number;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
};

export type PassageUser = {
  id: string;
  email: string;
  phone: string;
  status: PassageUserStatus;
  emailVerified: boolean;
  phoneVerified: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
  loginCount: number;
  userMetadata: Record<string, unknown> | null;
  externalId: string;
  webauthn?: boolean;
  webauthnDevices?: PassageDevice[];
  webauthnTypes?: string[];
};

export type PassageUserListItem = Omit<PassageUser, 'webauthn' | 'webauthnDevices' | 'webauthnTypes'>;

export type PassageUserPage = {
  users: PassageUserListItem[];
  totalUsers: number;
  page: number;
  limit: number;
  createdBefore: number;
  links: { first: string; last: string; next: string; previous: string; self: string };
};

/** Filter values may carry Passage's operator prefixes (`ne:`, `gt:`, `lt:`, `like:`, `not_like:`), sent verbatim. */
export type ListUsersParams = {
  page?: number;
  limit?: number;
  createdBefore?: number;
  orderBy?: string;
  identifier?: string;
  id?: string;
  status?: string;
  loginCount?: string | number;
  createdAt?: string;
  updatedAt?: string;
  lastLoginAt?: string;
};

export type CreateUserInput = { email?: string; phone?: string; userMetadata?: Record<string, unknown> };
export type UpdateUserInput = CreateUserInput;

export type MagicLinkChannel = 'email' | 'phone';
export type MagicLinkType = 'login' | 'verify_identifier';

export type CreateMagicLinkInput = {
  email?: string;
  phone?: string;
  userId?: string;
  channel?: MagicLinkChannel;
  send?: boolean;
  type?: MagicLinkType;
  redirectUrl?: string;
  magicLinkPath?: string;
  language?: string;
  ttl?: number;
};

export type PassageMagicLink = {
  id: string;
  appId: string;
  userId: string;
  identifier: string;
  type: MagicLinkType;
  url: string;
  secret: string;
  redirectUrl: string;
  ttl: number;
  activated: boolean;
};

export type PassageApp = {
  id: string;
  name: string;
  authOrigin: string;
  sessionTimeoutLength: number;
  [k: string]: unknown;
};

// --- Wire schemas -------------------------------------------------------------------------------
// Strict on what the app relies on (ids, status, identifiers); lenient where the public spec is
// vague or where a Go server may serialise an empty slice as null.

// Go's zero time is what an unset timestamp looks like on the wire.
const optionalTimestamp = z
  .string()
  .nullish()
  .transform((v) => (!v || v.startsWith('0001-01-01') ? null : v));

const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v): z.output<T>[] => v ?? []);

export const deviceSchema: z.ZodType<PassageDevice> = z
  .object({
    id: z.string().min(1),
    cred_id: z.string().default(''),
    friendly_name: z.string().default(''),
    type: z.string(),
    usage_count: z.number().int().default(0),
    created_at: z.string(),
    updated_at: z.string(),
    last_login_at: optionalTimestamp,
  })
  .transform((d) => ({
    id: d.id,
    credId: d.cred_id,
    friendlyName: d.friendly_name,
    type: d.type,
    usageCount: d.usage_count,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    lastLoginAt: d.last_login_at,
  }));

const userFields = {
  id: z.string().min(1),
  email: z.string(),
  phone: z.string(),
  status: z.enum(['active', 'inactive', 'pending']),
  email_verified: z.boolean().default(false),
  phone_verified: z.boolean().default(false),
  created_at: z.string(),
  updated_at: z.string(),
  last_login_at: optionalTimestamp,
  login_count: z.number().int().default(0),
  user_metadata: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((v) => v ?? null),
  // Only set for Flex apps.
  external_id: z.string().default(''),
};

const toListItem = (u: z.output<z.ZodObject<typeof userFields>>): PassageUserListItem => ({
  id: u.id,
  email: u.email,
  phone: u.phone,
  status: u.status,
  emailVerified: u.email_verified,
  phoneVerified: u.phone_verified,
  createdAt: u.created_at,
  updatedAt: u.updated_at,
  lastLoginAt: u.last_login_at,
  loginCount: u.login_count,
  userMetadata: u.user_metadata,
  externalId: u.external_id,
});

export const userListItemSchema: z.ZodType<PassageUserListItem> = z.object(userFields).transform(toListItem);

export const userSchema: z.ZodType<PassageUser> = z
  .object({
    ...userFields,
    webauthn: z.boolean().optional(),
    webauthn_devices: list(deviceSchema),
    webauthn_types: list(z.string()),
  })
  .transform((u) => ({
    ...toListItem(u),
    webauthn: u.webauthn ?? u.webauthn_devices.length > 0,
    webauthnDevices: u.webauthn_devices,
    webauthnTypes: u.webauthn_types,
  }));

const link = z
  .object({ href: z.string() })
  .nullish()
  .transform((l) => l?.href ?? '');

export const userPageSchema: z.ZodType<PassageUserPage> = z
  .object({
    users: list(userListItemSchema),
    total_users: z.number().int(),
    page: z.number().int(),
    limit: z.number().int(),
    created_before: z.number().int(),
    _links: z.object({ first: link, last: link, next: link, previous: link, self: link }).partial().nullish(),
  })
  .transform((p) => ({
    users: p.users,
    totalUsers: p.total_users,
    page: p.page,
    limit: p.limit,
    createdBefore: p.created_before,
    links: {
      first: p._links?.first ?? '',
      last: p._links?.last ?? '',
      next: p._links?.next ?? '',
      previous: p._links?.previous ?? '',
      self: p._links?.self ?? '',
    },
  }));

export const magicLinkSchema: z.ZodType<PassageMagicLink> = z
  .object({
    id: z.string().min(1),
    app_id: z.string(),
    user_id: z.string(),
    identifier: z.string(),
    type: z.enum(['login', 'verify_identifier']),
    url: z.string().min(1),
    secret: z.string(),
    redirect_url: z.string().default(''),
    ttl: z.number().int(),
    activated: z.boolean(),
  })
  .transform((m) => ({
    id: m.id,
    appId: m.app_id,
    userId: m.user_id,
    identifier: m.identifier,
    type: m.type,
    url: m.url,
    secret: m.secret,
    redirectUrl: m.redirect_url,
    ttl: m.ttl,
    activated: m.activated,
  }));

const camelCase = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

// AppInfo has dozens of fields we do not use: check the few we do, pass the rest through with
// camelCase top-level keys (nested values stay as received).
export const appSchema: z.ZodType<PassageApp> = z
  .looseObject({
    id: z.string().min(1),
    name: z.string(),
    auth_origin: z.string(),
    session_timeout_length: z.number(),
  })
  .transform((a) => {
    const rest = Object.fromEntries(Object.entries(a).map(([k, v]) => [camelCase(k), v]));
    return {
      ...rest,
      id: a.id,
      name: a.name,
      authOrigin: a.auth_origin,
      sessionTimeoutLength: a.session_timeout_length,
    };
  });

// Response envelopes, unwrapped to the object the caller asked for.
export const appResponseSchema = z.object({ app: appSchema }).transform((r) => r.app);
export const userResponseSchema = z.object({ user: userSchema }).transform((r) => r.user);
export const devicesResponseSchema = z.object({ devices: list(deviceSchema) }).transform((r) => r.devices);
export const magicLinkResponseSchema = z.object({ magic_link: magicLinkSchema }).transform((r) => r.magic_link);
