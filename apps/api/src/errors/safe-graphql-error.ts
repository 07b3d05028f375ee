import { Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { truncate } from './truncate';

const log = new Logger('GraphQL');

/**
 * Apollo's last word on every GraphQL error: an error without a code of ours (a database or driver error that no
 * filter mapped) is logged and answered as a generic INTERNAL, and every message is capped, as it may repeat input.
 */
export function safeGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.['code'];
  if (code === undefined || code === 'INTERNAL_SERVER_ERROR') {
    log.error({ err: (error as { originalError?: unknown })?.originalError ?? error }, 'unhandled GraphQL error');
    return { message: 'internal error', extensions: { code: 'INTERNAL' }, ...(formatted.path ? { path: formatted.path } : {}) };
  }
  return { ...formatted, message: truncate(formatted.message) };
}
