import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type PassageUserWire } from '../../src/identity/index.js';
import { apiClient } from './support.js';

describe('GET /users (list, filters, paging, order)', () => {
  let emulator: Emulator;
  let api: ReturnType<typeof apiClient>;
  let seeded: PassageUserWire[];
  let updatedId: string;

  const emails = (body: { users: Array<{ email: string; phone: string }> }) => body.users.map((u) => u.email || u.phone);
  async function list(query: string) {
    const reply = await api('GET', `/users?${query}`);
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  }
  async function expectBadRequest(query: string) {
    const reply = await api('GET', `/users?${query}`);
    expect(reply.status, query).toBe(400);
    expect(reply.body.code).toBe('invalid_request');
  }

  beforeAll(async () => {
    emulator = await startEmulator({ dbFile: ':memory:' });
    api = apiClient(emulator);
    seeded = [];
    // Seeded in this order, so created_at ascends the same way.
    seeded.push(await emulator.seedUser({ email: 'a@alpha.io' }));
    seeded.push(await emulator.seedUser({ email: 'b@alpha.io', loginCount: 3, lastLoginAt: new Date('2024-01-01T00:00:00Z') }));
    seeded.push(await emulator.seedUser({ email: 'c@beta.io', status: 'inactive', loginCount: 5, lastLoginAt: new Date('2024-06-01T00:00:00Z') }));
    seeded.push(await emulator.seedUser({ phone: '+15550000001', status: 'pending' }));
    seeded.push(await emulator.seedUser({ email: 'd@beta.io', status: 'pending', loginCount: 1, lastLoginAt: new Date('2023-01-01T00:00:00Z') }));
    updatedId = seeded[0]!.id;
    const patched = await api('PATCH', `/users/${updatedId}`, { user_metadata: { touched: true } });
    expect(patched.status).toBe(200);
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('lists everyone by created_at ascending by default, as list items without webauthn fields', async () => {
    const body = await list('');
    expect(body.total_users).toBe(5);
    expect(body.page).toBe(1);
    expect(body.limit).toBe(20);
    expect(emails(body)).toEqual(['a@alpha.io', 'b@alpha.io', 'c@beta.io', '+15550000001', 'd@beta.io']);
    expect(body.created_before).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    for (const user of body.users) {
      expect(user).not.toHaveProperty('webauthn');
      expect(user).not.toHaveProperty('webauthn_devices');
      expect(user).not.toHaveProperty('recent_events');
    }
  });

  it('filters identifier (email or phone) with every operator', async () => {
    expect(emails(await list('identifier=b@alpha.io'))).toEqual(['b@alpha.io']);
    expect(emails(await list(`identifier=${encodeURIComponent('+15550000001')}`))).toEqual(['+15550000001']);
    expect((await list('identifier=ne:b@alpha.io')).total_users).toBe(4);
    expect(emails(await list('identifier=like:%25@alpha.io'))).toEqual(['a@alpha.io', 'b@alpha.io']);
    expect(emails(await list('identifier=not_like:%25@alpha.io'))).toEqual(['c@beta.io', '+15550000001', 'd@beta.io']);
    expect(emails(await list('identifier=like:%2B1555%25'))).toEqual(['+15550000001']);
    expect(emails(await list('identifier=gt:c'))).toEqual(['c@beta.io', 'd@beta.io']);
    expect(emails(await list('identifier=lt:b'))).toEqual(['a@alpha.io', '+15550000001']);
    // Passage's filter is case-sensitive; SDKs lower-case identifiers before asking.
    expect((await list('identifier=B@ALPHA.IO')).total_users).toBe(0);
    expect((await list('identifier=like:%25@ALPHA.IO')).total_users).toBe(0);
  });

  it('filters id with every operator', async () => {
    const target = seeded[2]!.id;
    expect(emails(await list(`id=${target}`))).toEqual(['c@beta.io']);
    expect((await list(`id=ne:${target}`)).total_users).toBe(4);
    expect(emails(await list(`id=like:${target.slice(0, 20)}%25`))).toEqual(['c@beta.io']);
    expect((await list(`id=not_like:${target.slice(0, 20)}%25`)).total_users).toBe(4);
    const sorted = seeded.map((u) => u.id).sort();
    expect((await list(`id=gt:${sorted[2]}`)).total_users).toBe(2);
    expect((await list(`id=lt:${sorted[2]}`)).total_users).toBe(2);
  });

  it('filters status with every operator and rejects unknown statuses', async () => {
    expect(emails(await list('status=active'))).toEqual(['a@alpha.io', 'b@alpha.io']);
    expect((await list('status=ne:active')).total_users).toBe(3);
    expect(emails(await list('status=like:%25act%25'))).toEqual(['a@alpha.io', 'b@alpha.io', 'c@beta.io']);
    expect(emails(await list('status=not_like:%25act%25'))).toEqual(['+15550000001', 'd@beta.io']);
    expect(emails(await list('status=gt:inactive'))).toEqual(['+15550000001', 'd@beta.io']);
    expect(emails(await list('status=lt:inactive'))).toEqual(['a@alpha.io', 'b@alpha.io']);
    await expectBadRequest('status=deleted');
  });

  it('filters login_count with eq/ne/gt/lt and rejects like and non-integers', async () => {
    expect(emails(await list('login_count=3'))).toEqual(['b@alpha.io']);
    expect((await list('login_count=ne:0')).total_users).toBe(3);
    expect(emails(await list('login_count=gt:1'))).toEqual(['b@alpha.io', 'c@beta.io']);
    expect(emails(await list('login_count=lt:3'))).toEqual(['a@alpha.io', '+15550000001', 'd@beta.io']);
    await expectBadRequest('login_count=like:3');
    await expectBadRequest('login_count=not_like:3');
    await expectBadRequest('login_count=many');
  });

  it('filters last_login_at, treating never-logged-in users as the zero time', async () => {
    expect(emails(await list('last_login_at=gt:2023-06-01T00:00:00.000000Z'))).toEqual(['b@alpha.io', 'c@beta.io']);
    expect(emails(await list('last_login_at=lt:2023-06-01T00:00:00.000000Z'))).toEqual(['a@alpha.io', '+15550000001', 'd@beta.io']);
    expect(emails(await list('last_login_at=2024-01-01T00:00:00.000000Z'))).toEqual(['b@alpha.io']);
    expect((await list('last_login_at=ne:0001-01-01T00:00:00.000000Z')).total_users).toBe(3);
    await expectBadRequest('last_login_at=like:2024%25');
    await expectBadRequest('last_login_at=yesterday');
  });

  it('filters created_at and updated_at with eq/ne/gt/lt', async () => {
    const middle = seeded[2]!.created_at;
    expect(emails(await list(`created_at=gt:${middle}`))).toEqual(['+15550000001', 'd@beta.io']);
    expect(emails(await list(`created_at=lt:${middle}`))).toEqual(['a@alpha.io', 'b@alpha.io']);
    expect(emails(await list(`created_at=${middle}`))).toEqual(['c@beta.io']);
    expect((await list(`created_at=ne:${middle}`)).total_users).toBe(4);
    // Only the patched user was updated after the last seed.
    expect((await list(`updated_at=gt:${seeded[4]!.created_at}`)).users.map((u: { id: string }) => u.id)).toEqual([updatedId]);
    expect((await list(`updated_at=lt:${seeded[4]!.created_at}`)).total_users).toBe(3);
    await expectBadRequest('created_at=like:2024%25');
    await expectBadRequest('updated_at=not_like:x');
    await expectBadRequest('created_at=2024-13-01T00:00:00.000000Z');
  });

  it('combines filters with AND', async () => {
    expect(emails(await list('status=pending&identifier=like:%25@beta.io'))).toEqual(['d@beta.io']);
  });

  it('pages with limit and page, keeps total_users, and links to the neighbours', async () => {
    const first = await list('limit=2');
    expect(emails(first)).toEqual(['a@alpha.io', 'b@alpha.io']);
    expect(first.total_users).toBe(5);
    expect(first._links.previous.href).toBe('');
    expect(first._links.self.href).toBe(`/v1/apps/${emulator.appId}/users?page=1&limit=2&created_before=${first.created_before}`);
    expect(first._links.next.href).toBe(`/v1/apps/${emulator.appId}/users?page=2&limit=2&created_before=${first.created_before}`);
    expect(first._links.last.href).toContain('page=3');

    const next = await fetch(`${emulator.url}${first._links.next.href}`, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
    const second = (await next.json()) as any;
    expect(emails(second)).toEqual(['c@beta.io', '+15550000001']);
    expect(second._links.previous.href).toContain('page=1');

    const third = await list('limit=2&page=3');
    expect(emails(third)).toEqual(['d@beta.io']);
    expect(third._links.next.href).toBe('');
    expect(third.total_users).toBe(5);

    const beyond = await list('limit=2&page=9');
    expect(beyond.users).toEqual([]);
    expect(beyond.total_users).toBe(5);
  });

  it('carries filters and order_by in the links', async () => {
    const body = await list('limit=1&status=ne:active&order_by=email:DESC');
    expect(body.total_users).toBe(3);
    const next = new URL(body._links.next.href, 'http://x');
    expect(next.searchParams.get('status')).toBe('ne:active');
    expect(next.searchParams.get('order_by')).toBe('email:DESC');
  });

  it('anchors on created_before', async () => {
    const past = await list('created_before=1000');
    expect(past.users).toEqual([]);
    expect(past.total_users).toBe(0);
    expect(past.created_before).toBe(1000);
    expect((await list(`created_before=${Math.floor(Date.now() / 1000) + 60}`)).total_users).toBe(5);
  });

  it('orders by order_by and rejects identifier or malformed orders', async () => {
    expect(emails(await list('order_by=login_count:DESC'))).toEqual(['c@beta.io', 'b@alpha.io', 'd@beta.io', 'a@alpha.io', '+15550000001']);
    expect(emails(await list('order_by=status:ASC,created_at:DESC'))).toEqual(['b@alpha.io', 'a@alpha.io', 'c@beta.io', 'd@beta.io', '+15550000001']);
    expect(emails(await list('order_by=created_at:DESC&limit=2'))).toEqual(['d@beta.io', '+15550000001']);
    await expectBadRequest('order_by=identifier:ASC');
    await expectBadRequest('order_by=password:ASC');
    await expectBadRequest('order_by=email:SIDEWAYS');
    await expectBadRequest('order_by=email');
  });

  it('rejects bad page, limit and created_before values', async () => {
    for (const query of ['limit=0', 'limit=501', 'limit=ten', 'limit=2.5', 'page=0', 'page=-1', 'page=x', 'created_before=soon', 'created_before=-5']) {
      await expectBadRequest(query);
    }
    expect((await list('limit=500')).limit).toBe(500);
  });
});
