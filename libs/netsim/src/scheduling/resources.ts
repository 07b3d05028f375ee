import type { Pod, ResourceList } from '../model/types';

function add(into: ResourceList, from: ResourceList): void {
  for (const k in from) into[k] = (into[k] ?? 0) + from[k];
}

function max(into: ResourceList, from: ResourceList): void {
  for (const k in from) if ((into[k] ?? 0) < from[k]) into[k] = from[k];
}

/**
 * resourcehelper.PodRequests (k8s.io/component-helpers/resource): sum of containers, plus sidecars
 * (restartPolicy Always init containers) which keep running, max'ed against each ordinary init container's
 * request (+ the sidecars started before it). Pod overhead is not modelled.
 */
export function podRequests(pod: Pod): ResourceList {
  const reqs: ResourceList = {};
  for (const c of pod.containers) add(reqs, c.requests);
  const sidecars: ResourceList = {};
  const initMax: ResourceList = {};
  for (const c of pod.initContainers) {
    let cur: ResourceList;
    if (c.restartPolicy === 'Always') {
      add(reqs, c.requests);
      add(sidecars, c.requests);
      cur = sidecars;
    } else {
      cur = {};
      add(cur, c.requests);
      add(cur, sidecars);
    }
    max(initMax, cur);
  }
  max(reqs, initMax);
  delete reqs['pods'];
  return reqs;
}

export function addResources(into: ResourceList, from: ResourceList, sign = 1): void {
  for (const k in from) into[k] = (into[k] ?? 0) + sign * from[k];
}
