import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * `npm start` as its own process (dev mode unless the env names a Passage app). Resolves once
 * the "passgraph ready" log line gives the GraphQL URL.
 */
export function startDevProcess(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not become ready in 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'passgraph ready' && entry.url) {
          clearTimeout(timer);
          resolve({ child, url: entry.url });
        }
      } catch {
        // not a log line
      }
    });
  });
}

/** `npm run -s token -- <email>` against the same EMULATOR_DB. */
export function mintDevToken(env: NodeJS.ProcessEnv, email: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/emulator/token-cli.ts', email], { env, encoding: 'utf8', timeout: 30_000 });
}
