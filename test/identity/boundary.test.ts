import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The identity service is its own module: it imports nothing from passgraph (the rest of `src/`),
 * only its own files, Node built-ins and npm packages. passgraph reaches it over HTTP, or loads it
 * with a dynamic import when it is embedded.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const IDENTITY = join(ROOT, 'src/identity');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier: static imports, re-exports, dynamic imports and require(). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

describe('identity service boundary', () => {
  it('finds imports in every form (guards the checker itself)', () => {
    expect(specifiers(`import a from '../x.js';\nexport { b } from "./y.js";\nimport './z.js';\nconst c = await import('../../w.js');`)).toEqual(
      expect.arrayContaining(['../x.js', './y.js', './z.js', '../../w.js']),
    );
  });

  it('no file under src/identity imports from outside it', () => {
    const files = sources(IDENTITY);
    expect(files.length).toBeGreaterThan(10);
    const escapes: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(`${IDENTITY}/`)) escapes.push(`${relative(ROOT, file)} -> ${spec}`);
        } else if (spec.startsWith('/') || spec.startsWith('src/') || spec.startsWith('#')) {
          escapes.push(`${relative(ROOT, file)} -> ${spec}`);
        }
      }
    }
    expect(escapes).toEqual([]);
  });
});
