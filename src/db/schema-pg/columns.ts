import { bigint, timestamp } from 'drizzle-orm/pg-core';

/**
 * The PostgreSQL forms of the SQLite column kinds, so rows read back as the same JavaScript values:
 * SQLite's `timestamp_ms` integers are `timestamptz` (millisecond precision, Date in and out), and
 * plain millisecond numbers are `bigint` read as numbers (they outgrow a 32-bit integer).
 */
export const timestampMs = (name: string) => timestamp(name, { mode: 'date', withTimezone: true, precision: 3 });

export const epochMs = (name: string) => bigint(name, { mode: 'number' });

/** Set in application code rather than by SQL defaults, as on SQLite. */
export const timestamps = {
  createdAt: timestampMs('created_at')
    .notNull()
    .$defaultFn(() => new Date()),
  updatedAt: timestampMs('updated_at')
    .notNull()
    .$defaultFn(() => new Date())
    .$onUpdateFn(() => new Date()),
};
