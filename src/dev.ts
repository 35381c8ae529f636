import type { Config } from './config.js';
import { startEmulator, type Emulator } from './emulator/index.js';
import type { Logger } from './logger.js';

export const DEMO_USERS = [
  { email: 'admin@example.com', admin: true, device: 'Demo passkey (admin)' },
  { email: 'member@example.com', admin: false, device: 'Demo passkey (member)' },
] as const;

/**
 * Dev mode: with no Passage app configured, run the emulator in-process on loopback, seed the
 * demo users, and point the configuration at it. The emulator keeps its own SQLite file, so
 * users, keys and tokens survive restarts.
 */
export async function startDevPassage(config: Config, log: Logger): Promise<{ config: Config; emulator: Emulator }> {
  const emulator = await startEmulator({
    dbFile: config.emulator.dbFile,
    host: '127.0.0.1',
    port: 0,
    authOrigin: `http://localhost:${config.port}`,
    appName: 'passgraph dev',
  });
  const adminIds = [...config.adminUserIds];
  for (const demo of DEMO_USERS) {
    const user = await emulator.seedUser({ email: demo.email, status: 'active', devices: [{ friendlyName: demo.device, type: 'passkey' }] });
    if (demo.admin) adminIds.push(user.id);
  }
  log.info(
    { emulator: emulator.url, appId: emulator.appId, demoUsers: DEMO_USERS.map((u) => u.email) },
    'dev mode: Passage emulator started; get a token with `npm run -s token -- member@example.com`',
  );
  return {
    emulator,
    config: Object.freeze({
      ...config,
      adminUserIds: Object.freeze([...new Set(adminIds)]),
      passage: Object.freeze({
        appId: emulator.appId,
        apiKey: emulator.apiKey,
        apiUrl: emulator.apiUrl,
        jwksUrl: emulator.jwksUrl,
        timeoutMs: 5000,
      }),
    }),
  };
}
