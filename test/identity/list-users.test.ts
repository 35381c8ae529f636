import { afterAll, describe, expect, it } from 'vitest';
import { EmulatorStore, listUsersSql, type ListUsersQuery } from '../../src/identity/store.js';

/**
 * The list endpoint at scale: passgraph's directory sync pages through every user in created_at
 * order and reads changes in updated_at order. Each page must come from an index that also holds
 * the tie-breakers; a sort of every matching user per page made a 100,000-user sync spend most of
 * its time in the identity service.
 */
describe('identity service list endpoint', () => {
  const store = EmulatorStore.open(':memory:');
  afterAll(() => store.close());

  const plan = (query: ListUsersQuery) => {
    const { pageSql, params } = listUsersSql(query);
    return (store.db.prepare(`EXPLAIN QUERY PLAN ${pageSql}`).all(...params, query.limit, 0) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
  };
  const base = { page: 3, limit: 500, createdBefore: '2999-01-01T00:00:00.000000Z', filters: [] };

  it('reads a page in created_at order (the full sync) from an index, without sorting', () => {
    const detail = plan({ ...base, orderBy: [{ field: 'created_at', direction: 'ASC' }] });
    expect(detail).toMatch(/USING (COVERING )?INDEX users_created_at_id/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  it('reads changes since a time in updated_at order (the incremental sync) from an index, without sorting', () => {
    const detail = plan({
      ...base,
      page: 1,
      orderBy: [{ field: 'updated_at', direction: 'ASC' }],
      filters: [{ field: 'updated_at', op: 'gt', value: '2026-01-01T00:00:00.000000Z' }],
    });
    expect(detail).toMatch(/USING INDEX users_updated_at_created_at_id \(updated_at>\?\)/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  it('keeps the order of ties: users changed at the same instant come in creation order, then id', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(store.createUser({ email: `tie${i}@example.com` }).id);
    store.db.prepare("UPDATE users SET updated_at = '2030-01-01T00:00:00.000000Z'").run();
    const page = store.listUsers({ ...base, page: 1, limit: 10, orderBy: [{ field: 'updated_at', direction: 'ASC' }], filters: [] });
    expect(page.users.map((u) => u.id)).toEqual(ids);
  });
});
