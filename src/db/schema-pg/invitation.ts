import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { DELIVERY_STATES, INVITATION_STATES } from '../schema/invitation.js';
import { timestampMs, timestamps } from './columns.js';

/** PostgreSQL twin of `schema/invitation.ts`. */
export const orgInvitations = pgTable(
  'org_invitations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    email: text('email').notNull(),
    role: text('role').notNull(),
    additionalRoles: jsonb('additional_roles')
      .$type<string[]>()
      .notNull()
      .$defaultFn(() => []),
    status: text('status', { enum: INVITATION_STATES }).notNull().default('pending'),
    tokenHash: text('token_hash').notNull(),
    invitedBy: text('invited_by').notNull(),
    expiresAt: timestampMs('expires_at').notNull(),
    delivery: text('delivery', { enum: DELIVERY_STATES }).notNull().default('sending'),
    lastSentAt: timestampMs('last_sent_at'),
    sendCount: integer('send_count').notNull().default(0),
    acceptedAt: timestampMs('accepted_at'),
    acceptedBy: text('accepted_by'),
    closedAt: timestampMs('closed_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('org_invitations_token_idx').on(t.tokenHash),
    uniqueIndex('org_invitations_pending_idx').on(t.orgId, t.email).where(sql`status = 'pending'`),
    index('org_invitations_org_created_idx').on(t.orgId, t.createdAt, t.id),
    index('org_invitations_email_idx').on(t.email, t.status),
  ],
);
