import { useEffect, useState } from 'react';
import { ApiError } from './api';

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

/** Runs the question whenever its key (the URL's fields) changes; undefined key: nothing to ask yet. */
export function useQuery<T>(key: string | undefined, run: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: key !== undefined });
  useEffect(() => {
    if (key === undefined) {
      setState({ loading: false });
      return;
    }
    let live = true;
    setState({ loading: true });
    run().then(
      (data) => live && setState({ data, loading: false }),
      (e: unknown) => live && setState({ error: e instanceof ApiError || e instanceof Error ? e.message : String(e), loading: false }),
    );
    return () => {
      live = false;
    };
    // the key is the question: run closes over the same fields
  }, [key]);
  return state;
}
