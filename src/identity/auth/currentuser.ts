import { z } from 'zod';
import { ApiError, badRequest } from '../errors.js';
import { bearerUser, credentialWire, currentUserWire, parseBody, parseIdentifier, type AuthRoute } from './context.js';
import { sendLink } from './magic-link.js';
import { assertDeliverable } from './messages.js';

/** The signed-in user (bearer auth token): profile, passkeys, identifier changes, metadata. */

const renameBody = z.object({ friendly_name: z.string().trim().min(1).max(255) });
const emailBody = z.object({
  new_email: z.string().max(320),
  magic_link_path: z.string().max(2048).optional(),
  language: z.string().max(16).optional(),
  redirect_url: z.string().max(2048).optional(),
});
const phoneBody = z.object({
  new_phone: z.string().max(32),
  magic_link_path: z.string().max(2048).optional(),
  language: z.string().max(16).optional(),
  redirect_url: z.string().max(2048).optional(),
});
const metadataBody = z.object({ user_metadata: z.record(z.string(), z.unknown()) });
const deviceNotFound = () => new ApiError(404, 'device_not_found', 'device: not found.');

const get: AuthRoute = {
  method: 'GET',
  pattern: ['currentuser'],
  handle: async (req, deps) => ({ status: 200, body: { user: currentUserWire(await bearerUser(deps, req.headers)) } }),
};

const devices: AuthRoute = {
  method: 'GET',
  pattern: ['currentuser', 'devices'],
  handle: async (req, deps) => {
    const user = await bearerUser(deps, req.headers);
    return { status: 200, body: { devices: user.webauthn_devices.map((d) => credentialWire(d, user.id)) } };
  },
};

const renameDevice: AuthRoute = {
  method: 'PATCH',
  pattern: ['currentuser', 'devices', ':device'],
  handle: async (req, deps) => {
    const user = await bearerUser(deps, req.headers);
    const { friendly_name } = parseBody(renameBody, req.body());
    if (!deps.auth.renameDevice(user.id, req.params.device!, friendly_name)) throw deviceNotFound();
    const device = deps.store.listDevices(user.id).find((d) => d.id === req.params.device)!;
    return { status: 200, body: { device: credentialWire(device, user.id) } };
  },
};

const deleteDevice: AuthRoute = {
  method: 'DELETE',
  pattern: ['currentuser', 'devices', ':device'],
  handle: async (req, deps) => {
    const user = await bearerUser(deps, req.headers);
    // The passkey row cascades with the device: it can no longer sign in.
    deps.store.deleteDevice(user.id, req.params.device!);
    return { status: 200 };
  },
};

function changeIdentifier(kind: 'email' | 'phone'): AuthRoute {
  return {
    method: 'PATCH',
    pattern: ['currentuser', kind],
    handle: async (req, deps) => {
      const user = await bearerUser(deps, req.headers);
      const input = kind === 'email' ? parseBody(emailBody, req.body()) : parseBody(phoneBody, req.body());
      const identifier = parseIdentifier('new_email' in input ? input.new_email : input.new_phone);
      if (identifier.kind !== kind) throw badRequest(`new_${kind}: must be a valid ${kind === 'email' ? 'email address' : 'E164 number'}.`);
      await deps.limits.take(req.ip, identifier.value);
      assertDeliverable(deps, identifier);
      const owner = deps.store.findUserByIdentifier(identifier.value);
      if (owner && owner.id !== user.id) throw badRequest('user: already exists.');
      const body = await sendLink(deps, {
        userId: user.id,
        purpose: kind === 'email' ? 'verify_email' : 'verify_phone',
        to: identifier,
        path: input.magic_link_path,
        verify: true,
      });
      return { status: 200, body };
    },
  };
}

const getMetadata: AuthRoute = {
  method: 'GET',
  pattern: ['currentuser', 'user-metadata'],
  handle: async (req, deps) => ({ status: 200, body: { user_metadata: (await bearerUser(deps, req.headers)).user_metadata } }),
};

const patchMetadata: AuthRoute = {
  method: 'PATCH',
  pattern: ['currentuser', 'user-metadata'],
  handle: async (req, deps) => {
    const user = await bearerUser(deps, req.headers);
    const { user_metadata } = parseBody(metadataBody, req.body());
    if (JSON.stringify(user_metadata).length > 16_384) throw badRequest('user_metadata: is too large.');
    return { status: 200, body: { user: currentUserWire(deps.store.updateUser(user.id, { userMetadata: user_metadata })) } };
  },
};

const socialConnections: AuthRoute = {
  method: 'GET',
  pattern: ['currentuser', 'social-connections'],
  handle: async (req, deps) => {
    await bearerUser(deps, req.headers);
    return { status: 200, body: { social_connections: {} } };
  },
};

/** No social login here: a user never has a connection, so removing one is not found (not an empty success). */
const deleteSocialConnection: AuthRoute = {
  method: 'DELETE',
  pattern: ['currentuser', 'social-connections', ':connection'],
  handle: async (req, deps) => {
    await bearerUser(deps, req.headers);
    throw new ApiError(404, 'social_connection_not_found', 'social_connection: not found.');
  },
};

export const currentUserRoutes: AuthRoute[] = [
  get,
  devices,
  renameDevice,
  deleteDevice,
  changeIdentifier('email'),
  changeIdentifier('phone'),
  getMetadata,
  patchMetadata,
  socialConnections,
  deleteSocialConnection,
];
