/** Keyset paging: `after` is the last cursor the caller saw; one extra row tells whether a next page exists. */
export interface PageRequest {
  first: number;
  after?: string;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export function pageOf<T>(rows: T[], first: number, totalCount: number, cursor: (r: T) => string): Page<T> {
  const items = rows.slice(0, first);
  const last = items[items.length - 1];
  return { items, hasNextPage: rows.length > first, endCursor: last ? cursor(last) : null, totalCount };
}
