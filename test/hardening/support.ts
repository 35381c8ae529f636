import type { Harness } from '../helpers/harness.js';

export { raw, type RawResponse } from '../helpers/raw.js';

/**
 * Every row of every table but the audit log, so a test can say "nothing changed" without
 * knowing the schema. Refusals are audited on purpose; tests check those rows explicitly.
 */
export function snapshot(h: Harness): string {
  const sqlite = h.server.database.sqlite;
  const tables = sqlite
    .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> 'audit_log' order by name`)
    .all() as { name: string }[];
  const dump: Record<string, unknown[]> = {};
  for (const { name } of tables) dump[name] = sqlite.prepare(`select * from "${name}" order by rowid`).all();
  return JSON.stringify(dump);
}

/** Calls `probe` until it returns true; fails after `limitMs`. For state that changes in the background. */
export async function eventually(probe: () => Promise<boolean> | boolean, limitMs = 10_000, everyMs = 50): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > until) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Passage calls the emulator received for a path under the app, optionally by method. */
export function callsTo(h: Harness, pathPart: string, method?: string): number {
  return h.emulator.calls.filter((c) => c.path.includes(pathPart) && (!method || c.method === method)).length;
}
