import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { timestamps } from './columns.js';

export const INVITATION_STATES = ['pending', 'accepted', 'declined', 'revoked', 'expired'] as const;
export const DELIVERY_STATES = ['sending', 'sent', 'failed', 'unknown'] as const;

/**
 * An invitation to join an org, addressed to an email. No foreign key to `orgs`: an invitation to
 * an org deleted since is still found by its token, so accepting it is answered with a reason
 * (`ORG_DELETED`) rather than as an unknown token; every read joins or checks the org.
 *
 * `status` is what happened to it; `expired` is stored only when a new invitation to the same
 * email replaced an expired pending one (a pending row past `expires_at` reads as EXPIRED).
 * The token is never stored, only its SHA-256.
 */
export const orgInvitations = sqliteTable(
  'org_invitations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** Lower-cased; compared with the accepting user's directory email. */
    email: text('email').notNull(),
    role: text('role').notNull(),
    additionalRoles: text('additional_roles', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .$defaultFn(() => []),
    status: text('status', { enum: INVITATION_STATES }).notNull().default('pending'),
    /** SHA-256 of the current token (hex); a resend replaces it, so the old token stops working. */
    tokenHash: text('token_hash').notNull(),
    invitedBy: text('invited_by').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    /**
     * Whether the current token's email went out: `sending` is written before Passage is asked, so
     * a crash in between reads as "not known", never as sent.
     */
    delivery: text('delivery', { enum: DELIVERY_STATES }).notNull().default('sending'),
    lastSentAt: integer('last_sent_at', { mode: 'timestamp_ms' }),
    sendCount: integer('send_count').notNull().default(0),
    acceptedAt: integer('accepted_at', { mode: 'timestamp_ms' }),
    acceptedBy: text('accepted_by'),
    /** When it was declined, revoked or replaced. */
    closedAt: integer('closed_at', { mode: 'timestamp_ms' }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('org_invitations_token_idx').on(t.tokenHash),
    // At most one pending invitation per org and email, also when two invitations race.
    uniqueIndex('org_invitations_pending_idx').on(t.orgId, t.email).where(sql`status = 'pending'`),
    index('org_invitations_org_created_idx').on(t.orgId, t.createdAt, t.id),
    index('org_invitations_email_idx').on(t.email, t.status),
  ],
);

export type InvitationRow = typeof orgInvitations.$inferSelect;
