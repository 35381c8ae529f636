import type { TypedDocumentString } from './gql/graphql';
import { authToken, refreshSession } from './identity';
import { endImpersonation, impersonation } from './impersonation-token';

export type GraphQLErrorInfo = {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; reason?: string; field?: string; [key: string]: unknown };
};

export type Result<T> = { status: number; data: T | null; errors: GraphQLErrorInfo[] };

/** Where the API lives: the page's own origin, so the session cookie goes with every request. */
const ENDPOINT = '/graphql';

/**
 * Runs one typed operation. After a sign-in through the identity service the auth token goes as a
 * Bearer header (it lives in localStorage: the dev sign-in's cookie is HttpOnly, so a script could
 * not replace it, and passgraph prefers the header when both are there). Without one, the browser
 * sends the dev sign-in's `psg_auth_token` cookie. The JSON content type is what lets the request
 * through Apollo's CSRF prevention. A refused token is refreshed once and the operation retried.
 */
export async function execute<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<Result<TResult>> {
  // While an admin impersonates a user, the impersonation token goes instead. Once refused
  // (expired, revoked, or the admin lost the role) it is dropped and the admin's own session answers.
  const acting = impersonation();
  if (acting) {
    const result = await post(document, variables, acting.token);
    if (!isSessionRefused(result)) return result;
    endImpersonation();
    impersonationEnded = describeErrors(result.errors);
  }
  const token = authToken();
  const result = await post(document, variables, token);
  if (!token || !isSessionRefused(result)) return result;
  // Refreshed: retry with the new token. Refused refresh: the tokens are gone, so the answer
  // without them (the sign-in page, or the dev cookie's session) is the one to show.
  if ((await refreshSession()) || authToken() === null) return post(document, variables, authToken());
  return result;
}

async function post<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables | undefined,
  token: string | null,
): Promise<Result<TResult>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(ENDPOINT, {
      method: 'POST',
      credentials: 'same-origin',
      headers,
      // The hash names the operation for a server that runs trusted documents only
      // (TRUSTED_DOCUMENTS, which then ignores the text); other servers run the text.
      body: JSON.stringify({ documentId: document.__meta__?.['hash'], query: document.toString(), variables }),
    });
  } catch {
    return { status: 0, data: null, errors: [{ message: 'The server cannot be reached.', extensions: { code: 'NETWORK_ERROR' } }] };
  }
  let body: { data?: TResult | null; errors?: GraphQLErrorInfo[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    return { status: response.status, data: null, errors: [{ message: `Unexpected response (${response.status}).`, extensions: { code: 'BAD_RESPONSE' } }] };
  }
  return { status: response.status, data: body.data ?? null, errors: body.errors ?? [] };
}

/** Why the last impersonation token was dropped (`CODE (REASON)`), until the console has said so. */
export let impersonationEnded: string | null = null;

export function takeImpersonationEnded(): string | null {
  const reason = impersonationEnded;
  impersonationEnded = null;
  return reason;
}

/** `CODE (REASON)` for each error: what the console shows and what tests can read. */
export function describeErrors(errors: readonly GraphQLErrorInfo[]): string {
  return errors
    .map((e) => {
      const code = e.extensions?.code ?? 'ERROR';
      return e.extensions?.reason ? `${code} (${e.extensions.reason})` : code;
    })
    .join(', ');
}

export function isSessionRefused(result: Result<unknown>): boolean {
  return result.status === 401 || result.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED' && !e.path);
}
