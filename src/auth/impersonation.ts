import { decodeJwt, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { InvalidTokenError, MAX_TOKEN_LENGTH, readKid, type TokenVerifier, type VerifiedToken } from './token.js';

/**
 * Impersonation tokens: JWTs passgraph signs with its own keys (never Passage's) so an app admin
 * can act as a user. They are told apart from Passage tokens by their issuer, which Passage never
 * uses, and verified only with passgraph's keys: a token that claims this issuer but is signed by
 * any other key is refused, and Passage tokens never reach this code.
 */

export const IMPERSONATION_ISSUER = 'urn:passgraph:impersonation';
/** Only passgraph's API accepts them. */
export const IMPERSONATION_AUDIENCE = 'urn:passgraph:api';
export const IMPERSONATION_ALG = 'EdDSA';
/** Clock skew tolerated on `exp`, as for Passage tokens. */
export const CLOCK_TOLERANCE_SECONDS = 5;

export type SigningKey = { kid: string; privateKey: CryptoKey };

/** Where verification keys come from: passgraph's own key store. */
export type ImpersonationKeyring = {
  /** The public key of `kid` while it may verify tokens; null for a key that is not (or no longer) passgraph's. */
  verificationKey(kid: string): Promise<CryptoKey | null>;
  /** The same answer, synchronously: the verified-token cache drops entries of keys that stopped verifying. */
  keyPublished(kid: string): boolean;
};

export type ImpersonationGrant = { userId: string; impersonatorId: string; jti: string; issuedAt: number; expiresAt: number };

/** Seconds since the epoch, as JWT claims count. */
const seconds = (ms: number) => Math.floor(ms / 1000);

/** `sub` is the user acted as and `act.sub` the admin acting (RFC 8693's actor claim). */
export function signImpersonationToken(key: SigningKey, grant: ImpersonationGrant): Promise<string> {
  return new SignJWT({ act: { sub: grant.impersonatorId } })
    .setProtectedHeader({ alg: IMPERSONATION_ALG, kid: key.kid, typ: 'JWT' })
    .setIssuer(IMPERSONATION_ISSUER)
    .setAudience(IMPERSONATION_AUDIENCE)
    .setSubject(grant.userId)
    .setJti(grant.jti)
    .setIssuedAt(seconds(grant.issuedAt))
    .setExpirationTime(seconds(grant.expiresAt))
    .sign(key.privateKey);
}

/** True when the (unverified) token claims passgraph's impersonation issuer. */
export function claimsImpersonation(token: string): boolean {
  try {
    return decodeJwt(token).iss === IMPERSONATION_ISSUER;
  } catch {
    return false;
  }
}

export type ImpersonationVerifyOptions = {
  /** Accept an expired token (revoking one reads it); the signature and every other claim are still checked. */
  allowExpired?: boolean;
};

/** Checks an impersonation token with passgraph's keys only. */
export async function verifyImpersonationToken(keyring: ImpersonationKeyring, token: string, opts: ImpersonationVerifyOptions = {}): Promise<VerifiedToken> {
  const kid = readKid(token);
  const key = await keyring.verificationKey(kid);
  if (!key) throw new InvalidTokenError('UNKNOWN_KEY');
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [IMPERSONATION_ALG],
      issuer: IMPERSONATION_ISSUER,
      audience: IMPERSONATION_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      // jose checks exp against this instant: far enough ahead that nothing counts as expired.
      ...(opts.allowExpired ? { currentDate: new Date(0) } : {}),
    }));
  } catch (err) {
    throw new InvalidTokenError(classify(err), { cause: err });
  }
  const act = payload['act'] as { sub?: unknown } | undefined;
  const impersonatorId = act?.sub;
  if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.jti !== 'string' || payload.jti === '') {
    throw new InvalidTokenError('BAD_CLAIMS');
  }
  if (typeof impersonatorId !== 'string' || impersonatorId === '') throw new InvalidTokenError('BAD_CLAIMS');
  return { userId: payload.sub, expiresAt: payload.exp! * 1000, impersonation: { impersonatorId, jti: payload.jti } };
}

function classify(err: unknown): InvalidTokenError['reason'] {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWT_EXPIRED') return 'EXPIRED';
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'BAD_SIGNATURE';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return 'BAD_CLAIMS';
  return 'MALFORMED';
}

/**
 * One verifier for both kinds of token: passgraph's impersonation issuer goes to passgraph's keys,
 * everything else to the Passage verifier exactly as before.
 */
export function withImpersonation(passage: TokenVerifier, keyring: ImpersonationKeyring): TokenVerifier {
  return {
    ...passage,
    verify: (token) => (token.length <= MAX_TOKEN_LENGTH && claimsImpersonation(token) ? verifyImpersonationToken(keyring, token) : passage.verify(token)),
    keyPublished: (kid) => passage.keyPublished(kid) || keyring.keyPublished(kid),
  };
}
