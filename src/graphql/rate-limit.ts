import type { RateLimiter } from '../rate-limit.js';
import type { GuardFactory } from './directives.js';
import { rateLimited } from './errors.js';

/** The directive name; it limits calls but grants nothing, so it never counts as an access rule. */
export const RATE_LIMIT_DIRECTIVE = 'rateLimit';

/**
 * `@rateLimit(bucket:)`: each call of the field by one caller counts against the bucket. It runs
 * after the access directives, so a caller who may not call the field at all spends nothing.
 * Anonymous callers share a single "anonymous" allowance.
 */
export function rateLimitGuard(limiter: RateLimiter): GuardFactory {
  return (args, site) => {
    const bucket = args['bucket'];
    if (typeof bucket !== 'string' || !limiter.buckets.has(bucket)) {
      const where = site.fieldName ? `${site.typeName}.${site.fieldName}` : site.typeName;
      throw new Error(`${where} @rateLimit: unknown bucket "${String(bucket)}" (known: ${[...limiter.buckets].join(', ')})`);
    }
    return {
      describe: `Rate limit: the "${bucket}" allowance per caller; beyond it \`RATE_LIMITED\` with \`extensions.retryAfter\` (seconds).`,
      check: async ({ ctx }) => {
        const decision = await limiter.consume(bucket, ctx.viewer ? `user:${ctx.viewer.id}` : 'anonymous');
        if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
      },
    };
  };
}
