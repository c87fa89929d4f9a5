import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs, pretty when a person is watching (stdout is a TTY) unless told otherwise. Loggers
 * never see request headers or bodies; URLs pass through redactUrl first.
 */
export function createLogger(opts: { level: string; pretty?: boolean; destination?: NodeJS.WritableStream }): Logger {
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && !opts.destination);
  if (pretty) {
    return pino({ level: opts.level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  if (opts.destination) return pino({ level: opts.level }, opts.destination as pino.DestinationStream);
  // stdout written asynchronously: a write() per line on the thread that answers webhooks was the
  // access log's largest cost. Lines logged while a write is in flight go out together with the
  // next one; no minLength, so a quiet receiver's lines are not held back. pino flushes it when the
  // process exits; a SIGKILL loses at most the lines of the write in flight.
  return pino({ level: opts.level }, pino.destination({ dest: 1, sync: false }));
}

/** `?token=` is a secret: it never reaches a log line. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}
