/**
 * The little the store logs: applied migrations and connection-pool trouble. The shape is a
 * subset of pino's (`logger.info({ ...fields }, 'message')`), so the server can pass its own
 * logger unchanged.
 */
export interface StoreLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: StoreLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
