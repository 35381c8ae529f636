import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Trusted documents (persisted operations). The manifest is what the GraphQL Code Generator
 * client preset writes with `persistedDocuments: true`: a JSON object from each document's
 * SHA-256 (`sha256:<hex>`, or bare hex) to its text. With one loaded, a request must name its operation by hash
 * (`documentId`, or Apollo's `extensions.persistedQuery.sha256Hash`); the text that runs is
 * always the manifest's, and any other request is refused before anything is parsed.
 */
export type TrustedDocuments = {
  readonly size: number;
  /** Rewrites a request to the trusted text, or says why it is refused. */
  resolve(method: string, body: unknown, search: URLSearchParams): TrustedResolution;
};

export type TrustedResolution =
  | { ok: true; body: unknown; search: string }
  | { ok: false; status: number; code: 'PERSISTED_QUERY_REQUIRED' | 'PERSISTED_QUERY_NOT_FOUND'; message: string };

const HASH = /^[0-9a-f]{64}$/;

/** Reads and checks a manifest; every problem is reported with the file name, so start-up fails clearly. */
export function loadTrustedDocuments(file: string): TrustedDocuments {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`TRUSTED_DOCUMENTS: cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`TRUSTED_DOCUMENTS: ${file} must be a JSON object from SHA-256 hashes to documents`);
  }
  const documents = new Map<string, string>();
  for (const [key, text] of Object.entries(parsed)) {
    const hash = key.replace(/^sha256:/, '');
    // A key that is not the hash of its text would let one document stand in for another.
    if (!HASH.test(hash) || typeof text !== 'string' || sha256(text) !== hash) {
      throw new Error(`TRUSTED_DOCUMENTS: in ${file}, "${key.slice(0, 80)}" is not the SHA-256 of its document`);
    }
    documents.set(hash, text);
  }
  if (documents.size === 0) throw new Error(`TRUSTED_DOCUMENTS: ${file} lists no document`);
  return createTrustedDocuments(documents);
}

export function createTrustedDocuments(documents: ReadonlyMap<string, string>): TrustedDocuments {
  const refuse = (code: 'PERSISTED_QUERY_REQUIRED' | 'PERSISTED_QUERY_NOT_FOUND', message: string): TrustedResolution => ({
    ok: false,
    status: 400,
    code,
    message,
  });
  const lookup = (hash: string | undefined) => {
    if (hash === undefined) return refuse('PERSISTED_QUERY_REQUIRED', 'This server runs trusted documents only: send the operation by its hash (documentId).');
    const text = documents.get(hash.replace(/^sha256:/, ''));
    return text ?? refuse('PERSISTED_QUERY_NOT_FOUND', 'No trusted document has this hash.');
  };

  return {
    size: documents.size,
    resolve(method, body, search) {
      if (method === 'POST') {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          return refuse('PERSISTED_QUERY_REQUIRED', 'This server runs trusted documents only: send a JSON object with a documentId.');
        }
        const { documentId, extensions, query: _sentText, ...rest } = body as Record<string, unknown>;
        const text = lookup(hashOf(documentId, extensions));
        if (typeof text !== 'string') return text;
        const { persistedQuery: _apq, ...otherExtensions } = isObject(extensions) ? extensions : {};
        return { ok: true, search: '', body: { ...rest, query: text, ...(isObject(extensions) ? { extensions: otherExtensions } : {}) } };
      }
      let extensions: unknown;
      try {
        extensions = search.has('extensions') ? JSON.parse(search.get('extensions') ?? '') : undefined;
      } catch {
        extensions = undefined;
      }
      const text = lookup(hashOf(search.get('documentId') ?? undefined, extensions));
      if (typeof text !== 'string') return text;
      const params = new URLSearchParams();
      params.set('query', text);
      for (const name of ['operationName', 'variables']) {
        const value = search.get(name);
        if (value !== null) params.set(name, value);
      }
      return { ok: true, body: undefined, search: `?${params.toString()}` };
    },
  };
}

function hashOf(documentId: unknown, extensions: unknown): string | undefined {
  if (typeof documentId === 'string') return documentId;
  const apq = isObject(extensions) ? extensions['persistedQuery'] : undefined;
  const hash = isObject(apq) ? apq['sha256Hash'] : undefined;
  return typeof hash === 'string' ? hash : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
