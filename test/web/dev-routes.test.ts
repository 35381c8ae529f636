import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, isLoopbackHost } from '../../src/dev.js';
import { createStaticSite } from '../../src/http/static.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { startDevServer, type DevServer } from './support.js';

/** Sends the path exactly as written: fetch would normalise `..` and encoded dots away. */
function rawGet(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static site (src/http/static.ts)', () => {
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passgraph-static-'));
    const dist = join(dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'assets/app-1a2b.js'), 'console.log(1)');
    writeFileSync(join(dist, 'assets/app-1a2b.css'), 'body{}');
    writeFileSync(join(dist, '.env'), 'SECRET=1');
    writeFileSync(join(dir, 'secret.txt'), 'outside the root');
    symlinkSync(join(dir, 'secret.txt'), join(dist, 'assets/link.txt'));
    const site = createStaticSite({ prefix: '/console/', root: dist });
    const missing = createStaticSite({ prefix: '/unbuilt/', root: join(dir, 'nope'), missingPage: 'build me' });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      void (async () => {
        if ((await site(req, res, url)) || (await missing(req, res, url))) return;
        res.writeHead(418).end('not mine');
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at the prefix and assets with their content types and caching', async () => {
    const index = await rawGet(base, '/console/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.body).toBe('<!doctype html><title>console</title>');

    const js = await rawGet(base, '/console/assets/app-1a2b.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toBe('console.log(1)');
    expect((await rawGet(base, '/console/assets/app-1a2b.css')).headers['content-type']).toBe('text/css; charset=utf-8');

    const head = await rawGet(base, '/console/assets/app-1a2b.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('14');
    expect(head.body).toBe('');
  });

  it('redirects the bare prefix to its folder form and leaves other paths alone', async () => {
    const bare = await rawGet(base, '/console?x=1');
    expect(bare.status).toBe(308);
    expect(bare.headers['location']).toBe('/console/?x=1');
    expect((await rawGet(base, '/consoles/index.html')).status).toBe(418);
    expect((await rawGet(base, '/console/index.html', 'POST')).status).toBe(405);
  });

  it.each([
    '/console/../secret.txt',
    '/console/..%2fsecret.txt',
    '/console/%2e%2e%2fsecret.txt',
    '/console/assets/..%2f..%2fsecret.txt',
    '/console/..%5csecret.txt',
    '/console/assets/link.txt',
    '/console/.env',
    '/console/%00',
    '/console/assets/',
    '/console/missing.js',
    '/console/%E0%A4%A',
  ])('never serves anything outside the built files: %s', async (path) => {
    const res = await rawGet(base, path);
    expect([404, 418]).toContain(res.status);
    expect(res.body).not.toContain('outside the root');
    expect(res.body).not.toContain('SECRET');
  });

  it('answers 503 with a hint while the folder has not been built', async () => {
    const res = await rawGet(base, '/unbuilt/');
    expect(res.status).toBe(503);
    expect(res.body).toBe('build me');
  });
});

type FormResult = { status: number; location: string | null; setCookie: string | null; body: string };

describe('dev sign-in on the passgraph origin (dev mode only)', () => {
  let dev: DevServer;

  const post = async (path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<FormResult> => {
    const res = await fetch(`${dev.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, location: res.headers.get('location'), setCookie: res.headers.get('set-cookie'), body: await res.text() };
  };
  const tokenOf = (setCookie: string | null) => /^psg_auth_token=([^;]+);/.exec(setCookie ?? '')?.[1] ?? null;
  const meWithCookie = async (token: string, contentType = 'application/json') => {
    const res = await fetch(`${dev.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': contentType, cookie: `psg_auth_token=${token}` },
      body: JSON.stringify({ query: '{ me { email appRole devices { friendlyName } } }' }),
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        data?: { me: { email: string; appRole: string; devices: unknown[] } | null };
        errors?: Array<{ extensions?: { code?: string } }>;
      },
    };
  };

  beforeAll(async () => {
    dev = await startDevServer();
  });
  afterAll(() => dev?.close());

  it('shows a sign-in form that posts back to the same origin', async () => {
    const res = await fetch(`${dev.url}/dev/sign-in?redirect=/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('action="/dev/sign-in"');
    expect(html).toContain('name="redirect" value="/console/"');
  });

  it('signs a demo user in with an HttpOnly cookie that /graphql accepts from JSON requests only', async () => {
    const res = await post('/dev/sign-in', { email: 'Member@Example.com', redirect: '/console/' }, { origin: dev.url });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/console/');
    expect(res.setCookie).toMatch(/^psg_auth_token=[^;]+; Path=\/; SameSite=Lax; HttpOnly; Max-Age=\d+$/);
    const token = tokenOf(res.setCookie)!;

    const me = await meWithCookie(token);
    expect(me.status).toBe(200);
    expect(me.body.data?.me).toMatchObject({ email: 'member@example.com', appRole: 'USER' });
    // The same cookie on a request a plain HTML form could send is refused by CSRF prevention.
    const simple = await meWithCookie(token, 'text/plain');
    expect(simple.status).toBe(400);
    expect(simple.body.data).toBeUndefined();
  });

  it('registers an unknown email as a new active user with a passkey, like public sign-up', async () => {
    const res = await post('/dev/sign-in', { email: 'fresh@example.com' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/');
    const me = await meWithCookie(tokenOf(res.setCookie)!);
    expect(me.body.data?.me).toEqual({ email: 'fresh@example.com', appRole: 'USER', devices: [{ friendlyName: 'Dev sign-in passkey' }] });
    expect(dev.server.emulator!.findUserByIdentifier('fresh@example.com')?.status).toBe('active');
  });

  it('refuses invalid emails, deactivated users and other origins without setting a cookie', async () => {
    const invalid = await post('/dev/sign-in', { email: 'not an email' });
    expect(invalid.status).toBe(400);
    expect(invalid.setCookie).toBeNull();

    const emulator = dev.server.emulator!;
    const user = await emulator.seedUser({ email: 'gone@example.com', status: 'inactive' });
    const inactive = await post('/dev/sign-in', { email: 'gone@example.com' });
    expect(inactive.status).toBe(403);
    expect(inactive.setCookie).toBeNull();
    expect(emulator.findUserByIdentifier('gone@example.com')?.id).toBe(user.id);

    const crossSite = await post('/dev/sign-in', { email: 'admin@example.com' }, { origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.setCookie).toBeNull();
    const fetchMeta = await post('/dev/sign-in', { email: 'admin@example.com' }, { 'sec-fetch-site': 'cross-site' });
    expect(fetchMeta.status).toBe(403);
    expect(fetchMeta.setCookie).toBeNull();
  });

  it.each(['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)'])(
    'redirects only within the origin (redirect=%s goes to /)',
    async (redirect) => {
      const res = await post('/dev/sign-in', { email: 'member@example.com', redirect });
      expect(res.status).toBe(303);
      expect(res.location).toBe('/');
    },
  );

  it('signs out by expiring the cookie', async () => {
    const res = await post('/dev/sign-out', { redirect: '/console/' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/console/');
    expect(res.setCookie).toBe('psg_auth_token=; Path=/; SameSite=Lax; HttpOnly; Max-Age=0');
    expect((await fetch(`${dev.url}/dev/sign-out`)).status).toBe(405);
  });

  it('keeps no emulator call log: npm start may run for days', async () => {
    expect((await meWithCookie('garbage')).status).toBe(401);
    expect(dev.server.emulator!.calls).toEqual([]);
  });

  it('serves the console at /console/ (or a build hint while it is not built)', async () => {
    const res = await fetch(`${dev.url}/console/`);
    expect([200, 503]).toContain(res.status);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });
});

describe('dev routes answer only loopback host names (DNS rebinding)', () => {
  let dev: DevServer;
  beforeAll(async () => {
    dev = await startDevServer();
  });
  afterAll(() => dev?.close());

  /** Node's client sends the Host header it is given; fetch would not. */
  const send = (path: string, host: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const { hostname, port } = new URL(dev.url);
    return new Promise<{ status: number; setCookie: unknown; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: hostname, port, path, method: opts.method ?? 'GET', headers: { host, ...opts.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'], body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  };
  const signIn = (host: string) =>
    send('/dev/sign-in', host, {
      method: 'POST',
      // What a rebinding page's form sends: its Origin matches the Host it used.
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://${host}` },
      body: 'email=admin%40example.com',
    });

  it('refuses the sign-in, and sets no cookie, for a foreign host name with a matching Origin', async () => {
    const port = new URL(dev.url).port;
    for (const host of [`evil.test:${port}`, `localhost.evil.test:${port}`, `127.0.0.1.nip.io:${port}`, `localhost:${port}@evil.test`]) {
      const res = await signIn(host);
      expect(res.status, host).toBe(404);
      expect(res.setCookie, host).toBeUndefined();
      expect((await send('/dev/sign-in', host)).status, host).toBe(404);
      expect((await send('/console/', host)).status, host).toBe(404);
    }
  });

  it('answers localhost, 127.0.0.1 and [::1], with or without a port', async () => {
    const port = new URL(dev.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', 'LOCALHOST:4000']) {
      expect((await send('/dev/sign-in', host)).status, host).toBe(200);
      expect([200, 503], host).toContain((await send('/console/', host)).status);
    }
    const res = await signIn(`localhost:${port}`);
    expect(res.status).toBe(303);
    expect(String(res.setCookie)).toMatch(/^psg_auth_token=/);
  });
});

describe('the Authentication API on the passgraph origin (dev mode, src/dev-identity-proxy.ts)', () => {
  let dev: DevServer;
  let appId: string;
  beforeAll(async () => {
    dev = await startDevServer();
    appId = ((await (await fetch(`${dev.url}/dev/identity`)).json()) as { appId: string }).appId;
  });
  afterAll(() => dev?.close());

  const host = () => new URL(dev.url).host;
  const send = (path: string, opts: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const { hostname, port } = new URL(dev.url);
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: hostname, port, path, method: opts.method ?? 'GET', headers: { host: opts.host ?? host(), ...opts.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  };

  it('forwards requests with their method, query, body and bearer token, and passes the answer back', async () => {
    const lookup = await send(`/v1/apps/${appId}/users?identifier=admin%40example.com`);
    expect(lookup.status).toBe(200);
    expect((JSON.parse(lookup.body) as { user: { email: string } }).user.email).toBe('admin@example.com');

    const code = await send(`/v1/apps/${appId}/login/otp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: 'admin@example.com' }),
    });
    expect(code.status).toBe(200);
    expect(JSON.parse(code.body)).toHaveProperty('otp_id');

    const mail = (await (await fetch(`${dev.url}/dev/mailbox`)).json()) as { messages: Array<{ to: string; text: string }> };
    const otp = /\b(\d{6})\b/.exec(mail.messages.filter((m) => m.to === 'admin@example.com').at(-1)!.text)![1];
    const activated = await send(`/v1/apps/${appId}/otp/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ otp, otp_id: (JSON.parse(code.body) as { otp_id: string }).otp_id }),
    });
    const token = (JSON.parse(activated.body) as { auth_result: { auth_token: string } }).auth_result.auth_token;
    const me = await send(`/v1/apps/${appId}/currentuser`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect((JSON.parse(me.body) as { user: { email: string } }).user.email).toBe('admin@example.com');
    // The identity service's own refusals come back as they are.
    const refused = await send(`/v1/apps/${appId}/currentuser`, { headers: { authorization: 'Bearer nonsense', cookie: `psg_auth_token=${token}` } });
    expect(refused.status).toBe(401);
  });

  it("forwards only this app's path, and only for loopback host names", async () => {
    expect((await send('/v1/apps/another-app/users?identifier=admin%40example.com')).status).toBe(404);
    expect((await send(`/v1/apps/${appId}x/users?identifier=admin%40example.com`)).status).toBe(404);
    expect((await send(`/v1/apps/${appId}/users?identifier=admin%40example.com`, { host: `evil.test:${new URL(dev.url).port}` })).status).toBe(404);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost:4000', true],
    ['127.0.0.1', true],
    ['[::1]:4000', true],
    ['evil.test:4000', false],
    ['127.1:4000', false],
    ['localhost.:4000', false],
    ['[::ffff:7f00:1]:4000', false],
    [undefined, false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('dev routes in production', () => {
  it('cannot exist: production refuses to start without a Passage app, so no emulator is embedded', async () => {
    await expect(startDevServer({ NODE_ENV: 'production' })).rejects.toThrow(/PASSAGE_APP_ID/);
  });
});

describe('isLoopback (the dev sign-in answers only this machine)', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.10.0.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['192.168.1.20', false],
    ['::ffff:192.168.1.20', false],
    ['fe80::1', false],
    ['1270.0.0.1', false],
    [undefined, false],
  ])('%s -> %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});

describe('with a Passage app configured', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('mounts neither the dev sign-in nor the console', async () => {
    for (const path of ['/dev/sign-in', '/console/', '/console']) {
      const res = await fetch(`${h.url}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('NOT_FOUND');
    }
    const post = await fetch(`${h.url}/dev/sign-in`, {
      method: 'POST',
      body: 'email=admin%40example.com',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(post.status).toBe(404);
    expect(post.headers.get('set-cookie')).toBeNull();
  });
});
