import { GraphiQL } from 'graphiql';
import type { ExecutionResult } from 'graphql';
import 'graphiql/style.css';
import './page.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

type FetcherParams = { query: string; operationName?: string | null; variables?: unknown };

/**
 * Posts to passgraph on this page's own origin. The browser adds the dev session cookie
 * (`psg_auth_token`, set by /dev/sign-in), and the JSON content type is what Apollo's CSRF
 * prevention lets through. A header typed into GraphiQL's headers tab (Authorization) wins.
 */
async function fetcher(params: FetcherParams, options?: { headers?: Record<string, unknown> }): Promise<ExecutionResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  for (const [name, value] of Object.entries(options?.headers ?? {})) if (typeof value === 'string') headers[name] = value;
  const response = await fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify(params) });
  return (await response.json()) as ExecutionResult;
}

const DEFAULT_QUERY = `# passgraph in dev mode. Sign in at /dev/sign-in (admin@example.com or member@example.com)
# and every query below runs as that user, with the session cookie.
{
  me {
    email
    displayName
    appRole
  }
}
`;

const root = document.getElementById('graphiql');
if (root) createRoot(root).render(createElement(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY }));
