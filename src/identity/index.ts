import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { noDelivery, Mailbox, type Delivery } from './auth/delivery.js';
import { DEFAULT_LIMITS, Limits, type LimitSettings } from './auth/limits.js';
import { AuthApi } from './auth/router.js';
import { AuthStore } from './auth/store.js';
import { createDevSignIn } from './dev-sign-in.js';
import { ensureSigningKey, mintToken, rotateSigningKey, type MintOptions } from './keys.js';
import { EmulatorHttp, type FaultRule, type RecordedCall } from './server.js';
import { EmulatorStore, type PassageUserWire, type UserStatus } from './store.js';

export type { FaultRule, RecordedCall } from './server.js';
export { Mailbox, SmtpDelivery, type Delivery, type Message } from './auth/delivery.js';
export type { MintOptions } from './keys.js';
export { AUTH_COOKIE, DEV_SIGN_IN_PATH, DEV_SIGN_OUT_PATH } from './dev-sign-in.js';
export type { MagicLinkWire, PassageDeviceWire, PassageUserListItemWire, PassageUserWire, UserStatus } from './store.js';

export type EmulatorOptions = {
  /** Path of the SQLite file, or ':memory:'. */
  dbFile: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default: generated on first start and persisted. */
  appId?: string;
  /** Default: generated on first start and persisted. */
  apiKey?: string;
  appName?: string;
  /** Default http://localhost:4000. */
  authOrigin?: string;
  /** Default: the app id. */
  issuer?: string;
  /** Default 3600; also the app's session_timeout_length. */
  tokenTtlSeconds?: number;
  /** Added to every management response (not JWKS), default 0. */
  latencyMs?: number;
  /** WebAuthn relying party id; default: the host name of authOrigin. */
  rpId?: string;
  /** Origins allowed for ceremonies and CORS; default [authOrigin]. */
  origins?: string[];
  /** Refresh tokens in every auth_result (default false, as Passage's default). */
  refreshEnabled?: boolean;
  /** Absolute refresh-token lifetime, default 30 days. */
  refreshLifetimeSeconds?: number;
  /** How magic links and codes are sent; default: an in-memory mailbox (development and tests). */
  delivery?: Delivery | 'none';
  /** Magic-link and code lifetime, default 300 s (Passage's default). */
  messageTtlSeconds?: number;
  /** WebAuthn challenge lifetime, default 300 s. */
  challengeTtlSeconds?: number;
  limits?: LimitSettings;
  /** Call log and fault injection; default true (the test double). A real start passes false. */
  testDouble?: boolean;
  /** Serve `/dev/mailbox` (loopback only). Never in production. */
  devRoutes?: boolean;
  /** Structured log sink; default: JSON lines on stderr for warnings and errors. */
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /**
   * How many received requests `calls` keeps, oldest dropped first (default 10,000; 0 keeps
   * none). Tests read them; a long-running emulator must not grow without bound.
   */
  maxRecordedCalls?: number;
};

export type SeedUserInput = {
  email?: string;
  phone?: string;
  status?: UserStatus;
  userMetadata?: Record<string, unknown>;
  devices?: Array<{ friendlyName?: string; type?: string }>;
  /** Extensions beyond the brief: lets list filters on login data be exercised. */
  loginCount?: number;
  lastLoginAt?: Date;
};

export interface Emulator {
  readonly url: string;
  readonly apiUrl: string;
  readonly jwksUrl: string;
  readonly appId: string;
  readonly apiKey: string;
  readonly authOrigin: string;
  readonly rpId: string;
  readonly origins: readonly string[];
  /** The dev mailbox when delivery is the in-memory one. */
  readonly mailbox: Mailbox | undefined;
  mintToken(userId: string, opts?: MintOptions): Promise<string>;
  /** Idempotent by identifier: returns the existing user when the email or phone is known. */
  seedUser(input: SeedUserInput): Promise<PassageUserWire>;
  findUserByIdentifier(identifier: string): PassageUserWire | undefined;
  /**
   * The dev sign-in page (`/dev/sign-in`, `/dev/sign-out`) standing in for the Passage element;
   * true when it answered. A host mounts it to set the session cookie on its own origin.
   */
  handleDevSignIn(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** New kid; the old key stays in the JWKS only when keepOld. */
  rotateSigningKey(opts?: { keepOld?: boolean }): Promise<void>;
  /** Requests received (management and JWKS), in arrival order, the last `maxRecordedCalls` of them; status is 0 until answered. */
  readonly calls: RecordedCall[];
  clearCalls(): void;
  /** Returns a remover; the first matching rule wins. */
  injectFault(rule: FaultRule): () => void;
  clearFaults(): void;
  setLatency(ms: number): void;
  /** Closes the server (destroying hung sockets) and the database. */
  close(): Promise<void>;
}

export const DEFAULT_AUTH_ORIGIN = 'http://localhost:4000';
export const DEV_MAILBOX_PATH = '/dev/mailbox';

const defaultLog: NonNullable<EmulatorOptions['log']> = (level, message, fields) => {
  if (level !== 'info') process.stderr.write(`${JSON.stringify({ level, msg: message, ...fields })}\n`);
};

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
const DEFAULT_MAX_RECORDED_CALLS = 10_000;

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const store = EmulatorStore.open(opts.dbFile);
  const settings = store.configure({
    appId: opts.appId,
    apiKey: opts.apiKey,
    appName: opts.appName,
    authOrigin: opts.authOrigin ?? DEFAULT_AUTH_ORIGIN,
    issuer: opts.issuer,
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
  });
  const authOrigin = settings.authOrigin;
  const rpId = opts.rpId ?? new URL(authOrigin).hostname;
  const origins = opts.origins ?? [authOrigin];
  const delivery = opts.delivery === 'none' ? noDelivery : (opts.delivery ?? new Mailbox());
  const refreshEnabled = opts.refreshEnabled ?? false;
  const authApi = new AuthApi({
    store,
    auth: new AuthStore(store),
    settings,
    webauthn: { rpId, origins, rpName: settings.appName, challengeTtlMs: (opts.challengeTtlSeconds ?? 300) * 1000 },
    refresh: { enabled: refreshEnabled, lifetimeSeconds: opts.refreshLifetimeSeconds ?? 30 * 24 * 3600 },
    delivery,
    limits: new Limits(opts.limits ?? DEFAULT_LIMITS),
    messageTtlSeconds: opts.messageTtlSeconds ?? 300,
    log: opts.log ?? defaultLog,
  });
  const mailbox = delivery instanceof Mailbox ? delivery : undefined;
  const http = new EmulatorHttp(
    store,
    settings,
    opts.latencyMs ?? 0,
    opts.maxRecordedCalls ?? DEFAULT_MAX_RECORDED_CALLS,
    opts.testDouble ?? true,
    authApi,
    refreshEnabled,
  );
  const devSignIn = createDevSignIn(store);
  const server = createServer((req, res) => {
    if (opts.devRoutes && mailbox && req.url?.split('?')[0] === DEV_MAILBOX_PATH) {
      const allowed = req.method === 'GET' && isLoopback(req.socket.remoteAddress);
      const text = allowed ? JSON.stringify({ messages: mailbox.messages }) : JSON.stringify({ code: 'not_found', error: 'Not found' });
      res.writeHead(allowed ? 200 : 404, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    devSignIn(req, res).then(
      (handled) => {
        if (!handled) http.handle(req, res);
      },
      () => res.destroy(),
    );
  });
  let address: AddressInfo;
  try {
    await ensureSigningKey(store);
    address = await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  } catch (error) {
    store.close();
    throw error;
  }

  const { appId, apiKey } = settings;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  let closed: Promise<void> | undefined;

  return {
    url,
    apiUrl: `${url}/v1`,
    jwksUrl: `${url}/v1/apps/${appId}/.well-known/jwks.json`,
    appId,
    apiKey,
    authOrigin,
    rpId,
    origins,
    mailbox,
    mintToken: (userId, mintOpts) => mintToken(store, userId, mintOpts),
    seedUser: async (input) => {
      const existing =
        (input.email ? store.findUserByIdentifier(input.email) : undefined) ?? (input.phone ? store.findUserByIdentifier(input.phone) : undefined);
      if (existing) return existing;
      return store.transaction(() => {
        const user = store.createUser(input);
        for (const device of input.devices ?? []) store.addDevice(user.id, device);
        return store.requireUser(user.id);
      });
    },
    findUserByIdentifier: (identifier) => store.findUserByIdentifier(identifier),
    handleDevSignIn: devSignIn,
    rotateSigningKey: async (rotateOpts) => {
      await rotateSigningKey(store, rotateOpts?.keepOld ?? false);
    },
    get calls() {
      return http.calls;
    },
    clearCalls: () => {
      http.calls.length = 0;
    },
    injectFault: (rule) => http.injectFault(rule),
    clearFaults: () => http.clearFaults(),
    setLatency: (ms) => {
      http.latencyMs = ms;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        http.shutdown();
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
