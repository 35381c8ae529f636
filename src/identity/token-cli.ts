import { existsSync } from 'node:fs';
import { mintToken } from './keys.js';
import { EmulatorStore } from './store.js';

/**
 * `npm run -s token -- <email>`: prints an auth token for a user of the emulator database without
 * starting a server, signed with the persisted key so a running dev server accepts it.
 */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const email = process.argv[2];
if (!email) fail('usage: npm run -s token -- <email>');
const dbFile = process.env.EMULATOR_DB || './data/emulator.sqlite';
if (dbFile === ':memory:' || !existsSync(dbFile)) fail(`emulator database not found: ${dbFile} (start the emulator once, or set EMULATOR_DB)`);

const store = EmulatorStore.open(dbFile, { mustExist: true });
try {
  const user = store.findUserByIdentifier(email);
  if (!user) fail(`no user with email ${email} in ${dbFile}`);
  process.stdout.write(`${await mintToken(store, user.id)}\n`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  store.close();
}
