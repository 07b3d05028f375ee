/**
 * Report renderers: SARIF 2.1.0 for code-scanning UIs, plain text for terminals.
 */
import type { CheckReport, Finding, Severity } from '../model/results';
import { RULES } from './rules';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifOptions {
  toolVersion: string;
  informationUri?: string;
}

export function toSarif(report: CheckReport, opts: SarifOptions): Record<string, unknown> {
  const used = [...new Set(report.findings.map((f) => f.rule))];
  const known = new Map(RULES.map((r) => [r.id, r]));
  const ruleIds = [...RULES.map((r) => r.id).filter((id) => used.includes(id)), ...used.filter((id) => !known.has(id))];
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const driver: Record<string, unknown> = {
    name: 'portolan',
    version: opts.toolVersion,
    rules: ruleIds.map((id) => {
      const r = known.get(id);
      return { id, name: id, shortDescription: { text: r?.title ?? id }, fullDescription: { text: r?.description ?? id } };
    }),
  };
  if (opts.informationUri) driver['informationUri'] = opts.informationUri;
  const results = report.findings.map((f) => {
    const res: Record<string, unknown> = {
      ruleId: f.rule,
      ruleIndex: index.get(f.rule),
      level: LEVEL[f.severity],
      message: { text: f.fix ? `${f.message}\nFix: ${f.fix}` : f.message },
      properties: { object: f.object, fix: f.fix, severity: f.severity },
    };
    if (f.source?.file) {
      const physicalLocation: Record<string, unknown> = { artifactLocation: { uri: f.source.file } };
      if (f.source.line !== undefined && f.source.line >= 1) physicalLocation['region'] = { startLine: f.source.line };
      res['locations'] = [{ physicalLocation, logicalLocations: [{ fullyQualifiedName: f.object, kind: 'object' }] }];
    } else {
      res['locations'] = [{ logicalLocations: [{ fullyQualifiedName: f.object, kind: 'object' }] }];
    }
    return res;
  });
  return { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [{ tool: { driver }, results }] };
}

function where(f: Finding): string {
  if (!f.source?.file) return '';
  return f.source.line !== undefined ? `${f.source.file}:${f.source.line}` : f.source.file;
}

export function toText(report: CheckReport): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const loc = where(f);
    lines.push(`${f.severity.toUpperCase().padEnd(7)} ${f.rule}  ${f.object}${loc ? `  (${loc})` : ''}`);
    lines.push(`  ${f.message}`);
    if (f.fix) lines.push(`  fix: ${f.fix}`);
  }
  const count = (s: Severity): number => report.findings.filter((f) => f.severity === s).length;
  if (lines.length) lines.push('');
  lines.push(`verdict: ${report.verdict} (${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info)`);
  return lines.join('\n') + '\n';
}
