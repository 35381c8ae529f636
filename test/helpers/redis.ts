import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { findBinary, freePort, missingService } from './local-service.js';

export type TestRedis = {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Stops the server; `start()` brings it back on the same port (an outage, then recovery). */
  pause(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its folder. */
  stop(): Promise<void>;
};

const redisServer = findBinary(['/usr/bin/redis-server', '/usr/local/bin/redis-server']);

/** Null when Redis can be started here; otherwise the reason (throws instead under CI). */
export const redisUnavailable: string | null = missingService('Redis', redisServer !== undefined, 'apt-get install redis-server');

/** Resolves once something accepts connections on the port, or rejects after `timeoutMs`. */
async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A throwaway redis-server on a free loopback port: no persistence, its files in a temporary folder. */
export async function startRedis(): Promise<TestRedis> {
  if (!redisServer) throw new Error(redisUnavailable ?? 'Redis is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'], {
      stdio: 'ignore',
    });
    await waitForPort(port, 10_000, child);
  };
  const halt = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  try {
    await launch();
  } catch (err) {
    await halt();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: halt,
    start: launch,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
