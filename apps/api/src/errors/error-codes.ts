import { assertUnreachable, type AppErrorCode } from '@portolan/application';

/** The one table from application error codes to HTTP statuses; GraphQL uses the code itself as extensions.code. */
export function httpStatusOf(code: AppErrorCode): number {
  switch (code) {
    case 'NOT_FOUND':
      return 404;
    case 'INVALID_INPUT':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'CONFLICT':
    case 'SNAPSHOT_NOT_READY':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'UNAVAILABLE':
      return 503;
    default:
      return assertUnreachable(code);
  }
}
