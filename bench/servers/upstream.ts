import { startEmulator } from '../../src/emulator/index.js';
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
    /** Management calls (and JWKS fetches) received since the last clearCalls. */
    calls: () => {
      let jwks = 0;
      for (const call of emulator.calls) if (isJwks(call.path)) jwks++;
      return { management: emulator.calls.length - jwks, jwks };
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
