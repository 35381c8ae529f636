import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { ensureParentDir } from '../../src/files.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server.js';
import { serveIpc } from '../lib/ipc.js';

/**
 * passgraph itself, started the way `npm start` does (config from the environment the driver
 * passes), pointed at the emulator process. Reports how long startServer took in-process
 * (migrations and the JWKS warm-up included). `profileStart` / `profileStop` take a CPU profile
 * of just the phase in between (bench/profile.ts).
 */
const config = loadConfig(process.env);
const log = createLogger(config.logLevel);
const started = performance.now();
const server = await startServer(config, log);
const startServerMs = performance.now() - started;

let session: Session | undefined;

// performance.now() counts from process start: module loading (tsx included) plus startServer.
serveIpc(
  { url: server.url, info: { startServerMs, uptimeMs: performance.now() } },
  {
    profileStart: async (intervalUs) => {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: Number(intervalUs ?? 100) });
      await session.post('Profiler.start');
      return true;
    },
    profileStop: async (file) => {
      if (!session) throw new Error('no profile running');
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      ensureParentDir(file as string);
      writeFileSync(file as string, JSON.stringify(profile));
      return file;
    },
  },
  () => server.close(),
);
