import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { timestamps } from './columns.js';

/**
 * Local facts about a Passage user. Identity data (email, phone, devices) stays in Passage;
 * this row holds what only passgraph knows. Created just-in-time on the first authenticated
 * request, or when an admin names an existing Passage user.
 */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    displayName: text('display_name'),
    /** Promotion by `setAppRole`; ADMIN_USER_IDS grants ADMIN on top of this. */
    appRole: text('app_role', { enum: ['USER', 'ADMIN'] })
      .notNull()
      .default('USER'),
    /**
     * Passage's status as last confirmed by our own admin mutations. Checked on every request, so
     * a deactivated user is refused at once even while their token is unexpired.
     */
    status: text('status', { enum: ['active', 'inactive', 'pending'] })
      .notNull()
      .default('active'),
    /**
     * The org the user works in (`setActiveOrg`). No foreign key: the membership services clear it
     * in the transaction that ends the membership (removal, org deletion), and reads check it anyway.
     */
    activeOrgId: text('active_org_id'),
    ...timestamps,
  },
  // Deleting an org clears it from its members' rows without reading the whole table.
  (t) => [index('users_active_org_idx').on(t.activeOrgId)],
);

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
