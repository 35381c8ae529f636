import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/identity/index.js';
import { EmulatorStore } from '../../src/identity/store.js';
import { apiClient, makeTempDir } from './support.js';

describe('user management semantics', () => {
  const tmp = makeTempDir();
  const dbFile = tmp.file('users.sqlite');
  let emulator: Emulator;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    emulator = await startEmulator({ dbFile });
    api = apiClient(emulator);
  });
  afterAll(async () => {
    await emulator?.close();
    tmp.remove();
  });

  it('stores emails lower-cased and accepts phone-only and email+phone users', async () => {
    const mixed = await api('POST', '/users', { email: 'MiXeD@Example.COM' });
    expect(mixed.body.user.email).toBe('mixed@example.com');
    const phoneOnly = await api('POST', '/users', { email: '', phone: '+447700900123' });
    expect(phoneOnly.status).toBe(201);
    expect(phoneOnly.body.user).toMatchObject({ email: '', phone: '+447700900123' });
    const both = await api('POST', '/users', { email: 'both@example.com', phone: '+14155550100' });
    expect(both.body.user).toMatchObject({ email: 'both@example.com', phone: '+14155550100' });
    expect(emulator.findUserByIdentifier('MIXED@example.com')?.id).toBe(mixed.body.user.id);
    expect(emulator.findUserByIdentifier('+447700900123')?.id).toBe(phoneOnly.body.user.id);
    expect(emulator.findUserByIdentifier('nobody@example.com')).toBeUndefined();
  });

  it('validates emails and E.164 phones and refuses duplicates', async () => {
    for (const body of [{ email: 'a@b' }, { email: 'two words@example.com' }, { phone: '+0123' }, { phone: '+1 415 555 0100' }, { phone: '14155550100' }]) {
      const reply = await api('POST', '/users', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.code).toBe('invalid_request');
    }
    await api('POST', '/users', { email: 'dup@example.com' });
    const duplicate = await api('POST', '/users', { email: 'DUP@example.com' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body).toEqual({ code: 'invalid_request', error: 'user: already exists.' });
  });

  it('updates identifiers and merges metadata, refusing an identifier owned by someone else', async () => {
    const created = (await api('POST', '/users', { email: 'meta@example.com', user_metadata: { plan: 'free', team: 'x' } })).body.user;
    const updated = await api('PATCH', `/users/${created.id}`, { email: 'Meta2@Example.com', user_metadata: { plan: 'pro', team: null } });
    expect(updated.status).toBe(200);
    expect(updated.body.user.email).toBe('meta2@example.com');
    expect(updated.body.user.user_metadata).toEqual({ plan: 'pro' });
    expect(updated.body.user.updated_at > created.updated_at).toBe(true);
    expect(updated.body.user.created_at).toBe(created.created_at);

    await api('POST', '/users', { email: 'owner@example.com' });
    const clash = await api('PATCH', `/users/${created.id}`, { email: 'owner@example.com' });
    expect(clash.status).toBe(400);
    expect(clash.body.code).toBe('invalid_request');
    expect((await api('GET', `/users/${created.id}`)).body.user.email).toBe('meta2@example.com');
  });

  it('deactivates and activates', async () => {
    const user = await emulator.seedUser({ email: 'toggle@example.com', status: 'pending' });
    expect(user.status).toBe('pending');
    expect((await api('PATCH', `/users/${user.id}/deactivate`)).body.user.status).toBe('inactive');
    expect((await api('GET', `/users/${user.id}`)).body.user.status).toBe('inactive');
    expect((await api('PATCH', `/users/${user.id}/activate`)).body.user.status).toBe('active');
  });

  it('seeds idempotently by email or phone', async () => {
    const first = await emulator.seedUser({ email: 'seed@example.com', phone: '+15557770000', devices: [{}] });
    expect((await emulator.seedUser({ email: 'SEED@example.com' })).id).toBe(first.id);
    expect((await emulator.seedUser({ phone: '+15557770000' })).id).toBe(first.id);
    expect((await api('GET', `/users/${first.id}/devices`)).body.devices).toHaveLength(1);
    await expect(emulator.seedUser({ email: 'bad-device@example.com', devices: [{ type: 'fingerprint' }] })).rejects.toThrow();
    expect(emulator.findUserByIdentifier('bad-device@example.com')).toBeUndefined();
  });

  it('records a revocation time when tokens are revoked', async () => {
    const user = await emulator.seedUser({ email: 'revoke@example.com' });
    const store = EmulatorStore.open(dbFile, { mustExist: true });
    try {
      expect(store.tokensRevokedAt(user.id)).toBeUndefined();
      const reply = await api('DELETE', `/users/${user.id}/tokens`);
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('');
      expect(store.tokensRevokedAt(user.id)).toMatch(/^\d{4}-/);
    } finally {
      store.close();
    }
  });

  it('removes devices and magic links with the user', async () => {
    const user = await emulator.seedUser({ email: 'gone@example.com', devices: [{}, { type: 'security_key' }] });
    expect((await api('POST', '/magic-links', { user_id: user.id })).status).toBe(201);
    const store = EmulatorStore.open(dbFile, { mustExist: true });
    try {
      expect(store.countMagicLinks(user.id)).toBe(1);
      expect((await api('DELETE', `/users/${user.id}`)).status).toBe(200);
      expect(store.countMagicLinks(user.id)).toBe(0);
      expect(() => store.listDevices(user.id)).toThrow();
      expect(emulator.findUserByIdentifier('gone@example.com')).toBeUndefined();
      // The identifier is free again.
      expect((await api('POST', '/users', { email: 'gone@example.com' })).status).toBe(201);
    } finally {
      store.close();
    }
  });

  it('only deletes a device of the user it belongs to', async () => {
    const owner = await emulator.seedUser({ email: 'owner-dev@example.com', devices: [{ friendlyName: 'Phone' }] });
    const other = await emulator.seedUser({ email: 'other-dev@example.com' });
    const deviceId = owner.webauthn_devices[0]!.id;
    const wrongUser = await api('DELETE', `/users/${other.id}/devices/${deviceId}`);
    expect(wrongUser.status).toBe(404);
    expect(wrongUser.body.code).toBe('device_not_found');
    expect((await api('GET', `/users/${owner.id}`)).body.user.webauthn_devices).toHaveLength(1);
    expect((await api('DELETE', `/users/${owner.id}/devices/${deviceId}`)).status).toBe(200);
    const after = (await api('GET', `/users/${owner.id}`)).body.user;
    expect(after.webauthn).toBe(false);
    expect(after.webauthn_types).toEqual([]);
  });
});
