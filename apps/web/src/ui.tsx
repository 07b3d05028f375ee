import type { ReactNode } from 'react';
import { useClusters, type SnapshotObjects } from './cluster-data';

export function ErrorBox({ error }: { error?: string }) {
  return error ? <p className="error" role="alert">{error}</p> : null;
}

export function Loading({ on, what }: { on: boolean; what: string }) {
  return on ? <p className="loading" aria-live="polite">{what}…</p> : null;
}

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

export function ClusterSelect({ value, onChange }: { value?: string; onChange: (id: string) => void }) {
  const clusters = useClusters();
  return (
    <Field label="Cluster">
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value)} required>
        <option value="">{clusters.loading ? 'loading…' : '(choose a cluster)'}</option>
        {clusters.data?.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
      <ErrorBox error={clusters.error} />
    </Field>
  );
}

export function NodeSelect({ label, value, onChange, objects }: { label: string; value: string; onChange: (v: string) => void; objects?: SnapshotObjects | null }) {
  return (
    <Field label={label}>
      <select value={value} onChange={(e) => onChange(e.target.value)} required>
        <option value="">(choose a node)</option>
        {objects?.nodes.map((n) => (
          <option key={n.name} value={n.name}>
            {n.name}
            {n.internalIP && n.internalIP !== n.name ? ` (${n.internalIP})` : ''}
          </option>
        ))}
      </select>
    </Field>
  );
}
