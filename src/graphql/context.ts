import { GraphQLError } from 'graphql';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { PassageClient } from '../passage/client.js';
import { InvalidTokenError, JwksUnavailableError, tokenCandidates, verifyAny, type ImpersonationClaim, type TokenVerifier } from '../auth/token.js';
import DataLoader from 'dataloader';
import type { Roles } from '../auth/roles.js';
import type { Membership, MembershipService } from '../services/membership.js';
import type { OrgService } from '../services/org.js';
import type { InvitationService } from '../services/invitation.js';
import type { AuditService } from '../services/audit.js';
import type { PassageReader } from '../passage/cache.js';
import type { AppRole, UserService } from '../services/user.js';
import type { IntentService } from '../services/intent.js';
import type { ImpersonationService } from '../services/impersonation.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { DirectoryEntry, DirectoryService } from '../services/directory.js';
import { AppError } from '../errors.js';
import { UpstreamBudget, type BudgetRefusal } from '../passage/budget.js';
import type { MutationOutcomes } from './idempotency.js';
import type { ResponseBudget } from './response-size.js';

/** Process-wide collaborators, built once by the caller of `createApp`. */
export type AppDeps = {
  config: Config;
  log: Logger;
  database: Database;
  passage: PassageClient;
  tokens: TokenVerifier;
  /** Told when a request's Passage call is refused for lack of budget (metrics). */
  onUpstreamRefused?: (reason: BudgetRefusal) => void;
};

export type Services = {
  audit: AuditService;
  directory: DirectoryService;
  users: UserService;
  orgs: OrgService;
  memberships: MembershipService;
  invitations: InvitationService;
  roles: Roles;
  reader: PassageReader;
  intents: IntentService;
  impersonation: ImpersonationService;
};

/**
 * Who the request acts as. During an impersonation `id` and `appRole` are the user's (the admin
 * has exactly the user's rights), `impersonatorId` is the admin and `impersonationJti` the token's id.
 */
export type Viewer = { id: string; appRole: AppRole; impersonatorId?: string; impersonationJti?: string };

export type GraphQLContext = {
  requestId: string;
  log: Logger;
  /** Null for anonymous requests. */
  viewer: Viewer | null;
  loaders: Loaders;
  /** The viewer's memberships for access decisions, batched per request. */
  authz: Authz;
  /**
   * Per-request facts gathered while resolving. An object, because Apollo copies the context
   * shallowly: a flag set through this reference is seen by the response plugins.
   */
  flags: { staleData: boolean; mutationOutcomes: MutationOutcomes; responseBudget: ResponseBudget };
  /** The request's `Idempotency-Key` header, when it had one. */
  idempotencyKey: string | undefined;
  /** This request's allowance of Passage calls and its one deadline for them; services take it for their calls. */
  upstream: UpstreamBudget;
  services: Services;
  passage: PassageClient;
  config: Config;
};

export type Authz = {
  membership(orgId: string): Promise<Membership | null>;
  /** The viewer's membership when this request already loaded it; undefined when not yet known. */
  knownMembership?(orgId: string): Membership | null | undefined;
  /** True when the viewer and this user are members of a common org (batched per request). */
  sharesOrg(userId: string): Promise<boolean>;
  /** `sharesOrg` when this request already loaded it; undefined when not yet known. */
  knownSharesOrg?(userId: string): boolean | undefined;
  /** Loads `sharesOrg` for a page of users in one statement, before their guards ask. */
  preloadSharing?(userIds: readonly string[]): Promise<void>;
  /** Forget what this request loaded about an org, after a change to its memberships. */
  invalidateOrg(orgId: string): void;
};

export type RequestInfo = {
  requestId: string;
  headers: { authorization?: string | undefined; cookie?: string | undefined; idempotencyKey?: string | undefined };
};

/**
 * Builds all per-request state. A token that is present but invalid fails the whole request
 * (HTTP 401) instead of silently degrading to anonymous, so clients notice expired sessions.
 */
export async function createContext(deps: AppDeps, services: Services, req: RequestInfo): Promise<GraphQLContext> {
  const context = new RequestContext(deps, services, req);
  context.viewer = await resolveViewer(deps, services, req, context);
  return context;
}

/**
 * One request's state. The logger child, the DataLoaders and the authorization loaders are built
 * on first use: a small query needs few of them, and building them all cost more than running it.
 * Apollo copies the context with `Object.assign` onto an object of the same prototype, so the lazy
 * parts are prototype getters over plain properties (class-private fields would not survive it).
 */
class RequestContext implements GraphQLContext {
  readonly requestId: string;
  viewer: Viewer | null = null;
  readonly flags = { staleData: false, mutationOutcomes: [] as MutationOutcomes, responseBudget: { jsonBytes: 0, exceeded: false } };
  readonly idempotencyKey: string | undefined;
  readonly upstream: UpstreamBudget;
  readonly services: Services;
  readonly passage: PassageClient;
  readonly config: Config;
  _deps: AppDeps;
  _log: Logger | undefined;
  _loaders: Loaders | undefined;
  _authz: Authz | undefined;

  constructor(deps: AppDeps, services: Services, req: RequestInfo) {
    this._deps = deps;
    this.requestId = req.requestId;
    this.idempotencyKey = req.headers.idempotencyKey;
    this.services = services;
    this.passage = deps.passage;
    this.config = deps.config;
    // Started before the token is checked: a first-sight look-up of the viewer spends from it too.
    this.upstream = new UpstreamBudget({
      maxCalls: deps.config.passageRequest.maxCalls,
      deadlineMs: deps.config.passageRequest.budgetMs,
      onRefused: deps.onUpstreamRefused,
    });
  }

  get log(): Logger {
    this._log ??= this._deps.log.child({ requestId: this.requestId });
    return this._log;
  }

  get loaders(): Loaders {
    const flags = this.flags;
    this._loaders ??= createLoaders({ ...this.services, budget: this.upstream, onStale: () => (flags.staleData = true) });
    return this._loaders;
  }

  get authz(): Authz {
    this._authz ??= createAuthz(this.services, this.viewer, this.loaders);
    return this._authz;
  }
}

async function resolveViewer(deps: AppDeps, services: Services, req: RequestInfo, context: GraphQLContext): Promise<Viewer | null> {
  let userId: string;
  let impersonation: ImpersonationClaim | undefined;
  try {
    const verified = await verifyAny(deps.tokens, tokenCandidates(req.headers));
    if (verified === null) return null;
    ({ userId, impersonation } = verified);
  } catch (err) {
    if (err instanceof JwksUnavailableError) {
      context.log.error({ err: err.cause }, 'JWKS unavailable; cannot verify token');
      throw new GraphQLError('Sign-in keys are temporarily unavailable; retry shortly.', {
        extensions: { code: 'UPSTREAM_UNAVAILABLE', http: { status: 503 } },
      });
    }
    const reason = err instanceof InvalidTokenError ? err.reason : 'MALFORMED';
    context.log.info({ reason }, 'token refused');
    throw new GraphQLError('The auth token is invalid or expired; sign in again.', {
      extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID', http: { status: 401 } },
    });
  }
  if (impersonation) {
    // Bearer only: a cookie is sent by the browser on its own, an impersonation must be asked for.
    if (!req.headers.authorization) throw refused('IMPERSONATION_BEARER_ONLY', 'An impersonation token is accepted only in the Authorization header.');
    const refusal = await services.impersonation.refusal(impersonation);
    if (refusal) {
      context.log.info({ reason: refusal, jti: impersonation.jti }, 'impersonation token refused');
      throw refused(refusal, 'This impersonation has ended; sign in again.');
    }
  }
  // A deletion or deactivation sent to Passage and not yet settled counts as done: a crash
  // between Passage's answer and our commit must not leave the token working.
  const blocked = services.intents.blocksAccess(userId);
  if (blocked) {
    throw refused(blocked, blocked === 'USER_DELETED' ? 'This account no longer exists.' : 'This account is deactivated.');
  }
  // Access follows the directory: a user deactivated or deleted in Passage is refused within
  // one sync interval, and a deleted user stays refused whatever Passage's state.
  const entry = services.directory.get(userId) ?? (await firstSight(services, context.loaders, userId, context.log));
  if (entry?.deletedAt) throw refused('USER_DELETED', 'This account no longer exists.');
  if (entry) context.loaders.primeEntry(entry);
  const row = await services.users.ensure(userId, entry?.status ?? 'active');
  // Without an entry (Passage unreachable on first sight) the local row's status is what we know.
  if ((entry ?? row).status === 'inactive') throw refused('USER_DEACTIVATED', 'This account is deactivated.');
  // The row was just read: later fields of this request need not read it again.
  context.loaders.primeUser(row);
  const appRole = services.users.appRoleOf(row);
  if (!impersonation) return { id: row.id, appRole };
  // Promoted since the token was issued: an app admin is never impersonated.
  if (appRole === 'ADMIN') throw refused('IMPERSONATION_TARGET_ADMIN', 'This impersonation has ended; sign in again.');
  return { id: row.id, appRole, impersonatorId: impersonation.impersonatorId, impersonationJti: impersonation.jti };
}

const refused = (reason: string, message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', reason, http: { status: 401 } } });

/**
 * The first request of a user the directory has never seen: ask Passage once, so a deleted
 * user's unexpired token cannot bring their row back (a 404 leaves a tombstone). If Passage
 * cannot be reached the signature is trusted; the directory learns the user at its next sync.
 */
async function firstSight(services: Services, loaders: Loaders, userId: string, log: Logger): Promise<DirectoryEntry | null> {
  try {
    // Through the request's loader, so the look-up spends from the request's Passage budget.
    return await loaders.directoryUser.load(userId);
  } catch (err) {
    loaders.forgetEntry(userId);
    if (err instanceof AppError && err.code === 'NOT_FOUND') return services.directory.get(userId);
    log.warn({ err, userId }, 'Passage unavailable on first sight of a user; trusting the token');
    return null;
  }
}

function createAuthz(services: Services, viewer: Viewer | null, loaders: Loaders): Authz {
  // Answers already loaded in this request, so a guard that checks the same org or user again
  // (once per row of a page) decides without a promise.
  const knownMemberships = new Map<string, Membership | null>();
  const knownSharing = new Map<string, boolean>();
  // Bumped by invalidateOrg: a batch that was read before a change must not fill in known answers.
  let generation = 0;
  // Anonymous viewers never reach a membership check (guards stop at UNAUTHENTICATED first).
  const memberships = new DataLoader<string, Membership | null>(
    async (orgIds) => {
      const readIn = generation;
      const rows = viewer ? await services.memberships.forUserInOrgs(viewer.id, orgIds) : [];
      return orgIds.map((id) => {
        const row = rows.find((r) => r.orgId === id);
        const membership = row ? services.memberships.describe(row) : null;
        if (readIn === generation) knownMemberships.set(id, membership);
        return membership;
      });
    },
    { maxBatchSize: 200 },
  );
  // One query per batch, so a page of 100 members costs one look-up, not 100.
  const sharing = new DataLoader<string, boolean>(
    async (userIds) => {
      const readIn = generation;
      const shared = viewer ? await services.memberships.sharingAnOrgWith(viewer.id, userIds) : new Set<string>();
      return userIds.map((id) => {
        const shares = shared.has(id);
        if (readIn === generation) knownSharing.set(id, shares);
        return shares;
      });
    },
    { maxBatchSize: 200 },
  );
  return {
    membership: (orgId) => memberships.load(orgId),
    knownMembership: (orgId) => knownMemberships.get(orgId),
    sharesOrg: (userId) => sharing.load(userId),
    knownSharesOrg: (userId) => knownSharing.get(userId),
    preloadSharing: async (userIds) => {
      const missing = userIds.filter((id) => !knownSharing.has(id));
      if (!viewer || missing.length === 0) return;
      const readIn = generation;
      const shared = await services.memberships.sharingAnOrgWith(viewer.id, missing);
      if (readIn !== generation) return;
      for (const id of missing) {
        knownSharing.set(id, shared.has(id));
        sharing.prime(id, shared.has(id));
      }
    },
    invalidateOrg: (orgId) => {
      generation++;
      memberships.clear(orgId);
      knownMemberships.delete(orgId);
      // Who shares an org with the viewer may change with any membership of this org.
      sharing.clearAll();
      knownSharing.clear();
      loaders.org.clear(orgId);
      loaders.membershipsOfUser.clearAll();
    },
  };
}
