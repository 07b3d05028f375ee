/**
 * The API server's answers to a create, for the rules Portolan cares about, with kubectl's exact rendering
 * (`<Kind> "<name>" is invalid: <field>: <type>: <detail>`).
 *
 * Sources: pkg/apis/core/validation/validation.go (validateHostNetwork, AccumulateUniqueHostPorts via
 * checkHostPortConflicts, ValidateService), pkg/registry/core/service/portallocator (ErrNotInRange, ErrAllocated),
 * service REST initNodePorts (ports with the same port number share one nodePort).
 */
import type { ClusterProfile, ContainerPort, Pod, Service, Snapshot } from '../model/types';
import { isParsedObject, fromObjects, type ParsedObject } from '../adapter/parse';
import { podFromObject, workloadFromObject, WORKLOAD_KINDS } from '../adapter/pod';
import { readService } from '../adapter/objects';
import { Reader } from '../adapter/fields';
import { defaultProfile, formatPortRange } from '../adapter/profile';
import { InputError } from '../adapter/diagnostics';

export interface FieldError {
  field: string;
  /** "Invalid value: 9090: must match ..." */
  detail: string;
}

export interface ValidationContext {
  snapshot?: Snapshot;
  profile?: ClusterProfile;
  /** Services created before this one (in the same submission) that already hold node ports */
  services?: Service[];
}

function invalid(field: string, value: number | string, detail: string): FieldError {
  return { field, detail: `Invalid value: ${typeof value === 'string' ? JSON.stringify(value) : value}: ${detail}` };
}

function duplicate(field: string, value: number | string): FieldError {
  return { field, detail: `Duplicate value: ${typeof value === 'string' ? JSON.stringify(value) : value}` };
}

function forbidden(field: string, detail: string): FieldError {
  return { field, detail: `Forbidden: ${detail}` };
}

/** apimachinery errors.NewInvalid rendering */
export function renderInvalid(kind: string, name: string, errs: FieldError[]): string {
  const parts = errs.map((e) => `${e.field}: ${e.detail}`);
  return `${kind} "${name}" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`;
}

const PORT_RANGE_DETAIL = 'must be between 1 and 65535, inclusive';

function validatePorts(ports: ContainerPort[], path: string, errs: FieldError[]): void {
  ports.forEach((p, i) => {
    if (p.containerPort < 1 || p.containerPort > 65535) errs.push(invalid(`${path}[${i}].containerPort`, p.containerPort, PORT_RANGE_DETAIL));
    if (p.hostPort !== 0 && (p.hostPort < 1 || p.hostPort > 65535)) errs.push(invalid(`${path}[${i}].hostPort`, p.hostPort, PORT_RANGE_DETAIL));
  });
}

/** AccumulateUniqueHostPorts: key "%s/%s/%d" (protocol, hostIP as given, hostPort), exact-string compare */
function checkHostPortConflicts(containers: Pod['containers'], path: string, errs: FieldError[], offset = 0): void {
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const ci = i + offset;
    c.ports.forEach((p, pi) => {
      if (p.hostPort === 0) return;
      const key = `${p.protocol}/${p.hostIP}/${p.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
}

/** PodSpec rules; `isPod` = ResourceIsPod (templates may leave hostPort 0 under hostNetwork). */
export function validatePodSpec(pod: Pod, specPath: string, isPod: boolean): FieldError[] {
  const errs: FieldError[] = [];
  pod.containers.forEach((c, i) => validatePorts(c.ports, `${specPath}.containers[${i}].ports`, errs));
  pod.initContainers.forEach((c, i) => validatePorts(c.ports, `${specPath}.initContainers[${i}].ports`, errs));
  // init containers run one by one, so each is checked on its own; regular containers together
  pod.initContainers.forEach((c, i) => checkHostPortConflicts([c], `${specPath}.initContainers`, errs, i));
  checkHostPortConflicts(pod.containers, `${specPath}.containers`, errs);
  if (pod.hostNetwork) {
    // validateHostNetwork (~1.28+): only spec.containers
    pod.containers.forEach((c, ci) =>
      c.ports.forEach((p, pi) => {
        if ((isPod || p.hostPort !== 0) && p.hostPort !== p.containerPort) errs.push(invalid(`${specPath}.containers[${ci}].ports[${pi}].hostPort`, p.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
      }),
    );
  }
  return errs;
}

/** ValidateService subset: nodePort forbidden on ClusterIP, duplicate (protocol, nodePort) */
export function validateServiceSpec(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  svc.ports.forEach((p, i) => {
    if (p.port < 1 || p.port > 65535) errs.push(invalid(`spec.ports[${i}].port`, p.port, PORT_RANGE_DETAIL));
    if (p.nodePort === 0) return;
    if (svc.type === 'ClusterIP') {
      errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
      return;
    }
    const key = `${p.protocol}/${p.nodePort}`;
    if (seen.has(key)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    else seen.add(key);
  });
  return errs;
}

/** Node ports held by existing Services (cluster-wide, protocol-blind: the allocator is one bitmap). */
export function allocatedNodePorts(services: Service[], except?: { namespace: string; name: string }): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of services) {
    if (except && s.namespace === except.namespace && s.name === except.name) continue;
    for (const p of s.ports) if (p.nodePort > 0 && !out.has(p.nodePort)) out.set(p.nodePort, `${s.namespace}/${s.name}`);
    if (s.healthCheckNodePort > 0 && !out.has(s.healthCheckNodePort)) out.set(s.healthCheckNodePort, `${s.namespace}/${s.name}`);
  }
  return out;
}

/** initNodePorts: range then allocation, first failure only; same port number reuses its nodePort */
export function allocateNodePorts(svc: Service, profile: ClusterProfile, existing: Service[]): FieldError[] {
  if (svc.type !== 'NodePort' && svc.type !== 'LoadBalancer') return [];
  const taken = allocatedNodePorts(existing, svc);
  const range = profile.nodePortRange;
  const byServicePort = new Map<number, number>();
  const mine = new Set<number>();
  for (let i = 0; i < svc.ports.length; i++) {
    const p = svc.ports[i];
    if (p.nodePort === 0) continue;
    if (byServicePort.get(p.port) === p.nodePort) continue;
    if (p.nodePort < range.base || p.nodePort >= range.base + range.size) {
      return [invalid(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${formatPortRange(range)}`)];
    }
    if (taken.has(p.nodePort) || mine.has(p.nodePort)) return [invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated')];
    mine.add(p.nodePort);
    byServicePort.set(p.port, p.nodePort);
  }
  return [];
}

const GROUP: Record<string, string> = { Deployment: 'apps', ReplicaSet: 'apps', StatefulSet: 'apps', DaemonSet: 'apps', Job: 'batch' };

/** kubectl's kind rendering in Invalid errors: core kinds bare, others "Kind.group" */
export function qualifiedKind(kind: string): string {
  return GROUP[kind] ? `${kind}.${GROUP[kind]}` : kind;
}

export interface ValidationResult {
  kind: string;
  name: string;
  errors: FieldError[];
}

function requiredName(po: ParsedObject): FieldError[] {
  const meta = po.obj['metadata'] as Record<string, unknown> | undefined;
  const name = meta?.['name'];
  const generate = meta?.['generateName'];
  if ((typeof name === 'string' && name) || (typeof generate === 'string' && generate)) return [];
  return [{ field: 'metadata.name', detail: 'Required value: name or generateName is required' }];
}

export function validateParsed(po: ParsedObject, ctx: ValidationContext = {}): ValidationResult | null {
  const kind = String(po.obj['kind']);
  if (['Pod', 'Service', ...WORKLOAD_KINDS].includes(kind)) {
    // ValidateObjectMeta runs before anything that needs the object decoded
    const missing = requiredName(po);
    if (missing.length) return { kind, name: '', errors: missing };
  }
  if (kind === 'Pod') {
    const pod = podFromObject(po);
    return { kind, name: pod.name, errors: validatePodSpec(pod, 'spec', true) };
  }
  if ((WORKLOAD_KINDS as readonly string[]).includes(kind)) {
    const w = workloadFromObject(po);
    return { kind, name: w.name, errors: validatePodSpec(w.template, 'spec.template.spec', false) };
  }
  if (kind === 'Service') {
    const diags: InputError['diagnostics'] = [];
    const svc = readService(new Reader(po, diags), po.obj);
    if (diags.some((d) => d.severity === 'error')) throw new InputError(diags);
    const errs = validateServiceSpec(svc);
    if (errs.length) return { kind, name: svc.name, errors: errs };
    const profile = ctx.profile ?? ctx.snapshot?.profile ?? defaultProfile();
    const existing = [...(ctx.snapshot?.services ?? []), ...(ctx.services ?? [])];
    return { kind, name: svc.name, errors: allocateNodePorts(svc, profile, existing) };
  }
  return null;
}

/**
 * The API server's error for creating `obj` (kubectl rendering), or null when it would be accepted.
 * Throws InputError when the object cannot even be decoded (wrong field types).
 */
export function validateObject(obj: unknown, ctx: ValidationContext = {}): string | null {
  const po = isParsedObject(obj) ? obj : fromObjects([obj])[0];
  const r = validateParsed(po, ctx);
  if (!r || !r.errors.length) return null;
  return renderInvalid(qualifiedKind(r.kind), r.name, r.errors);
}
