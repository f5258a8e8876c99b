// The one root logger of a component process (pino), with what must never reach a log
// redacted wherever a log line might carry it: bearer tokens, Authorization headers,
// passwords and Secrets' contents.
import { pino, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'req.headers.authorization',
  'token', '*.token', 'bearerToken', '*.bearerToken', 'password', '*.password',
  'stringData', '*.stringData', 'secret.data', '*.secret.data', 'status.token', '*.status.token',
];

/** The process's logger: JSON lines on standard output, written asynchronously. */
export function componentLogger(name: string, level: string): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } }, pino.destination({ dest: 1, sync: false }));
}
