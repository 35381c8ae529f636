import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The part of `fetch` the Passage client uses. `fetch` itself satisfies it. */
export type PassageFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | undefined; signal: AbortSignal; redirect: 'error' },
) => Promise<{ ok: boolean; status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

/**
 * A keep-alive node:http transport. A cold page of org members means one Passage GET per user
 * (there is no batch endpoint), and global fetch spends several times more CPU per call than a
 * plain pooled request; this keeps many small calls cheap.
 */
export function createHttpTransport(opts: { maxSockets?: number } = {}): PassageFetch {
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 128, scheduling: 'lifo' as const };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);

  return (url, init) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const headers: Record<string, string | number> = { ...init.headers };
      if (init.body !== undefined) headers['Content-Length'] = Buffer.byteLength(init.body);
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        { method: init.method, headers, agent: secure ? https : http, signal: init.signal },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400 && init.redirect === 'error') {
            res.resume();
            reject(new TypeError(`unexpected redirect (${status})`));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            resolve({
              ok: status >= 200 && status < 300,
              status,
              headers: { get: (name) => headerValue(res.headers[name.toLowerCase()]) },
              text: async () => body,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
