/**
 * CPU profile of passgraph under one bench scenario, to see where the time of a request goes:
 *
 *   node --import tsx bench/profile.ts <scenario> [seconds]
 *
 * <scenario> is one of anon, me, me-memberships, members-warm, members-cold, users. The emulator
 * and passgraph run in their own processes as in `npm run bench`; only the measured phase is
 * profiled (after a warm-up), through the inspector inside the passgraph process. Prints the
 * heaviest functions (self and inclusive time) and self time per package or source file, and
 * writes the .cpuprofile (open it in Chrome DevTools or speedscope) to the temp directory.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleServer, Child, ROOT } from './lib/ipc.js';
import { runLoad } from './lib/load.js';
import { createOrg, passgraphEnv, PASSGRAPH_ENV, passgraphOverridesFromEnv, scenarios, seedUsers, startUpstream } from './lib/fixture.js';
import { summariseProfile, type CpuProfile, type Frame } from './lib/cpuprofile.js';

const [scenarioId = '', secondsArg = '8'] = process.argv.slice(2);
const ids = ['anon', 'me', 'me-memberships', 'members-warm', 'members-cold', 'users'];
if (!ids.includes(scenarioId)) {
  process.stderr.write(`usage: node --import tsx bench/profile.ts <${ids.join('|')}> [seconds]\n`);
  process.exit(2);
}
const seconds = Number(secondsArg);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? '10');
const latencyMs = Number(process.env['BENCH_UPSTREAM_LATENCY_MS'] ?? '5');
const overrides = passgraphOverridesFromEnv(process.env);
for (const key of Object.keys(process.env)) if (PASSGRAPH_ENV.test(key)) delete process.env[key];

const work = mkdtempSync(join(tmpdir(), 'passgraph-profile-'));
const out = join(tmpdir(), `passgraph-${scenarioId}-${Date.now()}.cpuprofile`);
const started: Child[] = [];
const start = async (name: string, file: string, env: Record<string, string>) => {
  const s = await Child.start(name, file, env, { timeoutMs: 60_000 });
  started.push(s.child);
  return s;
};

try {
  const upstream = await startUpstream(start, join(work, 'emulator.sqlite'), latencyMs);
  const users = await seedUsers(upstream, 100);
  const cold: Record<string, string> = scenarioId === 'members-cold' ? { PASSAGE_CACHE_TTL: '0', PASSAGE_CACHE_MAX_STALE: '0' } : {};
  const pg = await start(
    'passgraph',
    await bundleServer('servers/passgraph.ts'),
    passgraphEnv(upstream, join(work, 'passgraph.sqlite'), [users.adminId], { ...cold, ...overrides }),
  );
  const orgId = await createOrg(pg.ready.url, users);
  const scenario = scenarios(users, orgId).find((s) => s.id === scenarioId.replace('-cold', '-warm'))!;
  const load = { baseUrl: pg.ready.url, requests: [scenario.request], connections, expect: scenario.expect };

  await runLoad({ ...load, durationS: 2 });
  await upstream.child.call('clearCalls');
  const before = await pg.child.stats();
  await pg.child.call('profileStart', 100);
  const result = await runLoad({ ...load, durationS: seconds });
  await pg.child.call('profileStop', out);
  const after = await pg.child.stats();
  const calls = await upstream.child.call<{ management: number }>('calls');

  const cpuUs = after.cpuUser + after.cpuSystem - (before.cpuUser + before.cpuSystem);
  console.log(
    `${scenarioId}: ${result.requests} requests in ${result.durationS} s = ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
  );
  console.log(
    `server CPU ${(cpuUs / result.requests).toFixed(0)} us/request (profiler on), upstream calls ${(calls.management / result.requests).toFixed(2)}/request, errors ${result.non2xx} non-2xx / ${result.graphqlErrors} GraphQL`,
  );

  const summary = summariseProfile(JSON.parse(readFileSync(out, 'utf8')) as CpuProfile, ROOT);
  const perRequest = (msTotal: number) => ((msTotal * 1000) / result.requests).toFixed(1);
  console.log(`\nprofile: ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms sampled; ${out}`);

  console.log('\nself time by package / source file');
  for (const g of summary.groups.slice(0, 20)) console.log(`  ${g.selfPct.toFixed(1).padStart(5)}%  ${perRequest(g.selfMs).padStart(7)} us/req  ${g.group}`);

  const show = (title: string, frames: Frame[], pick: (f: Frame) => number) => {
    console.log(`\n${title}`);
    for (const f of frames)
      console.log(`  ${pick(f).toFixed(1).padStart(5)}%  ${perRequest((pick(f) / 100) * summary.busyMs).padStart(7)} us/req  ${f.name}  ${f.where}`);
  };
  show('top functions by self time', [...summary.frames].sort((a, b) => b.selfMs - a.selfMs).slice(0, 25), (f) => f.selfPct);
  // Inclusive time of our own code and the libraries' entry points shows which step costs what.
  const interesting = summary.frames.filter(
    (f) =>
      f.where.startsWith('src/') ||
      /^(@apollo|graphql|@escape|@graphql-tools|jose|drizzle-orm|better-sqlite3|dataloader|lru-cache|pino|prom-client|zod|undici)/.test(f.where),
  );
  show('top functions by inclusive time (src/ and libraries)', interesting.sort((a, b) => b.totalMs - a.totalMs).slice(0, 40), (f) => f.totalPct);
} finally {
  for (const child of started.reverse()) await child.close();
  rmSync(work, { recursive: true, force: true });
}
