import { buildSnapshot, InputError, parseDocumentsWithNotes, type ClusterProfile } from '@portolan/netsim';
import type { ObjectRow } from '@portolan/persistence';
import { inputErrorRow } from './job-errors';
import { diagnosticsToDetails, objectRow } from './object-row';

export interface UploadDocument {
  name: string;
  text: string;
}

/**
 * What parsing and building an upload gives, as plain data: it crosses a worker thread's message port, so it holds
 * no function (the adapter's ParsedObject does, hence rows instead).
 */
export type BuildOutcome =
  | { ok: true; rows: ObjectRow[]; counts: Record<string, number>; warnings: unknown[]; ms: { parse: number; build: number } }
  | { ok: false; failure: 'input'; row: Record<string, unknown>; message: string }
  | { ok: false; failure: 'unexpected'; name: string; message: string }
  | { ok: false; failure: 'memory'; limitMb: number };

/**
 * Parse, then build exactly what queries will later build (the snapshot is valid only if that succeeds). Input
 * errors are an outcome; anything else throws.
 */
export function buildUpload(inputs: UploadDocument[], defaults: ClusterProfile): BuildOutcome {
  const t0 = Date.now();
  try {
    const { objects: parsed, notes } = parseDocumentsWithNotes(inputs);
    const t1 = Date.now();
    const built = buildSnapshot(parsed, { defaults });
    const errors = built.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new InputError(errors);
    const s = built.snapshot;
    const counts = {
      nodes: s.nodes.length,
      pods: s.pods.length,
      workloads: s.workloads.length,
      services: s.services.length,
      endpointSlices: s.endpointSlices.filter((e) => !e.derived).length,
      hostStates: s.hostStates.length,
      networkPolicies: s.networkPolicies.length,
      unknown: s.unknown.length,
    };
    return { ok: true, rows: parsed.map(objectRow), counts, warnings: diagnosticsToDetails([...notes, ...built.diagnostics]), ms: { parse: t1 - t0, build: Date.now() - t1 } };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, failure: 'input', row: inputErrorRow(e), message: e.message };
    throw e;
  }
}

/** Where an upload is parsed and built: in process (API, tests) or in a memory-bounded worker thread (the worker). */
export interface DocumentBuilder {
  build(inputs: UploadDocument[], defaults: ClusterProfile): Promise<BuildOutcome>;
}

export const DOCUMENT_BUILDER = Symbol('DOCUMENT_BUILDER');

export class InProcessDocumentBuilder implements DocumentBuilder {
  async build(inputs: UploadDocument[], defaults: ClusterProfile): Promise<BuildOutcome> {
    return buildUpload(inputs, defaults);
  }
}
