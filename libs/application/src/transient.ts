import { InputError } from '@portolan/netsim';
import { AppError } from './errors';

/** Errors worth another attempt: the database or queue was briefly unreachable. Everything else is final. */
export function isTransient(e: unknown): boolean {
  if (e instanceof AppError) return e.code === 'UNAVAILABLE';
  if (e instanceof InputError) return false;
  const o = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | null;
  if (!o || typeof o !== 'object') return false;
  const code = typeof o.code === 'string' ? o.code : '';
  if (/^P10\d\d$/.test(code) || ['P2024', 'P2028', 'P2034', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', '57P01', '57P03', '53300', '40001', '40P01'].includes(code)) return true;
  if (o.name === 'PrismaClientInitializationError') return true;
  if (typeof o.message === 'string' && /ECONNREFUSED|ECONNRESET|connection (terminated|refused|closed)|timed out|Connection is closed/i.test(o.message)) return true;
  return o.cause !== undefined && o.cause !== e ? isTransient(o.cause) : false;
}
