import type {
  ApolloServerPlugin,
  GraphQLRequestContextDidEncounterErrors,
  GraphQLRequestContextDidResolveOperation,
  GraphQLRequestContextResponseForOperation,
  GraphQLRequestContextWillSendResponse,
  GraphQLRequestListener,
  GraphQLResponse,
} from '@apollo/server';
import type { GraphQLContext } from './context.js';

type Maybe<T> = T | Promise<T>;

/**
 * What one feature (metrics, the access-log record, the cost limit, idempotency, ...) does at the
 * points of a request it cares about. A hook returns a promise only when it has asynchronous work.
 * No per-request state lives here: a feature keeps it on the request's context.
 */
export type RequestHooks = {
  didResolveOperation?(rc: GraphQLRequestContextDidResolveOperation<GraphQLContext>): Maybe<void>;
  responseForOperation?(rc: GraphQLRequestContextResponseForOperation<GraphQLContext>): Maybe<GraphQLResponse | null>;
  didEncounterErrors?(rc: GraphQLRequestContextDidEncounterErrors<GraphQLContext>): Maybe<void>;
  willSendResponse?(rc: GraphQLRequestContextWillSendResponse<GraphQLContext>): Maybe<void>;
};

type Hook<R> = (rc: R) => Maybe<void>;

/**
 * Every feature of passgraph's request pipeline as one Apollo plugin with one listener, shared by
 * all requests. Apollo calls each plugin's `requestDidStart` and each hook of each listener on
 * every request, and a listener per feature cost as much as Apollo's own work for a small query.
 *
 * Hooks run in the order of `features`, each started before the next as Apollo starts them
 * (`Promise.all` over listeners): a hook that changes the response before its first `await` is
 * seen by the features after it. A hook no feature has is left out, so Apollo skips it.
 */
export function requestPlugin(features: readonly RequestHooks[]): ApolloServerPlugin<GraphQLContext> {
  const listener: GraphQLRequestListener<GraphQLContext> = {};
  const pick = <K extends keyof RequestHooks>(key: K) => features.flatMap((f) => (f[key] ? [f[key].bind(f) as NonNullable<RequestHooks[K]>] : []));

  const resolved = pick('didResolveOperation');
  if (resolved.length > 0) listener.didResolveOperation = (rc) => all(resolved, rc);
  const errors = pick('didEncounterErrors');
  if (errors.length > 0) listener.didEncounterErrors = (rc) => all(errors, rc);
  const sending = pick('willSendResponse');
  if (sending.length > 0) listener.willSendResponse = (rc) => all(sending, rc);
  const answers = pick('responseForOperation');
  if (answers.length > 0) {
    listener.responseForOperation = async (rc) => {
      for (const answer of answers) {
        const response = await answer(rc);
        if (response) return response;
      }
      return null;
    };
  }
  return {
    async requestDidStart() {
      return listener;
    },
  };
}

/** Starts every hook in order; waits only when one of them returned a promise. */
function all<R>(hooks: readonly Hook<R>[], rc: R): Promise<void> {
  let pending: Promise<void>[] | undefined;
  let failed: { error: unknown } | undefined;
  for (const hook of hooks) {
    try {
      const result = hook(rc);
      if (result) {
        pending ??= [];
        pending.push(result);
      }
    } catch (error) {
      // Like a rejected hook under Promise.all: the others still run, the first failure wins.
      failed ??= { error };
    }
  }
  if (failed) {
    // The others' failures are settled here, as Promise.all would, so none goes unhandled.
    if (pending) Promise.all(pending).catch(() => undefined);
    return Promise.reject(failed.error);
  }
  return pending ? Promise.all(pending).then(() => undefined) : Promise.resolve();
}
