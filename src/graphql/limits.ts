import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ValidationRule } from 'graphql';
import type { Config } from '../config.js';

export type QueryLimitOptions = {
  plugins: ApolloServerPlugin<BaseContext>[];
  validationRules: ValidationRule[];
  parseOptions: NonNullable<ApolloServerOptions<BaseContext>['parseOptions']>;
};

/**
 * Depth, alias, directive and cost limits from graphql-armor, with the numbers spelled out, plus
 * graphql-js's own token limit. Armor's token plugin stays off: it throws from a request hook,
 * which Apollo answers with HTTP 500 for every syntax error; graphql-js's `maxTokens` parse
 * option fails the parse instead, which is a 400 GRAPHQL_PARSE_FAILED.
 */
export function queryLimits(limits: Config['queryLimits'], opts: { production: boolean }): QueryLimitOptions {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: false },
    maxAliases: { n: limits.maxAliases, allowList: ['__typename'] },
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { maxCost: limits.maxCost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true },
    maxTokens: { enabled: false },
    // Apollo's hideSchemaDetailsFromClientErrors already hides suggestions in production;
    // development keeps them because they help whoever is writing the query.
    blockFieldSuggestion: { enabled: opts.production },
  }).protect();
  return {
    plugins: armor.plugins as ApolloServerPlugin<BaseContext>[],
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
