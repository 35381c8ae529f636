import type { Database } from '../db/client.js';
import { auditActor, recordFailure } from '../services/audit.js';
import type { RequestHooks } from './request-plugin.js';

/**
 * A mutation refused by an access rule never reaches its service, so the service cannot audit
 * it; this records each refusal (who tried which mutation, and why) after the fact. Refusals of
 * anonymous callers are left to the request log: there is no actor to record.
 */
export function auditDenials(database: Database): RequestHooks {
  return {
    didEncounterErrors({ errors, operation, contextValue }) {
      // Queries never reach here with work to do: only a mutation is audited.
      if (operation?.operation !== 'mutation' || !contextValue?.viewer) return;
      const actor = auditActor(contextValue.viewer);
      const denied = errors.filter((error) => error.extensions?.['code'] === 'FORBIDDEN' && error.path?.length === 1);
      if (denied.length === 0) return;
      return (async () => {
        for (const error of denied) {
          const field = String(error.path![0]);
          await recordFailure(database, { ...actor, action: `denied.${field}`, targetType: 'mutation', targetId: field }, error);
        }
      })();
    },
  };
}
