import { z } from 'zod';
import { invalidRefreshToken } from '../errors.js';
import { authResult, parseBody, requireSignInUser, type AuthRoute } from './context.js';

/**
 * Refresh and sign-out. Refresh tokens rotate on every use; presenting one that was already used
 * revokes its whole family (someone holds a copy).
 */

const refreshBody = z.object({ refresh_token: z.string().min(1).max(256) });

const refresh: AuthRoute = {
  method: 'POST',
  pattern: ['tokens'],
  handle: async (req, deps) => {
    const { refresh_token: token } = parseBody(refreshBody, req.body());
    if (!deps.refresh.enabled) throw invalidRefreshToken();
    const rotated = deps.auth.transaction(() => {
      const row = deps.auth.refreshRow(token);
      if (!row) return invalidRefreshToken();
      if (row.used_at !== null) {
        deps.auth.revokeFamily(row.family);
        return invalidRefreshToken();
      }
      if (row.expires_at <= Date.now()) {
        deps.auth.revokeFamily(row.family);
        return invalidRefreshToken();
      }
      requireSignInUser(deps, row.user_id);
      deps.auth.markRefreshUsed(row.hash);
      return row;
    });
    // Returned rather than thrown so the family revocation above is committed.
    if (rotated instanceof Error) throw rotated;
    return { status: 200, body: { auth_result: await authResult(deps, rotated.user_id, { family: rotated.family, expiresAt: rotated.expires_at }) } };
  },
};

const signOut: AuthRoute = {
  method: 'DELETE',
  pattern: ['tokens'],
  handle: (req, deps) => {
    const token = req.query.get('refresh_token') ?? '';
    const row = token ? deps.auth.refreshRow(token) : undefined;
    // Signing out with an unknown or spent token is not an error: the outcome (signed out) holds.
    if (row) deps.auth.revokeFamily(row.family);
    return { status: 200 };
  },
};

export const tokenRoutes: AuthRoute[] = [refresh, signOut];
