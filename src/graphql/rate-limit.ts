import type { RateLimiter } from '../rate-limit.js';
import type { GuardFactory, GuardInput } from './directives.js';
import { refusedBeforeUpstream } from '../errors.js';
import { rateLimited } from './errors.js';

/** The directive name; it limits calls but grants nothing, so it never counts as an access rule. */
export const RATE_LIMIT_DIRECTIVE = 'rateLimit';

/**
 * `@rateLimit(bucket:)`: each call of the field by one caller counts against the bucket. It runs
 * after the access directives, so a caller who may not call the field at all spends nothing, and
 * a call refused as invalid input before any upstream call is refunded: only calls that did work
 * count. Anonymous callers share a single "anonymous" allowance.
 */
export function rateLimitGuard(limiter: RateLimiter): GuardFactory {
  return (args, site) => {
    const bucket = args['bucket'];
    if (typeof bucket !== 'string' || !limiter.buckets.has(bucket)) {
      const where = site.fieldName ? `${site.typeName}.${site.fieldName}` : site.typeName;
      throw new Error(`${where} @rateLimit: unknown bucket "${String(bucket)}" (known: ${[...limiter.buckets].join(', ')})`);
    }
    const callerOf = (ctx: GuardInput['ctx']) => (ctx.viewer ? `user:${ctx.viewer.id}` : 'anonymous');
    return {
      describe: `Rate limit: the "${bucket}" allowance per caller; beyond it \`RATE_LIMITED\` with \`extensions.retryAfter\` (seconds). Calls refused as invalid input do not count.`,
      // Counted before the call runs, so concurrent calls cannot all slip under the limit.
      check: async ({ ctx }) => {
        const decision = await limiter.consume(bucket, callerOf(ctx));
        if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
      },
      failed: async ({ ctx }, error) => {
        if (refusedBeforeUpstream(error)) await limiter.refund(bucket, callerOf(ctx));
      },
    };
  };
}
