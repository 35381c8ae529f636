import { IdentityConfigError, loadIdentitySettings } from './config.js';
import { startEmulator } from './index.js';
import { ensureSigningKey, rotateSigningKey } from './keys.js';
import { EmulatorStore } from './store.js';

/**
 * The identity service alone: `npm run identity` (its own port and database), or
 * `npm run -s identity -- rotate-keys [--grace-seconds N]` to add a signing key and retire the old
 * one once tokens it signed have expired.
 */

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function log(level: string, msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`);
}

let settings;
try {
  settings = loadIdentitySettings(process.env);
} catch (error) {
  fail(error instanceof IdentityConfigError ? error.message : String(error));
}
const { dbFile } = settings.options;

const [command, ...args] = process.argv.slice(2);
if (command === 'rotate-keys') {
  const graceIndex = args.indexOf('--grace-seconds');
  // Default: a day, comfortably longer than any session length the service allows for tokens.
  const grace = graceIndex >= 0 ? Number(args[graceIndex + 1]) : 86_400;
  if (!Number.isInteger(grace) || grace < 0) fail('--grace-seconds must be a whole number of seconds');
  const store = EmulatorStore.open(dbFile);
  try {
    await ensureSigningKey(store);
    const kid = await rotateSigningKey(store, false, grace);
    process.stdout.write(`${JSON.stringify({ kid, retireOldAfterSeconds: grace })}\n`);
  } finally {
    store.close();
  }
  process.exit(0);
} else if (command !== undefined) {
  fail(`unknown command ${command}; usage: npm run identity [-- rotate-keys [--grace-seconds N]]`);
}

const identity = await startEmulator({
  ...settings.options,
  host: settings.host,
  port: settings.port,
  log: (level, msg, fields) => log(level, msg, fields),
}).catch((error: unknown) => fail(`identity service failed to start: ${error instanceof Error ? error.message : String(error)}`));

const { url, apiUrl, jwksUrl, appId } = identity;
// The API key is printed only in development, where it is a generated throwaway credential.
log('info', 'identity service ready', { url, apiUrl, jwksUrl, appId, dbFile, ...(settings.production ? {} : { apiKey: identity.apiKey }) });

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  identity.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
