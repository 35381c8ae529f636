import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The user directory: passgraph's copy of what Passage holds for each user it serves, kept in
 * step by the directory sync. Access decisions and `User` reads come from here, so they neither
 * wait on Passage nor disagree with it for longer than one sync interval.
 *
 * A separate table from `users`: it holds every Passage user (the full sync lists them all), while
 * `users` holds what only passgraph knows about users who used it. Times are Passage's, in ms.
 */
export const directoryUsers = sqliteTable(
  'directory_users',
  {
    id: text('id').primaryKey(),
    /** Lower-cased by Passage; '' when the user has none (as Passage sends it). */
    email: text('email').notNull().default(''),
    phone: text('phone').notNull().default(''),
    status: text('status', { enum: ['active', 'inactive', 'pending'] }).notNull(),
    emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
    phoneVerified: integer('phone_verified', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** Passage's `updated_at`: a sync page older than this never overwrites the row. */
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    /** 0 when the user never signed in, so the column stays NOT NULL and orderable by its index. */
    lastLoginAt: integer('last_login_at').notNull().default(0),
    loginCount: integer('login_count').notNull().default(0),
    metadata: text('metadata', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    /**
     * The tombstone: set once Passage said the user no longer exists (a 404, a confirmed delete,
     * or the sweep). A deleted user's token is refused whatever Passage's state afterwards.
     */
    deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }),
    /** When passgraph last wrote this row from a Passage answer. */
    syncedAt: integer('synced_at', { mode: 'timestamp_ms' }).notNull(),
    /** The last sweep that saw the user in Passage's list; older rows are deletion candidates. */
    sweepRun: integer('sweep_run').notNull().default(0),
  },
  (t) => [
    index('directory_users_created_idx').on(t.createdAt, t.id),
    index('directory_users_last_login_idx').on(t.lastLoginAt, t.id),
    index('directory_users_email_idx').on(t.email, t.id),
    index('directory_users_phone_idx').on(t.phone),
  ],
);

/**
 * One row (id 1): where the sync stands, so a restart resumes instead of starting over and the
 * first request after a restart is served from the directory.
 */
export const directorySync = sqliteTable('directory_sync', {
  id: integer('id').primaryKey(),
  /** Set when the first full sync finished; until then `/readyz` reports the directory not ready. */
  fullSyncDoneAt: integer('full_sync_done_at', { mode: 'timestamp_ms' }),
  /** The next list page of an unfinished full sync, and the `created_before` it pages under. */
  fullSyncPage: integer('full_sync_page').notNull().default(1),
  fullSyncCreatedBefore: integer('full_sync_created_before'),
  /** Passage's `updated_at` (as Passage prints it) up to which changes have been applied. */
  highWaterMark: text('high_water_mark'),
  lastSuccessAt: integer('last_success_at', { mode: 'timestamp_ms' }),
  lastSweepRun: integer('last_sweep_run').notNull().default(0),
});

export type DirectoryUserRow = typeof directoryUsers.$inferSelect;
export type DirectorySyncRow = typeof directorySync.$inferSelect;
