import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { getVariableValues, GraphQLError, type ValidationRule } from 'graphql';
import type { Config } from '../config.js';
import { operationCost, type CostModel, DEFAULT_COST_MODEL } from './cost.js';
import { assertJsonBounds, JSON_MAX_DEPTH } from './json-scalar.js';

export type QueryLimitOptions = {
  plugins: ApolloServerPlugin<BaseContext>[];
  validationRules: ValidationRule[];
  parseOptions: NonNullable<ApolloServerOptions<BaseContext>['parseOptions']>;
};

/**
 * The variables object as a whole may nest this deep: a JSON value's own bound plus room for the
 * input objects and lists around it. Checked before anything walks the variables recursively
 * (coercion, the idempotency hash), so no request can overflow the stack.
 */
export const VARIABLES_MAX_DEPTH = JSON_MAX_DEPTH + 16;

/**
 * Depth, alias and directive limits from graphql-armor, with the numbers spelled out; the cost
 * limit is our own (see `cost.ts`), computed once the operation and its variables are known;
 * plus graphql-js's own token limit. Armor's token plugin stays off: it throws from a request
 * hook, which Apollo answers with HTTP 500 for every syntax error; graphql-js's `maxTokens`
 * parse option fails the parse instead, which is a 400 GRAPHQL_PARSE_FAILED.
 */
export function queryLimits(limits: Config['queryLimits'], opts: { production: boolean; costModel?: CostModel }): QueryLimitOptions {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: false },
    maxAliases: { n: limits.maxAliases, allowList: ['__typename'] },
    maxDirectives: { n: limits.maxDirectives },
    // Armor's cost rule sees literals only, so `first: $n` passed any budget; ours replaces it.
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    // Apollo's hideSchemaDetailsFromClientErrors already hides suggestions in production;
    // development keeps them because they help whoever is writing the query.
    blockFieldSuggestion: { enabled: opts.production },
  }).protect();
  return {
    plugins: [...(armor.plugins as ApolloServerPlugin<BaseContext>[]), costLimit(limits.maxCost, opts.costModel ?? DEFAULT_COST_MODEL)],
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
  };
}

const refusal = (message: string, extensions: Record<string, unknown>) => new GraphQLError(message, { extensions: { ...extensions, http: { status: 400 } } });

/**
 * Bounds the variables' shape, then prices the operation with its coerced variables and refuses
 * it (HTTP 400 `QUERY_TOO_COMPLEX`, with `cost` and `limit`) before anything runs.
 */
function costLimit(maxCost: number, model: CostModel): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, operation, document, schema }) {
          try {
            assertJsonBounds(request.variables ?? {}, { maxDepth: VARIABLES_MAX_DEPTH, maxBytes: Number.POSITIVE_INFINITY });
          } catch (err) {
            throw refusal((err as Error).message, { code: 'BAD_USER_INPUT', field: 'variables' });
          }
          if (!operation) return;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
          // Variables that do not coerce fail the request at execution, before any resolver, with
          // every problem listed; nothing to price here.
          if (coerced.errors) return;
          const cost = operationCost(schema, document, operation, coerced.coerced, model);
          if (cost > maxCost) {
            throw refusal(`The operation costs ${cost}, over the limit of ${maxCost}; ask for fewer or smaller pages.`, {
              code: 'QUERY_TOO_COMPLEX',
              cost,
              limit: maxCost,
            });
          }
        },
      };
    },
  };
}
