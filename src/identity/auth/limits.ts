import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { tooManyRequests } from '../errors.js';

export type LimitSettings = { perIpPerMinute: number; perIdentifierPerMinute: number };
export const DEFAULT_LIMITS: LimitSettings = { perIpPerMinute: 60, perIdentifierPerMinute: 10 };

/** Per-IP and per-identifier budgets for every endpoint that starts a ceremony or sends a message. */
export class Limits {
  private readonly byIp: RateLimiterMemory;
  private readonly byIdentifier: RateLimiterMemory;

  constructor(settings: LimitSettings) {
    this.byIp = new RateLimiterMemory({ keyPrefix: 'ip', points: settings.perIpPerMinute, duration: 60 });
    this.byIdentifier = new RateLimiterMemory({ keyPrefix: 'id', points: settings.perIdentifierPerMinute, duration: 60 });
  }

  async take(ip: string, identifier?: string): Promise<void> {
    try {
      await this.byIp.consume(ip);
      if (identifier) await this.byIdentifier.consume(identifier.toLowerCase());
    } catch (error) {
      if (error instanceof RateLimiterRes) throw tooManyRequests();
      throw error;
    }
  }
}
