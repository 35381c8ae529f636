import { pino, type Logger } from 'pino';
import { tracing } from './tracing/index.js';

export type { Logger };

/**
 * JSON logs on stdout. Tokens, API keys and cookies are redacted wherever they appear in a
 * logged object, so a careless `log.info({ req })` cannot leak a credential.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      // The trace id ties a log line to its spans; absent when tracing is off.
      mixin: () => {
        const traceId = tracing.traceId();
        return traceId ? { traceId } : {};
      },
      redact: {
        paths: [
          'authorization',
          'cookie',
          'apiKey',
          'token',
          'secret',
          '*.authorization',
          '*.cookie',
          '*.apiKey',
          '*.token',
          '*.secret',
          'headers.authorization',
          'headers.cookie',
          'req.headers.authorization',
          'req.headers.cookie',
          'magicLink.url',
          'magicLink.secret',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
