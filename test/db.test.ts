import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsApplied, migrationsFolder, runMigrations } from '../src/db/migrate.js';

describe('database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-db-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens with WAL, foreign keys, a busy timeout and FULL sync', () => {
    const database = openDatabase(join(dir, 'a.sqlite'));
    try {
      const { sqlite } = database;
      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(sqlite.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      database.close();
    }
  });

  it('applies migrations once; a second run is a no-op', () => {
    const database = openDatabase(join(dir, 'b.sqlite'));
    try {
      expect(migrationsApplied(database)).toBe(false);
      runMigrations(database);
      expect(migrationsApplied(database)).toBe(true);
      const count = () => (database.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n;
      const before = count();
      runMigrations(database);
      expect(count()).toBe(before);
      expect(database.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      database.close();
    }
  });

  it('rolls back a failed transaction completely', async () => {
    const database = openDatabase(join(dir, 'c.sqlite'));
    runMigrations(database);
    try {
      await expect(
        database.transaction((tx) => {
          tx.run(`insert into users (id, app_role, created_at, updated_at) values ('u1', 'USER', 0, 0)`);
          throw new Error('halfway');
        }),
      ).rejects.toThrow('halfway');
      expect(database.sqlite.prepare(`select count(*) as n from users`).get()).toEqual({ n: 0 });
    } finally {
      database.close();
    }
  });
});

describe('a migration that rebuilds a table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-rebuild-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The migrations folder plus one more migration that rebuilds `orgs` the way drizzle-kit writes it. */
  function folderWithRebuild(): string {
    const folder = join(dir, `migrations-${Math.random().toString(36).slice(2)}`);
    cpSync(migrationsFolder, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
      entries: Array<{ idx: number; version: string; when: number; tag: string; breakpoints: boolean }>;
    };
    const last = journal.entries.at(-1)!;
    const tag = `${String(last.idx + 1).padStart(4, '0')}_rebuild_orgs`;
    journal.entries.push({ idx: last.idx + 1, version: last.version, when: last.when + 1000, tag, breakpoints: true });
    writeFileSync(journalPath, JSON.stringify(journal));
    writeFileSync(
      join(folder, `${tag}.sql`),
      [
        'PRAGMA foreign_keys=OFF;',
        'CREATE TABLE `__new_orgs` (`id` text PRIMARY KEY NOT NULL, `name` text NOT NULL, `metadata` text NOT NULL, `created_at` integer NOT NULL, `updated_at` integer NOT NULL, `slug` text);',
        'INSERT INTO `__new_orgs`("id", "name", "metadata", "created_at", "updated_at") SELECT "id", "name", "metadata", "created_at", "updated_at" FROM `orgs`;',
        'DROP TABLE `orgs`;',
        'ALTER TABLE `__new_orgs` RENAME TO `orgs`;',
        'PRAGMA foreign_keys=ON;',
      ].join('\n--> statement-breakpoint\n'),
    );
    return folder;
  }

  function seeded(file: string) {
    const database = openDatabase(join(dir, file));
    runMigrations(database);
    database.sqlite.exec(`
      insert into users (id, app_role, created_at, updated_at) values ('u1', 'USER', 0, 0);
      insert into orgs (id, name, metadata, created_at, updated_at) values ('o1', 'Acme', '{}', 0, 0);
      insert into org_memberships (org_id, user_id, role, additional_roles, created_at, updated_at) values ('o1', 'u1', 'Owner', '[]', 0, 0);
    `);
    return database;
  }
  const memberships = (database: ReturnType<typeof openDatabase>) =>
    (database.sqlite.prepare('select count(*) as n from org_memberships').get() as { n: number }).n;

  it('keeps the memberships that cascade from the rebuilt table', () => {
    const database = seeded('keep.sqlite');
    try {
      runMigrations(database, folderWithRebuild());
      expect(memberships(database)).toBe(1);
      expect(database.sqlite.prepare('select slug from orgs').all()).toEqual([{ slug: null }]);
    } finally {
      database.close();
    }
  });

  it('would lose them with the plain migrator (why runMigrations turns foreign keys off first)', () => {
    const database = seeded('lose.sqlite');
    try {
      migrate(database.db, { migrationsFolder: folderWithRebuild() });
      expect(memberships(database)).toBe(0);
    } finally {
      database.close();
    }
  });
});

describe('the org slugs migration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-slugs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every existing org a distinct URL-safe slug', () => {
    // The migrations as they were before slugs, then the rest.
    const before = join(dir, 'before');
    cpSync(migrationsFolder, before, { recursive: true });
    const journalPath = join(before, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
    const at = journal.entries.findIndex((e) => e.tag.includes('_org_slugs'));
    expect(at).toBeGreaterThan(0);
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
    const database = openDatabase(join(dir, 'slugs.sqlite'));
    try {
      runMigrations(database, before);
      database.sqlite.exec(`
        insert into orgs (id, name, metadata, created_at, updated_at) values ('0F1E2D3C-aaaa-4bbb-8ccc-000000000001', 'Acme', '{}', 0, 0);
        insert into orgs (id, name, metadata, created_at, updated_at) values ('0f1e2d3c-aaaa-4bbb-8ccc-000000000002', 'Acme', '{}', 0, 0);
      `);
      runMigrations(database);
      const slugs = database.sqlite.prepare('select slug from orgs order by id').all() as { slug: string }[];
      expect(slugs).toEqual([{ slug: 'org-0f1e2d3c-aaaa-4bbb-8ccc-000000000001' }, { slug: 'org-0f1e2d3c-aaaa-4bbb-8ccc-000000000002' }]);
      expect(() => database.sqlite.exec(`update orgs set slug = 'same'`)).toThrow(/UNIQUE/);
    } finally {
      database.close();
    }
  });
});
