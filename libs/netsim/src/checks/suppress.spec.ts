import { aNode, aSnapshot } from '../testing';
import { checkManifests, exemptionCovers, parseIgnoreAnnotation } from './index';

const svc = (annotations?: Record<string, string>, ns = 'demo') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: ns, ...(annotations ? { annotations } : {}) }, spec: { selector: { app: 'nobody' }, ports: [{ port: 80 }] } });

describe('portolan.dev/ignore', () => {
  it("parses 'rule-id: reason' entries separated by newlines or ';', and rejects the rest", () => {
    expect(parseIgnoreAnnotation('service-selector-matches-nothing: blue/green; hostnetwork-networkpolicy: host firewall\n')).toEqual({
      entries: [
        { rule: 'service-selector-matches-nothing', reason: 'blue/green' },
        { rule: 'hostnetwork-networkpolicy', reason: 'host firewall' },
      ],
      errors: [],
    });
    const bad = parseIgnoreAnnotation('service-selector-matches-nothing\nno-such-rule: because');
    expect(bad.entries).toEqual([]);
    expect(bad.errors).toEqual(['"service-selector-matches-nothing": expected "rule-id: reason"', '"no-such-rule" is not a rule id (GET /v1/rules lists them)']);
  });

  it('suppresses the named rule on that object only; counts and verdict leave it out', () => {
    const plain = checkManifests([svc()]);
    expect(plain).toMatchObject({ verdict: 'warn', counts: { warning: 1, suppressed: 0 } });
    const r = checkManifests([svc({ 'portolan.dev/ignore': 'service-selector-matches-nothing: pods come from a job' })]);
    expect(r.verdict).toBe('pass');
    expect(r.counts).toEqual({ error: 0, warning: 0, info: 0, suppressed: 1 });
    expect(r.findings[0].suppressed).toEqual({ kind: 'annotation', reason: 'pods come from a job' });
    // another rule named: nothing suppressed
    expect(checkManifests([svc({ 'portolan.dev/ignore': 'hostnetwork-networkpolicy: n/a' })]).verdict).toBe('warn');
  });

  it('a malformed entry suppresses nothing and is reported', () => {
    const r = checkManifests([svc({ 'portolan.dev/ignore': 'service-selector-matches-nothing' })]);
    expect(r.findings.map((f) => [f.rule, f.severity, !!f.suppressed])).toEqual([
      ['service-selector-matches-nothing', 'warning', false],
      ['ignore-annotation-invalid', 'warning', false],
    ]);
  });
});

describe('exemptions', () => {
  const now = new Date('2026-12-03T12:00:00Z');
  it('match rule and selector (name may end in *), until they expire', () => {
    const f = { rule: 'service-selector-matches-nothing', object: 'Service/demo/legacy-a' };
    expect(exemptionCovers({ rule: f.rule, selector: { namespace: 'demo', name: 'legacy-*' }, reason: 'r' }, f, now)).toBe(true);
    expect(exemptionCovers({ rule: f.rule, selector: { kind: 'Deployment' }, reason: 'r' }, f, now)).toBe(false);
    expect(exemptionCovers({ rule: 'unschedulable', selector: {}, reason: 'r' }, f, now)).toBe(false);
    expect(exemptionCovers({ rule: f.rule, selector: {}, reason: 'r', expiresAt: '2026-12-03T11:59:59Z' }, f, now)).toBe(false);
    expect(exemptionCovers({ rule: f.rule, selector: {}, reason: 'r', expiresAt: '2026-12-04T00:00:00Z' }, f, now)).toBe(true);
  });
  it('are applied by the check and marked external', () => {
    const r = checkManifests([svc()], undefined, { exemptions: [{ id: 'ex-1', rule: 'service-selector-matches-nothing', selector: { namespace: 'demo' }, reason: 'migration until January' }], now });
    expect(r.verdict).toBe('pass');
    expect(r.findings[0].suppressed).toEqual({ kind: 'exemption', reason: 'migration until January', id: 'ex-1' });
  });
});

describe('namespace-not-found', () => {
  it('is an error when the snapshot lists Namespaces and neither it nor the submission has the one used', () => {
    const s = aSnapshot({ nodes: [aNode('n1')], namespaces: [{ name: 'default', labels: {} }, { name: 'shop', labels: {} }] });
    expect(checkManifests([svc(undefined, 'demo')], s).findings.find((f) => f.rule === 'namespace-not-found')).toMatchObject({ severity: 'error', object: 'Service/demo/legacy' });
    const withNs = checkManifests([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } }, svc(undefined, 'demo')], s);
    expect(withNs.findings.find((f) => f.rule === 'namespace-not-found')).toBeUndefined();
    expect(checkManifests([svc(undefined, 'shop')], s).findings.find((f) => f.rule === 'namespace-not-found')).toBeUndefined();
    // a snapshot without Namespaces cannot tell
    expect(checkManifests([svc(undefined, 'demo')], aSnapshot({ nodes: [aNode('n1')] })).findings.find((f) => f.rule === 'namespace-not-found')).toBeUndefined();
  });
});
