import { pino, type Logger } from 'pino';

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
