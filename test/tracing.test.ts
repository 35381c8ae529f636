import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers/harness.js';

/** A span as OTLP/HTTP JSON carries it, with its attributes flattened. */
type ReceivedSpan = { name: string; traceId: string; spanId: string; parentSpanId?: string; status?: { code?: number }; attributes: Record<string, unknown> };

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpBody = {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: OtlpValue }> };
    scopeSpans?: Array<{ spans?: Array<Omit<ReceivedSpan, 'attributes'> & { attributes?: Array<{ key: string; value: OtlpValue }> }> }>;
  }>;
};

const flatten = (attributes: Array<{ key: string; value: OtlpValue }> = []) =>
  Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue)),
    ]),
  );

/** An OTLP/HTTP JSON receiver on loopback: what a collector would get. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; services: string[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const services: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST' && String(req.headers['content-type']).includes('json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody;
        for (const resource of body.resourceSpans ?? []) {
          services.push(String(flatten(resource.resource?.attributes)['service.name']));
          for (const scope of resource.scopeSpans ?? []) for (const span of scope.spans ?? []) spans.push({ ...span, attributes: flatten(span.attributes) });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, services, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let h: Harness;
  let closed = false;

  beforeAll(async () => {
    receiver = await startReceiver();
    h = await startHarness({
      captureLogs: true,
      env: {
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'passgraph-test',
        PASSAGE_CACHE_TTL: '0',
        PASSAGE_CACHE_MAX_STALE: '0',
      },
    });
  });
  afterAll(async () => {
    if (!closed) await h?.close();
    await receiver?.close();
  });

  it('exports request, operation, Passage and transaction spans of one trace, with the request id, and logs the trace id', async () => {
    const member = await h.user('traced@example.com');
    const read = await h.gql('query Profile { me { email } }', { token: member.token, headers: { 'x-request-id': 'trace-read' } });
    expect(read.body.data).toEqual({ me: { email: 'traced@example.com' } });
    const write = await h.gql('mutation Rename { updateMe(input: { displayName: "Traced" }) { displayName } }', {
      token: member.token,
      headers: { 'x-request-id': 'trace-write' },
    });
    expect(write.body.errors).toBeUndefined();
    // Closing the server flushes the exporter.
    await h.close();
    closed = true;

    expect(receiver.services).toContain('passgraph-test');
    const ofRequest = (id: string) => receiver.spans.filter((s) => s.attributes['passgraph.request_id'] === id);

    const readSpans = ofRequest('trace-read');
    const http = readSpans.find((s) => s.name === 'POST /graphql');
    expect(http?.attributes).toMatchObject({ 'http.request.method': 'POST', 'url.path': '/graphql', 'http.response.status_code': 200 });
    const operation = readSpans.find((s) => s.name === 'query Profile');
    expect(operation?.attributes).toMatchObject({ 'graphql.operation.name': 'Profile', 'graphql.operation.type': 'query' });
    expect(operation?.parentSpanId).toBe(http?.spanId);
    const passage = readSpans.filter((s) => s.name.startsWith('passage GET'));
    expect(passage.length).toBeGreaterThan(0);
    expect(passage[0]?.attributes).toMatchObject({ 'http.response.status_code': 200, 'passage.attempt': 0, 'passage.retry': false });
    expect(passage[0]?.parentSpanId).toBe(operation?.spanId);
    expect(new Set(readSpans.map((s) => s.traceId))).toEqual(new Set([http?.traceId]));

    const writeSpans = ofRequest('trace-write');
    expect(writeSpans.find((s) => s.name === 'mutation Rename')).toBeDefined();
    const transaction = writeSpans.find((s) => s.name === 'db.transaction');
    expect(transaction?.attributes).toMatchObject({ 'db.system.name': 'sqlite' });

    // The access line of each request carries its trace id.
    const lines = h.logs.map((l) => JSON.parse(l) as { msg: string; requestId?: string; traceId?: string });
    expect(lines.find((l) => l.msg === 'request' && l.requestId === 'trace-read')?.traceId).toBe(http?.traceId);
  });

  it('marks a failed Passage attempt and its retry', async () => {
    const receiver2 = await startReceiver();
    const h2 = await startHarness({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver2.url, PASSAGE_CACHE_TTL: '0', PASSAGE_CACHE_MAX_STALE: '0' } });
    try {
      const member = await h2.user('retried@example.com');
      // One 503 then success: the GET is retried.
      h2.emulator.injectFault({ match: { method: 'GET', pathPrefix: `/users/${member.id}` }, status: 503, times: 1 });
      const result = await h2.gql('{ me { email } }', { token: member.token, headers: { 'x-request-id': 'trace-retry' } });
      expect(result.body.data).toEqual({ me: { email: 'retried@example.com' } });
    } finally {
      await h2.close();
      await receiver2.close();
    }
    const attempts = receiver2.spans.filter((s) => s.attributes['passgraph.request_id'] === 'trace-retry' && s.name.startsWith('passage GET'));
    expect(attempts.map((s) => [s.attributes['passage.attempt'], s.attributes['http.response.status_code'], s.attributes['passage.retry']])).toEqual([
      [0, 503, false],
      [1, 200, true],
    ]);
    expect(attempts[0]?.status?.code).toBe(2);
  });
});

describe('tracing off', () => {
  it('the bundle npm start runs loads no OpenTelemetry module until tracing is turned on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passgraph-bundle-'));
    try {
      const outfile = join(dir, 'main.js');
      // The same flags as `npm run build`.
      const build = spawnSync(
        'node_modules/.bin/esbuild',
        ['src/main.ts', '--bundle', '--platform=node', '--format=esm', '--packages=external', '--target=node20', `--outfile=${outfile}`, '--log-level=warning'],
        { encoding: 'utf8' },
      );
      expect(build.status, build.stderr).toBe(0);
      const bundle = readFileSync(outfile, 'utf8');
      expect(bundle).toContain('import("@opentelemetry/sdk-trace")');
      // No static import (or require) of any OpenTelemetry package anywhere in the bundle.
      expect(bundle).not.toMatch(/from\s*["']@opentelemetry\//);
      expect(bundle).not.toMatch(/require\(["']@opentelemetry\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
