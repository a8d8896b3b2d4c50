import pino from 'pino';
import type { Logger } from '../ports/logger.js';

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
export const REDACTED_KEYS = [
  'authorization',
  'Authorization',
  'token',
  'accessToken',
  'access_token',
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'temporaryAccessPass',
  'BOT_PASSWORD',
  'GRAPH_STATIC_TOKEN',
  'AZURE_CLIENT_SECRET',
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go (default stdout); tests pass a stream to capture and scan them. */
  destination?: pino.DestinationStream;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`]);
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name,
      base: undefined,
      redact: { paths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(1),
  ) as unknown as Logger;
}

/** A logger that drops everything (for unit tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' }) as unknown as Logger;
}
