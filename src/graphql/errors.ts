import { HeaderMap } from '@apollo/server';
import { GraphQLError, defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import * as domain from '../errors.js';
import { AppError, ERROR_CODES } from '../errors.js';
import { DatabaseBusyError } from '../db/client.js';

export type { ErrorCode } from '../errors.js';

/** Statuses a domain error sets on the whole HTTP response (with `Retry-After`). */
const HTTP_STATUS: Partial<Record<domain.ErrorCode, number>> = { RATE_LIMITED: 429, SERVICE_UNAVAILABLE: 503 };

/**
 * The one mapping from the domain's errors to what a client sees. `AppError` becomes a coded
 * `GraphQLError`; a busy database becomes a retryable 503; anything else passes through (and is
 * masked by the server's error formatter when it is not public).
 */
export function toGraphQLError(err: unknown): unknown {
  if (err instanceof GraphQLError) return err;
  if (err instanceof DatabaseBusyError) return toGraphQLError(domain.serviceUnavailable());
  if (!(err instanceof AppError)) return err;
  const extensions: Record<string, unknown> = { ...err.details, code: err.code };
  if (err.reason !== undefined) extensions.reason = err.reason;
  if (err.field !== undefined) extensions.field = err.field;
  if (err.retryAfterSeconds !== undefined) {
    extensions.retryAfter = err.retryAfterSeconds;
    const status = HTTP_STATUS[err.code];
    if (status) {
      extensions.http = { status, headers: new HeaderMap([['retry-after', String(err.retryAfterSeconds)]]) };
    }
  }
  return new GraphQLError(err.message, { extensions });
}

const graphqlError = (err: AppError) => toGraphQLError(err) as GraphQLError;

// The GraphQL layer's own refusals, built from the same domain shapes so codes and extensions match.
export const unauthenticated = (reason = 'NO_TOKEN') => graphqlError(domain.unauthenticated(reason));
export const forbidden = (reason: string, message?: string, details: Record<string, unknown> = {}) => graphqlError(domain.forbidden(reason, message, details));
export const notFound = (what?: string) => graphqlError(domain.notFound(what));
export const badUserInput = (field: string, message: string) => graphqlError(domain.badUserInput(field, message));
export const conflict = (reason: string, message: string) => graphqlError(domain.conflict(reason, message));
export const rateLimited = (retryAfterSeconds: number, message?: string) => graphqlError(domain.rateLimited(retryAfterSeconds, message));
export const serviceUnavailable = (message?: string, retryAfterSeconds?: number) => graphqlError(domain.serviceUnavailable(message, retryAfterSeconds));
export const fromPassageError = (err: unknown) => graphqlError(domain.fromPassageError(err));

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * Wraps every field resolver so a domain error thrown anywhere below (services, loaders) reaches
 * the client mapped. Synchronous resolvers stay synchronous, so graphql-js keeps its fast path.
 */
export function mapDomainErrors(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve(source, args, ctx, info) {
          let result: unknown;
          try {
            result = resolve(source, args, ctx, info);
          } catch (err) {
            throw toGraphQLError(err);
          }
          if (isPromiseLike(result)) {
            return Promise.resolve(result).catch((err: unknown) => {
              throw toGraphQLError(err);
            });
          }
          return result;
        },
      };
    },
  });
}

/** Apollo's own request-level codes, which reach clients as they are. */
const APOLLO_CODES = [
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
] as const;

/** Codes raised on purpose; anything else reaching a client is masked. */
export const PUBLIC_CODES: ReadonlySet<string> = new Set<string>([...ERROR_CODES.filter((c) => c !== 'INTERNAL_SERVER_ERROR'), ...APOLLO_CODES]);
