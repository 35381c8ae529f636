/** An error that maps onto Passage's `{"code","error"}` wire format. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): { code: string; error: string } {
    return { code: this.code, error: this.message };
  }
}

export const badRequest = (message: string) => new ApiError(400, 'invalid_request', message);
export const userNotFound = () => new ApiError(404, 'user_not_found', 'User not found');

// Authentication API codes (reference passage-auth-api.md §1.1).
export const invalidRequest = badRequest;
export const userNotActive = () => new ApiError(403, 'user_not_active', 'user: is not active.');
export const operationNotAllowed = (message: string) => new ApiError(403, 'operation_not_allowed', message);
export const webauthnFailed = () => new ApiError(401, 'webauthn_login_failed', 'webauthn: the credential could not be verified.');
export const discoverableFailed = () => new ApiError(401, 'discoverable_login_failed', 'webauthn: no user matches this credential.');
export const invalidAccessToken = () => new ApiError(401, 'invalid_access_token', 'Invalid access token');
export const invalidRefreshToken = () => new ApiError(401, 'invalid_refresh_token', 'refresh_token: is invalid or expired.');
export const tooManyRequests = () => new ApiError(429, 'too_many_requests', 'Too many requests; try again later.');
