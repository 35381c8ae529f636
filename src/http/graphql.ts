import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GraphQLContext, RequestInfo } from '../graphql/context.js';
import { OBSERVATION, type Observation } from '../metrics.js';
import { readBody } from './body.js';
import { HttpError } from './respond.js';

export type GraphQLEndpointOptions = {
  apollo: ApolloServer<GraphQLContext>;
  context: (req: RequestInfo) => Promise<GraphQLContext>;
  maxBodyBytes: number;
  maxResponseBytes?: number | undefined;
};

/** /graphql after CORS: hands the request to Apollo and writes its answer. */
export function graphqlEndpoint(opts: GraphQLEndpointOptions) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string, observation: Observation): Promise<void> => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET or POST.');
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = method === 'POST' ? await readBody(req, res, headers.get('content-type'), opts.maxBodyBytes) : undefined;

    const response = await opts.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: url.search, body },
      context: async () => {
        const context = await opts.context({ requestId, headers: { authorization: req.headers.authorization, cookie: req.headers.cookie, idempotencyKey: headerValue(req.headers['idempotency-key']) } });
        (context as unknown as Record<symbol, Observation>)[OBSERVATION] = observation;
        return context;
      },
    });

    for (const [key, value] of response.headers) {
      // Keep our Vary: Origin when Apollo varies on something too.
      const vary = key === 'vary' ? res.getHeader('vary') : undefined;
      res.setHeader(key, vary ? `${String(vary)}, ${value}` : value);
    }
    res.statusCode = response.status ?? 200;
    // Every "try again later" answer says when; errors that know better set their own value.
    if ((res.statusCode === 503 || res.statusCode === 429) && !res.hasHeader('retry-after')) res.setHeader('retry-after', '5');
    // A 401 here always means the token that was sent is unusable (RFC 6750 section 3).
    if (res.statusCode === 401 && !res.hasHeader('www-authenticate')) res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
    if (response.body.kind === 'complete') {
      // The resolvers stop building once JSON values pass the bound; this catches the rest, so
      // nothing over it is ever sent.
      if (opts.maxResponseBytes !== undefined && Buffer.byteLength(response.body.string) > opts.maxResponseBytes) {
        throw new HttpError(400, 'RESPONSE_TOO_LARGE', `The response would be larger than ${opts.maxResponseBytes} bytes; ask for less.`);
      }
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
