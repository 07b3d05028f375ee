/**
 * The one place a submission's report is built from its files, for the CLI's `check` and the CI webhook /
 * analyses alike: each file is parsed on its own, so a malformed one becomes input-error findings and does not
 * hide the findings of the others; the rest is checked as a whole (checkManifests).
 */
import type { CheckReport, Finding } from '../model/results';
import type { Snapshot } from '../model/types';
import { InputError } from '../adapter/diagnostics';
import { parseDocuments, type ParsedObject, type TextInput } from '../adapter/parse';
import { checkManifests, type CheckOptions } from './check';
import { countsOf, verdictOf } from './suppress';

export function inputErrorFindings(e: InputError): Finding[] {
  const errors = e.diagnostics.filter((d) => d.severity === 'error');
  return (errors.length ? errors : e.diagnostics).map((d) => {
    const f: Finding = {
      rule: 'input-error',
      severity: 'error',
      object: `${d.file ?? ''}#${(d.doc ?? 0) + 1}`,
      message: d.field ? `${d.field}: ${d.message}` : d.message,
      fix: 'Fix the manifest so it decodes: the API server would refuse it.',
    };
    if (d.file !== undefined || d.line !== undefined) f.source = { ...(d.file !== undefined ? { file: d.file } : {}), ...(d.line !== undefined ? { line: d.line } : {}) };
    return f;
  });
}

/** Parses each input on its own, so one malformed file does not hide the findings of the others. */
export function parseInputs(inputs: readonly TextInput[]): { parsed: ParsedObject[]; findings: Finding[] } {
  const parsed: ParsedObject[] = [];
  const findings: Finding[] = [];
  for (const input of inputs) {
    try {
      parsed.push(...parseDocuments([input]));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      findings.push(...inputErrorFindings(e));
    }
  }
  return { parsed, findings };
}

/** The report for a submission's files against a snapshot (or none). Never throws on bad input. */
export function checkInputs(inputs: readonly TextInput[], snapshot?: Snapshot, opts: CheckOptions = {}): { report: CheckReport; parsed: ParsedObject[] } {
  const { parsed, findings: inputFindings } = parseInputs(inputs);
  const checked = parsed.length ? checkManifests(parsed, snapshot, opts).findings : [];
  const findings = [...inputFindings, ...checked];
  return { report: { verdict: verdictOf(findings), findings, counts: countsOf(findings) }, parsed };
}
