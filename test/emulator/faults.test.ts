import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { apiClient, makeTempDir } from './support.js';

describe('fault injection, latency and recorded calls', () => {
  let emulator: Emulator;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    emulator = await startEmulator({ dbFile: ':memory:' });
    api = apiClient(emulator);
  });
  afterEach(() => {
    emulator.clearFaults();
    emulator.setLatency(0);
    emulator.clearCalls();
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('answers with the injected status, a {code,error} body by default, and custom headers', async () => {
    emulator.injectFault({ match: { pathPrefix: '/users' }, status: 503, headers: { 'retry-after': '2' } });
    const reply = await api('GET', '/users');
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('2');
    expect(Object.keys(reply.body).sort()).toEqual(['code', 'error']);
    // Other paths are untouched.
    expect((await api('GET', '')).status).toBe(200);
  });

  it('sends a custom body verbatim, including malformed JSON', async () => {
    emulator.injectFault({ status: 429, body: { code: 'slow_down', error: 'later' } });
    expect((await api('GET', '/users')).body).toEqual({ code: 'slow_down', error: 'later' });
    emulator.clearFaults();
    emulator.injectFault({ status: 200, body: '{"users": [' });
    expect((await api('GET', '/users')).text).toBe('{"users": [');
  });

  it('applies a rule only `times` times, and only to the matching method', async () => {
    emulator.injectFault({ match: { method: 'post', pathPrefix: '/users' }, status: 500, times: 2 });
    expect((await api('GET', '/users')).status).toBe(200);
    expect((await api('POST', '/users', { email: 'f1@example.com' })).status).toBe(500);
    expect((await api('POST', '/users', { email: 'f2@example.com' })).status).toBe(500);
    expect((await api('POST', '/users', { email: 'f3@example.com' })).status).toBe(201);
    expect(emulator.findUserByIdentifier('f1@example.com')).toBeUndefined();
  });

  it('removes a single rule with its remover, and all rules with clearFaults', async () => {
    const remove = emulator.injectFault({ match: { pathPrefix: '/users' }, status: 502 });
    emulator.injectFault({ match: { pathPrefix: '/magic-links' }, status: 502 });
    expect((await api('GET', '/users')).status).toBe(502);
    remove();
    expect((await api('GET', '/users')).status).toBe(200);
    expect((await api('POST', '/magic-links', { email: 'm@example.com' })).status).toBe(502);
    emulator.clearFaults();
    expect((await api('POST', '/magic-links', { email: 'm@example.com' })).status).toBe(201);
  });

  it('faults the JWKS endpoint by its path', async () => {
    emulator.injectFault({ match: { pathPrefix: '/.well-known/jwks.json' }, status: 500, times: 1 });
    expect((await fetch(emulator.jwksUrl)).status).toBe(500);
    expect((await fetch(emulator.jwksUrl)).status).toBe(200);
    emulator.injectFault({ match: { pathPrefix: new URL(emulator.jwksUrl).pathname }, status: 404, times: 1 });
    expect((await fetch(emulator.jwksUrl)).status).toBe(404);
  });

  it('delays with delayMs and setLatency, but not the JWKS with latency', async () => {
    emulator.injectFault({ match: { pathPrefix: '/users' }, delayMs: 150, times: 1 });
    let started = Date.now();
    expect((await api('GET', '/users')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    emulator.setLatency(200);
    started = Date.now();
    await api('GET', '');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    started = Date.now();
    await fetch(emulator.jwksUrl);
    expect(Date.now() - started).toBeLessThan(150);
  });

  it('records every request in order with method, path, query, body and status, but no credentials', async () => {
    const created = await api('POST', '/users', { email: 'rec@example.com' });
    await api('GET', '/users?limit=2&status=active');
    await apiClient(emulator, 'bad')('GET', `/users/${created.body.user.id}`);
    const link = await api('POST', '/magic-links', { email: 'rec@example.com' });
    await fetch(emulator.jwksUrl);
    const base = `/v1/apps/${emulator.appId}`;
    expect(emulator.calls.map(({ method, path, status }) => [method, path, status])).toEqual([
      ['POST', `${base}/users`, 201],
      ['GET', `${base}/users`, 200],
      ['GET', `${base}/users/${created.body.user.id}`, 401],
      ['POST', `${base}/magic-links`, 201],
      ['GET', `${base}/.well-known/jwks.json`, 200],
    ]);
    expect(emulator.calls[0]!.body).toEqual({ email: 'rec@example.com' });
    expect(emulator.calls[1]!.query).toEqual({ limit: '2', status: 'active' });
    expect(emulator.calls[0]!.at).toBeGreaterThan(Date.now() - 10_000);
    const recorded = JSON.stringify(emulator.calls);
    expect(recorded).not.toContain(emulator.apiKey);
    expect(recorded).not.toContain(link.body.magic_link.secret);
    emulator.clearCalls();
    expect(emulator.calls).toEqual([]);
  });
});

describe('the call log is bounded', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.remove());

  it('keeps the last maxRecordedCalls requests, oldest dropped first', async () => {
    const emulator = await startEmulator({ dbFile: tmp.file('bounded.sqlite'), maxRecordedCalls: 3 });
    try {
      for (let i = 0; i < 5; i++) await fetch(`${emulator.apiUrl}/apps/${emulator.appId}?n=${i}`);
      expect(emulator.calls.map((c) => c.query['n'])).toEqual(['2', '3', '4']);
      expect(emulator.calls.every((c) => c.status === 200)).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  it('keeps none with 0', async () => {
    const emulator = await startEmulator({ dbFile: tmp.file('none.sqlite'), maxRecordedCalls: 0 });
    try {
      expect((await fetch(emulator.jwksUrl)).status).toBe(200);
      expect(emulator.calls).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});

describe('hung requests and close', () => {
  it('never answers a hung request, and close() still returns promptly', async () => {
    const emulator = await startEmulator({ dbFile: ':memory:' });
    emulator.injectFault({ match: { pathPrefix: '/users' }, hang: true });
    const pending = fetch(`${emulator.apiUrl}/apps/${emulator.appId}/users`, { headers: { authorization: `Bearer ${emulator.apiKey}` } }).then(
      (res) => res.status,
      () => 'aborted' as const,
    );
    const outcome = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300))]);
    expect(outcome).toBe('still waiting');
    expect(emulator.calls.at(-1)?.status).toBe(0);
    const started = Date.now();
    await emulator.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await pending).toBe('aborted');
  });

  it('closes while a delayed request is waiting without touching the closed database', async () => {
    const emulator = await startEmulator({ dbFile: ':memory:', latencyMs: 5_000 });
    const pending = fetch(`${emulator.apiUrl}/apps/${emulator.appId}/users`, { headers: { authorization: `Bearer ${emulator.apiKey}` } }).then(
      (res) => res.status,
      () => 'aborted' as const,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await emulator.close();
    expect(await pending).toBe('aborted');
  });
});

describe('unexpected failures', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.remove());

  it('answers 500 internal_server_error and keeps serving', async () => {
    const dbFile = tmp.file('broken.sqlite');
    const emulator = await startEmulator({ dbFile });
    try {
      const api = apiClient(emulator);
      const user = await emulator.seedUser({ email: 'broken@example.com' });
      // Break the schema behind the emulator's back, from a second connection.
      const db = new Database(dbFile);
      db.exec('DROP TABLE devices');
      db.close();
      const reply = await api('GET', `/users/${user.id}`);
      expect(reply.status).toBe(500);
      expect(reply.body.code).toBe('internal_server_error');
      expect(Object.keys(reply.body).sort()).toEqual(['code', 'error']);
      expect((await api('GET', '')).status).toBe(200);
    } finally {
      await emulator.close();
    }
  });
});
