import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { startInstances, type Instances } from '../helpers/instances.js';
import { findBinary, freePort, missingService } from '../helpers/local-service.js';

const haproxy = findBinary(['/usr/sbin/haproxy', '/usr/bin/haproxy']);
const haproxyUnavailable = missingService('HAProxy', haproxy !== undefined, 'apt-get install haproxy');
const CONFIG = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url));

/** deploy/haproxy.cfg as committed, in front of two instances on loopback. */
describe.skipIf(haproxyUnavailable)('deploy/haproxy.cfg', () => {
  let pair: Instances;
  let proxy: ChildProcess;
  let url: string;

  beforeAll(async () => {
    pair = await startInstances();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const addr = (u: string) => new URL(u).host;
    proxy = spawn(haproxy!, ['-db', '-f', CONFIG], {
      env: { ...process.env, PASSGRAPH_LISTEN: `127.0.0.1:${port}`, PASSGRAPH_A: addr(pair.a.server.url), PASSGRAPH_B: addr(pair.b.server.url) },
      stdio: 'ignore',
    });
    // Both servers pass two health checks (1 s apart) before the proxy counts them up.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error('haproxy did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);
  afterAll(async () => {
    if (proxy && proxy.exitCode === null) {
      await new Promise<void>((resolve) => {
        proxy.once('exit', () => resolve());
        proxy.kill('SIGTERM');
      });
    }
    await pair?.close();
  });

  const query = () =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) }).then(
      async (r) => ({
        status: r.status,
        body: await r.json(),
      }),
    );
  const served = async () => {
    const count = async (i: Instances['a']) => {
      const metric = i.server.app.metrics.registry.getSingleMetric('passgraph_graphql_request_duration_seconds');
      const { values } = await metric!.get();
      return values.filter((v) => (v as { metricName?: string }).metricName?.endsWith('_count')).reduce((sum, v) => sum + v.value, 0);
    };
    return [await count(pair.a), await count(pair.b)];
  };

  it('spreads requests over both instances', async () => {
    const before = await served();
    for (let i = 0; i < 6; i++) expect(await query()).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
    const after = await served();
    expect(after[0]! - before[0]!).toBeGreaterThan(0);
    expect(after[1]! - before[1]!).toBeGreaterThan(0);
  });

  it('keeps answering when one instance stops', async () => {
    await pair.a.server.close();
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await query()).status);
    expect(statuses).toEqual(Array(10).fill(200));
  });
});
