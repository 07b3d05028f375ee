/**
 * Every SARIF the project emits passes Microsoft's SARIF multitool (SARIF and GitHub ingestion rules) with no
 * error and no warning: the CLI's check on the infra fixtures, malformed input and suppressions, and the
 * analyses path with commit metadata. The same inputs give the CLI and the webhook the same findings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeInputs } from '@portolan/application';
import { ClusterEngine, loadSnapshot } from '@portolan/netsim';
import { main } from '../src/main';

const ROOT = path.resolve(__dirname, '../../..');
const INFRA = path.join(ROOT, 'test/fixtures/infra');
const MULTITOOL = path.join(ROOT, 'node_modules/.bin/sarif-multitool');
const out = mkdtempSync(path.join(tmpdir(), 'portolan-sarif-'));

function run(...argv: string[]): { code: number; out: string } {
  let o = '';
  const code = main(argv, { out: (s) => (o += s), err: () => undefined });
  return { code, out: o };
}

const MALFORMED = { name: 'k8s/broken.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata: {name: p\nspec: [\n' };
const SUPPRESSED = {
  name: 'k8s/svc.yaml',
  text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: legacy\n  namespace: default\n  annotations:\n    portolan.dev/ignore: "service-selector-matches-nothing: pods come from the blue/green job"\nspec:\n  selector: {app: nobody}\n  ports: [{port: 80}]\n',
};

describe('SARIF validated by sarif-multitool', () => {
  const written: string[] = [];
  const keep = (name: string, sarif: string) => {
    const p = path.join(out, `${name}.sarif`);
    writeFileSync(p, sarif);
    written.push(p);
  };

  it('CLI check on every infra fixture (relative URIs under SRCROOT), on malformed input and with a suppression', () => {
    const cluster = path.join(INFRA, 'cluster.yaml');
    const files = [...readdirSync(INFRA).filter((f) => f !== 'cluster.yaml' && f.endsWith('.yaml')), ...readdirSync(path.join(INFRA, 'negative')).map((f) => `negative/${f}`)];
    const cwd = process.cwd();
    process.chdir(INFRA);
    try {
      for (const f of files) {
        const r = run('check', '-f', cluster, '--manifests', f, '-o', 'sarif');
        const log = JSON.parse(r.out);
        for (const res of log.runs[0].results) for (const l of res.locations) if (l.physicalLocation) expect(l.physicalLocation.artifactLocation).toEqual({ uri: f, uriBaseId: 'SRCROOT' });
        keep(f.replace(/\W/g, '_'), r.out);
      }
      const dir = mkdtempSync(path.join(tmpdir(), 'portolan-in-'));
      writeFileSync(path.join(dir, 'broken.yaml'), MALFORMED.text);
      writeFileSync(path.join(dir, 'svc.yaml'), SUPPRESSED.text);
      process.chdir(dir);
      const bad = run('check', '--manifests', 'broken.yaml', '--manifests', 'svc.yaml', '-o', 'sarif');
      // malformed input is a finding with SARIF, exit 1, as the webhook does
      expect(bad.code).toBe(1);
      const log = JSON.parse(bad.out);
      const results = log.runs[0].results as Array<{ ruleId: string; suppressions?: unknown; locations: Array<{ physicalLocation?: { artifactLocation: unknown } }> }>;
      expect(new Set(results.map((r) => r.ruleId))).toEqual(new Set(['input-error', 'service-selector-matches-nothing']));
      for (const r of results.filter((x) => x.ruleId === 'input-error')) expect(r.locations[0].physicalLocation?.artifactLocation).toEqual({ uri: 'broken.yaml', uriBaseId: 'SRCROOT' });
      expect(results.find((r) => r.ruleId === 'service-selector-matches-nothing')?.suppressions).toEqual([{ kind: 'inSource', status: 'accepted', justification: 'pods come from the blue/green job' }]);
      // suppressed findings do not make the verdict: only the input errors fail it
      expect(JSON.parse(run('check', '--manifests', 'svc.yaml', '-o', 'json').out)).toMatchObject({ verdict: 'pass', counts: { warning: 0, suppressed: 1 } });
      keep('cli-malformed-and-suppressed', bad.out);
    } finally {
      process.chdir(cwd);
    }
  });

  it('analyses (webhook) SARIF with commit metadata carries versionControlProvenance', () => {
    const engine = new ClusterEngine(loadSnapshot([{ name: 'cluster.yaml', text: readFileSync(path.join(INFRA, 'cluster.yaml'), 'utf8') }]).snapshot);
    const inputs = [MALFORMED, SUPPRESSED, { name: 'deploy/node-exporter.yaml', text: readFileSync(path.join(INFRA, 'negative/runtime-bind-conflict.yaml'), 'utf8') }];
    const { result, sarif } = analyzeInputs(inputs, engine, 'snap-1', { commit: { sha: '3f786850e387550fdab836ed7e6dc881de23001b', ref: 'refs/heads/main', repository: 'acme/platform' } });
    const run0 = (sarif['runs'] as Array<Record<string, unknown>>)[0];
    expect(run0['versionControlProvenance']).toEqual([{ repositoryUri: 'https://github.com/acme/platform', revisionId: '3f786850e387550fdab836ed7e6dc881de23001b', branch: 'refs/heads/main', mappedTo: { uriBaseId: 'SRCROOT' } }]);
    expect(result.counts).toMatchObject({ suppressed: 1 });
    expect(result.verdict).toBe('fail');
    keep('analyses-commit', JSON.stringify(sarif));
    keep('analyses-no-commit', JSON.stringify(analyzeInputs(inputs, engine, null).sarif));
  });

  it('has no error and no warning for any of them', () => {
    expect(written.length).toBeGreaterThan(15);
    // the bin wrapper runs through a shell: the rule-kind list is quoted for it
    const text = execFileSync(MULTITOOL, ['validate', '--rule-kind', '"Gh;Sarif"', ...written], { encoding: 'utf8' });
    expect(text).toMatch(/Analysis completed successfully/);
    expect(text.split('\n').filter((l) => /: (error|warning) [A-Z]+\d+/.test(l))).toEqual([]);
  });

  it('CLI and webhook give identical findings for the same files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'portolan-parity-'));
    writeFileSync(path.join(dir, 'broken.yaml'), MALFORMED.text);
    writeFileSync(path.join(dir, 'svc.yaml'), SUPPRESSED.text);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const cli = JSON.parse(run('check', '--manifests', 'broken.yaml', '--manifests', 'svc.yaml', '-o', 'json').out);
      const { result } = analyzeInputs([{ name: 'broken.yaml', text: MALFORMED.text }, { name: 'svc.yaml', text: SUPPRESSED.text }], new ClusterEngine(loadSnapshot([]).snapshot), null);
      expect(cli.findings).toEqual(result.findings);
      expect(cli.verdict).toBe(result.verdict);
      expect(cli.counts).toEqual(result.counts);
    } finally {
      process.chdir(cwd);
    }
  });
});
