/**
 * The error contract below the edge: a stable code plus a message meant for the user. Only apps/api maps codes to
 * HTTP statuses and GraphQL extensions.code (one table there); nothing here knows about HTTP.
 */
export type AppErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'SNAPSHOT_NOT_READY'
  | 'UNAVAILABLE';

export interface ErrorDetail {
  file?: string;
  doc?: number;
  line?: number;
  field?: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** Another tenant's object and a missing one answer alike: existence is not revealed. */
  static notFound(what: string, id: string): AppError {
    return new AppError('NOT_FOUND', `${what} ${JSON.stringify(id)} not found`);
  }

  static invalid(message: string, details: ErrorDetail[] = []): AppError {
    return new AppError('INVALID_INPUT', message, details);
  }

  static forbidden(message: string): AppError {
    return new AppError('FORBIDDEN', message);
  }
}

export function assertUnreachable(x: never): never {
  throw new Error(`unreachable: ${String(x)}`);
}
