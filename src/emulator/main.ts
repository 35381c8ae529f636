import { startEmulator } from './index.js';

/** Standalone emulator for local development: `npm run emulator`. */
const env = (name: string) => (process.env[name] === '' ? undefined : process.env[name]);

const dbFile = env('EMULATOR_DB') ?? './data/emulator.sqlite';
const port = Number(env('EMULATOR_PORT') ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`EMULATOR_PORT must be a port number, got ${JSON.stringify(env('EMULATOR_PORT'))}\n`);
  process.exit(1);
}

const emulator = await startEmulator({
  dbFile,
  host: env('EMULATOR_HOST') ?? '127.0.0.1',
  port,
  appId: env('PASSAGE_APP_ID'),
  apiKey: env('PASSAGE_API_KEY'),
  authOrigin: env('EMULATOR_AUTH_ORIGIN'),
  // The call log is only readable in-process (by tests); this long-running process keeps none.
  maxRecordedCalls: 0,
}).catch((error: unknown) => {
  process.stderr.write(`emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

// The API key is printed on purpose: this is a local, throwaway credential for the developer.
const { url, apiUrl, jwksUrl, appId, apiKey } = emulator;
process.stdout.write(`${JSON.stringify({ url, apiUrl, jwksUrl, appId, apiKey, dbFile })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
