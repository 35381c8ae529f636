import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

/** GET /metrics: off by default, and every counter it promises, with bounded labels. */

type Sample = { name: string; labels: Record<string, string>; value: number };

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

describe('metrics endpoint', () => {
  let h: Harness;
  let member: { id: string; token: string };
  const scrape = async () => {
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return parse(await res.text());
  };
  const post = (body: unknown, token?: string) =>
    fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    h = await startHarness({
      env: {
        METRICS_ENABLED: 'true',
        PASSAGE_BREAKER_MIN_CALLS: '3',
        PASSAGE_BREAKER_OPEN_MS: '3600000',
        PASSAGE_CACHE_TTL: '0',
        PASSAGE_CACHE_MAX_STALE: '0',
      },
    });
    member = await h.user('metrics@example.com');
  });
  afterAll(() => h?.close());

  it('times GraphQL requests by operation name and outcome', async () => {
    await post({ query: 'query Profile { me { id } }', operationName: 'Profile' }, member.token);
    await post({ query: '{ me { id } }' }, member.token);
    await post({ query: '{ me { id ' });
    await post({ query: '{ me { id } }' }, 'not-a-token');
    const samples = await scrape();
    const count = 'passgraph_graphql_request_duration_seconds_count';
    expect(value(samples, count, { operation: 'Profile', outcome: 'ok' })).toBe(1);
    expect(value(samples, count, { operation: 'anonymous', outcome: 'ok' })).toBe(1);
    // Refused before an operation was known: parse failure (400) and a bad token (401).
    expect(value(samples, count, { operation: 'none', outcome: 'client_error' })).toBe(2);
  });

  it('keeps the operation label bounded: odd names and names past the cap are "other"', async () => {
    await post({ query: 'query Odd { me { id } }', operationName: 'Odd' }, member.token);
    for (let i = 0; i < 110; i++) await post({ query: `query Op${i} { me { id } }` }, member.token);
    const operations = new Set((await scrape()).filter((s) => s.name === 'passgraph_graphql_request_duration_seconds_count').map((s) => s.labels['operation']));
    expect(operations.has('other')).toBe(true);
    expect(operations.size).toBeLessThanOrEqual(100 + 3);
  });

  it('counts Passage calls and failures by endpoint family and status, and shows each breaker', async () => {
    await post({ query: '{ me { email devices { id } } }' }, member.token);
    let samples = await scrape();
    // The directory's sync and first sight read users; devices are read per request.
    expect(value(samples, 'passgraph_passage_calls_total', { family: 'users_read', status: '200' })).toBeGreaterThan(0);
    expect(value(samples, 'passgraph_passage_calls_total', { family: 'devices', status: '200' })).toBeGreaterThan(0);
    expect(value(samples, 'passgraph_passage_breaker_state', { family: 'devices' })).toBe(0);

    const remove = h.emulator.injectFault({ match: { method: 'GET', pathPrefix: `/users/${member.id}` }, status: 500 });
    try {
      await post({ query: '{ me { devices { id } } }' }, member.token);
      await post({ query: '{ me { devices { id } } }' }, member.token);
    } finally {
      remove();
    }
    samples = await scrape();
    expect(value(samples, 'passgraph_passage_calls_total', { family: 'devices', status: '500' })).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'passgraph_passage_failures_total', { family: 'devices', reason: 'server_error' })).toBeGreaterThanOrEqual(2);
    // Two failures out of three calls opened the breaker; what followed was refused without a call.
    expect(value(samples, 'passgraph_passage_breaker_state', { family: 'devices' })).toBe(2);
    expect(value(samples, 'passgraph_passage_failures_total', { family: 'devices', reason: 'breaker_open' })).toBeGreaterThan(0);
    expect(value(samples, 'passgraph_passage_breaker_state', { family: 'app' })).toBe(0);
    expect(value(samples, 'passgraph_passage_call_duration_seconds_count', { family: 'devices' })).toBeGreaterThan(0);
  });

  it('counts token verification failures by reason', async () => {
    await post({ query: '{ me { id } }' }, 'abc');
    await post({ query: '{ me { id } }' }, await h.emulator.mintToken(member.id, { iat: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 60 }));
    const samples = await scrape();
    expect(value(samples, 'passgraph_token_verification_failures_total', { reason: 'MALFORMED' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'passgraph_token_verification_failures_total', { reason: 'EXPIRED' })).toBe(1);
  });

  it('exposes cache hit and miss counters and the process metrics', async () => {
    h.server.app.metrics.cache.hit('test_cache');
    h.server.app.metrics.cache.miss('test_cache');
    h.server.app.metrics.cache.miss('test_cache');
    const samples = await scrape();
    expect(value(samples, 'passgraph_cache_hits_total', { cache: 'test_cache' })).toBe(1);
    expect(value(samples, 'passgraph_cache_misses_total', { cache: 'test_cache' })).toBe(2);
    expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});

describe('metrics endpoint configuration', () => {
  it('is off by default', async () => {
    const h = await startHarness();
    try {
      expect((await fetch(`${h.url}/metrics`)).status).toBe(404);
    } finally {
      await h.close();
    }
  });

  it('asks for METRICS_TOKEN as a bearer token when one is set', async () => {
    const secret = 'metrics-secret-0123456789';
    const h = await startHarness({ env: { METRICS_TOKEN: secret } });
    try {
      const none = await fetch(`${h.url}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect((await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer wrong-secret-0123456789' } })).status).toBe(401);
      const ok = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${secret}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('passgraph_graphql_request_duration_seconds');
    } finally {
      await h.close();
    }
  });
});
