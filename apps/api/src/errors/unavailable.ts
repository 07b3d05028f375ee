/** Seconds a client is told to wait (Retry-After) when Postgres or the queue is unavailable. */
export const RETRY_AFTER_SECONDS = 5;

// Node's socket errors, Postgres' SQLSTATE classes 08 (connection exception), 57P01-57P03 (shutdown, cannot connect
// now), 53300 (too many connections) and 57014 (statement timeout), Prisma's connection errors (P1001 can't reach,
// P1017 closed, P2024 pool timeout) and ioredis/BullMQ's closed or offline connection.
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
const PG_CODES = /^(08...|57P0[123]|53300|57014)$/;
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const MESSAGES =
  /ECONNREFUSED|ECONNRESET|terminating connection|Connection terminated|timeout exceeded when trying to connect|Connection is closed|Stream isn't writeable|enableOfflineQueue|Client has encountered a connection error|Can't reach database server|the database system is (starting up|shutting down)|Command timed out/i;

/** Whether e says a backing service (Postgres, Redis) is down or overloaded, rather than that the request is wrong. */
export function isUnavailable(e: unknown, depth = 0): boolean {
  if (typeof e !== 'object' || e === null || depth > 4) return false;
  const { code, message, cause, errors } = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NET_CODES.has(code) || PG_CODES.test(code) || PRISMA_CODES.has(code))) return true;
  if (typeof message === 'string' && MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((x) => isUnavailable(x, depth + 1))) return true; // AggregateError
  return isUnavailable(cause, depth + 1);
}
