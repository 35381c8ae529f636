import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDENTITY_VARIABLES, type IdentityConfigError, loadIdentitySettings } from '../../src/identity/config.js';

describe('identity service settings', () => {
  it('.env.identity.example lists exactly what the identity service reads', () => {
    const listed = readFileSync(new URL('../../.env.identity.example', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0]);
    expect([...listed].sort()).toEqual([...IDENTITY_VARIABLES].sort());
  });

  it('development defaults: generated app, refresh on, mailbox, origin from the host', () => {
    const s = loadIdentitySettings({}, { authOrigin: 'http://localhost:4000' });
    expect(s.production).toBe(false);
    expect(s.options).toMatchObject({
      authOrigin: 'http://localhost:4000',
      origins: ['http://localhost:4000'],
      refreshEnabled: true,
      testDouble: false,
      devRoutes: true,
    });
    expect(s.options.appId).toBeUndefined();
  });

  it('production: names every missing setting, and never the dev mailbox or test doubles', () => {
    try {
      loadIdentitySettings({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.com', IDENTITY_ORIGINS: 'not an origin' });
      expect.unreachable();
    } catch (error) {
      const names = (error as IdentityConfigError).problems.map((p) => p.split(':')[0]);
      expect(names).toEqual(expect.arrayContaining(['IDENTITY_ORIGINS', 'PASSAGE_APP_ID', 'PASSAGE_API_KEY', 'IDENTITY_AUTH_ORIGIN', 'EMAIL_FROM']));
    }
    const s = loadIdentitySettings({
      NODE_ENV: 'production',
      PASSAGE_APP_ID: 'app',
      PASSAGE_API_KEY: 'x'.repeat(32),
      IDENTITY_ORIGINS: 'https://a.example.com, https://b.example.com',
    });
    expect(s.options).toMatchObject({
      authOrigin: 'https://a.example.com',
      origins: ['https://a.example.com', 'https://b.example.com'],
      delivery: 'none',
      refreshEnabled: false,
      testDouble: false,
      devRoutes: false,
    });
  });
});
