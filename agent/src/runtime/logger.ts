/** Severity of a log line. */
export type LogLevel = 'info' | 'warn' | 'error';

/**
 * One line per event, for people reading a terminal or journald. Callers
 * pass messages that never contain secrets or result contents.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Builds a logger that writes `<ISO time> <level> <message>` lines to `write`. */
export function createLogger(write: (text: string) => void, now: () => Date = () => new Date()): Logger {
  const line = (level: LogLevel, message: string): void => {
    // Multi-line messages would break "one line per event" for log scrapers.
    write(`${now().toISOString()} ${level.padEnd(5)} ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  };
  return {
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
  };
}

/** A logger that drops everything, for library callers that want silence. */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
