import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from './helpers/harness.js';
import { raw } from './helpers/raw.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// The manifest format the GraphQL Code Generator client preset writes (`persistedDocuments: true`).
const PROFILE = 'query Profile { me { email } }';
const RENAME = 'mutation Rename($name: String!) { updateMe(input: { displayName: $name }) { displayName } }';
const manifest = { [`sha256:${sha256(PROFILE)}`]: PROFILE, [`sha256:${sha256(RENAME)}`]: RENAME };

describe('trusted documents (TRUSTED_DOCUMENTS)', () => {
  let h: Harness;
  let member: { id: string; token: string };
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passgraph-trusted-'));
    const file = join(dir, 'persisted-documents.json');
    writeFileSync(file, JSON.stringify(manifest));
    h = await startHarness({ env: { TRUSTED_DOCUMENTS: file } });
    member = await h.user('trusted@example.com');
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    raw(h.url, { headers: { 'content-type': 'application/json', authorization: `Bearer ${member.token}` }, body: JSON.stringify(body) });
  const parsed = (res: { body: string }) => JSON.parse(res.body) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };

  it('runs a manifest operation sent by its hash (documentId, as the client preset names it)', async () => {
    const res = await post({ documentId: `sha256:${sha256(PROFILE)}` });
    expect(res.status).toBe(200);
    expect(parsed(res).data).toEqual({ me: { email: 'trusted@example.com' } });
  });

  it('runs one sent with Apollo persisted-query extension, with variables', async () => {
    const res = await post({ variables: { name: 'Trusty' }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(RENAME) } } });
    expect(parsed(res).data).toEqual({ updateMe: { displayName: 'Trusty' } });
  });

  it('runs by hash over GET too', async () => {
    const res = await raw(h.url, {
      method: 'GET',
      path: `/graphql?documentId=sha256:${sha256(PROFILE)}`,
      headers: { authorization: `Bearer ${member.token}`, 'apollo-require-preflight': 'true' },
    });
    expect(parsed(res).data).toEqual({ me: { email: 'trusted@example.com' } });
  });

  it('refuses an ad-hoc query with a coded error, before parsing it', async () => {
    const result = await h.gql('{ me { email } }', { token: member.token });
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(['PERSISTED_QUERY_REQUIRED']);
    // Not even parsed: garbage gets the same answer, not GRAPHQL_PARSE_FAILED.
    expect(codes(await h.gql('{{{ not graphql', { token: member.token }))).toEqual(['PERSISTED_QUERY_REQUIRED']);
  });

  it('refuses a document that is not in the manifest, sent in full with its own hash', async () => {
    const other = 'query Other { me { id email } }';
    const res = await post({ query: other, documentId: `sha256:${sha256(other)}` });
    expect(res.status).toBe(400);
    expect(parsed(res).errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('runs the manifest text, never the text sent beside a known hash', async () => {
    const res = await post({ documentId: `sha256:${sha256(PROFILE)}`, query: '{ me { id } }' });
    expect(parsed(res).data).toEqual({ me: { email: 'trusted@example.com' } });
  });

  it('refuses GET without a hash and a batch', async () => {
    const get = await raw(h.url, {
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('{ me { id } }')}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(parsed(get).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_REQUIRED');
    const batch = await post([{ documentId: `sha256:${sha256(PROFILE)}` }]);
    expect(parsed(batch).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_REQUIRED');
  });
});

describe('a bad manifest', () => {
  it('stops start-up when a key is not the hash of its document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passgraph-trusted-'));
    try {
      const file = join(dir, 'persisted-documents.json');
      writeFileSync(file, JSON.stringify({ [`sha256:${sha256(PROFILE)}`]: '{ me { id } }' }));
      await expect(startHarness({ env: { TRUSTED_DOCUMENTS: file } })).rejects.toThrow(/TRUSTED_DOCUMENTS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
