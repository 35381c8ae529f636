// The test page for test/web/passage-js.test.ts, bundled by the test with esbuild: the published
// @passageidentity/passage-js 4.1.2, unmodified, with a fetch shim in front of it. The package
// hard-codes https://auth.passage.id/v1 (only tokenStore and extraHeaders are configurable), so the
// shim sends those requests to the identity service under test, as a reverse proxy in front of it
// would in production, and refuses every other request that leaves this origin (the package also
// posts error reports to a Passage cloud function). Every Authentication API exchange is recorded
// with its status and error code: PassageError keeps only the status and the message.
import { Passage } from '@passageidentity/passage-js';

const PASSAGE_API = 'https://auth.passage.id/v1/';
const calls = [];
let apiBase = '';
let passage = null;

const realFetch = globalThis.fetch.bind(globalThis);

function urlOf(input) {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

globalThis.fetch = async (input, init) => {
  const url = urlOf(input);
  if (url.startsWith(PASSAGE_API)) {
    if (!apiBase) throw new TypeError('passage-js test page: connect() first');
    const target = apiBase + url.slice(PASSAGE_API.length);
    const response = await realFetch(target, init);
    const path = new URL(target).pathname.replace(/^\/v1\/apps\/[^/]+/, '');
    const call = { method: (init?.method ?? 'GET').toUpperCase(), path, status: response.status, code: null };
    if (response.status >= 400) {
      const body = await response
        .clone()
        .json()
        .catch(() => null);
      call.code = body?.code ?? null;
    }
    calls.push(call);
    return response;
  }
  if (new URL(url, location.href).origin !== location.origin) throw new TypeError(`passage-js test page: refused ${url}`);
  return realFetch(input, init);
};

/** Resolves `passkey.register` to `passage.passkey.register`, bound to its object. */
function operation(name) {
  const parts = name.split('.');
  const method = parts.pop();
  const owner = parts.reduce((object, key) => object?.[key], passage);
  if (typeof owner?.[method] !== 'function') throw new Error(`no such operation: ${name}`);
  return owner[method].bind(owner);
}

globalThis.harness = {
  /** apiBase: where https://auth.passage.id/v1/ goes, e.g. http://127.0.0.1:4010/v1/ */
  connect(appId, base) {
    apiBase = base;
    passage = new Passage(appId);
  },
  async run(name, args) {
    try {
      return { ok: true, value: await operation(name)(...args) };
    } catch (error) {
      return { ok: false, name: error?.name ?? 'Error', status: error?.statusCode ?? null, message: String(error?.message ?? error) };
    }
  },
  takeCalls() {
    return calls.splice(0, calls.length);
  },
};
