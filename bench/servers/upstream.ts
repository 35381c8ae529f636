import { startEmulator } from '../../src/identity/index.js';
import { serveIpc } from '../lib/ipc.js';

/**
 * The Passage emulator in its own process, with a fixed latency on every management call
 * (BENCH_UPSTREAM_LATENCY_MS, default 5). The driver seeds users, mints tokens and counts the
 * calls passgraph made through IPC.
 */
const dbFile = process.env['BENCH_UPSTREAM_DB'] ?? ':memory:';
const latencyMs = Number(process.env['BENCH_UPSTREAM_LATENCY_MS'] ?? '5');
// Every call is counted between clearCalls; a bench run is bounded in time, so is the log.
const emulator = await startEmulator({ dbFile, latencyMs, tokenTtlSeconds: 24 * 3600, maxRecordedCalls: Number.POSITIVE_INFINITY });

type SeedArgs = { email: string };
type SeedManyArgs = { prefix: string; count: number };

const isJwks = (path: string) => path.endsWith('/.well-known/jwks.json');
// The user directory's sync pages through the list endpoint on its own timer: not a request's call.
const isList = (call: { method: string; path: string }) => call.method === 'GET' && call.path.endsWith('/users');

serveIpc(
  {
    url: emulator.url,
    info: { apiUrl: emulator.apiUrl, jwksUrl: emulator.jwksUrl, appId: emulator.appId, apiKey: emulator.apiKey, latencyMs },
  },
  {
    seed: async (args) => {
      const { email } = args as SeedArgs;
      const user = await emulator.seedUser({ email, status: 'active', devices: [{ friendlyName: `${email} passkey`, type: 'passkey' }] });
      return user.id;
    },
    seedMany: async (args) => {
      const { prefix, count } = args as SeedManyArgs;
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const email = `${prefix}${String(i).padStart(3, '0')}@bench.example.com`;
        ids.push((await emulator.seedUser({ email, status: 'active', devices: [{ friendlyName: 'passkey', type: 'passkey' }] })).id);
      }
      return ids;
    },
    mint: (userId) => emulator.mintToken(userId as string),
    /**
     * Since the last clearCalls: management calls a request could have caused (every call but the
     * list endpoint's), the directory sync's list calls, and JWKS fetches.
     */
    calls: () => {
      let jwks = 0;
      let sync = 0;
      for (const call of emulator.calls) {
        if (isJwks(call.path)) jwks++;
        else if (isList(call)) sync++;
      }
      return { management: emulator.calls.length - jwks - sync, sync, jwks };
    },
    clearCalls: () => {
      emulator.clearCalls();
      return true;
    },
    setLatency: (ms) => {
      emulator.setLatency(ms as number);
      return true;
    },
  },
  () => emulator.close(),
);
