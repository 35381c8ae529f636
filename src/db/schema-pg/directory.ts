import { bigint, boolean, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { epochMs, timestampMs } from './columns.js';

/** PostgreSQL twin of `schema/directory.ts` (see there for what each column means). */
export const directoryUsers = pgTable(
  'directory_users',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull().default(''),
    phone: text('phone').notNull().default(''),
    status: text('status', { enum: ['active', 'inactive', 'pending'] }).notNull(),
    emailVerified: boolean('email_verified').notNull().default(false),
    phoneVerified: boolean('phone_verified').notNull().default(false),
    createdAt: timestampMs('created_at').notNull(),
    updatedAt: timestampMs('updated_at').notNull(),
    lastLoginAt: epochMs('last_login_at').notNull().default(0),
    loginCount: integer('login_count').notNull().default(0),
    metadata: jsonb('metadata').$type<Record<string, unknown> | null>(),
    deletedAt: timestampMs('deleted_at'),
    syncedAt: timestampMs('synced_at').notNull(),
    sweepRun: bigint('sweep_run', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    index('directory_users_created_idx').on(t.createdAt, t.id),
    index('directory_users_last_login_idx').on(t.lastLoginAt, t.id),
    index('directory_users_email_idx').on(t.email, t.id),
    index('directory_users_phone_idx').on(t.phone),
  ],
);

export const directorySync = pgTable('directory_sync', {
  id: integer('id').primaryKey(),
  fullSyncDoneAt: timestampMs('full_sync_done_at'),
  fullSyncPage: integer('full_sync_page').notNull().default(1),
  fullSyncCreatedBefore: epochMs('full_sync_created_before'),
  highWaterMark: text('high_water_mark'),
  lastSuccessAt: timestampMs('last_success_at'),
  lastSweepRun: bigint('last_sweep_run', { mode: 'number' }).notNull().default(0),
});
