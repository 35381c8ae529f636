import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startHarness, type Harness } from './helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'passgraph-roles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rolesFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const CUSTOM = {
  roles: [
    { name: 'Viewer', rank: 10, permissions: ['org:read'] },
    { name: 'Editor', rank: 20, permissions: ['org:members:read', 'org:update'] },
    { name: 'Boss', rank: 30, permissions: ['org:members:invite', 'org:members:remove', 'org:members:change_role', 'org:delete'] },
  ],
};

describe('ROLES_FILE', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ROLES_FILE: rolesFile('custom.json', CUSTOM) } });
  });
  afterAll(() => h?.close());

  it('replaces the default roles: the creator gets the top role, others the named ones', async () => {
    const boss = await h.user('boss@example.com');
    const viewer = await h.user('viewer@example.com');
    const created = await h.gql<{ createOrg: { id: string; viewerMembership: { role: string } } }>(
      `mutation { createOrg(input: { name: "Custom" }) { id viewerMembership { role } } }`,
      { token: boss.token },
    );
    expect(created.body.data!.createOrg.viewerMembership.role).toBe('Boss');
    const orgId = created.body.data!.createOrg.id;

    const defaultName = await h.gql(`mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Member") { role } }`, {
      token: boss.token,
      variables: { o: orgId, u: viewer.id },
    });
    expect(codes(defaultName)).toEqual(['BAD_USER_INPUT']);
    const added = await h.gql(`mutation($o: ID!, $u: ID!) { addOrgMember(orgId: $o, userId: $u, role: "Viewer") { role permissions } }`, {
      token: boss.token,
      variables: { o: orgId, u: viewer.id },
    });
    expect(added.body.data).toEqual({ addOrgMember: { role: 'Viewer', permissions: ['org:read'] } });

    // A Viewer sees the org but not its member list.
    const res = await h.gql<{ org: { id: string; members: unknown } | null }>(`query($id: ID!) { org(id: $id) { id members { totalCount } } }`, {
      token: viewer.token,
      variables: { id: orgId },
    });
    expect(res.body.data).toEqual({ org: null });
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_PERMISSION' });
  });
});

describe('ROLES_FILE validation at start-up', () => {
  const cases: Record<string, unknown> = {
    'invalid JSON': '{ "roles": [',
    'duplicate role names': {
      roles: [
        { name: 'A', rank: 1, permissions: [] },
        { name: 'A', rank: 2, permissions: [] },
      ],
    },
    'a bad permission string': { roles: [{ name: 'A', rank: 1, permissions: ['Not A Permission!'] }] },
    'an unknown key': { roles: [{ name: 'A', rank: 1, permissions: [], colour: 'red' }] },
    'permissions the schema needs missing': { roles: [{ name: 'Solo', rank: 1, permissions: ['org:read'] }] },
  };
  for (const [problem, content] of Object.entries(cases)) {
    it(`refuses to start with ${problem}`, async () => {
      await expect(startHarness({ env: { ROLES_FILE: rolesFile(`${problem}.json`, content) } })).rejects.toThrow();
    });
  }

  it('refuses to start when the file does not exist', async () => {
    await expect(startHarness({ env: { ROLES_FILE: join(dir, 'missing.json') } })).rejects.toThrow(/ROLES_FILE/);
  });
});
