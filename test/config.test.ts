import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, ConfigError, loadConfig, sqliteFileFromUrl } from '../src/config.js';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment (dev mode)', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 4000,
      host: '127.0.0.1',
      databaseFile: './data/passgraph.sqlite',
      introspection: true,
      adminUserIds: [],
      passage: null,
    });
  });

  it('derives the Passage URLs from the app id', () => {
    const config = loadConfig({ PASSAGE_APP_ID: 'app123', PASSAGE_API_KEY: 'key' });
    expect(config.passage).toMatchObject({
      appId: 'app123',
      apiUrl: 'https://api.passage.id/v1',
      jwksUrl: 'https://auth.passage.id/v1/apps/app123/.well-known/jwks.json',
    });
  });

  it('treats empty strings as unset and splits ADMIN_USER_IDS', () => {
    const config = loadConfig({ PORT: '', PASSAGE_APP_ID: ' ', ADMIN_USER_IDS: 'a1, b2 ,,' });
    expect(config.port).toBe(4000);
    expect(config.passage).toBeNull();
    expect(config.adminUserIds).toEqual(['a1', 'b2']);
  });

  it('turns introspection off in production unless enabled', () => {
    const app = { PASSAGE_APP_ID: 'app123', PASSAGE_API_KEY: 'key' };
    expect(loadConfig({ NODE_ENV: 'production', ...app }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true', ...app }).introspection).toBe(true);
  });

  it('accepts production without a Passage app when IDENTITY=embedded runs the identity service', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      IDENTITY: 'embedded',
      SMTP_URL: 'smtp://mail.example.com',
      IDENTITY_RP_ID: 'example.com',
      PORT: '4000',
    });
    expect(config.identity.embedded).toBe(true);
    expect(config.identity.env).toEqual({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.com', IDENTITY_RP_ID: 'example.com' });
    expect(loadConfig({ PASSAGE_APP_ID: 'app', PASSAGE_API_KEY: 'key' }).identity.embedded).toBe(false);
  });

  it('refuses production without a Passage app (the emulator is for development)', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['PASSAGE_APP_ID']);
    }
  });

  it('reconciles intents every 15 s by default and accepts the test pause only in tests', () => {
    expect(loadConfig({}).intents).toEqual({ reconcileIntervalMs: 15_000, testPause: undefined });
    expect(loadConfig({ NODE_ENV: 'test', INTENT_TEST_PAUSE: 'after_passage' }).intents.testPause).toBe('after_passage');
    for (const env of [
      { INTENT_TEST_PAUSE: 'before_passage' },
      { NODE_ENV: 'production', PASSAGE_APP_ID: 'app', PASSAGE_API_KEY: 'k', INTENT_TEST_PAUSE: 'before_passage' },
    ]) {
      let error: unknown;
      try {
        loadConfig(env);
      } catch (err) {
        error = err;
      }
      expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['INTENT_TEST_PAUSE']);
    }
  });

  it('gives impersonation tokens 900 s by default and accepts 60 s to one day', () => {
    expect(loadConfig({}).impersonation).toEqual({ ttlSeconds: 900 });
    expect(loadConfig({ IMPERSONATION_TTL_SECONDS: '120' }).impersonation.ttlSeconds).toBe(120);
    for (const value of ['59', '86401', '1.5', 'soon']) {
      expect(() => loadConfig({ IMPERSONATION_TTL_SECONDS: value }), value).toThrow(/IMPERSONATION_TTL_SECONDS/);
    }
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', PASSAGE_APP_ID: 'app', PASSAGE_API_URL: 'ftp://x', GRAPHQL_INTROSPECTION: 'maybe' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const vars = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(vars).toEqual(expect.arrayContaining(['PORT', 'LOG_LEVEL', 'PASSAGE_API_URL', 'GRAPHQL_INTROSPECTION', 'PASSAGE_API_KEY']));
  });

  it('accepts file: URLs for DATABASE_URL', () => {
    expect(sqliteFileFromUrl('file:./data/x.sqlite')).toBe('./data/x.sqlite');
    expect(sqliteFileFromUrl('file:///tmp/a%20b.sqlite')).toBe('/tmp/a b.sqlite');
    expect(sqliteFileFromUrl('/tmp/x.sqlite')).toBe('/tmp/x.sqlite');
  });
});

describe('.env.example', () => {
  const entries = readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);

  it('lists every variable the server reads, and nothing else', () => {
    expect(entries.map(([name]) => name).sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('passes validation as it stands', () => {
    expect(() => loadConfig(Object.fromEntries(entries))).not.toThrow();
  });
});

describe('npm start with bad configuration', () => {
  it('exits non-zero naming each bad variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env['PATH'] ?? '', PORT: '-1', LOG_LEVEL: 'chatty', PASSAGE_API_KEY: 'orphan-key' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    for (const name of ['PORT', 'LOG_LEVEL', 'PASSAGE_APP_ID']) expect(result.stderr).toContain(name);
  });
});
