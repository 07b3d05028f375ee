/**
 * Runs every `trace:` case of test/fixtures/upstream-cases.yaml through the engine: the snapshot is built by the
 * adapter from the case's objects and environment, and the trace walks the rules rendered for the ingress node.
 */
import { trace } from '../src/trace';
import type { TraceDestination, TraceRequest, TraceResult } from '../src/model/results';
import type { Snapshot } from '../src/model/types';
import { snapshotForCase, traceCases, type FixtureCase, type FixtureHop } from './fixture-cases';
import { firstMissingHop } from './hop-match';
import { nodeLocalAddresses } from '../src/iptables';
import { canonicalIP } from '../src/util/ip';

function requestFor(c: FixtureCase, snap: Snapshot): TraceRequest {
  const q = c.question['trace'];
  const [host, port] = String(q.dst).split(/:(?=\d+$)/);
  const from = String(q.from);
  const base = { toHost: host, port: Number(port), protocol: q.proto, at: q.ingressNode } as const;
  if (from === 'external') return { ...base, from: { kind: 'external', ip: q.srcIP } };
  if (from === 'node') return { ...base, from: { kind: 'node', node: q.ingressNode } };
  if (from === 'node-localhost') return { ...base, from: { kind: 'localhost', node: q.ingressNode } };
  if (from.startsWith('pod:')) {
    const name = from.slice(4);
    const pod = snap.pods.find((p) => p.name === name);
    if (!pod) throw new Error(`case ${c.id}: pod ${name} not in the cluster`);
    return { ...base, from: { kind: 'pod', namespace: pod.namespace, name: pod.name } };
  }
  // the upstream fake-proxier flows send from a pod IP that has no Pod object
  return { ...base, from: { kind: 'ip', ip: q.srcIP, node: q.ingressNode } };
}

function ipPort(text: string): string {
  return text.trim().split(/\s+/).pop() as string;
}

function destKey(d: TraceDestination): string {
  return `${d.ip}:${d.port}`;
}

function describe_(r: TraceResult): string {
  return JSON.stringify({ outcome: r.outcome, destinations: r.destinations.map((d) => ({ ...d, hops: d.hops?.map((h) => `${h.node} ${h.table} ${h.chain} | ${h.rule} | ${h.verdict}`) })), notes: r.notes }, null, 1);
}

const cases = traceCases();

/**
 * Fixture erratum, applied generically: MASQUERADE is a terminating target. xt_MASQUERADE returns NF_ACCEPT
 * (nf_nat_masquerade_ipv4) and ipt_do_table stops at any verdict other than XT_CONTINUE, so once a rule
 * masquerades in nat POSTROUTING, the rest of that traversal (e.g. the KUBE-POSTROUTING jump after
 * CNI-HOSTPORT-MASQ) is never evaluated. Hops the fixture lists after such a MASQUERADE are expected as
 * "never reached" (base chain) or absent (chains that would have been jumped to).
 */
export function applyMasqueradeErratum(hops: FixtureHop[]): { hops: FixtureHop[]; changed: boolean } {
  const out: FixtureHop[] = [];
  let masqueradedOn: string | undefined;
  let changed = false;
  for (const h of hops) {
    if (masqueradedOn === h.node && h.table === 'nat') {
      changed = true;
      if (h.chain === 'POSTROUTING') out.push({ ...h, verdict: 'never reached: MASQUERADE is a terminating target' });
      continue;
    }
    out.push(h);
    if (h.table === 'nat' && /^MASQUERADE\b/.test(h.verdict) && !/^no match/.test(h.verdict)) masqueradedOn = h.node;
  }
  return { hops: out, changed };
}

describe('upstream-cases.yaml trace cases', () => {
  it('has trace cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(13);
  });

  it('the MASQUERADE erratum touches only hp-same-node-other-pod-gets-masqueraded', () => {
    expect(cases.filter((c) => applyMasqueradeErratum(c.expected['hops']).changed).map((c) => c.id)).toEqual(['hp-same-node-other-pod-gets-masqueraded']);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const snap = snapshotForCase(c);
    const req = requestFor(c, snap);
    const r = trace(snap, req);
    const exp = c.expected['result'];
    const total = r.destinations.reduce((s, d) => s + d.probability, 0);
    expect(total).toBeCloseTo(1, 9);

    // which branches the fixture talks about
    let relevant: TraceDestination[];
    if (exp.destination) {
      const want = ipPort(exp.destination);
      relevant = r.destinations.filter((d) => destKey(d) === want);
      expect({ case: c.id, want, got: r.destinations.map(destKey) }).toEqual({ case: c.id, want, got: expect.arrayContaining([want]) });
      expect(r.destinations.filter((d) => d.outcome === 'delivered').map(destKey)).toEqual([want]);
    } else if (exp.destinationOneOf) {
      const want = (exp.destinationOneOf as string[]).map(ipPort).sort();
      expect(r.destinations.map(destKey).sort()).toEqual(want);
      relevant = r.destinations;
    } else {
      relevant = r.destinations;
    }

    // outcome
    if (exp.outcome === 'no-kube-proxy-rule-matched') {
      for (const d of r.destinations) {
        expect(['refused', 'delivered-to-host-socket']).toContain(d.outcome);
        expect((d.hops ?? []).some((h) => h.verdict.startsWith('DNAT'))).toBe(false);
      }
    } else {
      expect(r.outcome).toBe(exp.outcome);
      for (const d of relevant) expect(d.outcome).toBe(exp.outcome);
    }
    if (exp.by) expect(relevant.map((d) => d.by)).toEqual(relevant.map(() => exp.by));
    if (exp.masquerade !== undefined) for (const d of relevant) expect({ dest: destKey(d), masquerade: d.masquerade }).toEqual({ dest: destKey(d), masquerade: exp.masquerade });
    if (exp.marks) for (const d of relevant) expect(d.marks).toEqual(expect.arrayContaining(exp.marks));
    if (exp.sourceSeenByBackend) {
      const first = String(exp.sourceSeenByBackend).split(/\s+/)[0];
      if (canonicalIP(first)) for (const d of relevant) expect(d.sourceSeen).toBe(first);
      else for (const d of relevant) expect(nodeLocalAddresses(snap, req.at as string)).toContain(d.sourceSeen);
    }

    // hops: the fixture's hops appear, in order, in the hops of one of the branches it describes
    const fixtureHops = c.expected['hops'] as FixtureHop[];
    const { hops, changed } = applyMasqueradeErratum(fixtureHops);
    if (changed) {
      // the uncorrected fixture hops must NOT be reproduced: that would mean a MASQUERADE did not terminate
      expect(relevant.some((d) => firstMissingHop(fixtureHops, d.hops ?? []) < 0)).toBe(false);
    }
    const misses = relevant.map((d) => firstMissingHop(hops, d.hops ?? []));
    if (!misses.some((m) => m < 0)) {
      const worst = Math.max(...misses);
      throw new Error(`case ${c.id}: fixture hop #${worst} not found in order:\n${JSON.stringify(hops[worst], null, 1)}\ntrace:\n${describe_(r)}`);
    }
  });
});
