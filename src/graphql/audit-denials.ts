import type { ApolloServerPlugin } from '@apollo/server';
import type { Database } from '../db/client.js';
import { auditActor, recordFailure } from '../services/audit.js';
import type { GraphQLContext } from './context.js';

/**
 * A mutation refused by an access rule never reaches its service, so the service cannot audit
 * it; this records each refusal (who tried which mutation, and why) after the fact. Refusals of
 * anonymous callers are left to the request log: there is no actor to record.
 */
export function auditDenials(database: Database): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operation, contextValue }) {
          if (operation?.operation !== 'mutation' || !contextValue?.viewer) return;
          for (const error of errors) {
            if (error.extensions?.['code'] !== 'FORBIDDEN' || error.path?.length !== 1) continue;
            const field = String(error.path[0]);
            await recordFailure(database, { ...auditActor(contextValue.viewer), action: `denied.${field}`, targetType: 'mutation', targetId: field }, error);
          }
        },
      };
    },
  };
}
