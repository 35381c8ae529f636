import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';

/** Why a token was refused; logged and counted, never shown to clients beyond the code. */
export type TokenFailureReason = 'MALFORMED' | 'NO_KID' | 'UNKNOWN_KEY' | 'EXPIRED' | 'BAD_SIGNATURE' | 'BAD_CLAIMS';

/** The token is present but unacceptable: the request is answered 401. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  constructor(readonly reason: TokenFailureReason, options?: { cause?: unknown }) {
    super(`invalid token (${reason})`, options);
  }
}

/** No key could be obtained to check the token: the request is answered 503, never 401. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
  constructor(options?: { cause?: unknown }) {
    super('signing keys unavailable', options);
  }
}

export type VerifiedToken = { userId: string; expiresAt: number };

export type TokenVerifier = {
  verify(token: string): Promise<VerifiedToken>;
  /** Fetches the key set now; start-up calls it so the first request does not pay for it. */
  warm(): Promise<void>;
  /** Re-reads the key set in the background; a failure keeps the keys already held. */
  refresh(): Promise<boolean>;
};

export type TokenVerifierOptions = {
  jwksUrl: string;
  appId: string;
  clockToleranceSeconds?: number;
  jwksTimeoutMs?: number;
  /** Minimum time between re-fetches triggered by an unknown `kid` (default 30 s). */
  jwksCooldownMs?: number;
};

/**
 * One verifier (and so one key cache) per process. Keys are held without an age limit and only
 * re-fetched for an unknown `kid` or by `refresh()`, so an outage of the JWKS endpoint never
 * turns tokens signed by a known key into failures.
 */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const remote = createRemoteJWKSet(new URL(opts.jwksUrl), {
    cacheMaxAge: Infinity,
    cooldownDuration: opts.jwksCooldownMs ?? 30_000,
    timeoutDuration: opts.jwksTimeoutMs ?? 3000,
  });

  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
        throw new InvalidTokenError('UNKNOWN_KEY', { cause: err });
      }
      throw new JwksUnavailableError({ cause: err });
    }
  };

  return {
    async verify(token) {
      let kid: unknown;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch (err) {
        throw new InvalidTokenError('MALFORMED', { cause: err });
      }
      if (typeof kid !== 'string' || kid === '') throw new InvalidTokenError('NO_KID');
      try {
        const { payload } = await jwtVerify(token, getKey, {
          algorithms: ['RS256'],
          audience: opts.appId,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: opts.clockToleranceSeconds ?? 5,
        });
        if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidTokenError('BAD_CLAIMS');
        return { userId: payload.sub, expiresAt: payload.exp! * 1000 };
      } catch (err) {
        if (err instanceof InvalidTokenError || err instanceof JwksUnavailableError) throw err;
        throw new InvalidTokenError(classify(err), { cause: err });
      }
    },
    warm: () => remote.reload(),
    async refresh() {
      try {
        await remote.reload();
        return true;
      } catch {
        return false;
      }
    },
  };
}

function classify(err: unknown): TokenFailureReason {
  if (err instanceof joseErrors.JWTExpired) return 'EXPIRED';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'BAD_SIGNATURE';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return 'BAD_CLAIMS';
  return 'MALFORMED';
}

/** Header first (API clients), then the cookie the Passage elements set (browsers). */
export function extractToken(headers: { authorization?: string | undefined; cookie?: string | undefined }): string | null {
  const auth = headers.authorization;
  if (auth !== undefined && auth !== '') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    // A malformed Authorization header is a client bug worth surfacing, not an anonymous request.
    return match ? match[1]! : auth;
  }
  const cookie = headers.cookie;
  if (!cookie) return null;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === 'psg_auth_token') {
      const value = part.slice(eq + 1).trim();
      return value === '' ? null : decodeURIComponentSafe(value);
    }
  }
  return null;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
