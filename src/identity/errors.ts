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
