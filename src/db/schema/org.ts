import { sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { timestamps } from './columns.js';

export const orgs = sqliteTable(
  'orgs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** URL-safe handle (`orgBySlug`), unique; made from the name at creation, changeable with `updateOrg`. */
    slug: text('slug').notNull(),
    metadata: text('metadata', { mode: 'json' })
      .$type<Record<string, unknown>>()
      .notNull()
      .$defaultFn(() => ({})),
    ...timestamps,
  },
  (t) => [uniqueIndex('orgs_slug_idx').on(t.slug)],
);

export type OrgRow = typeof orgs.$inferSelect;
export type NewOrgRow = typeof orgs.$inferInsert;
