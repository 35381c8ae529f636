import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * What the PostgreSQL and Redis helpers share: finding a Debian-installed binary, a free loopback
 * port, and the rule for a missing binary (a clear skip on a developer's machine, a failure in CI,
 * where `.ci/run` installs the packages).
 */

/** A port nothing listens on now (the kernel's pick, released at once for the service to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The first of `candidates` that exists, or undefined. */
export function findBinary(candidates: string[]): string | undefined {
  return candidates.find((path) => existsSync(path));
}

/** Debian installs PostgreSQL under /usr/lib/postgresql/<major>/bin; the newest major wins. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return majors.map((v) => `${root}/${v}/bin`).find((dir) => existsSync(`${dir}/initdb`) && existsSync(`${dir}/pg_ctl`));
}

/**
 * Why a service test cannot run here, or null when it can. Under CI a missing binary is an error:
 * the suite must not pass by skipping what it was asked to prove.
 */
export function missingService(name: string, found: boolean, install: string): string | null {
  if (found) return null;
  const message = `${name} is not installed (${install}); its tests are skipped`;
  const ci = process.env['CI'];
  if (ci && ci !== 'false' && ci !== '0') throw new Error(`${name} is required in CI but is not installed (${install})`);
  return message;
}

/** Whether a user exists in the passwd database. */
export function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
