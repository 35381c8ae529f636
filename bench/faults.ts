/**
 * Load and fault run (`npm run bench:faults`): the real server and the Passage emulator in this
 * process on 127.0.0.1, a bounded mixed load, and faults injected into the emulator phase by
 * phase. Checks: no 5xx other than the designed, coded 503s; no internal errors; every
 * acknowledged write is in the database afterwards. Prints a table; exits 1 when a check fails.
 *
 *   npm run bench:faults -- --duration 20 --concurrency 8 [--stale-cache]
 *
 * By default Passage data is cached for 1 s and never served stale, so each fault reaches
 * clients as coded field errors; --stale-cache serves expired entries while Passage fails, as
 * production does, and the faults mostly disappear behind the cache.
 *
 * Not part of the test suite: it measures, and it takes as long as it is told to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { startEmulator, type Emulator, type FaultRule } from '../src/identity/index.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    'stale-cache': { type: 'boolean', default: false },
  },
});
const durationS = Number(args.duration);
const concurrency = Number(args.concurrency);
if (!(durationS >= 6 && durationS <= 600) || !(concurrency >= 1 && concurrency <= 64)) {
  process.stderr.write('usage: bench:faults [--duration 6..600 seconds] [--concurrency 1..64]\n');
  process.exit(2);
}

// Whatever happens below, the run ends: a stuck request or server must not hold a CI job.
const hardStop = setTimeout(
  () => {
    process.stderr.write('bench:faults: did not finish in time; aborting\n');
    process.exit(3);
  },
  (durationS + 60) * 1000,
);
hardStop.unref();

type Phase = { name: string; fault?: FaultRule };
const USERS_GET = { method: 'GET', pathPrefix: '/users' };
const PHASES: Phase[] = [
  { name: 'baseline' },
  { name: 'passage 500', fault: { match: USERS_GET, status: 500 } },
  { name: 'passage hangs', fault: { match: USERS_GET, hang: true } },
  // Long enough not to be waited out inline (over 2 s), short enough to be over before recovery.
  { name: 'passage 429', fault: { match: USERS_GET, status: 429, headers: { 'retry-after': '3' } } },
  { name: 'jwks down', fault: { match: { pathPrefix: '/.well-known/jwks.json' }, status: 500 } },
  { name: 'recovery' },
];

// 503 is designed for these (locked database, keys unavailable); any other 5xx is a failure.
const DESIGNED_503 = new Set(['SERVICE_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);

type Stats = { requests: number; latencies: number[]; codes: Map<string, number>; statuses: Map<number, number>; unexpected5xx: number; passageCalls: number };
const newStats = (): Stats => ({ requests: 0, latencies: [], codes: new Map(), statuses: new Map(), unexpected5xx: 0, passageCalls: 0 });
const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-bench-'));
  let emulator: Emulator | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    // Calls are counted per phase; the run is bounded in time, so is the log.
    emulator = await startEmulator({ dbFile: join(dir, 'emulator.sqlite'), host: '127.0.0.1', latencyMs: 5, maxRecordedCalls: Number.POSITIVE_INFINITY });
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: join(dir, 'passgraph.sqlite'),
      PASSAGE_APP_ID: emulator.appId,
      PASSAGE_API_KEY: emulator.apiKey,
      PASSAGE_API_URL: emulator.apiUrl,
      PASSAGE_JWKS_URL: emulator.jwksUrl,
      PASSAGE_TIMEOUT_MS: '500',
      // Short enough that each phase sees the breaker open, probe and close.
      PASSAGE_BREAKER_OPEN_MS: '1000',
      // Short enough that cached Passage data goes stale inside a phase and faults reach clients.
      PASSAGE_CACHE_TTL: '1',
      PASSAGE_CACHE_MAX_STALE: args['stale-cache'] ? '300' : '0',
      JWKS_REFRESH_INTERVAL_MS: '500',
      LOG_LEVEL: 'silent',
    });
    server = await startServer(config, createLogger(config.logLevel));
    const url = `${server.url}/graphql`;

    // One user per worker, so each worker's writes are sequential and the last acknowledged
    // value is the one the database must hold.
    const users: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < concurrency; i++) {
      const user = await emulator.seedUser({ email: `bench-${i}@example.com`, status: 'active', devices: [{ friendlyName: `bench ${i}`, type: 'passkey' }] });
      users.push({ id: user.id, token: await emulator.mintToken(user.id, { ttlSeconds: 3600 }) });
    }

    const send = async (body: unknown, token?: string) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> } };
    };
    // Warm-up: first sight of each user, then a little traffic so the JIT has done its work
    // before anything is measured.
    for (const u of users) await send({ query: '{ me { id email } }' }, u.token);
    const warmUntil = performance.now() + 2000;
    await Promise.all(
      users.map(async (u) => {
        while (performance.now() < warmUntil) await send({ query: '{ me { id displayName email } }' }, u.token);
      }),
    );

    global.gc?.();
    const before = process.memoryUsage();
    const phaseMs = (durationS * 1000) / PHASES.length;
    const stats = PHASES.map(newStats);
    let phase = 0;
    const acked = new Map<string, string>();
    const uncertain = new Map<string, Set<string>>();
    let seq = 0;
    let ackedWrites = 0;
    const stopAt = performance.now() + durationS * 1000;

    const worker = async (w: number) => {
      const user = users[w]!;
      while (performance.now() < stopAt) {
        const s = stats[phase]!;
        const pick = Math.random();
        let value: string | undefined;
        let body: unknown;
        let token: string | undefined = user.token;
        if (pick < 0.5) body = { query: 'query Profile { me { id displayName email devices { id } } }' };
        else if (pick < 0.7) {
          value = `v${w}-${++seq}`;
          body = { query: 'mutation Rename($n: String) { updateMe(input: { displayName: $n }) { displayName } }', variables: { n: value } };
        } else if (pick < 0.85) {
          body = { query: 'query App { app { id name } }' };
          token = undefined;
        } else body = { query: 'query Local { me { id displayName appRole } }' };

        const started = performance.now();
        let result: Awaited<ReturnType<typeof send>> | undefined;
        try {
          result = await send(body, token);
        } catch {
          // No answer: a write may or may not have happened.
        }
        s.latencies.push(performance.now() - started);
        s.requests++;
        if (!result) {
          bump(s.codes, 'NO_RESPONSE');
          if (value) (uncertain.get(user.id) ?? uncertain.set(user.id, new Set()).get(user.id)!).add(value);
          continue;
        }
        bump(s.statuses, result.status);
        const codes = (result.body.errors ?? []).map((e) => e.extensions?.code ?? 'NONE');
        for (const code of codes) bump(s.codes, code);
        if (result.status >= 500 && !(result.status === 503 && codes.length > 0 && codes.every((c) => DESIGNED_503.has(c)))) s.unexpected5xx++;
        if (value) {
          const written = (result.body.data?.['updateMe'] as { displayName?: string } | null | undefined)?.displayName;
          if (written === value) {
            ackedWrites++;
            acked.set(user.id, value);
            uncertain.delete(user.id);
          }
        }
      }
    };

    const workers = users.map((_, w) => worker(w));
    let removeFault: (() => void) | undefined;
    for (let p = 0; p < PHASES.length; p++) {
      removeFault?.();
      removeFault = undefined;
      phase = p;
      const callsAtStart = emulator.calls.length;
      const fault = PHASES[p]!.fault;
      if (fault) removeFault = emulator.injectFault(fault);
      await new Promise((r) => setTimeout(r, phaseMs));
      stats[p]!.passageCalls = emulator.calls.length - callsAtStart;
    }
    removeFault?.();
    await Promise.all(workers);

    global.gc?.();
    const after = process.memoryUsage();

    // Lost writes: the database must hold each user's last acknowledged value (or a later
    // write whose answer never arrived).
    const sqlite = server.database.sqlite;
    let lost = 0;
    for (const [id, value] of acked) {
      const row = sqlite.prepare('select display_name from users where id = ?').get(id) as { display_name: string | null } | undefined;
      const stored = row?.display_name ?? null;
      if (stored !== value && !uncertain.get(id)?.has(stored ?? '')) lost++;
    }
    const integrity = sqlite.pragma('integrity_check', { simple: true });

    report(stats, { before, after, ackedWrites, lost, integrity: String(integrity) });
    // Why Passage calls failed, from the server's own counters.
    const { body: exposition } = await server.app.metrics.render();
    const failures = exposition.split('\n').filter((l) => l.startsWith('passgraph_passage_failures_total{'));
    process.stdout.write(
      `passage failures by family and reason:\n${failures.map((l) => `  ${l.replace('passgraph_passage_failures_total', '')}`).join('\n') || '  none'}\n`,
    );
    const total = stats.reduce((n, s) => n + s.unexpected5xx, 0);
    const internal = stats.reduce((n, s) => n + (s.codes.get('INTERNAL_SERVER_ERROR') ?? 0), 0);
    const failed: string[] = [];
    if (total > 0) failed.push(`${total} unexpected 5xx`);
    if (internal > 0) failed.push(`${internal} INTERNAL_SERVER_ERROR`);
    if (lost > 0) failed.push(`${lost} lost writes`);
    if (ackedWrites === 0) failed.push('no write was acknowledged');
    if (integrity !== 'ok') failed.push(`integrity_check: ${String(integrity)}`);
    process.stdout.write(failed.length === 0 ? '\nPASS\n' : `\nFAIL: ${failed.join(', ')}\n`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    await server?.close();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type Memory = NodeJS.MemoryUsage;

function report(stats: Stats[], summary: { before: Memory; after: Memory; ackedWrites: number; lost: number; integrity: string }): void {
  const rows = stats.map((s, i) => {
    const sorted = [...s.latencies].sort((a, b) => a - b);
    const codes =
      [...s.codes]
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${c}:${n}`)
        .join(' ') || '-';
    const statuses = [...s.statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([c, n]) => `${c}:${n}`)
      .join(' ');
    return [
      PHASES[i]!.name,
      String(s.requests),
      percentile(sorted, 50).toFixed(1),
      percentile(sorted, 99).toFixed(1),
      String(s.passageCalls),
      String(s.unexpected5xx),
      statuses,
      codes,
    ];
  });
  const all = stats.flatMap((s) => s.latencies).sort((a, b) => a - b);
  rows.push([
    'all',
    String(all.length),
    percentile(all, 50).toFixed(1),
    percentile(all, 99).toFixed(1),
    String(stats.reduce((n, s) => n + s.passageCalls, 0)),
    String(stats.reduce((n, s) => n + s.unexpected5xx, 0)),
    '',
    '',
  ]);
  const head = ['phase', 'requests', 'p50 ms', 'p99 ms', 'passage calls', 'unexpected 5xx', 'HTTP statuses', 'error codes'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n\n`);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const { before, after } = summary;
  // Server and load generator share this process, so these are upper bounds for the server.
  process.stdout.write(`RSS before ${mb(before.rss)}, after ${mb(after.rss)}; heap used before ${mb(before.heapUsed)}, after ${mb(after.heapUsed)}\n`);
  process.stdout.write(`writes: ${summary.ackedWrites} acknowledged, ${summary.lost} lost; integrity_check ${summary.integrity}\n`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:faults failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
