import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openDatabase, type Database } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { orgMemberships, orgs, users } from '../src/db/schema/index.js';
import { createLogger } from '../src/logger.js';
import { PassageClient } from '../src/passage/client.js';
import { DEFAULT_ROLES, Roles } from '../src/auth/roles.js';
import { DirectoryService } from '../src/services/directory.js';
import { DirectorySync } from '../src/services/directory-sync.js';
import { MembershipService } from '../src/services/membership.js';
import { summariseProfile, type CpuProfile } from './lib/cpuprofile.js';
import { Child, ROOT } from './lib/ipc.js';

/**
 * The user directory at scale (issue 11 item 6), against the emulator in its own process:
 *   1. the first full sync of --users users (time, and this process's peak RSS while it runs);
 *   2. an incremental sync after --changed users were changed in Passage;
 *   3. the storage work of a page of 100 org members (membership page + directory batch read, what
 *      `org.members(first: 100) { user { email } }` runs) with --users users in the directory and with 100.
 * Usage: npm run bench:directory -- --users 100000 --changed 1000 [--profile]
 */
const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    changed: { type: 'string', default: '1000' },
    latency: { type: 'string', default: '0' },
    // CPU-profiles this process during the full sync (through the inspector) and prints where the time went.
    profile: { type: 'boolean', default: false },
  },
});
const userCount = Number(values.users);
const changedCount = Number(values.changed);

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const dir = mkdtempSync(join(tmpdir(), 'passgraph-bench-directory-'));
const { child: upstream, ready } = await Child.start('upstream', 'servers/upstream.ts', { BENCH_UPSTREAM_LATENCY_MS: values.latency! }, { timeoutMs: 60_000 });
const info = ready.info as { apiUrl: string; appId: string; apiKey: string };
const log = createLogger('silent');

try {
  const seededAt = performance.now();
  const ids: string[] = [];
  for (let done = 0; done < userCount; done += 10_000) {
    ids.push(...(await upstream.call<string[]>('seedMany', { prefix: `d${done / 10_000}-`, count: Math.min(10_000, userCount - done) })));
  }
  console.log(`seeded ${ids.length} users in the emulator in ${Math.round(performance.now() - seededAt)} ms`);

  const passage = new PassageClient({ appId: info.appId, apiKey: info.apiKey, apiUrl: info.apiUrl, timeoutMs: 30_000 });
  const big = open('big.sqlite');
  const directory = new DirectoryService({ database: big });
  const sync = new DirectorySync({ directory, database: big, passage, log, syncIntervalMs: 15_000, sweepIntervalMs: 600_000 });

  // 1. Full sync.
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const fullStarted = performance.now();
  const [upBefore, ownBefore] = [await upstream.stats(), process.cpuUsage()];
  // How long the sync holds the event loop at once: what a request arriving meanwhile waits at most.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const profiler = values.profile ? await startProfiler() : null;
  const full = await sync.syncNow();
  const profile = await profiler?.stop();
  loopDelay.disable();
  const fullMs = performance.now() - fullStarted;
  const [upAfter, ownAfter] = [await upstream.stats(), process.cpuUsage(ownBefore)];
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    `full sync: ${full.applied} users, ${full.pages} pages in ${Math.round(fullMs)} ms; RSS ${mb(rssBefore)} MB before, peak ${mb(peak)} MB (target: < 60 s, < 300 MB)`,
  );
  console.log(
    `  CPU during the full sync: passgraph side ${Math.round((ownAfter.user + ownAfter.system) / 1000)} ms, emulator ${Math.round((upAfter.cpuUser + upAfter.cpuSystem - upBefore.cpuUser - upBefore.cpuSystem) / 1000)} ms; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
  );
  console.log(
    `  event loop held at most ${(loopDelay.max / 1e6).toFixed(0)} ms at once (p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms) during the full sync`,
  );
  if (profile) printProfile(profile);
  // The run after the full sync re-reads the overlap before the mark once (users seeded in the
  // last second before the sync began); the measured run below then reads only the changes.
  const settle = await sync.syncNow();
  console.log(`  settling run after the full sync: ${settle.applied} users re-read, ${settle.pages} pages in ${settle.durationMs} ms`);

  // 2. Incremental sync of changed users.
  const changed = ids.slice(0, changedCount);
  await changeUsers(info, changed);
  const [upIncBefore, ownIncBefore] = [await upstream.stats(), process.cpuUsage()];
  const incStarted = performance.now();
  const inc = await sync.syncNow();
  const incMs = performance.now() - incStarted;
  const [upIncAfter, ownInc] = [await upstream.stats(), process.cpuUsage(ownIncBefore)];
  console.log(`incremental sync: ${inc.applied} users (${changed.length} changed), ${inc.pages} pages in ${Math.round(incMs)} ms (target: < 2 s)`);
  console.log(
    `  CPU during the incremental sync: passgraph side ${Math.round((ownInc.user + ownInc.system) / 1000)} ms, emulator ${Math.round((upIncAfter.cpuUser + upIncAfter.cpuSystem - upIncBefore.cpuUser - upIncBefore.cpuSystem) / 1000)} ms; load average ${os.loadavg()[0]!.toFixed(1)}`,
  );

  // 3. A page of 100 members with the big directory and with a small one.
  const bigPage = memberPageMicros(big, directory, ids.slice(0, 100));
  const small = open('small.sqlite');
  const smallDirectory = new DirectoryService({ database: small });
  for (const id of ids.slice(0, 100)) await smallDirectory.apply(await passage.getUser(id), 'get');
  const smallPage = memberPageMicros(small, smallDirectory, ids.slice(0, 100));
  console.log(
    `members page (100): ${(await bigPage).toFixed(0)} µs with ${directory.count()} users, ${(await smallPage).toFixed(0)} µs with ${smallDirectory.count()} (target: as fast)`,
  );
  big.close();
  small.close();
} finally {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
}

async function startProfiler(): Promise<{ stop(): Promise<CpuProfile> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      return profile as unknown as CpuProfile;
    },
  };
}

/** Where the full sync's CPU went on the passgraph side: by package or file, then the hottest functions. */
function printProfile(profile: CpuProfile): void {
  const summary = summariseProfile(profile, ROOT);
  console.log(`  profile of the full sync: ${Math.round(summary.busyMs)} ms busy of ${Math.round(summary.totalMs)} ms`);
  for (const g of summary.groups.slice(0, 8))
    console.log(`    ${g.selfPct.toFixed(1).padStart(5)}%  ${Math.round(g.selfMs).toString().padStart(6)} ms  ${g.group}`);
  const hottest = [...summary.frames].sort((a, b) => b.selfMs - a.selfMs).slice(0, 8);
  for (const f of hottest) console.log(`    self ${f.selfPct.toFixed(1).padStart(5)}%  ${f.name} (${f.where})`);
}

function open(name: string): Database {
  const database = openDatabase(join(dir, name));
  runMigrations(database);
  return database;
}

/** Changes users through the management API, as another Passage client would, 16 at a time. */
async function changeUsers(target: { apiUrl: string; appId: string; apiKey: string }, userIds: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < userIds.length) {
      const id = userIds[next++]!;
      const res = await fetch(`${target.apiUrl}/apps/${target.appId}/users/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user_metadata: { changed: true } }),
      });
      if (!res.ok) throw new Error(`PATCH ${id}: ${res.status}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** Median time of the storage reads behind one members page, over 300 runs after 50 warm-ups. */
async function memberPageMicros(database: Database, directory: DirectoryService, memberIds: string[]): Promise<number> {
  const orgId = randomUUID();
  await database.transaction((tx) => {
    tx.insert(orgs).values({ id: orgId, name: 'Bench', slug: 'bench' }).run();
    for (const id of memberIds) {
      tx.insert(users).values({ id }).onConflictDoNothing().run();
      tx.insert(orgMemberships).values({ orgId, userId: id, role: 'Member' }).run();
    }
  });
  const memberships = new MembershipService({ database, roles: new Roles(DEFAULT_ROLES) });
  const times: number[] = [];
  for (let i = 0; i < 350; i++) {
    const started = performance.now();
    const page = await memberships.listMembers(orgId, { first: 100 });
    const entries = directory.getMany(page.rows.map((r) => r.userId));
    if (entries.length !== 100) throw new Error(`expected 100 entries, got ${entries.length}`);
    if (i >= 50) times.push((performance.now() - started) * 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
