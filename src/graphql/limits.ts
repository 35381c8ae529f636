import type { ApolloServerOptions, ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { getVariableValues, GraphQLError, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import type { Config } from '../config.js';
import { operationCost, type CostModel, DEFAULT_COST_MODEL } from './cost.js';
import { assertJsonBounds, JSON_MAX_DEPTH } from './json-scalar.js';
import type { RequestHooks } from './request-plugin.js';

export type QueryLimitOptions = {
  /** For the request plugin: armor's error masking, then the cost limit. */
  hooks: RequestHooks[];
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
export async function queryLimits(limits: Config['queryLimits'], opts: { production: boolean; costModel?: CostModel }): Promise<QueryLimitOptions> {
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
  // Armor's plugins keep no state per request (each listener only closes over its settings), so
  // their listeners are taken once here and called from the one request plugin.
  const armorHooks = await Promise.all(
    (armor.plugins as ApolloServerPlugin<BaseContext>[]).map(async (plugin) => {
      const listener = (await plugin.requestDidStart?.(undefined as never)) as GraphQLRequestListener<BaseContext> | undefined;
      return { didEncounterErrors: listener?.didEncounterErrors?.bind(listener) } as RequestHooks;
    }),
  );
  return {
    hooks: [...armorHooks, costLimit(limits.maxCost, opts.costModel ?? DEFAULT_COST_MODEL)],
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
  };
}

const refusal = (message: string, extensions: Record<string, unknown>) => new GraphQLError(message, { extensions: { ...extensions, http: { status: 400 } } });

/**
 * Bounds the variables' shape, then prices the operation with its coerced variables and refuses
 * it (HTTP 400 `QUERY_TOO_COMPLEX`, with `cost` and `limit`) before anything runs.
 */
function costLimit(maxCost: number, model: CostModel): RequestHooks {
  // Apollo keeps parsed documents by query text, so the same query comes back as the same
  // operation node: one without variables has one price, computed once.
  const fixed = new WeakMap<OperationDefinitionNode, number>();
  const priceOf = (operation: OperationDefinitionNode, compute: () => number): number => {
    if (operation.variableDefinitions?.length) return compute();
    let cost = fixed.get(operation);
    if (cost === undefined) {
      cost = compute();
      fixed.set(operation, cost);
    }
    return cost;
  };
  return {
    didResolveOperation({ request, operation, document, schema }) {
      const variables = request.variables ?? {};
      // A request without variables has nothing to bound and, for a known operation, a known price.
      const noVariables = Object.keys(variables).length === 0;
      if (!noVariables) {
        try {
          assertJsonBounds(variables, { maxDepth: VARIABLES_MAX_DEPTH, maxBytes: Number.POSITIVE_INFINITY });
        } catch (err) {
          throw refusal((err as Error).message, { code: 'BAD_USER_INPUT', field: 'variables' });
        }
      }
      if (!operation) return;
      if (noVariables && !operation.variableDefinitions?.length) {
        const known = fixed.get(operation);
        if (known !== undefined) return check(known);
      }
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
      // Variables that do not coerce fail the request at execution, before any resolver, with
      // every problem listed; nothing to price here.
      if (coerced.errors) return;
      check(priceOf(operation, () => operationCost(schema, document, operation, coerced.coerced, model)));
    },
  };

  function check(cost: number): void {
    if (cost > maxCost) {
      throw refusal(`The operation costs ${cost}, over the limit of ${maxCost}; ask for fewer or smaller pages.`, {
        code: 'QUERY_TOO_COMPLEX',
        cost,
        limit: maxCost,
      });
    }
  }
}
