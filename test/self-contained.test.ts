import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name) && !join(e.parentPath, e.name).includes(`${sep}node_modules${sep}`))
    .map((e) => join(e.parentPath, e.name));
}

/** Relative paths written in a file ('../x', "../../y"), whatever reads them: imports, URLs, fs calls. */
function relativePaths(text: string): string[] {
  return [...text.matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*)['"`]/g)].map((m) => m[1]!);
}

// A clone must build, run and test on its own: nothing may reach beside the repository
// (the conformance test once read the OpenAPI spec from a folder beside the clone).
describe('the repository is self-contained', () => {
  it('no source, test or bench file names a path outside the repository', () => {
    const outside: string[] = [];
    // This file is skipped: its own examples name such paths on purpose.
    const files = ['src', 'test', 'bench'].flatMap(sourceFiles).filter((f) => f !== fileURLToPath(import.meta.url));
    for (const file of files) {
      for (const path of relativePaths(readFileSync(file, 'utf8'))) {
        const target = resolve(dirname(file), path);
        if (relative(ROOT, target).startsWith('..')) outside.push(`${relative(ROOT, file)}: ${path}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('finds such a path when one is there (the check can fail)', () => {
    const file = join(ROOT, 'test', 'emulator', 'support.ts');
    // Built from parts so no file of the repository names a folder beside it literally.
    const beside = ['..', '..', '..', 'elsewhere', 'passage-openapi.json'].join('/');
    const paths = relativePaths(`readFileSync(new URL('${beside}', import.meta.url))`);
    expect(paths.map((p) => relative(ROOT, resolve(dirname(file), p)).startsWith('..'))).toEqual([true]);
  });
});
