import { readdirSync, readFileSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { applyAuthDirectives, baseGuards, rootFieldsWithoutAccess, type GuardFactory } from './directives.js';
import { resolvers } from './resolvers/index.js';
import { Roles } from '../auth/roles.js';
import { createGuards } from './guards.js';
import { MemoryRateLimiter, type RateLimiter } from '../rate-limit.js';
import { RATE_LIMIT_DIRECTIVE, rateLimitGuard } from './rate-limit.js';
import { NO_IMPERSONATION_DIRECTIVE, noImpersonationGuard } from './no-impersonation.js';
import { mapDomainErrors } from './errors.js';
import { checkPassageIds } from './passage-ids.js';
import { recordMutationOutcomes } from './idempotency.js';
import { countJsonBytes } from './response-size.js';
import { DEFAULT_RATE_LIMITS } from '../config.js';
import { fromRoot } from '../paths.js';

export const schemaFolder = fromRoot('schema');

/** The SDL files in a stable order, so the printed schema does not churn. */
export function loadTypeDefs(): string[] {
  return readdirSync(schemaFolder)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'base.graphql' ? -1 : b === 'base.graphql' ? 1 : a.localeCompare(b)))
    .map((f) => readFileSync(`${schemaFolder}/${f}`, 'utf8'));
}

export type SchemaOptions = { roles?: Roles; rateLimiter?: RateLimiter };

/** The buckets `@rateLimit` may name, with the defaults that schema printing and tests use. */
export const defaultRateLimiter = () => new MemoryRateLimiter({ limits: { ...DEFAULT_RATE_LIMITS } });

/** Every access directive, for the given role definitions. */
export function allGuards(roles: Roles = new Roles()): Record<string, GuardFactory> {
  return { ...baseGuards, ...createGuards(roles) };
}

/**
 * Builds the executable schema. Throws (so start-up fails) when a root field has no access rule
 * or a directive names an unknown role, permission or path.
 */
export function createSchema(opts: SchemaOptions = {}): GraphQLSchema {
  const guards = allGuards(opts.roles);
  const schema = makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers });
  const missing = rootFieldsWithoutAccess(schema, Object.keys(guards));
  if (missing.length > 0) {
    throw new Error(`Root fields without an access directive: ${missing.join(', ')}`);
  }
  // @noImpersonation and @rateLimit are applied like guards but kept out of the check above: they
  // grant nothing. @noImpersonation runs first, so an impersonated session is told why (reason
  // IMPERSONATION) rather than that the user lacks a role; @rateLimit last, after the access rules.
  const limited = {
    [NO_IMPERSONATION_DIRECTIVE]: noImpersonationGuard,
    ...guards,
    [RATE_LIMIT_DIRECTIVE]: rateLimitGuard(opts.rateLimiter ?? defaultRateLimiter()),
  };
  // Id checks wrap everything else, so a malformed Passage id is refused before any rule runs.
  return recordMutationOutcomes(countJsonBytes(mapDomainErrors(checkPassageIds(applyAuthDirectives(schema, limited)))));
}
