/** The page's only way to Portolan: GraphQL (and the snapshot upload) on this origin, with the user's key. */
const KEY = 'portolan.apiKey';

export const getKey = (): string => sessionStorage.getItem(KEY) ?? '';
export const setKey = (key: string): void => sessionStorage.setItem(KEY, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY);

/** An answer the API refused: its own message and code, shown as they are. */
export class ApiError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

async function readBody(r: Response): Promise<any> {
  const text = await r.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(`${r.status} ${r.statusText}: ${text.slice(0, 200)}`);
  }
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${getKey()}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await readBody(r);
  const errors = body?.errors as GraphQLError[] | undefined;
  if (errors?.length) throw new ApiError(errors.map((e) => e.message).join('; '), errors[0].extensions?.code);
  if (body?.error) throw new ApiError(body.error.message, body.error.code);
  if (!r.ok || !body?.data) throw new ApiError(`${r.status} ${r.statusText}`);
  return body.data as T;
}

/** A snapshot upload goes to REST: GraphQL has no streamed upload. Answers the pending snapshot's id. */
export async function uploadSnapshot(clusterId: string, file: File): Promise<string> {
  const r = await fetch(`/v1/clusters/${encodeURIComponent(clusterId)}/snapshots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${getKey()}`, 'content-type': file.name.endsWith('.json') ? 'application/json' : 'application/yaml', 'x-filename': file.name },
    body: file,
  });
  const body = await readBody(r);
  if (!r.ok) throw new ApiError(body?.error?.message ?? `${r.status} ${r.statusText}`, body?.error?.code);
  return body.id as string;
}
