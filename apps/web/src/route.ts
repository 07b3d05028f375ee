import { useEffect, useState } from 'react';

/** Each question is a URL: /ui/<page>?<the question's fields>, so a link reproduces it. */
export const PAGES = [
  { id: 'clusters', title: 'Clusters' },
  { id: 'trace', title: 'Traffic path' },
  { id: 'ports', title: 'Port map' },
  { id: 'schedule', title: 'Where can it run' },
  { id: 'check', title: 'Check manifests' },
  { id: 'changes', title: 'What changed' },
] as const;
export type PageId = (typeof PAGES)[number]['id'];

export interface Route {
  page: PageId;
  params: URLSearchParams;
}

function current(): Route {
  const seg = window.location.pathname.replace(/^\/ui\/?/, '').split('/')[0];
  const page = (PAGES.find((p) => p.id === seg)?.id ?? 'clusters') as PageId;
  return { page, params: new URLSearchParams(window.location.search) };
}

export function href(page: PageId, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return `/ui/${page}${s ? `?${s}` : ''}`;
}

export function navigate(page: PageId, params: Record<string, string | undefined>): void {
  window.history.pushState(null, '', href(page, params));
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const on = () => setRoute(current());
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return route;
}
