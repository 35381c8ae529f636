import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse, IncomingMessage } from 'node:http';
import type { Database } from '../db/client.js';
import { migrationsApplied } from '../db/migrate.js';
import type { Observation } from '../metrics.js';
import { HttpError, sendJson } from './respond.js';

export type HttpMetrics = {
  /** `observation` was filled in by the metrics plugin when the request got that far. */
  observeRequest(observation: Observation, status: number, seconds: number): void;
  render(): Promise<{ contentType: string; body: string }>;
};

/**
 * GET /readyz: 200 only when the database answers, migrations are applied, we are not draining,
 * and every extra check (the user directory's first full sync) passes.
 */
export function readiness(res: ServerResponse, database: Database, isShuttingDown: () => boolean, extra?: () => Record<string, boolean>): void {
  const checks = {
    database: safe(() => database.ping()),
    migrations: safe(() => migrationsApplied(database)),
    accepting: !isShuttingDown(),
    // Each extra check catches its own failures (a failing check reads false).
    ...extra?.(),
  };
  const ready = Object.values(checks).every(Boolean);
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
}

/** GET /metrics; with a token, only to `Authorization: Bearer <token>`. */
export function metricsEndpoint(metrics: HttpMetrics, token: string | undefined) {
  const expected = token !== undefined ? digest(token) : undefined;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (expected) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      // Digests make the comparison constant-time whatever the length of what was sent.
      if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
        res.setHeader('www-authenticate', 'Bearer');
        throw new HttpError(401, 'UNAUTHENTICATED', 'The metrics endpoint needs its bearer token.');
      }
    }
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
