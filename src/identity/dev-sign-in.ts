import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.js';
import { mintToken } from './keys.js';
import { normalizeEmail, type EmulatorStore, type PassageUserWire } from './store.js';

/** The cookie the Passage elements set and passgraph reads. */
export const AUTH_COOKIE = 'psg_auth_token';
export const DEV_SIGN_IN_PATH = '/dev/sign-in';
export const DEV_SIGN_OUT_PATH = '/dev/sign-out';

const MAX_FORM_BYTES = 4096;

/**
 * Handles the dev sign-in routes and answers true, or answers false for any other request.
 * It stands in for the Passage element: whoever serves it sets the session cookie on their own
 * origin, so passgraph mounts it to give a browser a cookie that its /graphql accepts.
 */
export type DevSignIn = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createDevSignIn(store: EmulatorStore): DevSignIn {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname !== DEV_SIGN_IN_PATH && url.pathname !== DEV_SIGN_OUT_PATH) return false;

    if (url.pathname === DEV_SIGN_IN_PATH && (method === 'GET' || method === 'HEAD')) {
      sendPage(res, 200, signInPage({ redirect: safeRedirect(url.searchParams.get('redirect')) }));
      return true;
    }
    if (method !== 'POST') {
      res.writeHead(405, { allow: url.pathname === DEV_SIGN_IN_PATH ? 'GET, POST' : 'POST', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed');
      return true;
    }
    // Browsers send Origin on every form POST: refusing other sites keeps a hostile page from
    // signing the developer in as someone else (login CSRF).
    if (!sameOrigin(req)) {
      req.resume();
      sendPage(res, 403, messagePage('Refused', 'Sign-in forms are only accepted from this origin.'));
      return true;
    }
    const form = await readForm(req);
    if (!form) {
      sendPage(res, 413, messagePage('Refused', 'The form is too large.'));
      return true;
    }
    const redirect = safeRedirect(form.get('redirect') ?? url.searchParams.get('redirect'));

    if (url.pathname === DEV_SIGN_OUT_PATH) {
      res.writeHead(303, { location: redirect, 'set-cookie': cookie('', 0), 'cache-control': 'no-store' });
      res.end();
      return true;
    }

    const outcome = signIn(store, form.get('email') ?? '');
    if (!outcome.ok) {
      sendPage(res, outcome.status, signInPage({ redirect, email: form.get('email') ?? '', error: outcome.message }));
      return true;
    }
    const token = await mintToken(store, outcome.user.id);
    res.writeHead(303, { location: redirect, 'set-cookie': cookie(token, store.settings().tokenTtlSeconds), 'cache-control': 'no-store' });
    res.end();
    return true;
  };
}

type SignInOutcome = { ok: true; user: PassageUserWire } | { ok: false; status: number; message: string };

/** Like the element with public sign-up on: a new email registers a user with a passkey. */
function signIn(store: EmulatorStore, rawEmail: string): SignInOutcome {
  let email: string;
  try {
    email = normalizeEmail(rawEmail.trim());
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, status: 400, message: 'Enter a valid email address.' };
    throw err;
  }
  const existing = store.findUserByIdentifier(email);
  if (existing?.status === 'inactive') return { ok: false, status: 403, message: 'This user is deactivated and cannot sign in.' };
  if (existing) {
    // A user created by a magic link is pending until their first sign-in.
    return { ok: true, user: existing.status === 'pending' ? store.setStatus(existing.id, 'active') : existing };
  }
  const user = store.transaction(() => {
    const created = store.createUser({ email, status: 'active' });
    store.addDevice(created.id, { friendlyName: 'Dev sign-in passkey', type: 'passkey' });
    return store.requireUser(created.id);
  });
  return { ok: true, user };
}

/** HttpOnly: page scripts never need the token, since the browser sends it with same-origin requests. */
function cookie(value: string, maxAgeSeconds: number): string {
  return `${AUTH_COOKIE}=${value}; Path=/; SameSite=Lax; HttpOnly; Max-Age=${maxAgeSeconds}`;
}

/** Only a path on this origin, so the form cannot be used as an open redirect. */
export function safeRedirect(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return '/';
  return /[\u0000-\u001f\u007f]/.test(value) ? '/' : value;
}

function sameOrigin(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendPage(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  });
  res.end(html);
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1d2330}' +
  'form{display:grid;gap:.75rem;border:1px solid #d6dae3;border-radius:.75rem;padding:1.5rem}' +
  'input{font:inherit;padding:.5rem .6rem;border:1px solid #b8bfcc;border-radius:.4rem}' +
  'button{font:inherit;padding:.55rem;border:0;border-radius:.4rem;background:#3b5bdb;color:#fff;cursor:pointer}' +
  '.error{color:#b3261e}.hint{color:#5c6475;font-size:.9rem}';

function signInPage(opts: { redirect: string; email?: string; error?: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in (dev)</title><style>${STYLE}</style></head>
<body>
<h1>Sign in</h1>
<p class="hint">Development stand-in for the Passage element: no passkey ceremony, the emulator signs you in
as the user with this email (a new email registers a user).</p>
<form method="post" action="${DEV_SIGN_IN_PATH}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(opts.email ?? '')}">
<input type="hidden" name="redirect" value="${escapeHtml(opts.redirect)}">
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ''}
<button type="submit">Continue</button>
</form>
<p class="hint">Demo users: admin@example.com (app admin), member@example.com.</p>
</body></html>
`;
}

function messagePage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p></body></html>
`;
}
