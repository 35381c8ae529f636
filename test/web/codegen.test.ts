import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, skipUnlessReady, startDevServer, WEB_DIR, type DevServer } from './support.js';

const SNAPSHOT = readFileSync(join(ROOT, 'schema.graphql'), 'utf8');

/**
 * A copy of the example's sources with its node_modules linked in, so codegen and the type check
 * run exactly as in examples/web but against a schema of the test's choosing.
 */
function workspace(parent: string, name: string): string {
  const dir = join(parent, name);
  const generated = join(WEB_DIR, 'src', 'gql');
  cpSync(join(WEB_DIR, 'src'), join(dir, 'src'), { recursive: true, filter: (src) => src !== generated });
  for (const file of ['codegen.ts', 'tsconfig.json', 'package.json']) cpSync(join(WEB_DIR, file), join(dir, file));
  symlinkSync(join(WEB_DIR, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

type Run = { status: number | null; output: string };

/** Asynchronous on purpose: the dev server answering introspection runs in this process. */
function run(dir: string, bin: string, args: string[], schema: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(dir, 'node_modules/.bin', bin), args, {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PASSGRAPH_SCHEMA: schema },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** `npm run codegen` then `npm run typecheck` of the example, against `schema` (a file or a URL). */
async function codegenAndTypecheck(dir: string, schema: string): Promise<{ codegen: Run; typecheck: Run | null }> {
  const codegen = await run(dir, 'graphql-codegen', ['--config', 'codegen.ts'], schema);
  const typecheck = codegen.status === 0 ? await run(dir, 'tsc', ['--noEmit', '-p', 'tsconfig.json'], schema) : null;
  return { codegen, typecheck };
}

function writeSchema(dir: string, sdl: string): string {
  const file = join(dir, 'schema.graphql');
  writeFileSync(file, sdl);
  return file;
}

/** Replaces the first `from` inside `type <name> { ... }` (other types may have a field of that name). */
function replaceInType(sdl: string, name: string, from: string, to: string): string {
  const start = sdl.indexOf(`\ntype ${name} `);
  const end = sdl.indexOf('\n}\n', start);
  const at = start < 0 ? -1 : sdl.indexOf(from, start);
  if (at < 0 || at > end) throw new Error(`expected "${from}" in type ${name} of the snapshot`);
  return sdl.slice(0, at) + to + sdl.slice(at + from.length);
}

function replaceOnce(sdl: string, from: string, to: string): string {
  const at = sdl.indexOf(from);
  if (at < 0 || sdl.indexOf(from, at + 1) >= 0) throw new Error(`expected exactly one "${from}" in the snapshot`);
  return sdl.replace(from, to);
}

describe.skipIf(skipUnlessReady('web console codegen tests', { browser: false }))(
  'client codegen of examples/web',
  () => {
    let parent: string;
    let fromSnapshot: string;

    beforeAll(() => {
      parent = mkdtempSync(join(tmpdir(), 'passgraph-codegen-'));
    });
    afterAll(() => rmSync(parent, { recursive: true, force: true }));

    it('generates types from the committed snapshot that the console type-checks against', async () => {
      const dir = workspace(parent, 'snapshot');
      const { codegen, typecheck } = await codegenAndTypecheck(dir, join(ROOT, 'schema.graphql'));
      expect(codegen.status, codegen.output).toBe(0);
      expect(typecheck?.status, typecheck?.output).toBe(0);
      fromSnapshot = readFileSync(join(dir, 'src/gql/graphql.ts'), 'utf8');
      expect(fromSnapshot).toContain('export type ViewerQuery =');
    });

    it('fails the type check when the schema changes the type of a field the console uses', async () => {
      const dir = workspace(parent, 'retyped');
      // `permissions` becomes a single string: every query still validates, but the console maps over it.
      const schema = writeSchema(dir, replaceInType(SNAPSHOT, 'OrgMembership', '  permissions: [String!]!\n', '  permissions: String!\n'));
      const { codegen, typecheck } = await codegenAndTypecheck(dir, schema);
      expect(codegen.status, codegen.output).toBe(0);
      expect(typecheck?.status).not.toBe(0);
      expect(typecheck?.output).toContain('src/orgs.ts');
    });

    it('fails codegen when the schema renames a field a query selects', async () => {
      const dir = workspace(parent, 'renamed');
      const schema = writeSchema(dir, replaceOnce(SNAPSHOT, '  friendlyName: String!\n', '  label: String!\n'));
      const { codegen, typecheck } = await codegenAndTypecheck(dir, schema);
      expect(codegen.status).not.toBe(0);
      expect(codegen.output).toContain('friendlyName');
      expect(typecheck).toBeNull();
    });

    describe('against a running dev server (introspection)', () => {
      let dev: DevServer;
      beforeAll(async () => {
        dev = await startDevServer();
      });
      afterAll(() => dev?.close());

      it('generates the same types as from the snapshot', async () => {
        const dir = workspace(parent, 'introspection');
        const { codegen, typecheck } = await codegenAndTypecheck(dir, `${dev.url}/graphql`);
        expect(codegen.status, codegen.output).toBe(0);
        expect(typecheck?.status, typecheck?.output).toBe(0);
        expect(readFileSync(join(dir, 'src/gql/graphql.ts'), 'utf8')).toBe(fromSnapshot);
      });
    });
  },
  120_000,
);
