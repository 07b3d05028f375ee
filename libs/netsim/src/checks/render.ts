/**
 * Report renderers: SARIF 2.1.0 for code-scanning UIs (GitHub accepts it without warnings: rule help and helpUri,
 * informationUri, relative artifact URIs under the SRCROOT base id, versionControlProvenance, suppressions), plain
 * text for terminals.
 */
import type { CheckReport, Finding, Severity } from '../model/results';
import { RULES } from './rules';
import { countsOf } from './suppress';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INFORMATION_URI = 'https://portolan.dev';
const SRCROOT = 'SRCROOT';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifCommit {
  sha?: string;
  ref?: string;
  repository?: string;
  url?: string;
}

export interface SarifOptions {
  toolVersion: string;
  informationUri?: string;
  /** absolute directory the file names are relative to (the CLI's working directory); a file:// URI is derived */
  srcRoot?: string;
  /** the commit the files come from (webhook metadata): becomes versionControlProvenance */
  commit?: SarifCommit;
}

/** RFC 3986 path: every segment percent-encoded, '/' kept; Windows separators become '/'. */
function encodePath(p: string): string {
  return p
    .replace(/\\/g, '/')
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

/** A file name as a SARIF artifactLocation: relative to SRCROOT when it can be, else an absolute file URI. */
function artifactLocation(file: string, srcRoot: string | undefined): Record<string, unknown> {
  let f = file.replace(/\\/g, '/');
  const root = srcRoot?.replace(/\\/g, '/').replace(/\/?$/, '/');
  if (root && f.startsWith(root)) f = f.slice(root.length);
  if (f.startsWith('/')) return { uri: `file://${encodePath(f)}` };
  if (/^[A-Za-z]:\//.test(f)) return { uri: `file:///${encodePath(f)}` };
  return { uri: encodePath(f.replace(/^(\.\/)+/, '')), uriBaseId: SRCROOT };
}

function rootUri(srcRoot: string): string {
  const p = srcRoot.replace(/\\/g, '/').replace(/\/?$/, '/');
  return p.startsWith('/') ? `file://${encodePath(p)}` : `file:///${encodePath(p)}`;
}

function absoluteUri(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

function provenance(c: SarifCommit): Record<string, unknown> | undefined {
  // repository may be "owner/name" (GitHub's payload) or a URL; a bare name is taken as a GitHub repository
  let repo = c.repository;
  if (repo && !absoluteUri(repo)) repo = /^[\w.-]+\/[\w.-]+$/.test(repo) ? `https://github.com/${repo}` : undefined;
  if (!repo && c.url && absoluteUri(c.url)) repo = c.url.replace(/\/commit\/[0-9a-f]+\/?$/i, '');
  if (!repo) return undefined;
  // mappedTo: the repository root is what SRCROOT-relative artifact URIs are relative to
  const v: Record<string, unknown> = { repositoryUri: repo, mappedTo: { uriBaseId: SRCROOT } };
  if (c.sha) v['revisionId'] = c.sha;
  if (c.ref) v['branch'] = c.ref;
  return v;
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

export function toSarif(report: CheckReport, opts: SarifOptions): Record<string, unknown> {
  const used = [...new Set(report.findings.map((f) => f.rule))];
  const known = new Map(RULES.map((r) => [r.id, r]));
  const ruleIds = [...RULES.map((r) => r.id).filter((id) => used.includes(id)), ...used.filter((id) => !known.has(id))];
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const informationUri = opts.informationUri ?? INFORMATION_URI;
  const driver: Record<string, unknown> = {
    name: 'portolan',
    version: opts.toolVersion,
    semanticVersion: opts.toolVersion,
    informationUri,
    rules: ruleIds.map((id) => {
      const r = known.get(id);
      const title = r?.title ?? id;
      const rationale = r?.rationale ?? id;
      const fix = r?.fix ?? 'See the finding message.';
      return {
        id,
        name: id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
        shortDescription: { text: sentence(title) },
        fullDescription: { text: sentence(rationale) },
        help: { text: `${sentence(rationale)} Fix: ${sentence(fix)}`, markdown: `${sentence(rationale)}\n\n**Fix:** ${sentence(fix)}` },
        helpUri: r?.helpUri ?? `${informationUri}/rules/${id}`,
        defaultConfiguration: { level: LEVEL[r?.severity ?? 'warning'] },
      };
    }),
  };
  let usesRoot = false;
  const results = report.findings.map((f) => {
    const res: Record<string, unknown> = {
      ruleId: f.rule,
      ruleIndex: index.get(f.rule),
      level: LEVEL[f.severity],
      message: { text: sentence(f.fix ? `${sentence(f.message)} Fix: ${f.fix}` : f.message) },
      properties: { object: f.object, fix: f.fix, severity: f.severity },
    };
    const logical = [{ fullyQualifiedName: f.object, kind: 'object' }];
    if (f.source?.file) {
      const loc = artifactLocation(f.source.file, opts.srcRoot);
      if (loc['uriBaseId']) usesRoot = true;
      const physicalLocation: Record<string, unknown> = { artifactLocation: loc };
      if (f.source.line !== undefined && f.source.line >= 1) physicalLocation['region'] = { startLine: f.source.line };
      res['locations'] = [{ physicalLocation, logicalLocations: logical }];
    } else {
      res['locations'] = [{ logicalLocations: logical }];
    }
    if (f.suppressed) {
      res['suppressions'] = [{ kind: f.suppressed.kind === 'annotation' ? 'inSource' : 'external', status: 'accepted', justification: f.suppressed.reason }];
    }
    return res;
  });
  const run: Record<string, unknown> = { tool: { driver }, results, columnKind: 'utf16CodeUnits' };
  if (usesRoot) {
    run['originalUriBaseIds'] = {
      [SRCROOT]: opts.srcRoot ? { uri: rootUri(opts.srcRoot) } : { description: { text: 'The root of the submitted files (the repository root for a CI delivery).' } },
    };
  }
  const vcp = opts.commit ? provenance(opts.commit) : undefined;
  if (vcp) {
    run['versionControlProvenance'] = [vcp];
    run['originalUriBaseIds'] ??= { [SRCROOT]: { description: { text: 'The repository root.' } } };
  }
  return { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
}

function where(f: Finding): string {
  if (!f.source?.file) return '';
  return f.source.line !== undefined ? `${f.source.file}:${f.source.line}` : f.source.file;
}

export function toText(report: CheckReport): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const loc = where(f);
    const tag = f.suppressed ? 'SUPPRESSED' : f.severity.toUpperCase();
    lines.push(`${tag.padEnd(7)} ${f.rule}  ${f.object}${loc ? `  (${loc})` : ''}`);
    lines.push(`  ${f.message}`);
    if (f.suppressed) lines.push(`  suppressed (${f.suppressed.kind}): ${f.suppressed.reason}`);
    else if (f.fix) lines.push(`  fix: ${f.fix}`);
  }
  const c = report.counts ?? countsOf(report.findings);
  if (lines.length) lines.push('');
  lines.push(`verdict: ${report.verdict} (${c.error} error(s), ${c.warning} warning(s), ${c.info} info${c.suppressed ? `, ${c.suppressed} suppressed` : ''})`);
  return lines.join('\n') + '\n';
}
