import { readFileSync } from 'node:fs';
import type { AgentOptions } from 'node:https';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  Observable,
  VersionApi,
  PolicyV1Api,
  ResourceV1Api,
  SchedulingV1Api,
  StorageV1Api,
  type Cluster,
  type ConnectOptions,
  type DispatcherOptions,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { PORTOLAN_API } from '@portolan/netsim';
import { parse as parseYaml } from 'yaml';
import { guardedConnector, OutboundAddressRefused, type OutboundGuard } from './outbound-guard';

/** What a scheduled import lists, all namespaces; the names double as the `resources` subset users may pick. */
export const IMPORT_RESOURCES = [
  'nodes',
  'pods',
  'services',
  'endpointslices',
  'deployments',
  'daemonsets',
  'statefulsets',
  'replicasets',
  'namespaces',
  'persistentvolumes',
  'persistentvolumeclaims',
  'storageclasses',
  'csinodes',
  'poddisruptionbudgets',
  'priorityclasses',
  'resourceslices',
  'deviceclasses',
] as const;
export type ImportResource = (typeof IMPORT_RESOURCES)[number];

interface Page {
  items: unknown[];
  metadata?: { _continue?: string };
}
interface Apis {
  core: CoreV1Api;
  apps: AppsV1Api;
  discovery: DiscoveryV1Api;
  storage: StorageV1Api;
  policy: PolicyV1Api;
  scheduling: SchedulingV1Api;
  resource: ResourceV1Api;
}
type ListParams = { limit: number; _continue?: string };
type Lister = (apis: Apis, params: ListParams, options: unknown) => Promise<Page>;

/**
 * apiVersion/kind to set on each item (list items arrive without them), the URL path (for messages), the call.
 * `optional`: a server that does not serve the resource (404: resource.k8s.io/v1 before 1.34) yields no list.
 */
const RESOURCES: Record<ImportResource, { apiVersion: string; kind: string; path: string; list: Lister; optional?: true }> = {
  nodes: { apiVersion: 'v1', kind: 'Node', path: '/api/v1/nodes', list: (a, p, o) => a.core.listNode(p, o as never) },
  pods: { apiVersion: 'v1', kind: 'Pod', path: '/api/v1/pods', list: (a, p, o) => a.core.listPodForAllNamespaces(p, o as never) },
  services: { apiVersion: 'v1', kind: 'Service', path: '/api/v1/services', list: (a, p, o) => a.core.listServiceForAllNamespaces(p, o as never) },
  endpointslices: {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    path: '/apis/discovery.k8s.io/v1/endpointslices',
    list: (a, p, o) => a.discovery.listEndpointSliceForAllNamespaces(p, o as never),
  },
  deployments: { apiVersion: 'apps/v1', kind: 'Deployment', path: '/apis/apps/v1/deployments', list: (a, p, o) => a.apps.listDeploymentForAllNamespaces(p, o as never) },
  daemonsets: { apiVersion: 'apps/v1', kind: 'DaemonSet', path: '/apis/apps/v1/daemonsets', list: (a, p, o) => a.apps.listDaemonSetForAllNamespaces(p, o as never) },
  statefulsets: { apiVersion: 'apps/v1', kind: 'StatefulSet', path: '/apis/apps/v1/statefulsets', list: (a, p, o) => a.apps.listStatefulSetForAllNamespaces(p, o as never) },
  replicasets: { apiVersion: 'apps/v1', kind: 'ReplicaSet', path: '/apis/apps/v1/replicasets', list: (a, p, o) => a.apps.listReplicaSetForAllNamespaces(p, o as never) },
  namespaces: { apiVersion: 'v1', kind: 'Namespace', path: '/api/v1/namespaces', list: (a, p, o) => a.core.listNamespace(p, o as never), optional: true },
  persistentvolumes: { apiVersion: 'v1', kind: 'PersistentVolume', path: '/api/v1/persistentvolumes', list: (a, p, o) => a.core.listPersistentVolume(p, o as never), optional: true },
  persistentvolumeclaims: {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    path: '/api/v1/persistentvolumeclaims',
    list: (a, p, o) => a.core.listPersistentVolumeClaimForAllNamespaces(p, o as never),
    optional: true,
  },
  storageclasses: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', path: '/apis/storage.k8s.io/v1/storageclasses', list: (a, p, o) => a.storage.listStorageClass(p, o as never), optional: true },
  csinodes: { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', path: '/apis/storage.k8s.io/v1/csinodes', list: (a, p, o) => a.storage.listCSINode(p, o as never), optional: true },
  poddisruptionbudgets: {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    path: '/apis/policy/v1/poddisruptionbudgets',
    list: (a, p, o) => a.policy.listPodDisruptionBudgetForAllNamespaces(p, o as never),
    optional: true,
  },
  priorityclasses: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', path: '/apis/scheduling.k8s.io/v1/priorityclasses', list: (a, p, o) => a.scheduling.listPriorityClass(p, o as never), optional: true },
  resourceslices: { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceSlice', path: '/apis/resource.k8s.io/v1/resourceslices', list: (a, p, o) => a.resource.listResourceSlice(p, o as never), optional: true },
  deviceclasses: { apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', path: '/apis/resource.k8s.io/v1/deviceclasses', list: (a, p, o) => a.resource.listDeviceClass(p, o as never), optional: true },
};

export interface KubeSource {
  apiServer: string;
  /** exactly one of token / kubeconfig, in clear (opened from the SecretBox just before use) */
  token?: string;
  kubeconfig?: string;
  caData?: string;
  insecureSkipTLSVerify?: boolean;
}

export interface FetchOptions {
  /** per HTTP request, including reading the body */
  timeoutMs: number;
  /** where connections may go (IMPORT_DENY_CIDRS / IMPORT_ALLOW_CIDRS); checked on every connection's address */
  guard: OutboundGuard;
  /** attempts per request (1 = no retry); retried on 5xx, 429, network errors and timeouts */
  attempts?: number;
  /** first backoff; doubles per retry, with jitter */
  backoffMs?: number;
  pageSize?: number;
  resources?: readonly ImportResource[];
}

export interface FetchedList {
  resource: ImportResource;
  /** the URL listed, used as the document name in diagnostics */
  url: string;
  /** a kubectl-style `kind: List` whose items carry apiVersion and kind */
  list: { apiVersion: 'v1'; kind: 'List'; items: Array<Record<string, unknown>> };
  pages: number;
}

/** A fetch that gave up: the message names the API server, the resource and the HTTP status or cause. */
export class KubeFetchError extends Error {
  constructor(
    message: string,
    readonly apiServer: string,
    readonly resource: ImportResource,
    readonly status: number | null,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'KubeFetchError';
  }
}

// Keys that make client-node read local files, run commands or go through proxies: a tenant's kubeconfig must
// never make the worker read /var/run/secrets/... or exec a binary. Credentials must be inline.
const FORBIDDEN_USER_KEYS = ['exec', 'auth-provider', 'token-file', 'tokenFile', 'client-certificate', 'client-key', 'as', 'as-groups', 'as-user-extra'];
const FORBIDDEN_CLUSTER_KEYS = ['certificate-authority', 'proxy-url'];

/**
 * Checks a kubeconfig (YAML text) before client-node ever loads it. Answers the current context's server, or what
 * is wrong with it (a sentence for a 400 on `kubeconfig`).
 */
export function inspectKubeconfig(text: string): { server: string } | { error: string } {
  let doc: any;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { error: `not valid YAML (${(e as Error).message.split('\n')[0]})` };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { error: 'not a kubeconfig (expected a mapping with clusters, users and contexts)' };
  const current = doc['current-context'];
  if (typeof current !== 'string' || !current) return { error: 'current-context is missing' };
  const named = (list: unknown, name: string) => (Array.isArray(list) ? list.find((x: any) => x && x.name === name) : undefined);
  const ctx = named(doc.contexts, current)?.context;
  if (!ctx) return { error: `context ${JSON.stringify(current)} is not in contexts` };
  const cluster = named(doc.clusters, ctx.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') return { error: `cluster ${JSON.stringify(ctx.cluster)} of the current context is missing or has no server` };
  const user = named(doc.users, ctx.user)?.user;
  if (!user || typeof user !== 'object') return { error: `user ${JSON.stringify(ctx.user)} of the current context is missing` };
  for (const list of [doc.users, doc.clusters]) {
    for (const entry of Array.isArray(list) ? list : []) {
      const body = entry?.user ?? entry?.cluster ?? {};
      const bad = [...FORBIDDEN_USER_KEYS, ...FORBIDDEN_CLUSTER_KEYS].find((k) => k in body);
      if (bad) return { error: `${JSON.stringify(entry.name)} uses ${bad}: only inline credentials (token, client-certificate-data/client-key-data, certificate-authority-data) are accepted` };
    }
  }
  if (!user.token && !(user['client-certificate-data'] && user['client-key-data']) && !(user.username && user.password)) {
    return { error: `user ${JSON.stringify(ctx.user)} has no inline credentials (token, client-certificate-data + client-key-data)` };
  }
  return { server: String(cluster.server).replace(/\/+$/, '') };
}

/**
 * client-node 2 sends every API call through undici's fetch with the dispatcher its KubeConfig builds per request
 * (applySecurityAuthentication → createDispatcher → createDispatcherOptions); an http(s).Agent would only serve
 * watches and websockets. This KubeConfig keeps client-node's TLS mapping (CA, client certificate, skip-verify,
 * server name) and swaps the connection itself for the guarded connector, also for plain http:// (where client-node
 * would otherwise fall back to the global dispatcher).
 */
class GuardedKubeConfig extends KubeConfig {
  constructor(
    private readonly importGuard: OutboundGuard,
    private readonly connectTimeoutMs: number,
  ) {
    super();
  }

  override createDispatcherOptions(cluster: Cluster | null, agentOptions: AgentOptions): DispatcherOptions {
    const base = super.createDispatcherOptions(cluster, agentOptions);
    if (base.type === 'proxy' || base.type === 'socks') throw new Error('scheduled imports do not connect through proxies');
    const { keepAlive: _keepAlive, keepAliveInitialDelay: _delay, ...tls } = base.type === 'agent' ? base.connect : ({} as ConnectOptions);
    // undici's Agent takes a connector function as `connect`; client-node passes `connect` through untouched.
    return { type: 'agent', connect: guardedConnector(this.importGuard, tls, this.connectTimeoutMs) as unknown as ConnectOptions };
  }
}

/**
 * The pod's own cluster as client-go's rest.InClusterConfig sees it: the service host from the environment, the
 * projected service-account token and the cluster CA, read again at every run (the kubelet rotates the token).
 */
export function inClusterSource(c: { server?: string; tokenFile: string; caFile: string }): KubeSource {
  if (!c.server) throw new Error('in-cluster import: KUBERNETES_SERVICE_HOST is unset (the worker is not running in a pod)');
  let token: string;
  let ca: string;
  try {
    token = readFileSync(c.tokenFile, 'utf8').trim();
    ca = readFileSync(c.caFile, 'utf8');
  } catch (e) {
    throw new Error(`in-cluster import: cannot read the service account (${(e as Error).message}); is automountServiceAccountToken off?`);
  }
  return { apiServer: c.server, token, caData: Buffer.from(ca).toString('base64') };
}

export function kubeConfigFor(src: KubeSource, guard: OutboundGuard, connectTimeoutMs: number): KubeConfig {
  const kc = new GuardedKubeConfig(guard, connectTimeoutMs);
  if (src.kubeconfig !== undefined) {
    const checked = inspectKubeconfig(src.kubeconfig);
    if ('error' in checked) throw new Error(`kubeconfig: ${checked.error}`);
    kc.loadFromString(src.kubeconfig);
    return kc;
  }
  kc.loadFromOptions({
    clusters: [{ name: 'portolan', server: src.apiServer.replace(/\/+$/, ''), caData: src.caData, skipTLSVerify: src.insecureSkipTLSVerify === true }],
    users: [{ name: 'portolan', token: src.token }],
    contexts: [{ name: 'portolan', cluster: 'portolan', user: 'portolan' }],
    currentContext: 'portolan',
  });
  return kc;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Classified {
  retry: boolean;
  status: number | null;
  cause: string;
  retryAfterMs?: number;
}

function classify(e: unknown, signal: AbortSignal, timeoutMs: number): Classified {
  if (e instanceof ApiException) {
    const code = e.code as number;
    const body = e.body as unknown;
    let detail = '';
    if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') detail = (body as { message: string }).message;
    else if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed?.message === 'string') detail = parsed.message;
      } catch {
        // not a Status object: the status code says enough
      }
    }
    const headers = (e.headers ?? {}) as Record<string, string>;
    const ra = Number(headers['retry-after']);
    return {
      retry: code >= 500 || code === 429,
      status: code,
      cause: `HTTP ${code}${detail ? ` (${detail.slice(0, 200)})` : ''}`,
      ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: Math.min(ra * 1000, 10_000) } : {}),
    };
  }
  // fetch wraps connection errors: TypeError('fetch failed', { cause })
  const wrapped = (e as { cause?: unknown } | null)?.cause;
  const refused = e instanceof OutboundAddressRefused ? e : wrapped instanceof OutboundAddressRefused ? wrapped : null;
  if (refused) return { retry: false, status: null, cause: refused.message };
  if (signal.aborted) return { retry: true, status: null, cause: `no complete response within ${timeoutMs} ms (timeout)` };
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause?.code ? `${err.cause.code}${err.cause.message ? `: ${err.cause.message}` : ''}` : (err?.cause?.message ?? err?.message ?? String(e));
  // fetch/network failures are TypeErrors from undici; anything else (a body that is not JSON) will not improve.
  const network = e instanceof TypeError || Boolean(err?.cause?.code);
  return { retry: network, status: null, cause: network ? `network error: ${cause}` : `unreadable response: ${cause}` };
}

/**
 * Lists every resource of the source with the real client: `limit` + `continue` pagination, a timeout per request
 * (AbortSignal, so a hanging server is cut off mid-body too) and bounded retries with exponential backoff on
 * 5xx/429/network errors/timeouts. 401/403/404 fail at once: retrying will not fix a token or an RBAC rule, and
 * neither does a second try fix an address the guard refused (`address refused: ...`).
 */
export async function fetchClusterObjects(src: KubeSource, opts: FetchOptions): Promise<FetchedList[]> {
  return listEverything(kubeConfigFor(src, opts.guard, opts.timeoutMs), src.apiServer.replace(/\/+$/, ''), opts);
}

/** The lists and the API server's own version (GET /version: `gitVersion`), for a scheduled import. */
export async function fetchClusterSnapshot(src: KubeSource, opts: FetchOptions): Promise<{ version: string | null; lists: FetchedList[] }> {
  const kc = kubeConfigFor(src, opts.guard, opts.timeoutMs);
  return { version: await serverVersion(kc), lists: await listEverything(kc, src.apiServer.replace(/\/+$/, ''), opts) };
}

/** GET /version's gitVersion; null when the server hides it (the lists are still served, the answer then says so). */
async function serverVersion(kc: KubeConfig): Promise<string | null> {
  try {
    return (await kc.makeApiClient(VersionApi).getCode()).gitVersion ?? null;
  } catch {
    return null;
  }
}

/**
 * The ClusterProfile document that carries a live cluster's version into its snapshot (the snapshot's profile wins
 * over the cluster record's, so the scheduler's texts are those of the release that runs): `v1.34.2-eks-4a1b` is
 * 1.34.2. Null when the version is unknown or not a Kubernetes release string.
 */
export function versionProfileDocument(name: string, gitVersion: string | null): Record<string, unknown> | null {
  const m = gitVersion ? /^v?(\d+\.\d+(?:\.\d+)?)/.exec(gitVersion) : null;
  if (!m) return null;
  return { apiVersion: PORTOLAN_API, kind: 'ClusterProfile', metadata: { name }, spec: { kubernetesVersion: m[1] } };
}

/**
 * The same lists for a kubeconfig the caller trusts (the CLI on a user's own machine: exec plugins, files and
 * proxies allowed, no outbound guard), with the API server's version.
 */
export async function fetchWithKubeConfig(kc: KubeConfig, opts: Omit<FetchOptions, 'guard'>): Promise<{ server: string; version: string | null; lists: FetchedList[] }> {
  const server = (kc.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
  if (!server) throw new Error(`the kubeconfig's current context ${JSON.stringify(kc.getCurrentContext())} names no cluster server`);
  return { server, version: await serverVersion(kc), lists: await listEverything(kc, server, opts) };
}

async function listEverything(kc: KubeConfig, server: string, opts: Omit<FetchOptions, 'guard'>): Promise<FetchedList[]> {
  const attempts = Math.max(1, opts.attempts ?? 3);
  const backoffMs = opts.backoffMs ?? 500;
  const pageSize = opts.pageSize ?? 500;
  const apis: Apis = {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    discovery: kc.makeApiClient(DiscoveryV1Api),
    storage: kc.makeApiClient(StorageV1Api),
    policy: kc.makeApiClient(PolicyV1Api),
    scheduling: kc.makeApiClient(SchedulingV1Api),
    resource: kc.makeApiClient(ResourceV1Api),
  };
  const out: FetchedList[] = [];
  for (const resource of opts.resources ?? IMPORT_RESOURCES) {
    const spec = RESOURCES[resource];
    const items: Array<Record<string, unknown>> = [];
    let cont: string | undefined;
    let pages = 0;
    let served = true;
    do {
      const page = await withRetries(attempts, backoffMs, opts.timeoutMs, (options) => spec.list(apis, { limit: pageSize, ...(cont ? { _continue: cont } : {}) }, options), (c, n) => {
        const what = `listing ${resource} (GET ${server}${spec.path}${pages ? `, page ${pages + 1}` : ''})`;
        return new KubeFetchError(`${what} failed: ${c.cause}${n > 1 ? ` after ${n} attempts` : ''}`, server, resource, c.status, n);
      }).catch((e: unknown) => {
        if (spec.optional && !pages && e instanceof KubeFetchError && e.status === 404) return undefined;
        throw e;
      });
      if (!page) {
        served = false;
        break;
      }
      pages++;
      for (const item of page.items ?? []) {
        // The client hands back model objects (Dates, no apiVersion/kind on items); JSON brings back the wire shape.
        const plain = JSON.parse(JSON.stringify(item)) as Record<string, unknown>;
        items.push({ apiVersion: spec.apiVersion, kind: spec.kind, ...plain });
      }
      cont = page.metadata?._continue || undefined;
    } while (cont);
    if (served) out.push({ resource, url: `${server}${spec.path}`, list: { apiVersion: 'v1', kind: 'List', items }, pages });
  }
  return out;
}

async function withRetries<T>(
  attempts: number,
  backoffMs: number,
  timeoutMs: number,
  call: (options: unknown) => Promise<T>,
  fail: (c: Classified, attempts: number) => KubeFetchError,
): Promise<T> {
  for (let n = 1; ; n++) {
    const signal = AbortSignal.timeout(timeoutMs);
    // The object-parameter API hands per-call options to the observable layer: middleware answers Observables.
    const options = {
      middleware: [
        {
          pre: (ctx: RequestContext) => {
            ctx.setSignal(signal);
            return new Observable(Promise.resolve(ctx));
          },
          post: (r: ResponseContext) => new Observable(Promise.resolve(r)),
        },
      ],
      middlewareMergeStrategy: 'append',
    };
    try {
      return await call(options);
    } catch (e) {
      const c = classify(e, signal, timeoutMs);
      if (!c.retry || n >= attempts) throw fail(c, n);
      const wait = c.retryAfterMs ?? backoffMs * 2 ** (n - 1);
      await sleep(wait / 2 + Math.random() * (wait / 2));
    }
  }
}
