import * as policy from '../auth/policy.js';
import type { GuardFactory } from './directives.js';
import { forbidden } from './errors.js';

/** The directive name; it only takes rights away, so it never counts as an access rule. */
export const NO_IMPERSONATION_DIRECTIVE = 'noImpersonation';

/**
 * `@noImpersonation`: refused with `FORBIDDEN` (reason `IMPERSONATION`) while the request runs on
 * an impersonation token. It runs before the access directives (which then still refuse anyone
 * else as before) and the rate limits, so a refused call spends nothing.
 */
export const noImpersonationGuard: GuardFactory = () => ({
  describe: 'Refused while impersonating a user (`FORBIDDEN`, reason `IMPERSONATION`).',
  check: ({ ctx }) => {
    const denial = ctx.viewer ? policy.refuseImpersonation(ctx.viewer) : null;
    if (denial) throw forbidden(denial.reason, denial.message, { ...denial.details });
  },
});
