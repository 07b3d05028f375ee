import { trace, type Snapshot, type TraceRequest, type TraceResult } from '@portolan/netsim';
import { runClient, type Attempt, type Proto } from './agents';
import type { ClusterBuilder } from './cluster';
import { compare } from './compare';
import { KernelWorld, sweepStaleNamespaces, type Preconditions } from './netns';
import { EXTERNAL_CLIENT_IP, SERVICE_CIDR_ROUTE, UNDERLAY } from './scenario';

/** Where the client runs, in trace() terms. */
export type From = TraceRequest['from'];

export interface Scenario {
  name: string;
  from: From;
  toHost: string;
  port: number;
  protocol: Proto;
  /** connections (TCP) or request/reply exchanges (UDP) */
  count: number;
  /** the node an external packet enters (trace's `at`), when the destination address does not say */
  at?: string;
}

/** How long a client waits before calling an attempt dropped. */
export const DROP_TIMEOUT_MS = 1500;
const DELIVER_TIMEOUT_MS = 4000;

/** What a suite's own tests can reach once its world is built. */
export interface WorldHandle {
  world: KernelWorld;
  snapshot: Snapshot;
  dumps: Record<string, string>;
  summaries: string[];
}

/**
 * Inside a describe: builds the cluster's namespaces before its tests (rules rendered by @portolan/netsim loaded,
 * servers started), tears them down after, and checks every scenario twice: trace() over the rendered rules and
 * over the kernel's own iptables-save must both agree with what the packets did.
 */
export function worldSuite(
  pre: Preconditions,
  cluster: (dumps: Record<string, string>) => ClusterBuilder,
  scenarios: Scenario[],
  opts: { overDump?: boolean; expectTrace?: (t: TraceResult) => void } = {},
): WorldHandle {
  const overDump = opts.overDump ?? true;
  const h = { summaries: [] as string[], dumps: {} as Record<string, string> } as WorldHandle;
  let dumpSnapshot: Snapshot;

  beforeAll(async () => {
    const swept = sweepStaleNamespaces(pre.ip as string);
    if (swept.length) h.summaries.push(`removed namespaces left by killed earlier runs: ${swept.join(' ')}`);
    const brnf = KernelWorld.ensureBrNetfilter();
    h.snapshot = cluster({}).load();
    h.world = new KernelWorld(
      { ip: pre.ip as string, iptablesRestore: pre.iptablesRestore as string, sh: pre.sh as string },
      {
        underlayGateway: UNDERLAY.gateway, underlayPrefix: UNDERLAY.prefix, clientIP: EXTERNAL_CLIENT_IP, clientGateway: UNDERLAY.clientGateway,
        clientPrefix: UNDERLAY.clientPrefix, fabricRoutes: [SERVICE_CIDR_ROUTE],
      },
    );
    try {
      h.world.build(h.snapshot);
      h.world.loadRules(h.snapshot);
      h.dumps = Object.fromEntries([...h.world.nodes.keys()].map((n) => [n, h.world.iptablesSave(n)]));
      dumpSnapshot = cluster(h.dumps).load();
      await h.world.startServers(h.snapshot);
    } catch (e) {
      await h.world.destroy();
      throw e;
    }
    h.summaries.push(`${brnf}; namespaces:\n${h.world.describe()}`);
  }, 90000);

  afterAll(async () => {
    await h.world?.destroy();
    if (h.summaries.length) console.log(`kernel suite summary\n${h.summaries.join('\n')}`);
  });

  function clientNamespace(from: From): string {
    switch (from.kind) {
      case 'external':
        return h.world.clientNs;
      case 'node':
      case 'localhost':
        return h.world.nodeNs(from.node);
      case 'pod': {
        const p = h.snapshot.pods.find((x) => x.namespace === from.namespace && x.name === from.name);
        if (p?.hostNetwork) return h.world.nodeNs(p.nodeName);
        return h.world.podNs(`${from.namespace}/${from.name}`);
      }
      default:
        throw new Error(`no client namespace for source ${JSON.stringify(from)}`);
    }
  }

  async function probe(s: Scenario, t: TraceResult): Promise<Attempt[]> {
    const dropExpected = t.destinations.some((d) => d.outcome === 'dropped');
    const timeoutMs = dropExpected ? DROP_TIMEOUT_MS : DELIVER_TIMEOUT_MS;
    const [attempts] = await runClient(h.world.ipBin, clientNamespace(s.from), [{ host: s.toHost, port: s.port, proto: s.protocol, count: s.count, timeoutMs }]);
    return attempts;
  }

  it.each(scenarios)('$name', async (s) => {
    const req: TraceRequest = { toHost: s.toHost, port: s.port, protocol: s.protocol, from: s.from, ...(s.at ? { at: s.at } : {}) };
    const t = trace(h.snapshot, req);
    opts.expectTrace?.(t);
    const attempts = await probe(s, t);
    const c = compare(t, attempts);
    if (overDump) {
      // the same question asked over the kernel's own iptables-save must get the same answer
      const d = trace(dumpSnapshot, req);
      expect(d.fromDump).toBe(true);
      c.problems.push(...compare(d, attempts).problems.map((p) => `[trace over the kernel's iptables-save] ${p}`));
    }
    h.summaries.push(`${c.problems.length ? 'DISAGREE' : 'agree   '} ${s.name}\n           ${c.summary}`);
    expect({ scenario: s.name, problems: c.problems }).toEqual({ scenario: s.name, problems: [] });
  });

  return h;
}
