import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';

/** Why a token was refused; logged and counted, never shown to clients beyond the code. */
export type TokenFailureReason = 'MALFORMED' | 'TOO_LARGE' | 'NO_KID' | 'UNKNOWN_KEY' | 'EXPIRED' | 'BAD_SIGNATURE' | 'BAD_CLAIMS';

/**
 * Passage tokens are well under 2 KB and a browser cookie holds about 4 KB; anything bigger is
 * refused before any base64, JSON or RSA work is spent on it.
 */
export const MAX_TOKEN_LENGTH = 8192;

/** Keys are trusted this long after the last successful fetch of the key set. */
export const JWKS_MAX_AGE_MS = 24 * 3600_000;

/** The token is present but unacceptable: the request is answered 401. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  constructor(
    readonly reason: TokenFailureReason,
    options?: { cause?: unknown },
  ) {
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

/** Who an impersonation token says is acting (its `act.sub`) and which token it is (`jti`). */
/**
 * The checks every token passes before any key is looked up: a bounded size and a protected
 * header naming a key. Returns that `kid`.
 */
export function readKid(token: string): string {
  if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('TOO_LARGE');
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (err) {
    throw new InvalidTokenError('MALFORMED', { cause: err });
  }
  if (typeof kid !== 'string' || kid === '') throw new InvalidTokenError('NO_KID');
  return kid;
}

export type ImpersonationClaim = { impersonatorId: string; jti: string };

export type VerifiedToken = {
  userId: string;
  expiresAt: number;
  /** Present only for passgraph's own impersonation tokens: `userId` is the user acted as. */
  impersonation?: ImpersonationClaim;
};

export type TokenVerifier = {
  verify(token: string): Promise<VerifiedToken>;
  /** Fetches the key set now; start-up calls it so the first request does not pay for it. */
  warm(): Promise<void>;
  /** Re-reads the key set in the background; a failure keeps the keys already held. */
  refresh(): Promise<boolean>;
  /** True while the key set last fetched publishes `kid` (a verified-token cache drops others). */
  keyPublished(kid: string): boolean;
};

export type TokenVerifierOptions = {
  jwksUrl: string;
  appId: string;
  clockToleranceSeconds?: number;
  jwksTimeoutMs?: number;
  /** Minimum time between re-fetches triggered by an unknown `kid` (default 30 s). */
  jwksCooldownMs?: number;
  /** How long fetched keys are trusted without a successful re-fetch (default 24 h). */
  jwksMaxAgeMs?: number;
};

/**
 * One verifier (and so one key cache) per process. Keys are re-fetched for an unknown `kid` and
 * by `refresh()`, which the server calls on a timer; a failed re-fetch keeps the keys held. So a
 * JWKS outage never turns tokens signed by a known key into failures until the keys are 24 h
 * old, and even then the answer is "cannot verify now" (503), never "invalid" (401).
 */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const remote = createRemoteJWKSet(new URL(opts.jwksUrl), {
    cacheMaxAge: opts.jwksMaxAgeMs ?? JWKS_MAX_AGE_MS,
    cooldownDuration: opts.jwksCooldownMs ?? 30_000,
    timeoutDuration: opts.jwksTimeoutMs ?? 3000,
  });

  // The kids of the key set as last fetched. jose re-fetches on its own for an unknown kid, so
  // the set is re-read whenever a kid is new to it or goes missing, and after every reload.
  let kids = new Set<string>();
  const snapshotKids = () => {
    kids = new Set((remote.jwks()?.keys ?? []).map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      const key = await remote(header, token);
      if (header.kid === undefined || !kids.has(header.kid)) snapshotKids();
      return key;
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
        snapshotKids();
        throw new InvalidTokenError('UNKNOWN_KEY', { cause: err });
      }
      throw new JwksUnavailableError({ cause: err });
    }
  };

  return {
    async verify(token) {
      readKid(token);
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
    async warm() {
      await remote.reload();
      snapshotKids();
    },
    async refresh() {
      try {
        await remote.reload();
        snapshotKids();
        return true;
      } catch {
        return false;
      }
    },
    keyPublished: (kid) => kids.has(kid),
  };
}

function classify(err: unknown): TokenFailureReason {
  if (err instanceof joseErrors.JWTExpired) return 'EXPIRED';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'BAD_SIGNATURE';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return 'BAD_CLAIMS';
  return 'MALFORMED';
}

/**
 * How many `psg_auth_token` cookies are tried. A sibling subdomain can plant a second cookie of
 * that name for the parent domain (the browser then sends both, in an order we do not choose), so
 * the first one is not trusted to be ours; a few verifications bound the work of a stuffed header.
 */
export const MAX_COOKIE_TOKENS = 3;

/**
 * The tokens a request offers, in the order they are tried: the Authorization header alone when
 * present (API clients), else the `psg_auth_token` cookies (browsers), distinct, at most
 * MAX_COOKIE_TOKENS. Empty when the request is anonymous.
 */
export function tokenCandidates(headers: { authorization?: string | undefined; cookie?: string | undefined }): string[] {
  const auth = headers.authorization;
  if (auth !== undefined && auth !== '') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    // A malformed Authorization header is a client bug worth surfacing, not an anonymous request.
    return [match ? match[1]! : auth];
  }
  const tokens: string[] = [];
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== 'psg_auth_token') continue;
    const value = decodeURIComponentSafe(part.slice(eq + 1).trim());
    if (value !== '' && !tokens.includes(value)) tokens.push(value);
    if (tokens.length === MAX_COOKIE_TOKENS) break;
  }
  return tokens;
}

/**
 * The first candidate that verifies; null when there is none. When all fail, the error says
 * why: "cannot verify now" if any failed for want of keys (it may be the valid one), else the
 * first refusal.
 */
export async function verifyAny(verifier: TokenVerifier, candidates: readonly string[]): Promise<VerifiedToken | null> {
  let refusal: unknown;
  let keysUnavailable: JwksUnavailableError | undefined;
  for (const token of candidates) {
    try {
      return await verifier.verify(token);
    } catch (err) {
      if (err instanceof JwksUnavailableError) keysUnavailable ??= err;
      else refusal ??= err;
    }
  }
  if (keysUnavailable) throw keysUnavailable;
  if (refusal !== undefined) throw refusal;
  return null;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The same verifier, reporting each refusal's reason (or JWKS_UNAVAILABLE) before rethrowing it. */
export function reportingFailures(verifier: TokenVerifier, report: (reason: TokenFailureReason | 'JWKS_UNAVAILABLE') => void): TokenVerifier {
  return {
    ...verifier,
    async verify(token) {
      try {
        return await verifier.verify(token);
      } catch (err) {
        report(err instanceof JwksUnavailableError ? 'JWKS_UNAVAILABLE' : err instanceof InvalidTokenError ? err.reason : 'MALFORMED');
        throw err;
      }
    },
  };
}
