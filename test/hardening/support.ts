import { request } from 'node:http';
import type { Harness } from '../helpers/harness.js';

export type RawResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** Raw HTTP on loopback, for requests fetch() would refuse to send or would rewrite. */
export function raw(
  url: string,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { host: u.hostname, port: u.port, method: opts.method ?? 'POST', path: opts.path ?? '/graphql', headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Every row of every table, so a test can say "nothing changed" without knowing the schema. */
export function snapshot(h: Harness): string {
  const sqlite = h.server.database.sqlite;
  const tables = sqlite
    .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`)
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
