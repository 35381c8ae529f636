import { jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';

/** PostgreSQL twin of `schema/org.ts`. */
export const orgs = pgTable(
  'orgs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    metadata: jsonb('metadata')
      .$type<Record<string, unknown>>()
      .notNull()
      .$defaultFn(() => ({})),
    ...timestamps,
  },
  (t) => [uniqueIndex('orgs_slug_idx').on(t.slug)],
);
