import { describe, expect, it } from 'vitest';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as sqliteSchema from '../../src/db/schema/index.js';
import * as pgSchema from '../../src/db/schema-pg/index.js';

/**
 * The two dialects' table definitions describe one database: same tables, columns (names,
 * nullability, keys, defaults present), indexes and foreign keys. Only the SQL types differ. A
 * column added to one side only fails here before it reaches a migration.
 */
type Shape = {
  // A single-column integer key has an implicit default on SQLite (rowid) and may have none on
  // PostgreSQL: keys are compared as keys.
  columns: Record<string, { notNull: boolean; primary: boolean; hasDefault: boolean | 'key' }>;
  primaryKey: string[];
  indexes: Record<string, { unique: boolean; columns: string[] }>;
  foreignKeys: string[];
};

function shapes<T>(
  schema: Record<string, unknown>,
  isTable: (v: unknown) => v is T,
  config: (t: T) => ReturnType<typeof sqliteTableConfig> | ReturnType<typeof pgTableConfig>,
) {
  const out: Record<string, Shape> = {};
  for (const value of Object.values(schema)) {
    if (!isTable(value)) continue;
    const c = config(value);
    out[c.name] = {
      columns: Object.fromEntries(
        c.columns.map((col) => [col.name, { notNull: col.notNull, primary: col.primary, hasDefault: col.primary ? 'key' : col.hasDefault }]),
      ),
      primaryKey: c.primaryKeys.flatMap((pk) => pk.columns.map((col) => col.name)),
      indexes: Object.fromEntries(
        c.indexes.map((i) => [i.config.name, { unique: i.config.unique, columns: i.config.columns.map((col) => (col as { name: string }).name) }]),
      ),
      foreignKeys: c.foreignKeys
        .map((fk) => {
          const ref = fk.reference();
          return `${ref.columns.map((col) => col.name).join(',')}->${ref.foreignColumns.map((col) => col.name).join(',')} ${fk.onDelete ?? ''}`;
        })
        .sort(),
    };
  }
  return out;
}

describe('PostgreSQL schema', () => {
  const sqlite = shapes(sqliteSchema, (v): v is SQLiteTable => v instanceof SQLiteTable, sqliteTableConfig);
  const pg = shapes(pgSchema, (v): v is PgTable => v instanceof PgTable, pgTableConfig);

  it('has the same tables as the SQLite schema', () => {
    expect(Object.keys(sqlite).length).toBeGreaterThanOrEqual(8);
    expect(Object.keys(pg).sort()).toEqual(Object.keys(sqlite).sort());
  });

  it.each(Object.keys(sqlite))('%s has the same columns, keys, indexes and foreign keys', (table) => {
    expect(pg[table]).toEqual(sqlite[table]);
  });
});
