import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates the folder a file will be written in, parents included, before anything opens it.
 * Every opener that may create a file (the SQLite databases, the emulator's store) calls this,
 * so a fresh clone with no `data/` starts. In-memory SQLite names no folder.
 */
export function ensureParentDir(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file::memory:')) return;
  mkdirSync(dirname(file), { recursive: true });
}
