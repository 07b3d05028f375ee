import { useState, type FormEvent, type ReactElement } from 'react';
import { forgetKey, getKey, setKey } from './api';
import { Changes } from './pages/Changes';
import { Check } from './pages/Check';
import { Clusters } from './pages/Clusters';
import { PortMap } from './pages/PortMap';
import { Schedule } from './pages/Schedule';
import { Trace } from './pages/Trace';
import { PAGES, href, navigate, useRoute, type PageId } from './route';

function KeyBar({ keyShown, onKey }: { keyShown: string; onKey: (k: string) => void }) {
  const [draft, setDraft] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!draft.trim()) return;
    setKey(draft.trim());
    setDraft('');
    onKey(draft.trim());
  };
  return (
    <form className="keybar" onSubmit={submit} aria-label="key bar">
      <span className="state">{keyShown ? `key ${keyShown.slice(0, 12)}… in use (this tab only)` : 'paste the API key printed by npm start'}</span>
      <label>
        API key <input type="password" autoComplete="off" placeholder="ptl_..." value={draft} onChange={(e) => setDraft(e.target.value)} />
      </label>
      <button type="submit">{keyShown ? 'change key' : 'use key'}</button>
      {keyShown && (
        <button type="button" onClick={() => { forgetKey(); onKey(''); }}>
          forget key
        </button>
      )}
    </form>
  );
}

const VIEWS: Record<PageId, (p: { params: URLSearchParams }) => ReactElement> = {
  clusters: Clusters,
  trace: Trace,
  ports: PortMap,
  schedule: Schedule,
  check: Check,
  changes: Changes,
};

export function App() {
  const [key, setKeyState] = useState(getKey);
  const { page, params } = useRoute();
  const cluster = params.get('cluster') ?? undefined;
  const View = VIEWS[page];
  return (
    <div className="app">
      <header>
        <a className="brand" href={href('clusters', { cluster })} onClick={(e) => { e.preventDefault(); navigate('clusters', { cluster }); }}>
          Portolan
        </a>
        <nav aria-label="pages">
          {PAGES.map((p) => (
            <a key={p.id} href={href(p.id, { cluster })} aria-current={p.id === page ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate(p.id, { cluster }); }}>
              {p.title}
            </a>
          ))}
        </nav>
        <KeyBar keyShown={key} onKey={setKeyState} />
      </header>
      <main>{key ? <View key={key} params={params} /> : <p className="hint">Paste an API key above: every answer comes from the GraphQL API with it.</p>}</main>
    </div>
  );
}
