/**
 * Pod fields that change where (or whether) the scheduler places a pod and that Portolan does not model: each
 * present one becomes a finding with a code, so answers can say their certainty is reduced instead of dropping it.
 */
import type { UnmodelledField } from '../model/types';

type Spec = Record<string, unknown> | undefined;

const present = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

/** the checks, in spec order; `at` is the pod spec's path prefix ("spec" or "spec.template.spec") */
export function unmodelledPodFields(spec: Spec, at: string): UnmodelledField[] {
  if (!spec) return [];
  const out: UnmodelledField[] = [];
  const add = (code: UnmodelledField['code'], field: string, description: string) => out.push({ code, field: `${at}.${field}`, description });
  if (present(spec['resourceClaims'])) add('DynamicResourcesNotEvaluated', 'resourceClaims', 'DynamicResources did not evaluate these ResourceClaims: nodes may lack the devices they request');
  const containers = [...(Array.isArray(spec['containers']) ? spec['containers'] : []), ...(Array.isArray(spec['initContainers']) ? spec['initContainers'] : [])];
  if (containers.some((c) => present((c as Record<string, Record<string, unknown> | undefined>)?.['resources']?.['claims'])))
    add('DynamicResourcesNotEvaluated', 'containers[].resources.claims', 'container resource claims (DRA) were not evaluated');
  if (present(spec['overhead'])) add('PodOverheadNotModelled', 'overhead', "the RuntimeClass overhead is not added to the pod's requests");
  if (present(spec['runtimeClassName'])) add('RuntimeClassNotModelled', 'runtimeClassName', "the RuntimeClass's scheduling.nodeSelector and tolerations are not applied");
  if (present(spec['resources'])) add('PodLevelResourcesNotModelled', 'resources', 'pod-level resources are not used for NodeResourcesFit; container requests are');
  // preferences only rank feasible nodes: the feasible set is exact, which node a replica takes may differ
  const affinity = spec['affinity'] as Record<string, Record<string, unknown> | undefined> | undefined;
  for (const k of ['nodeAffinity', 'podAffinity', 'podAntiAffinity']) {
    if (present(affinity?.[k]?.['preferredDuringSchedulingIgnoredDuringExecution'])) add('PreferencesNotScored', `affinity.${k}.preferredDuringSchedulingIgnoredDuringExecution`, `preferred ${k} terms are not scored: they only rank feasible nodes, so which node each replica takes may differ`);
  }
  const spread = spec['topologySpreadConstraints'];
  if (Array.isArray(spread) && spread.some((c) => (c as Record<string, unknown> | null)?.['whenUnsatisfiable'] === 'ScheduleAnyway')) add('PreferencesNotScored', 'topologySpreadConstraints[whenUnsatisfiable=ScheduleAnyway]', 'ScheduleAnyway spread constraints are not scored: they only rank feasible nodes');
  const name = spec['schedulerName'];
  if (typeof name === 'string' && name !== '' && name !== 'default-scheduler') add('OtherScheduler', 'schedulerName', `the pod is placed by scheduler ${name}, whose plugins may differ from the default ones modelled`);
  return out;
}
