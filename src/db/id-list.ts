import { inArray, sql, type Column, type SQL } from 'drizzle-orm';

/**
 * `column IN (the JSON array bound to placeholder `name`)`: one statement for any number of keys,
 * so a batch read is prepared once instead of built by drizzle per call (building a 100-key
 * `IN (?, ?, ...)` cost more than running it). Bind the keys with `idList(keys)`.
 */
export function inIdList(column: Column, name = 'ids'): SQL {
  return inArray(column, sql`(select value from json_each(${sql.placeholder(name)}))`);
}

/** The value for an `inIdList` placeholder. */
export function idList(ids: readonly string[]): string {
  return JSON.stringify(ids);
}
