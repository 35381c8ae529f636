import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { and, count, desc, eq, gt, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import * as policy from '../auth/policy.js';
import { enforce } from '../auth/policy.js';
import type { Roles } from '../auth/roles.js';
import type { Database, Db } from '../db/client.js';
import { directoryUsers, orgInvitations, orgMemberships, orgs, users, type InvitationRow, type MembershipRow } from '../db/schema/index.js';
import { AppError, badUserInput, conflict, forbidden, fromPassageError, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CallOptions, PassageClient } from '../passage/client.js';
import type { CreateMagicLinkInput } from '../passage/types.js';
import { audited, auditActor, recordAudit, recordFailure, type AuditEntry } from './audit.js';
import { deletionPending, pendingChange, surelyNotApplied } from './intent.js';
import { isMember, orgExists, ownedBy } from './membership.js';
import { validEmail } from './validation.js';

/** What clients see: `EXPIRED` is a pending invitation past its time (or one replaced after that). */
export type InvitationStatus = 'PENDING' | 'ACCEPTED' | 'DECLINED' | 'REVOKED' | 'EXPIRED';

export type InvitationInput = { orgId: string; email: string; role: string; additionalRoles?: readonly string[] | null };

/** Which invitation: its token (from the emailed link) or its id (from `me.invitations`). */
export type InvitationRef = { token?: string | null; id?: string | null };

export type InvitationPage = { rows: InvitationRow[]; totalCount: number; hasNextPage: boolean; hasPreviousPage: boolean };

/** The most pending invitations `me.invitations` lists. */
export const MAX_VIEWER_INVITATIONS = 50;

/** The query parameter that carries the token in the accept link. */
export const INVITATION_PARAM = 'invitation';

/** 32 random bytes: 256 bits, base64url (43 characters). */
const TOKEN_BYTES = 32;
const MAX_TOKEN_LENGTH = 128;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The client-facing status of a row at `now`. */
export function statusOf(row: Pick<InvitationRow, 'status' | 'expiresAt'>, now = Date.now()): InvitationStatus {
  if (row.status === 'pending') return row.expiresAt.getTime() <= now ? 'EXPIRED' : 'PENDING';
  return row.status.toUpperCase() as InvitationStatus;
}

/** The accept page with the token as `?invitation=` (before any `#fragment`, which keeps its place). */
export function acceptLink(base: string, token: string): string {
  const url = new URL(base);
  url.searchParams.set(INVITATION_PARAM, token);
  return url.toString();
}

/** What an audit row keeps of an invitation: never the token or its hash. */
function auditView(row: InvitationRow) {
  return {
    id: row.id,
    orgId: row.orgId,
    email: row.email,
    role: row.role,
    additionalRoles: row.additionalRoles,
    status: row.status,
    expiresAt: row.expiresAt,
    delivery: row.delivery,
  };
}

export type InvitationServiceOptions = {
  database: Database;
  roles: Roles;
  passage: PassageClient;
  log: Logger;
  /** INVITATION_ACCEPT_URL; null: inviting is refused (production without the setting). */
  acceptUrl: string | null;
  ttlHours: number;
  /** MAX_ORGS_PER_USER: accepting an invitation to the owner role counts against it. */
  maxOwnedOrgs: number;
  now?: () => number;
};

/**
 * Invitations by email. The row is local and written first; the email is Passage's to send (a
 * magic link whose redirect is the accept page with the token), asked after the row committed,
 * never inside a transaction. The outcome of each send is recorded on the row (`delivery`):
 * `sending` until Passage answers, then `sent`, `failed` (Passage refused or the call was never
 * made) or `unknown` (no answer). A failed or unknown send is resent with `resend`, which also
 * replaces the token. Every step is audited; tokens and their hashes never reach audit rows or logs.
 */
export class InvitationService {
  readonly #database: Database;
  readonly #roles: Roles;
  readonly #passage: PassageClient;
  readonly #log: Logger;
  readonly #acceptUrl: string | null;
  readonly #ttlMs: number;
  readonly #maxOwnedOrgs: number;
  readonly #now: () => number;

  constructor(opts: InvitationServiceOptions) {
    this.#database = opts.database;
    this.#roles = opts.roles;
    this.#passage = opts.passage;
    this.#log = opts.log;
    this.#acceptUrl = opts.acceptUrl;
    this.#ttlMs = opts.ttlHours * 3600_000;
    this.#maxOwnedOrgs = opts.maxOwnedOrgs;
    this.#now = opts.now ?? Date.now;
  }

  findById(id: string): InvitationRow | null {
    return this.#database.db.select().from(orgInvitations).where(eq(orgInvitations.id, id)).get() ?? null;
  }

  /** Records the invitation, then asks Passage to email the link. */
  async invite(actor: policy.PolicyViewer, input: InvitationInput, call: CallOptions = {}): Promise<InvitationRow> {
    const acceptUrl = this.#requireAcceptUrl();
    const email = validEmail(input.email);
    if (!email) throw badUserInput('email', 'email must be a valid email address.');
    const additionalRoles = this.#validRoles(input.role, input.additionalRoles);
    const id = randomUUID();
    const token = newToken();
    const entry: AuditEntry = { ...auditActor(actor), action: 'invitation.create', targetType: 'invitation', targetId: id, orgId: input.orgId };
    const row = await audited(this.#database, entry, (tx) => {
      if (!orgExists(tx, input.orgId)) throw notFound('The organization');
      this.#enforceInviter(tx, actor, input.orgId, { role: input.role, additionalRoles });
      if (this.#memberByEmail(tx, input.orgId, email)) throw conflict('ALREADY_MEMBER', 'A user with this email is already a member of this organization.');
      const pending = tx
        .select()
        .from(orgInvitations)
        .where(and(eq(orgInvitations.orgId, input.orgId), eq(orgInvitations.email, email), eq(orgInvitations.status, 'pending')))
        .get();
      if (pending && statusOf(pending, this.#now()) === 'PENDING') {
        throw conflict('INVITATION_PENDING', 'This email already has a pending invitation to this organization; resend or revoke it.', {
          invitationId: pending.id,
        });
      }
      const now = new Date(this.#now());
      // An expired invitation gives way to the new one and keeps reading as expired.
      if (pending) tx.update(orgInvitations).set({ status: 'expired', closedAt: now, updatedAt: now }).where(eq(orgInvitations.id, pending.id)).run();
      const inserted = tx
        .insert(orgInvitations)
        .values({
          id,
          orgId: input.orgId,
          email,
          role: input.role,
          additionalRoles,
          tokenHash: hashToken(token),
          invitedBy: actor.id,
          expiresAt: new Date(now.getTime() + this.#ttlMs),
          delivery: 'sending',
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
      recordAudit(tx, { ...entry, after: auditView(inserted) });
      return inserted;
    });
    return this.#send(actor, row, token, acceptUrl, call);
  }

  /** A new token and expiry (the old token stops working), then the email again. */
  async resend(actor: policy.PolicyViewer, id: string, call: CallOptions = {}): Promise<InvitationRow> {
    const acceptUrl = this.#requireAcceptUrl();
    const token = newToken();
    const entry: AuditEntry = { ...auditActor(actor), action: 'invitation.resend', targetType: 'invitation', targetId: id };
    const row = await audited(this.#database, entry, (tx) => {
      const before = this.#manageable(tx, actor, id);
      const now = new Date(this.#now());
      const after = tx
        .update(orgInvitations)
        .set({ tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + this.#ttlMs), delivery: 'sending', updatedAt: now })
        .where(eq(orgInvitations.id, id))
        .returning()
        .get()!;
      recordAudit(tx, { ...entry, orgId: after.orgId, before: auditView(before), after: auditView(after) });
      return after;
    });
    return this.#send(actor, row, token, acceptUrl, call);
  }

  async revoke(actor: policy.PolicyViewer, id: string): Promise<InvitationRow> {
    const entry: AuditEntry = { ...auditActor(actor), action: 'invitation.revoke', targetType: 'invitation', targetId: id };
    return audited(this.#database, entry, (tx) => {
      const before = this.#manageable(tx, actor, id);
      const now = new Date(this.#now());
      const after = tx.update(orgInvitations).set({ status: 'revoked', closedAt: now, updatedAt: now }).where(eq(orgInvitations.id, id)).returning().get()!;
      recordAudit(tx, { ...entry, orgId: after.orgId, before: auditView(before), after: auditView(after) });
      return after;
    });
  }

  /**
   * The signed-in user joins the org with the invitation's roles. One transaction: the
   * invitation is used and the membership created together, and a second accept (even a
   * concurrent one) finds it used. `viewerEmail` is the user's email from the user directory.
   */
  async accept(viewer: policy.PolicyViewer, viewerEmail: string | null, ref: InvitationRef): Promise<MembershipRow> {
    const found = this.#lookup(ref);
    const entry: AuditEntry = {
      ...auditActor(viewer),
      action: 'invitation.accept',
      targetType: 'invitation',
      targetId: found?.id ?? '',
      orgId: found?.orgId ?? null,
    };
    return audited(this.#database, entry, (tx) => {
      const row = this.#usable(tx, found, ref, viewerEmail);
      if (isMember(tx, row.orgId, viewer.id)) {
        throw conflict('ALREADY_MEMBER', 'You are already a member of this organization.');
      }
      if (deletionPending(tx, viewer.id)) throw pendingChange();
      if (policy.isOwner(this.#roles, row) && ownedBy(tx, viewer.id, this.#roles.ownerRole) >= this.#maxOwnedOrgs) {
        throw conflict('ORG_LIMIT', `You already own ${this.#maxOwnedOrgs} organizations, the most one user may own.`, { limit: this.#maxOwnedOrgs });
      }
      const now = new Date(this.#now());
      tx.insert(users).values({ id: viewer.id }).onConflictDoNothing().run();
      const membership = tx
        .insert(orgMemberships)
        .values({ orgId: row.orgId, userId: viewer.id, role: row.role, additionalRoles: row.additionalRoles })
        .returning()
        .get();
      const after = tx
        .update(orgInvitations)
        .set({ status: 'accepted', acceptedAt: now, acceptedBy: viewer.id, closedAt: now, updatedAt: now })
        .where(and(eq(orgInvitations.id, row.id), eq(orgInvitations.status, 'pending')))
        .returning()
        .get();
      // Read in this same write transaction, so it cannot have changed; kept as a last guard.
      if (!after) throw conflict('INVITATION_USED', 'This invitation has already been used.');
      recordAudit(tx, { ...entry, targetId: row.id, orgId: row.orgId, before: auditView(row), after: { invitation: auditView(after), membership } });
      return membership;
    });
  }

  async decline(viewer: policy.PolicyViewer, viewerEmail: string | null, ref: InvitationRef): Promise<InvitationRow> {
    const found = this.#lookup(ref);
    const entry: AuditEntry = {
      ...auditActor(viewer),
      action: 'invitation.decline',
      targetType: 'invitation',
      targetId: found?.id ?? '',
      orgId: found?.orgId ?? null,
    };
    return audited(this.#database, entry, (tx) => {
      const row = this.#usable(tx, found, ref, viewerEmail);
      const now = new Date(this.#now());
      const after = tx
        .update(orgInvitations)
        .set({ status: 'declined', closedAt: now, updatedAt: now })
        .where(eq(orgInvitations.id, row.id))
        .returning()
        .get()!;
      recordAudit(tx, { ...entry, targetId: row.id, orgId: row.orgId, before: auditView(row), after: auditView(after) });
      return after;
    });
  }

  /** An org's invitations, newest first; `status` filters by the client-facing status. */
  list(orgId: string, opts: { first: number; after?: string | null; status?: InvitationStatus | null }): InvitationPage {
    const { db } = this.#database;
    const now = new Date(this.#now());
    const filters: SQL[] = [eq(orgInvitations.orgId, orgId)];
    if (opts.status) filters.push(statusFilter(opts.status, now));
    const totalCount = db
      .select({ n: count() })
      .from(orgInvitations)
      .where(and(...filters))
      .get()!.n;
    if (opts.after) {
      const cursor = decodeInvitationCursor(opts.after);
      filters.push(or(lt(orgInvitations.createdAt, cursor.createdAt), and(eq(orgInvitations.createdAt, cursor.createdAt), lt(orgInvitations.id, cursor.id)))!);
    }
    const rows = db
      .select()
      .from(orgInvitations)
      .where(and(...filters))
      .orderBy(desc(orgInvitations.createdAt), desc(orgInvitations.id))
      .limit(opts.first + 1)
      .all();
    return { rows: rows.slice(0, opts.first), totalCount, hasNextPage: rows.length > opts.first, hasPreviousPage: Boolean(opts.after) };
  }

  /** Pending invitations addressed to `email` in orgs that still exist, newest first, at most 50. */
  pendingFor(email: string | null): InvitationRow[] {
    if (!email) return [];
    return this.#database.db
      .select({ invitation: orgInvitations })
      .from(orgInvitations)
      .innerJoin(orgs, eq(orgs.id, orgInvitations.orgId))
      .where(and(eq(orgInvitations.email, email.toLowerCase()), eq(orgInvitations.status, 'pending'), gt(orgInvitations.expiresAt, new Date(this.#now()))))
      .orderBy(desc(orgInvitations.createdAt), desc(orgInvitations.id))
      .limit(MAX_VIEWER_INVITATIONS)
      .all()
      .map((r) => r.invitation);
  }

  // -------------------------------------------------------------------------------------------

  #requireAcceptUrl(): string {
    if (!this.#acceptUrl) throw forbidden('INVITATIONS_DISABLED', 'Invitations are not configured on this server (INVITATION_ACCEPT_URL).');
    return this.#acceptUrl;
  }

  #validRoles(role: string, additional: readonly string[] | null | undefined): string[] {
    if (!this.#roles.has(role)) throw badUserInput('role', `Unknown role "${role}".`);
    const rest = [...new Set(additional ?? [])].filter((r) => r !== role);
    for (const r of rest) if (!this.#roles.has(r)) throw badUserInput('additionalRoles', `Unknown role "${r}".`);
    return rest;
  }

  /** The inviter holds `org:members:invite` there and grants nothing above their own rank (read in the transaction). */
  #enforceInviter(tx: Db, actor: policy.PolicyViewer, orgId: string, granted: policy.Assignment): void {
    const own = policy.passesEveryOrgRule(actor)
      ? null
      : tx
          .select()
          .from(orgMemberships)
          .where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, actor.id)))
          .get();
    const grant = own ? this.#roles.summarize(own.role, own.additionalRoles) : null;
    enforce(policy.inOrg(actor, orgId, grant, policy.withPermissions([policy.ORG_PERMISSIONS.invite])));
    enforce(policy.mayGrant(this.#roles, policy.actingRank(actor, grant), granted));
  }

  /** A pending invitation the actor may resend or revoke. Non-members learn nothing about it. */
  #manageable(tx: Db, actor: policy.PolicyViewer, id: string): InvitationRow {
    const row = tx.select().from(orgInvitations).where(eq(orgInvitations.id, id)).get();
    if (!row) throw notFound('The invitation');
    if (!policy.passesEveryOrgRule(actor) && !isMember(tx, row.orgId, actor.id)) throw notFound('The invitation');
    if (!orgExists(tx, row.orgId)) throw orgDeleted();
    this.#enforceInviter(tx, actor, row.orgId, row);
    if (row.status !== 'pending') throw closed(row);
    return row;
  }

  /** Read outside the transaction only to name the audit row's target; `#usable` reads it again. */
  #lookup(ref: InvitationRef): InvitationRow | undefined {
    const hasToken = ref.token !== undefined && ref.token !== null;
    const hasId = ref.id !== undefined && ref.id !== null;
    if (hasToken === hasId) throw badUserInput('token', 'Give exactly one of token or id.');
    if (hasId) return this.findById(ref.id!) ?? undefined;
    const token = ref.token!;
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    return this.#database.db
      .select()
      .from(orgInvitations)
      .where(eq(orgInvitations.tokenHash, hashToken(token)))
      .get();
  }

  /** The invitation, re-read in the transaction, if the viewer may accept or decline it now. */
  #usable(tx: Db, found: InvitationRow | undefined, ref: InvitationRef, viewerEmail: string | null): InvitationRow {
    const row = found && tx.select().from(orgInvitations).where(eq(orgInvitations.id, found.id)).get();
    // A resend between the look-up and this transaction replaced the token: the old one no longer works.
    if (!row || (ref.token != null && !sameHash(row.tokenHash, hashToken(ref.token)))) throw notFound('The invitation');
    if (!viewerEmail || viewerEmail.toLowerCase() !== row.email) {
      throw forbidden('INVITATION_EMAIL_MISMATCH', 'This invitation was sent to another email address than yours.');
    }
    const status = statusOf(row, this.#now());
    if (status !== 'PENDING') throw closed(row, status);
    if (!orgExists(tx, row.orgId)) throw orgDeleted();
    return row;
  }

  /** Members of the org whose directory email is `email`. */
  #memberByEmail(tx: Db, orgId: string, email: string): boolean {
    return (
      tx
        .select({ id: orgMemberships.userId })
        .from(orgMemberships)
        .innerJoin(directoryUsers, eq(directoryUsers.id, orgMemberships.userId))
        .where(and(eq(orgMemberships.orgId, orgId), eq(directoryUsers.email, email), isNull(directoryUsers.deletedAt)))
        .get() !== undefined
    );
  }

  /**
   * Asks Passage to email the link, then records how that went. Passage's refusal or a call never
   * made is `failed`; no answer is `unknown` (it may have gone out). Either way the invitation
   * stays pending, the answer is an error naming it, and `resend` tries again.
   */
  async #send(actor: policy.PolicyViewer, row: InvitationRow, token: string, acceptUrl: string, call: CallOptions): Promise<InvitationRow> {
    const link = acceptLink(acceptUrl, token);
    const url = new URL(link);
    const request: CreateMagicLinkInput = {
      email: row.email,
      channel: 'email',
      send: true,
      type: 'login',
      redirectUrl: link,
      // The link itself opens the accept page (on the app's origin), token included.
      magicLinkPath: `${url.pathname}${url.search}${url.hash}`,
    };
    const entry: AuditEntry = { ...auditActor(actor), action: 'invitation.send', targetType: 'invitation', targetId: row.id, orgId: row.orgId };
    const hash = row.tokenHash;
    let magicLinkId: string;
    try {
      magicLinkId = (await this.#passage.createMagicLink(request, call)).id;
    } catch (err) {
      const delivery = surelyNotApplied(err) ? 'failed' : 'unknown';
      await this.#recordDelivery(row.id, hash, delivery).catch((e: unknown) =>
        this.#log.warn({ err: e, invitationId: row.id }, 'could not record a failed invitation email'),
      );
      const mapped = fromPassageError(err);
      await recordFailure(this.#database, { ...entry, after: { delivery } }, mapped);
      if (delivery === 'unknown') {
        throw new AppError(
          'OUTCOME_UNKNOWN',
          'The invitation was recorded, but the identity provider did not confirm the email; it may or may not have been sent. Resend it with resendOrgInvitation.',
          { reason: 'INVITATION_SEND_UNKNOWN', details: { invitationId: row.id } },
        );
      }
      throw new AppError(mapped.code, `The invitation was recorded, but its email was not sent: ${mapped.message} Resend it with resendOrgInvitation.`, {
        reason: 'INVITATION_NOT_SENT',
        details: { ...mapped.details, invitationId: row.id },
      });
    }
    try {
      const updated = await this.#database.transaction((tx) => {
        const after = this.#markDelivery(tx, row.id, hash, 'sent');
        recordAudit(tx, { ...entry, after: { delivery: 'sent', magicLinkId } });
        return after;
      });
      return updated ?? { ...row, delivery: 'sent' };
    } catch (err) {
      // Passage confirmed the email: that is the answer, whatever stopped the local write.
      this.#log.warn({ err, invitationId: row.id }, 'could not record a sent invitation email');
      return { ...row, delivery: 'sent', lastSentAt: new Date(this.#now()) };
    }
  }

  async #recordDelivery(id: string, hash: string, delivery: 'failed' | 'unknown'): Promise<void> {
    await this.#database.transaction((tx) => this.#markDelivery(tx, id, hash, delivery));
  }

  /** Only for the token it was sent with: a resend meanwhile owns the row's delivery state. */
  #markDelivery(tx: Db, id: string, hash: string, delivery: 'sent' | 'failed' | 'unknown'): InvitationRow | undefined {
    const now = new Date(this.#now());
    return tx
      .update(orgInvitations)
      .set({
        delivery,
        updatedAt: now,
        ...(delivery === 'sent' ? { lastSentAt: now } : {}),
        ...(delivery !== 'failed' ? { sendCount: sql`${orgInvitations.sendCount} + 1` } : {}),
      })
      .where(and(eq(orgInvitations.id, id), eq(orgInvitations.tokenHash, hash)))
      .returning()
      .get();
  }
}

function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

const orgDeleted = () => new AppError('NOT_FOUND', 'The organization of this invitation has been deleted.', { reason: 'ORG_DELETED' });

/** Why an invitation can no longer be used. */
function closed(row: InvitationRow, status: InvitationStatus = statusOf(row)): AppError {
  if (status === 'REVOKED') return conflict('INVITATION_REVOKED', 'This invitation has been revoked.');
  if (status === 'EXPIRED') return conflict('INVITATION_EXPIRED', 'This invitation has expired; ask for a new one.');
  return conflict('INVITATION_USED', `This invitation has already been ${row.status === 'declined' ? 'declined' : 'accepted'}.`);
}

function statusFilter(status: InvitationStatus, now: Date): SQL {
  switch (status) {
    case 'PENDING':
      return and(eq(orgInvitations.status, 'pending'), gt(orgInvitations.expiresAt, now))!;
    case 'EXPIRED':
      return or(and(eq(orgInvitations.status, 'pending'), lte(orgInvitations.expiresAt, now)), eq(orgInvitations.status, 'expired'))!;
    default:
      return eq(orgInvitations.status, status.toLowerCase() as InvitationRow['status']);
  }
}

export function encodeInvitationCursor(row: Pick<InvitationRow, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.createdAt.getTime(), row.id])).toString('base64url');
}

function decodeInvitationCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [ms, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof ms === 'number' && Number.isFinite(ms) && typeof id === 'string') return { createdAt: new Date(ms), id };
  } catch {
    // fall through
  }
  throw badUserInput('after', 'after is not a cursor returned by this connection.');
}
