/**
 * A question the engine cannot answer because of what was asked (an unknown node, a malformed address), as
 * opposed to a defect in the engine. Callers map it to a 4xx; any other error is a bug.
 */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}
