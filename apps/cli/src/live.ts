import { KubeConfig } from '@kubernetes/client-node';
import { fetchWithKubeConfig, IMPORT_RESOURCES, versionProfileDocument, type FetchedList } from '@portolan/application/kube';
import { PORTOLAN_API, type TextInput } from '@portolan/netsim';
import { UsageError } from './io';

/** kubectl's own flags for choosing a cluster, taken by every verb that reads a snapshot. */
export interface LiveFlags {
  live: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** Pulls --live, --kubeconfig, --context and -n/--namespace out of argv (kubectl spellings, `--x=v` too). */
export function takeLiveFlags(argv: string[]): { flags: LiveFlags; rest: string[] } {
  const flags: LiveFlags = { live: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (name === '--live') flags.live = true;
    else if (name === '--kubeconfig') flags.kubeconfig = value();
    else if (name === '--context') flags.context = value();
    else if (name === '-n' || name === '--namespace') flags.namespace = value();
    else rest.push(a);
  }
  // naming a kubeconfig or a context is asking for the live cluster
  if (flags.kubeconfig !== undefined || flags.context !== undefined) flags.live = true;
  return { flags, rest };
}

export interface LiveCluster {
  inputs: TextInput[];
  context: string;
  server: string;
  version: string | null;
  /** the namespace a bare name means: -n, else the context's, else "default" (as kubectl) */
  namespace: string;
  counts: Record<string, number>;
}

/**
 * Reads the cluster of the kubeconfig's current (or named) context with the scheduled imports' fetcher: the same
 * resources, paging (limit/continue), per-request timeout and retries. The user's kubeconfig is trusted as kubectl
 * trusts it (exec plugins, certificate files).
 */
export async function readLiveCluster(flags: LiveFlags, timeoutMs = 15_000): Promise<LiveCluster> {
  const kc = new KubeConfig();
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new UsageError(`cannot read the kubeconfig${flags.kubeconfig ? ` ${flags.kubeconfig}` : ''}: ${(e as Error).message}`);
  }
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) throw new UsageError(`context ${JSON.stringify(flags.context)} is not in the kubeconfig (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kc.setCurrentContext(flags.context);
  }
  const context = kc.getCurrentContext();
  if (!context || !kc.getCurrentCluster()) throw new UsageError('the kubeconfig has no current context: give --context NAME');
  const { server, version, lists } = await fetchWithKubeConfig(kc, { timeoutMs, resources: IMPORT_RESOURCES });
  const profile = versionProfileDocument(context, version) ?? { apiVersion: PORTOLAN_API, kind: 'ClusterProfile', metadata: { name: context }, spec: {} };
  return {
    inputs: [...lists.map((l: FetchedList) => ({ name: l.url, text: JSON.stringify(l.list) })), { name: `${server} (context ${context})`, text: JSON.stringify(profile) }],
    context,
    server,
    version,
    namespace: flags.namespace ?? kc.getContextObject(context)?.namespace ?? 'default',
    counts: Object.fromEntries(lists.map((l: FetchedList) => [l.resource, l.list.items.length])),
  };
}
