import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

let builds = 0;

/** Dev mode (no Passage app) on a free port with both SQLite files in `dir`. */
export function devEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '',
    PORT: '0',
    DATABASE_URL: join(dir, 'passgraph.sqlite'),
    EMULATOR_DB: join(dir, 'emulator.sqlite'),
    LOG_LEVEL: 'info',
  };
}

/**
 * What `npm start` runs: the esbuild bundle of src/main.ts on plain node, as its own process
 * (dev mode unless the env names a Passage app). Each call bundles into its own folder under
 * dist/, so test files running in parallel never read a half-written bundle. Resolves once the
 * "passgraph ready" log line gives the GraphQL URL; `logs` holds every log line so far (and keeps growing).
 */
export function startDevProcess(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; logs: Array<{ level?: number; msg?: string }> }> {
  const outDir = join('dist', `test-${process.pid}-${builds++}`);
  const build = spawnSync(
    'node_modules/.bin/esbuild',
    [
      'src/main.ts',
      '--bundle',
      '--splitting',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      '--target=node20',
      `--outdir=${outDir}`,
      '--log-level=warning',
    ],
    { encoding: 'utf8' },
  );
  if (build.status !== 0) return Promise.reject(new Error(`build failed: ${build.stderr}`));
  const child = spawn(process.execPath, [join(outDir, 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  const logs: Array<{ level?: number; msg?: string }> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not become ready in 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; url?: string };
        logs.push(entry);
        if (entry.msg === 'passgraph ready' && entry.url) {
          clearTimeout(timer);
          resolve({ child, url: entry.url, logs });
        }
      } catch {
        // not a log line
      }
    });
  });
}

/** `npm run -s token -- <email>` against the same EMULATOR_DB. */
export function mintDevToken(env: NodeJS.ProcessEnv, email: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/identity/token-cli.ts', email], { env, encoding: 'utf8', timeout: 30_000 });
}

/** Resolves with the first JSON log line of `child` that `match` accepts; attach it before causing the line. */
export function waitForLog(child: ChildProcess, match: (entry: Record<string, unknown>) => boolean, limitMs = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      lines.close();
      reject(new Error(`no matching log line within ${limitMs} ms`));
    }, limitMs);
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (!match(entry)) return;
      clearTimeout(timer);
      lines.close();
      resolve(entry);
    });
  });
}
