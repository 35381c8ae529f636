import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestamps } from './columns.js';

/**
 * Local facts about a Passage user. Identity data (email, phone, devices) stays in Passage;
 * this row holds what only passgraph knows. Created just-in-time on the first authenticated
 * request, or when an admin names an existing Passage user.
 */
export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  displayName: text('display_name'),
  /** Promotion by `setAppRole`; ADMIN_USER_IDS grants ADMIN on top of this. */
  appRole: text('app_role', { enum: ['USER', 'ADMIN'] }).notNull().default('USER'),
  ...timestamps,
});

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
