/**
 * Trace vs kernel: does what the client saw (per attempt: connected to X seeing source S, refused, timed out)
 * agree with what trace() predicted?
 *
 * - outcome class: delivered / delivered-to-host-socket -> connected; rejected / refused -> refused (a REJECT's ICMP
 *   port unreachable and a TCP RST both surface as ECONNREFUSED); dropped -> timeout.
 * - a connected attempt must have reached one of the trace's delivered destinations (pods by namespace/name,
 *   hostNetwork pods by name, host sockets as host:<node>) and the server must have seen exactly that
 *   destination's sourceSeen.
 * - every destination the trace gives a fair chance (its expected misses over the attempts are negligible) must
 *   have been reached at least once.
 */
import type { TraceDestination, TraceResult } from '@portolan/netsim';
import type { Attempt } from './agents';

export type OutcomeClass = 'connected' | 'refused' | 'timeout';

export function classOf(outcome: string): OutcomeClass {
  switch (outcome) {
    case 'delivered':
    case 'delivered-to-host-socket':
      return 'connected';
    case 'rejected':
    case 'refused':
      return 'refused';
    default:
      return 'timeout';
  }
}

/** The identity a server answers with for a trace destination. */
export function identityOf(d: TraceDestination): string {
  if (d.kind === 'host-socket') return `host:${d.node ?? '?'}`;
  return d.pod ?? `${d.kind}:${d.ip}:${d.port}`;
}

function describeDest(d: TraceDestination): string {
  const cls = classOf(d.outcome);
  const where = cls === 'connected' ? `${identityOf(d)} seeing ${d.sourceSeen}${d.masquerade ? ' (masqueraded)' : ''}` : `${d.outcome} on ${d.node ?? '?'}`;
  return `${where} p=${Number(d.probability.toFixed(4))}`;
}

export function describeAttempt(a: Attempt): string {
  switch (a.kind) {
    case 'connected':
      return `${a.id} seeing ${a.src}`;
    case 'error':
      return `error ${a.code}`;
    default:
      return a.kind;
  }
}

export interface Comparison {
  problems: string[];
  /** "trace: ... | kernel: ..." one-liner for the run summary */
  summary: string;
}

function tally(items: string[]): string {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m.entries()].map(([k, n]) => `${n}x ${k}`).join(', ');
}

export function compare(t: TraceResult, attempts: Attempt[]): Comparison {
  const problems: string[] = [];
  const dests = t.destinations;
  const reached = new Set<TraceDestination>();
  attempts.forEach((seen, i) => {
    // The output route lookup refusing a loopback source off lo (route_localnet=0): a TCP SYN is silently dropped
    // (timeout), a UDP send fails with EINVAL. Both are a packet the sender's kernel dropped.
    const a: Attempt = seen.kind === 'error' && seen.code === 'EINVAL' ? { kind: 'timeout' } : seen;
    if (a.kind === 'error') {
      problems.push(`attempt ${i + 1}: socket error ${a.code}; trace predicts ${dests.map(describeDest).join(' | ')}`);
      return;
    }
    if (a.kind === 'connected') {
      const byId = dests.filter((d) => classOf(d.outcome) === 'connected' && identityOf(d) === a.id);
      const exact = byId.find((d) => d.sourceSeen === a.src);
      if (exact) {
        reached.add(exact);
        return;
      }
      if (byId.length) problems.push(`attempt ${i + 1}: reached ${a.id} as predicted, but it saw source ${a.src}; trace predicts source ${byId.map((d) => d.sourceSeen).join(' or ')}`);
      else problems.push(`attempt ${i + 1}: reached ${a.id} (seeing ${a.src}), which the trace does not predict; trace predicts ${dests.map(describeDest).join(' | ')}`);
      return;
    }
    const match = dests.find((d) => classOf(d.outcome) === a.kind);
    if (match) reached.add(match);
    else problems.push(`attempt ${i + 1}: ${a.kind}; trace predicts ${dests.map(describeDest).join(' | ')}`);
  });
  // a destination whose chance of never being picked over n attempts is below 1e-4 must show up
  for (const d of dests) {
    const missChance = Math.pow(1 - Math.min(1, d.probability), attempts.length);
    if (!reached.has(d) && missChance < 1e-4) problems.push(`never observed over ${attempts.length} attempts: ${describeDest(d)}`);
  }
  const summary = `trace: ${t.outcome} [${dests.map(describeDest).join(' | ')}] | kernel: ${tally(attempts.map(describeAttempt))}`;
  return { problems, summary };
}
