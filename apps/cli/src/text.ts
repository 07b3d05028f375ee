import type { DriftResult, PlacementResult, PortClaim, ScheduleResult, TraceResult } from '@portolan/netsim';

/** Human-readable renderings; `-o json` prints the engine's results as they are. */
export function scheduleText(r: ScheduleResult): string {
  const lines = [`pod ${r.pod}: ${r.feasibleNodes.length ? `feasible on ${r.feasibleNodes.join(', ')}` : 'no node fits'}`];
  if (r.kubeletAdmission) lines.push(`spec.nodeName is set: the kubelet on ${r.kubeletAdmission.node} ${r.kubeletAdmission.admit ? 'admits it' : `rejects it: ${r.kubeletAdmission.message}`}`);
  for (const n of r.nodes) {
    const head = n.feasible ? `  ✓ ${n.node}` : `  ✗ ${n.node}  [${n.plugin}] ${n.reasons.join('; ')}`;
    lines.push(head);
    for (const b of n.blockers) lines.push(`      blocked by ${JSON.stringify(b)}`);
    for (const p of n.runtime) lines.push(`      runtime (${p.certainty}): ${p.message}${p.consequence ? ` → ${p.consequence}` : ''}`);
  }
  if (r.message) lines.push(`FailedScheduling: ${r.message}`);
  if (r.preemption) lines.push(`preemption: nominated ${r.preemption.nominatedNodeName}, victims ${r.preemption.victims.join(', ')}`);
  return lines.join('\n');
}

export function placementText(r: PlacementResult): string {
  const lines = [`${r.workload}: ${r.placed.length} of ${r.replicas} placed`];
  for (const p of r.placed) lines.push(`  placed   ${p.pod} → ${p.node}`);
  for (const p of r.pending) lines.push(`  pending  ${p.pod}: ${p.message}`);
  for (const c of r.crashing) lines.push(`  crashing ${c.pod} on ${c.node} (${c.certainty}): ${c.reason}`);
  return lines.join('\n');
}

export function traceText(r: TraceResult): string {
  const lines = r.hops.map((h) => `  ${h.node.padEnd(14)} ${(h.hook ? h.hook + ' ' : '').padEnd(12)}${h.table}/${h.chain}\n      ${h.rule}\n      → ${h.verdict}`);
  lines.unshift(`outcome: ${r.outcome}${r.masquerade ? ' (masqueraded)' : ''}; source seen: ${r.sourceSeen}${r.fromDump ? '; walked an uploaded iptables-save dump' : ''}`);
  if (!r.complete) {
    // an answer over a partial dump must not read as a confident one: the caveat comes first
    const why = r.incomplete.map((i) => `  - ${i.code}${i.chain ? ` ${i.table ? `${i.table}/` : ''}${i.chain}` : ''} on ${i.node}: ${i.message}`);
    lines.unshift(`INCOMPLETE: the iptables-save dump cannot be the whole truth (${r.incomplete.length} reason(s)); the outcome below may be wrong`, ...why);
  }
  lines.push('destinations:');
  for (const d of r.destinations) lines.push(`  ${(d.probability * 100).toFixed(1).padStart(5)}%  ${d.outcome} ${d.kind} ${d.pod ?? ''} ${d.ip}:${d.port}${d.node ? ` on ${d.node}` : ''}${d.masquerade ? ` (source seen ${d.sourceSeen})` : ''}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

export function claimsText(claims: PortClaim[]): string {
  if (!claims.length) return 'no claims';
  return claims
    .map((c) => `${`${c.address}:${c.port}/${c.protocol}`.padEnd(24)} ${c.kind.padEnd(20)} ${c.owner}${c.effective ? '' : `  (shadowed: ${c.shadowedBy ?? 'yes'})`}${c.note ? `  ${c.note}` : ''}`)
    .join('\n');
}

export function driftText(r: DriftResult): string {
  const c = r.counts;
  const lines = [`node ${r.node}: ${r.clean ? 'no drift' : `${c.missing} missing, ${c.extra} extra, ${c.different} different, ${c.order} out of order`}`];
  for (const t of r.missingTables) lines.push(`  table ${t} is not in the dump`);
  for (const f of r.findings) {
    const at = `${f.table} ${f.chain}`;
    if (f.wholeChain) lines.push(`  ${f.kind} chain ${at}`);
    else if (f.kind === 'missing') lines.push(`  missing   ${at}: -A ${f.chain} ${f.expected}`);
    else if (f.kind === 'extra') lines.push(`  extra     ${at}: -A ${f.chain} ${f.actual}`);
    else lines.push(`  ${f.kind.padEnd(9)} ${at}:\n      want -A ${f.chain} ${f.expected}\n      have -A ${f.chain} ${f.actual}`);
  }
  for (const f of r.foreign) lines.push(`  foreign   ${f.table} ${f.chain} (${f.owner}, ${f.rules} rules): not judged`);
  return lines.join('\n');
}
