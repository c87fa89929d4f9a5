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
  return opts.destination ? pino({ level: opts.level }, opts.destination as pino.DestinationStream) : pino({ level: opts.level });
}

/** `?token=` is a secret: it never reaches a log line. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}
