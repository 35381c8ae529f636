import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (the folder holding package.json), found by walking up from this module.
 * Paths to schema/, migrations/ and the console are resolved from it, so they hold both when
 * running the TypeScript sources and from a bundle in dist/.
 */
function findRoot(start: string): string {
  let dir = dirname(start);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot(fileURLToPath(import.meta.url));

export const fromRoot = (...segments: string[]): string => join(projectRoot, ...segments);
