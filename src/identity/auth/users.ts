import { z } from 'zod';
import { badRequest, operationNotAllowed } from '../errors.js';
import { parseBody, parseIdentifier, publicUser, type AuthRoute } from './context.js';

/** Identifier check and pending-user creation, as the Passage elements use them before registering. */

const createBody = z.object({ identifier: z.string().max(320), user_metadata: z.record(z.string(), z.unknown()).optional() });

const checkIdentifier: AuthRoute = {
  method: 'GET',
  pattern: ['users'],
  handle: async (req, deps) => {
    // Passage answers this probe for anyone; the per-IP budget bounds how fast it can be walked.
    await deps.limits.take(req.ip);
    const identifier = parseIdentifier(req.query.get('identifier') ?? '');
    const user = deps.store.findUserByIdentifier(identifier.value);
    return { status: 200, body: { user: user ? publicUser(user) : null } };
  },
};

const createUser: AuthRoute = {
  method: 'POST',
  pattern: ['users'],
  handle: async (req, deps) => {
    const input = parseBody(createBody, req.body());
    const identifier = parseIdentifier(input.identifier);
    await deps.limits.take(req.ip, identifier.value);
    if (deps.store.findUserByIdentifier(identifier.value)) throw badRequest('user: already exists.');
    if (identifier.kind === 'phone' && !deps.delivery.supports('phone')) throw operationNotAllowed('phone: no SMS provider is configured.');
    const user = deps.store.createUser({ [identifier.kind]: identifier.value, status: 'pending', userMetadata: input.user_metadata });
    return { status: 201, body: { user: publicUser(user) } };
  },
};

export const userRoutes: AuthRoute[] = [checkIdentifier, createUser];
