import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, missingService, postgresBinDir, userExists } from './local-service.js';

export type TestPostgres = {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the cluster's maintenance database. */
  url: string;
  /** A new, empty database in the cluster and its URL (one per test keeps tests apart). */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown) and deletes its folder. */
  stop(): Promise<void>;
};

const binDir = postgresBinDir();

/** Null when PostgreSQL can be started here; otherwise the reason (throws instead under CI). */
export const postgresUnavailable: string | null = missingService('PostgreSQL', binDir !== undefined, 'apt-get install postgresql');

/**
 * PostgreSQL refuses to run as root: as root, the cluster is owned and run by Debian's `postgres`
 * user (or `nobody` when the package did not create it); otherwise by the current user.
 */
function runAs(): { user: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const user = userExists('postgres') ? 'postgres' : 'nobody';
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { user, uid, gid };
}

function run(bin: string, args: string[], as: ReturnType<typeof runAs>, cwd: string): void {
  const [cmd, argv] = as ? ['runuser', ['-u', as.user, '--', bin, ...args]] : [bin, args];
  // cwd: runuser keeps the caller's directory, which the unprivileged user may not be able to read.
  execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd, timeout: 60_000 });
}

/**
 * A throwaway cluster: initdb in a temporary folder, listening on a free loopback port only
 * (no Unix socket outside that folder), trust authentication, fsync off (the data is disposable).
 */
export async function startPostgres(): Promise<TestPostgres> {
  if (!binDir) throw new Error(postgresUnavailable ?? 'PostgreSQL is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-pg-'));
  const data = join(dir, 'data');
  const as = runAs();
  if (as) chownSync(dir, as.uid, as.gid);
  const port = await freePort();
  try {
    run(`${binDir}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions', '-N'], as, dir);
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    run(`${binDir}/pg_ctl`, ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start'], as, dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL: ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`);
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let next = 0;
  let stopped = false;
  return {
    url,
    async createDatabase() {
      const name = `t${process.pid}_${++next}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(`${binDir}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'], as, dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
