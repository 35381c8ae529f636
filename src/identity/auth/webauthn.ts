import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { z } from 'zod';
import { ApiError, badRequest, discoverableFailed, userNotActive, userNotFound, webauthnFailed } from '../errors.js';
import type { PassageUserWire } from '../store.js';
import { authResult, bearerUser, credentialWire, parseBody, parseIdentifier, publicUser, requireSignInUser, type AuthDeps, type AuthRoute } from './context.js';
import type { HandshakeKind } from './store.js';

/**
 * Passkey ceremonies: registration, sign-in (with an identifier or discoverable) and adding a
 * passkey to the signed-in user. Challenges live server-side under a single-use handshake id.
 */

const attachment = z.enum(['platform', 'cross-platform', 'any']).optional();
const registerStartBody = z.object({ identifier: z.string().max(320), authenticator_attachment: attachment });
const deviceStartBody = z.object({ authenticator_attachment: attachment });
const loginStartBody = z.object({ identifier: z.string().max(320).optional() });
const b64 = z.string().max(16_384);
const finishBody = z.object({
  handshake_id: z.string().max(128),
  user_id: z.string().max(64).optional(),
  handshake_response: z
    .object({
      id: b64,
      rawId: b64,
      type: z.literal('public-key'),
      response: z.object({
        clientDataJSON: b64,
        attestationObject: b64.optional(),
        authenticatorData: b64.optional(),
        signature: b64.optional(),
        userHandle: b64.nullish(),
        transports: z.array(z.string().max(32)).max(10).optional(),
      }),
      authenticatorAttachment: z.string().max(32).nullish(),
      clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
      // passage-js 4.1.2 sends the transports here, beside `response` (the reference allows both places).
      transports: z.array(z.string().max(32)).max(10).optional(),
    })
    .passthrough(),
});
type FinishBody = z.infer<typeof finishBody>;

/** The user handle is the Passage user id itself (24 base64url characters = 18 bytes). */
function userHandleBytes(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId, 'base64url'));
}

function handshakeReply(id: string, publicKey: unknown) {
  return { id, challenge: { publicKey } };
}

async function creationHandshake(deps: AuthDeps, user: PassageUserWire, kind: HandshakeKind, attach: string | undefined) {
  const { rpId, rpName, challengeTtlMs } = deps.webauthn;
  const selected = attach ?? 'platform';
  const options = await generateRegistrationOptions({
    rpName,
    rpID: rpId,
    userID: userHandleBytes(user.id),
    userName: user.email || user.phone,
    userDisplayName: user.email || user.phone,
    timeout: challengeTtlMs,
    attestationType: 'none',
    excludeCredentials: deps.auth.passkeysOf(user.id).map((p) => ({ id: p.cred_id, transports: JSON.parse(p.transports) as string[] })),
    authenticatorSelection: {
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
      ...(selected === 'any' ? {} : { authenticatorAttachment: selected as 'platform' | 'cross-platform' }),
    },
  });
  const id = deps.auth.createHandshake(kind, options.challenge, user.id, challengeTtlMs);
  return handshakeReply(id, options);
}

/** Verifies an attestation against a consumed handshake and stores the new passkey. */
async function finishCreation(deps: AuthDeps, body: FinishBody, kind: HandshakeKind, expectedUserId?: string): Promise<{ deviceId: string; userId: string }> {
  const handshake = deps.auth.takeHandshake(body.handshake_id, kind);
  if (!handshake || !handshake.userId) throw webauthnFailed();
  if (body.user_id && body.user_id !== handshake.userId) throw webauthnFailed();
  if (expectedUserId && expectedUserId !== handshake.userId) throw webauthnFailed();
  const userId = handshake.userId;
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: body.handshake_response as unknown as RegistrationResponseJSON,
      expectedChallenge: handshake.challenge,
      expectedOrigin: deps.webauthn.origins,
      expectedRPID: deps.webauthn.rpId,
      requireUserVerification: true,
    });
  } catch {
    throw webauthnFailed();
  }
  if (!verification.verified) throw webauthnFailed();
  const { credential, credentialBackedUp } = verification.registrationInfo;
  return deps.auth.transaction(() => {
    requireSignInUser(deps, userId);
    if (deps.auth.passkeyByCredId(credential.id)) throw webauthnFailed();
    // A registration is also the user's first sign-in.
    if (kind === 'register') deps.auth.recordLogin(userId);
    const deviceId = deps.auth.addPasskey({
      userId,
      credId: credential.id,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: credential.transports ?? body.handshake_response.response.transports ?? body.handshake_response.transports ?? [],
      friendlyName: 'Passkey',
      type: credentialBackedUp ? 'passkey' : 'platform',
    });
    return { deviceId, userId };
  });
}

const registerStart: AuthRoute = {
  method: 'POST',
  pattern: ['register', 'webauthn', 'start'],
  handle: async (req, deps) => {
    const input = parseBody(registerStartBody, req.body());
    const identifier = parseIdentifier(input.identifier);
    await deps.limits.take(req.ip, identifier.value);
    let user = deps.store.findUserByIdentifier(identifier.value);
    if (user?.status === 'inactive') throw userNotActive();
    // A pending user (created, never signed in) may register again; anyone else already exists.
    if (user && (user.status !== 'pending' || user.login_count > 0)) throw badRequest('user: already exists.');
    user ??= deps.store.createUser({ [identifier.kind]: identifier.value, status: 'pending' });
    return { status: 201, body: { handshake: await creationHandshake(deps, user, 'register', input.authenticator_attachment), user: publicUser(user, false) } };
  },
};

const registerFinish: AuthRoute = {
  method: 'POST',
  pattern: ['register', 'webauthn', 'finish'],
  handle: async (req, deps) => {
    const body = parseBody(finishBody, req.body());
    const { userId } = await finishCreation(deps, body, 'register');
    return { status: 201, body: { auth_result: await authResult(deps, userId) } };
  },
};

const loginStart: AuthRoute = {
  method: 'POST',
  pattern: ['login', 'webauthn', 'start'],
  handle: async (req, deps) => {
    const input = parseBody(loginStartBody, req.body());
    const { rpId, challengeTtlMs } = deps.webauthn;
    if (input.identifier === undefined || input.identifier === '') {
      await deps.limits.take(req.ip);
      const options = await generateAuthenticationOptions({ rpID: rpId, userVerification: 'required', timeout: challengeTtlMs, allowCredentials: [] });
      const id = deps.auth.createHandshake('login', options.challenge, null, challengeTtlMs);
      return { status: 200, body: { handshake: handshakeReply(id, options), user: null } };
    }
    const identifier = parseIdentifier(input.identifier);
    await deps.limits.take(req.ip, identifier.value);
    const user = deps.store.findUserByIdentifier(identifier.value);
    if (!user) throw userNotFound();
    if (user.status === 'inactive') throw userNotActive();
    const passkeys = deps.auth.passkeysOf(user.id);
    if (passkeys.length === 0) throw new ApiError(409, 'user_has_no_passkeys', 'user: has no passkeys.');
    const options = await generateAuthenticationOptions({
      rpID: rpId,
      userVerification: 'required',
      timeout: challengeTtlMs,
      allowCredentials: passkeys.map((p) => ({ id: p.cred_id, transports: JSON.parse(p.transports) as string[] })),
    });
    const id = deps.auth.createHandshake('login', options.challenge, user.id, challengeTtlMs);
    return { status: 200, body: { handshake: handshakeReply(id, options), user: publicUser(user) } };
  },
};

const loginFinish: AuthRoute = {
  method: 'POST',
  pattern: ['login', 'webauthn', 'finish'],
  handle: async (req, deps) => {
    const body = parseBody(finishBody, req.body());
    const handshake = deps.auth.takeHandshake(body.handshake_id, 'login');
    const discoverable = handshake !== undefined && handshake.userId === null;
    const fail = () => (discoverable ? discoverableFailed() : webauthnFailed());
    if (!handshake) throw webauthnFailed();
    const passkey = deps.auth.passkeyByCredId(body.handshake_response.id);
    if (!passkey) throw fail();
    if (handshake.userId !== null && passkey.user_id !== handshake.userId) throw webauthnFailed();
    if (body.user_id && body.user_id !== passkey.user_id) throw fail();
    const userHandle = body.handshake_response.response.userHandle;
    if (discoverable && userHandle && userHandle !== passkey.user_id) throw discoverableFailed();
    requireSignInUser(deps, passkey.user_id);
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response: body.handshake_response as unknown as AuthenticationResponseJSON,
        expectedChallenge: handshake.challenge,
        expectedOrigin: deps.webauthn.origins,
        expectedRPID: deps.webauthn.rpId,
        requireUserVerification: true,
        credential: {
          id: passkey.cred_id,
          publicKey: new Uint8Array(passkey.public_key),
          counter: passkey.counter,
          transports: JSON.parse(passkey.transports) as never,
        },
      });
    } catch {
      throw webauthnFailed();
    }
    if (!verification.verified) throw webauthnFailed();
    deps.auth.transaction(() => {
      // The passkey may have been deleted while the signature was being checked.
      if (!deps.auth.passkeyByCredId(passkey.cred_id)) throw webauthnFailed();
      requireSignInUser(deps, passkey.user_id);
      deps.auth.recordPasskeyUse(passkey.device_id, verification.authenticationInfo.newCounter);
      deps.auth.recordLogin(passkey.user_id);
    });
    return { status: 200, body: { auth_result: await authResult(deps, passkey.user_id) } };
  },
};

const deviceStart: AuthRoute = {
  method: 'POST',
  pattern: ['currentuser', 'devices', 'start'],
  handle: async (req, deps) => {
    const user = await bearerUser(deps, req.headers);
    const input = parseBody(deviceStartBody, req.body());
    await deps.limits.take(req.ip, user.id);
    return { status: 200, body: { handshake: await creationHandshake(deps, user, 'device', input.authenticator_attachment), user: publicUser(user, false) } };
  },
};

const deviceFinish: AuthRoute = {
  method: 'POST',
  pattern: ['currentuser', 'devices', 'finish'],
  handle: async (req, deps) => {
    const user = await bearerUser(deps, req.headers);
    const body = parseBody(finishBody, req.body());
    const { deviceId } = await finishCreation(deps, body, 'device', user.id);
    const device = deps.store.listDevices(user.id).find((d) => d.id === deviceId)!;
    return { status: 200, body: { device: credentialWire(device, user.id) } };
  },
};

export const webauthnRoutes: AuthRoute[] = [registerStart, registerFinish, loginStart, loginFinish, deviceStart, deviceFinish];
