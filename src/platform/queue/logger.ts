/** The slice of a pino logger the queue uses, so tests and scripts can pass nothing. */
export interface QueueLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};
export const silentLogger: QueueLogger = { info: noop, warn: noop, error: noop };
