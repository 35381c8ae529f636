import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
  ApolloServerPluginSchemaReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { RequestListener } from 'node:http';
import { createContext, type AppDeps, type GraphQLContext, type Services } from './graphql/context.js';
import { PUBLIC_CODES, toGraphQLError } from './graphql/errors.js';
import { DatabaseBusyError } from './db/client.js';
import { createSchema } from './graphql/schema.js';
import { createRequestHandler, type ExtraRoutes } from './http/server.js';
import { UserService } from './services/user.js';
import { OrgService } from './services/org.js';
import { MembershipService } from './services/membership.js';
import { InvitationService } from './services/invitation.js';
import { AuditService } from './services/audit.js';
import { DEFAULT_ROLES, loadRolesFile, Roles } from './auth/roles.js';
import { reportingFailures } from './auth/token.js';
import { queryLimits } from './graphql/limits.js';
import { Metrics } from './metrics.js';
import { MemoryRateLimiter } from './rate-limit.js';
import { createMemoryCache, type Cache } from './cache.js';
import { withTokenCache } from './auth/token-cache.js';
import { withImpersonation } from './auth/impersonation.js';
import { ImpersonationService } from './services/impersonation.js';
import { ImpersonationKeys } from './services/impersonation-keys.js';
import { PassageReader, type PassageReaderOptions } from './passage/cache.js';
import { auditDenials } from './graphql/audit-denials.js';
import { idempotency } from './graphql/idempotency.js';
import { IdempotencyService } from './services/idempotency.js';
import { IntentService } from './services/intent.js';
import { DirectoryService } from './services/directory.js';
import { DirectorySync } from './services/directory-sync.js';
import { operationRecord } from './graphql/operation-record.js';
import { loadTrustedDocuments } from './http/trusted-documents.js';
import { responseSize } from './graphql/response-size.js';
import type { SharedRedis } from './redis.js';
import { RedisRateLimiter } from './redis-rate-limit.js';
import { startInvalidationBus, type InvalidationBus } from './redis-invalidation.js';
import { leaderLease, type LeaderLease } from './redis-lock.js';
import { requestPlugin } from './graphql/request-plugin.js';

export type App = {
  /** The node:http listener: /graphql, /healthz, /readyz. */
  handler: RequestListener;
  schema: GraphQLSchema;
  apollo: ApolloServer<GraphQLContext>;
  services: Services;
  /** Counters for /metrics; a cache reports its hits and misses through `metrics.cache`. */
  metrics: Metrics;
  /** Keeps the user directory in step with Passage; `startServer` starts its timers, tests call `syncNow()`. */
  directorySync: DirectorySync;
  /** Deletes one bounded batch of expired idempotency keys; the server process calls it on a timer. */
  purgeIdempotencyKeys(): Promise<number>;
  /** Readiness turns false at once; in-flight requests finish. */
  beginShutdown(): void;
  stop(): Promise<void>;
};

export type AppOptions = {
  /** Extra HTTP routes beside /graphql; dev mode mounts the web console and the dev sign-in. */
  routes?: ExtraRoutes;
  /** Dev mode: GraphiQL for a browser's GET /graphql. */
  ide?: ExtraRoutes;
  /** The caller's registry when it also feeds it (Passage calls, process metrics); a fresh one otherwise. */
  metrics?: Metrics;
  /**
   * Shared with the other instances (REDIS_URL): rate limits, invalidation of the in-process
   * caches, the directory sync's lease. The caller owns the connection.
   */
  redis?: SharedRedis;
};

/**
 * Builds the whole server from its collaborators. No listening, no signal handlers, no timers:
 * the caller owns the process, so tests run the real app in-process.
 */
export async function createApp(deps: AppDeps, options: AppOptions = {}): Promise<App> {
  const roles = new Roles(deps.config.rolesFile ? loadRolesFile(deps.config.rolesFile) : DEFAULT_ROLES);
  const metrics = options.metrics ?? new Metrics();
  const trustedDocuments = deps.config.trustedDocumentsFile ? loadTrustedDocuments(deps.config.trustedDocumentsFile) : undefined;
  const { cache } = deps.config;
  const onLookup = (name: string, hit: boolean) => (hit ? metrics.cache.hit(name) : metrics.cache.miss(name));
  const { redis } = options;
  let bus: InvalidationBus | undefined;
  const passageCache = createMemoryCache<PassageEntry>(cache.passageMaxEntries);
  const tokenCache = cache.tokenMaxEntries > 0 ? createMemoryCache<TokenEntry>(cache.tokenMaxEntries) : undefined;
  const reader = new PassageReader({
    client: deps.passage,
    cache: passageCache,
    onUserChanged: redis ? (id) => void bus?.publish({ kind: 'user', id }) : undefined,
    ttlMs: cache.passageTtlMs,
    maxStaleMs: cache.passageMaxStaleMs,
    concurrency: cache.passageConcurrency,
    onLookup,
  });
  // One instance syncs at a time; the lease outlives a few missed ticks of its holder.
  const directoryLease: LeaderLease | undefined = redis ? leaderLease(redis, 'directory-sync', leaseTtl(deps.config.directory.syncIntervalMs)) : undefined;
  if (redis) {
    metrics.watchRedis(() => redis.up());
    redis.onDegraded((component) => metrics.redisFallback(component));
    // Another instance changed a user: what this one holds about them is dropped, the verified
    // tokens included (the next request re-checks the signature and reads the account again).
    bus = await startInvalidationBus(redis, {
      onMessage: async ({ id }) => {
        await reader.dropUser(id);
        await tokenCache?.deleteWhere((entry) => entry.userId === id);
      },
      onMissed: async () => {
        await passageCache.deleteWhere(() => true);
        await tokenCache?.deleteWhere(() => true);
      },
    });
  }
  const memberships = new MembershipService({ database: deps.database, roles, maxOwnedOrgs: deps.config.maxOrgsPerUser });
  const directory = new DirectoryService({ database: deps.database });
  const directorySync = new DirectorySync({
    directory,
    database: deps.database,
    passage: deps.passage,
    log: deps.log,
    syncIntervalMs: deps.config.directory.syncIntervalMs,
    sweepIntervalMs: deps.config.directory.sweepIntervalMs,
    observer: metrics.directorySync,
    exclusive: directoryLease?.exclusive,
  });
  metrics.watchDirectory(() => directorySync.status());
  const intents = new IntentService({
    database: deps.database,
    passage: deps.passage,
    reader,
    directory,
    log: deps.log,
    // A Passage call is abandoned after twice its timeout; twice that again covers a late landing.
    settleMs: 4 * (deps.config.passage?.timeoutMs ?? 5000),
    testPause: deps.config.intents.testPause,
  });
  metrics.watchIntents(() => intents.pendingCount());
  const users = new UserService({
    database: deps.database,
    adminUserIds: deps.config.adminUserIds,
    passage: deps.passage,
    reader,
    memberships,
    intents,
    directory,
  });
  const impersonation = new ImpersonationService({
    database: deps.database,
    keys: new ImpersonationKeys({ database: deps.database }),
    users,
    directory,
    intents,
    ttlSeconds: deps.config.impersonation.ttlSeconds,
  });
  const services: Services = {
    audit: new AuditService({ database: deps.database }),
    directory,
    users,
    intents,
    impersonation,
    orgs: new OrgService({ database: deps.database, roles, maxOwnedOrgs: deps.config.maxOrgsPerUser }),
    memberships,
    invitations: new InvitationService({
      database: deps.database,
      roles,
      passage: deps.passage,
      log: deps.log,
      acceptUrl: deps.config.invitations.acceptUrl,
      ttlHours: deps.config.invitations.ttlHours,
      maxOwnedOrgs: deps.config.maxOrgsPerUser,
    }),
    roles,
    reader,
  };
  // In memory without Redis, so per process: behind a load balancer each instance would allow the
  // configured rate. With Redis the count is shared, with a local fallback while Redis is down.
  const rateLimiter = redis ? new RedisRateLimiter(redis, { ...deps.config.rateLimits }) : new MemoryRateLimiter({ limits: { ...deps.config.rateLimits } });
  const schema = createSchema({ roles, rateLimiter });
  const production = deps.config.nodeEnv === 'production';
  const limits = await queryLimits(deps.config.queryLimits, { production });
  // passgraph's own impersonation tokens are told apart by their issuer; Passage's go on as before.
  const tokens = withImpersonation(deps.tokens, impersonation.keys);
  const verifier = tokenCache
    ? withTokenCache(tokens, {
        cache: tokenCache,
        keyPublished: tokens.keyPublished,
        onLookup: (hit) => onLookup('verified_tokens', hit),
      })
    : tokens;
  const contextDeps: AppDeps = {
    ...deps,
    tokens: reportingFailures(verifier, (reason) => metrics.tokenFailure(reason)),
    onUpstreamRefused: (reason) => metrics.budgetRefusal(reason),
  };

  const idempotencyKeys = new IdempotencyService({ database: deps.database });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: deps.config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    // Bounds the work of fragment-heavy documents that stay under every other limit.
    maxRecursiveSelections: true,
    logger: deps.log,
    formatError: maskUnexpected,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      // No cache hints are used; without this Apollo wraps every resolver to collect them.
      ApolloServerPluginCacheControlDisabled(),
      // Every per-request feature in one plugin: one listener, hooks only where a feature needs them.
      requestPlugin([
        ...limits.hooks,
        metrics.requestHooks(),
        operationRecord,
        auditDenials(deps.database),
        // Before idempotency: an answer replaced for its size is stored replaced.
        responseSize,
        idempotency(idempotencyKeys),
        {
          didEncounterErrors({ errors, contextValue }) {
            for (const error of errors) {
              if (error.extensions?.['code'] === 'SERVICE_UNAVAILABLE') metrics.databaseBusy();
              if (!isPublic(error)) {
                // The client sees a masked error; the log keeps the real one with the request id.
                contextValue?.log?.error({ err: unwrapResolverError(error), path: error.path }, 'unexpected error');
              }
            }
          },
          // Clients can tell that Passage-backed fields came from an expired cache entry.
          willSendResponse({ response, contextValue }) {
            if (contextValue?.flags?.staleData && response.body.kind === 'single') {
              response.body.singleResult.extensions = { ...response.body.singleResult.extensions, staleData: true };
            }
          },
        },
      ]),
    ],
  });
  await apollo.start();

  let shuttingDown = false;
  const handler = createRequestHandler({
    apollo,
    log: deps.log,
    database: deps.database,
    isShuttingDown: () => shuttingDown,
    readinessChecks: () => ({ directory: directoryReady(directorySync) }),
    landingPage: !production,
    // A new user's first request writes their row; a locked database is a 503 there too.
    context: (req) =>
      createContext(contextDeps, services, req).catch((err: unknown) => {
        if (err instanceof DatabaseBusyError) metrics.databaseBusy();
        throw toGraphQLError(err);
      }),
    routes: options.routes,
    ide: options.ide,
    maxBodyBytes: deps.config.http.maxBodyBytes,
    maxResponseBytes: deps.config.maxResponseBytes,
    corsOrigins: deps.config.http.corsOrigins,
    metrics,
    metricsEndpoint: deps.config.metrics.enabled ? { token: deps.config.metrics.token } : false,
    trustedDocuments,
  });

  return {
    handler,
    schema,
    apollo,
    services,
    metrics,
    directorySync,
    purgeIdempotencyKeys: () => idempotencyKeys.purgeExpired(),
    beginShutdown: () => {
      shuttingDown = true;
    },
    stop: async () => {
      await bus?.stop();
      await directoryLease?.release();
      await apollo.stop();
    },
  };
}

type PassageEntry = PassageReaderOptions['cache'] extends Cache<infer E> ? E : never;
type TokenEntry = Parameters<typeof withTokenCache>[1]['cache'] extends Cache<infer E> ? E : never;

/** A lease lapses after three missed runs of its holder (at least 1 s, at most 10 min). */
export function leaseTtl(intervalMs: number): number {
  return Math.min(600_000, Math.max(1000, 3 * intervalMs));
}

function directoryReady(sync: DirectorySync): boolean {
  try {
    return sync.ready;
  } catch {
    return false;
  }
}

function isPublic(error: GraphQLError | GraphQLFormattedError): boolean {
  const code = error.extensions?.['code'];
  return typeof code === 'string' && PUBLIC_CODES.has(code);
}

/** Only errors we raised on purpose keep their message; anything else becomes a bare 500-class error. */
function maskUnexpected(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isPublic(formatted) && (original instanceof GraphQLError || !(original instanceof Error))) {
    const { http: _http, stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return {
    message: 'Internal server error',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
