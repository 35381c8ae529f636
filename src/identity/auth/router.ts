import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, badRequest } from '../errors.js';
import type { AuthDeps, AuthReply, AuthRoute } from './context.js';
import { currentUserRoutes } from './currentuser.js';
import type { Identifier } from './context.js';
import { issueManagementLink, magicLinkRoutes } from './magic-link.js';
import { otpRoutes } from './otp.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';
import { webauthnRoutes } from './webauthn.js';

/** Passage's Authentication API bodies are small; anything bigger is refused before parsing work. */
export const MAX_AUTH_BODY_BYTES = 64 * 1024;

const ROUTES: AuthRoute[] = [...userRoutes, ...webauthnRoutes, ...magicLinkRoutes, ...otpRoutes, ...tokenRoutes, ...currentUserRoutes];
const CORS_METHODS = 'GET, POST, PATCH, DELETE, OPTIONS';

export type AuthCall = {
  method: string;
  /** Path below /v1/apps/{app_id}, without trailing slashes ('' for the app itself). */
  relative: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  ip: string;
  rawBytes: number;
  body: () => unknown;
};

export type AuthAnswer = AuthReply & { headers: Record<string, string> };

function matchRoute(method: string, relative: string): { route: AuthRoute; params: Record<string, string> } | undefined {
  const segments = relative.split('/').filter(Boolean);
  for (const route of ROUTES) {
    if (route.method !== method || route.pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = route.pattern.every((part, i) => {
      if (part.startsWith(':')) {
        params[part.slice(1)] = segments[i]!;
        return true;
      }
      return part === segments[i];
    });
    if (ok) return { route, params };
  }
  return undefined;
}

/** The browser-facing API: routing, CORS for the app's origins, body limits and error bodies. */
export class AuthApi {
  constructor(private readonly deps: AuthDeps) {}

  /** Whether a message can be sent on this channel (asked before a management link creates anything). */
  canDeliver(channel: Identifier['kind']): boolean {
    return this.deps.delivery.supports(channel);
  }

  /** Makes a management-API magic link activatable here, and sends it when asked. */
  issueManagementLink(input: Parameters<typeof issueManagementLink>[1]): Promise<void> {
    return issueManagementLink(this.deps, input);
  }

  /**
   * Whether this request is the Authentication API's. Passage serves the two APIs on two hosts;
   * here they share one, and only `users` is on both: it is the Authentication API's when it
   * carries no credentials and looks like it (an `identifier` query or body field).
   */
  claims(method: string, relative: string, request: { query: URLSearchParams; body: unknown; hasAuthorization: boolean }): boolean {
    if (method === 'OPTIONS') return true;
    if (matchRoute(method, relative) === undefined) return false;
    if (relative.split('/').filter(Boolean).join('/') !== 'users') return true;
    if (request.hasAuthorization) return false;
    if (method === 'GET') return request.query.has('identifier');
    return typeof request.body === 'object' && request.body !== null && 'identifier' in request.body;
  }

  corsHeaders(headers: IncomingHttpHeaders): Record<string, string> {
    const origin = headers.origin;
    if (!origin || !this.deps.webauthn.origins.includes(origin)) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin' };
  }

  async handle(call: AuthCall): Promise<AuthAnswer> {
    const cors = this.corsHeaders(call.headers);
    if (call.method === 'OPTIONS') {
      const requested = String(call.headers['access-control-request-headers'] ?? '').slice(0, 512);
      const headers =
        Object.keys(cors).length === 0
          ? {}
          : {
              ...cors,
              'access-control-allow-methods': CORS_METHODS,
              'access-control-allow-headers': requested || 'authorization, content-type, passage-version',
              'access-control-max-age': '600',
            };
      return { status: 204, headers };
    }
    const found = matchRoute(call.method, call.relative);
    try {
      if (!found) throw new ApiError(404, 'not_found', 'Not found');
      if (call.rawBytes > MAX_AUTH_BODY_BYTES) throw badRequest('body: request body is too large.');
      const reply = await found.route.handle(
        { method: call.method, params: found.params, query: call.query, body: call.body, headers: call.headers, ip: call.ip },
        this.deps,
      );
      return { ...reply, headers: cors };
    } catch (error) {
      if (error instanceof ApiError) return { status: error.status, body: error.toBody(), headers: cors };
      // Only the message: bodies and answers carry secrets (assertions, codes, links, tokens).
      this.deps.log('error', 'identity: request failed', {
        method: call.method,
        path: call.relative,
        reason: error instanceof Error ? error.message : String(error),
      });
      return { status: 500, body: { code: 'internal_server_error', error: 'Internal server error' }, headers: cors };
    }
  }
}
