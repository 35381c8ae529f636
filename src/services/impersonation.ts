import { randomUUID } from 'node:crypto';
import { eq, lt, sql } from 'drizzle-orm';
import { CLOCK_TOLERANCE_SECONDS, claimsImpersonation, signImpersonationToken, verifyImpersonationToken } from '../auth/impersonation.js';
import * as policy from '../auth/policy.js';
import { InvalidTokenError, type VerifiedToken } from '../auth/token.js';
import type { Database, Db } from '../db/client.js';
import { impersonationRevocations, users, type ImpersonationRevocationRow } from '../db/schema/index.js';
import { badUserInput, conflict, forbidden } from '../errors.js';
import type { UpstreamBudget } from '../passage/budget.js';
import { auditActor, recordAudit, recordFailure, type AuditEntry } from './audit.js';
import type { DirectoryService } from './directory.js';
import type { ImpersonationKeys } from './impersonation-keys.js';
import { pendingChange, type IntentService } from './intent.js';
import type { UserService } from './user.js';

/** The longest `reason` kept in the audit log. */
export const MAX_REASON_LENGTH = 500;

/** Expired revocations deleted per revocation (they are useless once the token has expired). */
const PRUNE_BATCH = 100;

export type Impersonation = { token: string; userId: string; impersonatorId: string; jti: string; expiresAt: Date };

/** Why an impersonation token is refused although its signature and claims are fine. */
export type ImpersonationRefusal = 'IMPERSONATION_REVOKED' | 'IMPERSONATOR_NOT_ADMIN' | 'IMPERSONATOR_INACTIVE';

export type ImpersonationServiceOptions = {
  database: Database;
  keys: ImpersonationKeys;
  users: UserService;
  directory: DirectoryService;
  intents: IntentService;
  ttlSeconds: number;
};

/**
 * App admins acting as a user: issuing the token (audited with the admin's reason), ending one
 * early, and the per-request checks that keep a token from outliving its reasons (the admin's
 * role and account, the revocation list). The token's signature and claims are checked in
 * `src/auth/impersonation.ts`, with the keys of `ImpersonationKeys`.
 */
export class ImpersonationService {
  readonly #database: Database;
  readonly #users: UserService;
  readonly #directory: DirectoryService;
  readonly #intents: IntentService;
  readonly #ttlMs: number;
  readonly #revoked;
  readonly keys: ImpersonationKeys;

  constructor(opts: ImpersonationServiceOptions) {
    this.#database = opts.database;
    this.keys = opts.keys;
    this.#users = opts.users;
    this.#directory = opts.directory;
    this.#intents = opts.intents;
    this.#ttlMs = opts.ttlSeconds * 1000;
    this.#revoked = opts.database.db
      .select({ jti: impersonationRevocations.jti })
      .from(impersonationRevocations)
      .where(eq(impersonationRevocations.jti, sql.placeholder('jti')))
      .prepare();
  }

  /**
   * Issues a token with which `admin` acts as `userId`. Never for another app admin, a
   * deactivated, deleted or unknown user, or without a reason; each refusal is audited too.
   */
  async start(admin: policy.PolicyViewer, userId: string, reason: string, budget?: UpstreamBudget): Promise<Impersonation> {
    const entry: AuditEntry = { ...auditActor(admin), action: 'user.impersonate', targetType: 'user', targetId: userId };
    try {
      const why = validReason(reason);
      policy.enforce(policy.requireAppRole(admin, 'ADMIN'));
      policy.enforce(policy.refuseImpersonation(admin));
      if (this.#intents.blocksAccess(userId)) throw pendingChange();
      const target = await this.#users.known(userId, budget);
      if (target.status === 'inactive') throw conflict('USER_DEACTIVATED', 'The user is deactivated and cannot be impersonated.');
      this.#assertNotAdmin(this.#database.db, userId);
      const key = await this.keys.signingKey();
      const now = Date.now();
      const issuedAt = new Date(Math.floor(now / 1000) * 1000);
      const expiresAt = new Date(issuedAt.getTime() + this.#ttlMs);
      const jti = randomUUID();
      const token = await signImpersonationToken(key, { userId, impersonatorId: admin.id, jti, issuedAt: issuedAt.getTime(), expiresAt: expiresAt.getTime() });
      await this.#database.transaction((tx) => {
        // Promoted meanwhile? Checked again under the write lock.
        this.#assertNotAdmin(tx, userId);
        this.keys.noteIssuedInTx(tx, key.kid, expiresAt);
        recordAudit(tx, { ...entry, after: { jti, kid: key.kid, reason: why, issuedAt, expiresAt } });
      });
      return { token, userId, impersonatorId: admin.id, jti, expiresAt };
    } catch (err) {
      await recordFailure(this.#database, entry, err);
      throw err;
    }
  }

  /**
   * Ends an impersonation before it expires. Allowed to the admin who started it, any app admin,
   * and the impersonated session itself. Revoking a revoked token answers the first revocation.
   */
  async revoke(viewer: policy.PolicyViewer & { impersonationJti?: string | undefined }, token: string): Promise<ImpersonationRevocationRow> {
    const entry: AuditEntry = { ...auditActor(viewer), action: 'user.impersonation_revoke', targetType: 'user', targetId: '' };
    try {
      const claims = await this.#readToken(token);
      const { impersonatorId, jti } = claims.impersonation!;
      entry.targetId = claims.userId;
      const actingPerson = viewer.impersonatorId ?? viewer.id;
      // An impersonated request has the user's rights: it may end only its own impersonation.
      const allowed =
        viewer.impersonatorId === undefined ? viewer.id === impersonatorId || policy.requireAppRole(viewer, 'ADMIN') === null : viewer.impersonationJti === jti;
      if (!allowed) throw forbidden('NOT_IMPERSONATOR', 'Only the admin who started this impersonation, an app admin, or the session itself can end it.');
      const now = Date.now();
      if (claims.expiresAt + CLOCK_TOLERANCE_SECONDS * 1000 < now) {
        throw conflict('IMPERSONATION_ENDED', 'This impersonation has already expired; there is nothing to revoke.');
      }
      return await this.#database.transaction((tx) => {
        const earlier = tx.select().from(impersonationRevocations).where(eq(impersonationRevocations.jti, jti)).get();
        if (earlier) return earlier;
        // Bounded clean-up of revocations whose tokens have expired anyway.
        const stale = tx
          .select({ jti: impersonationRevocations.jti })
          .from(impersonationRevocations)
          .where(lt(impersonationRevocations.expiresAt, new Date(now - CLOCK_TOLERANCE_SECONDS * 1000)))
          .limit(PRUNE_BATCH)
          .all();
        for (const row of stale) tx.delete(impersonationRevocations).where(eq(impersonationRevocations.jti, row.jti)).run();
        const row = tx
          .insert(impersonationRevocations)
          .values({ jti, userId: claims.userId, impersonatorId, revokedBy: actingPerson, revokedAt: new Date(now), expiresAt: new Date(claims.expiresAt) })
          .returning()
          .get();
        recordAudit(tx, { ...entry, after: { jti, impersonatorId, expiresAt: row.expiresAt } });
        return row;
      });
    } catch (err) {
      await recordFailure(this.#database, entry, err);
      throw err;
    }
  }

  /**
   * Why a verified impersonation token must be refused now, or null. Asked on every request
   * (the verified-token cache remembers signatures, never these facts): a revoked token, or an
   * admin who lost the role or was deactivated or deleted, ends the impersonation at once.
   */
  async refusal(claim: NonNullable<VerifiedToken['impersonation']>): Promise<ImpersonationRefusal | null> {
    if (this.#revoked.get({ jti: claim.jti })) return 'IMPERSONATION_REVOKED';
    const adminId = claim.impersonatorId;
    if (this.#intents.blocksAccess(adminId)) return 'IMPERSONATOR_INACTIVE';
    const entry = this.#directory.get(adminId);
    const row = await this.#users.findById(adminId);
    if (entry?.deletedAt || entry?.status === 'inactive' || row?.status === 'inactive') return 'IMPERSONATOR_INACTIVE';
    return this.#users.appRoleOf(row ?? { id: adminId, appRole: 'USER' }) === 'ADMIN' ? null : 'IMPERSONATOR_NOT_ADMIN';
  }

  /** Read with `db` (the transaction's handle inside one), so the check sees the current role. */
  #assertNotAdmin(db: Db, userId: string): void {
    const row = db.select({ id: users.id, appRole: users.appRole }).from(users).where(eq(users.id, userId)).get() ?? { id: userId, appRole: 'USER' as const };
    if (this.#users.appRoleOf(row) === 'ADMIN') throw forbidden('TARGET_IS_ADMIN', 'App admins cannot be impersonated.');
  }

  /** A token to revoke must be one of passgraph's, signed by its key; an expired one is still read. */
  async #readToken(token: string): Promise<VerifiedToken> {
    const trimmed = token.trim();
    if (trimmed === '' || !claimsImpersonation(trimmed)) throw badUserInput('token', 'token is not an impersonation token issued by this server.');
    try {
      return await verifyImpersonationToken(this.keys, trimmed, { allowExpired: true });
    } catch (err) {
      if (err instanceof InvalidTokenError) throw badUserInput('token', 'token is not an impersonation token issued by this server.');
      throw err;
    }
  }
}

/** Required, trimmed, at most MAX_REASON_LENGTH characters. */
function validReason(reason: string): string {
  const trimmed = typeof reason === 'string' ? reason.trim() : '';
  if (trimmed === '') throw badUserInput('reason', 'reason is required: say why you act as this user.');
  if (trimmed.length > MAX_REASON_LENGTH) throw badUserInput('reason', `reason must be at most ${MAX_REASON_LENGTH} characters.`);
  return trimmed;
}
