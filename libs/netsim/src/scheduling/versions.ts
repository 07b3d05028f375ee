/**
 * The scheduler texts that changed between releases, one row per change (the version table). A profile's
 * kubernetesVersion ("1.35", "v1.34.2", "1.33.1-eks-1234") picks the row; without a patch it means that minor's
 * newest patch; outside 1.29..1.37 (or unparseable) the nearest supported release, newest by default.
 */
export const SUPPORTED = { min: [1, 29], max: [1, 37] } as const;
export const NEWEST_SUPPORTED = `${SUPPORTED.max[0]}.${SUPPORTED.max[1]}`;

interface TextRow {
  /** first release (major, minor, patch) with this row's texts */
  from: [number, number, number];
  /** TaintToleration Filter: "{key: value}" until PR #134740 (1.35; cherry-picked to 1.34 by #135023), then "(s)" only */
  taintWithKeyValue: boolean;
  /** VolumeBinding ErrReasonNodeConflict, reworded by PR #129887 */
  pvNodeAffinity: string;
  /** DynamicResources PostFilter runs before DefaultPreemption (DRA GA, on by default) */
  draPostFilter: boolean;
  /** DefaultPreemption returns a Success message (PR #140180) */
  preemptionSuccessMessage: boolean;
}

const OLD_PV = 'node(s) had volume node affinity conflict';
const NEW_PV = "node(s) didn't match PersistentVolume's node affinity";

/** ascending by `from`; the last row whose `from` <= version applies */
const ROWS: readonly TextRow[] = [
  { from: [1, 29, 0], taintWithKeyValue: true, pvNodeAffinity: OLD_PV, draPostFilter: false, preemptionSuccessMessage: false },
  { from: [1, 33, 0], taintWithKeyValue: true, pvNodeAffinity: NEW_PV, draPostFilter: false, preemptionSuccessMessage: false },
  { from: [1, 34, 0], taintWithKeyValue: true, pvNodeAffinity: NEW_PV, draPostFilter: true, preemptionSuccessMessage: false },
  // #135023 merged after the 1.34.2 cherry-pick deadline (November 2025), so first shipped in 1.34.3
  { from: [1, 34, 3], taintWithKeyValue: false, pvNodeAffinity: NEW_PV, draPostFilter: true, preemptionSuccessMessage: false },
  { from: [1, 37, 0], taintWithKeyValue: false, pvNodeAffinity: NEW_PV, draPostFilter: true, preemptionSuccessMessage: true },
];

export interface SchedulerTexts {
  /** the release the texts are taken from, e.g. "1.35" or "1.34.2" */
  version: string;
  untoleratedTaint(key: string, value: string): string;
  pvNodeAffinity: string;
  /** DynamicResources PostFilter's Unschedulable reason for a pod without claims, or undefined before 1.34 */
  draNoClaims?: string;
  /** DefaultPreemption's Success message, or undefined before 1.37 */
  preemptionSuccess?(node: string, victims: number): string;
}

function cmp(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** [major, minor, patch]; a missing patch is taken as the newest patch of that minor */
export function parseVersion(v: string | undefined): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec((v ?? '').trim());
  if (!m) return [SUPPORTED.max[0], SUPPORTED.max[1], Number.MAX_SAFE_INTEGER];
  const out: [number, number, number] = [Number(m[1]), Number(m[2]), m[3] === undefined ? Number.MAX_SAFE_INTEGER : Number(m[3])];
  if (cmp(out, [SUPPORTED.min[0], SUPPORTED.min[1], 0]) < 0) return [SUPPORTED.min[0], SUPPORTED.min[1], 0];
  if (cmp(out, [SUPPORTED.max[0], SUPPORTED.max[1], Number.MAX_SAFE_INTEGER]) > 0) return [SUPPORTED.max[0], SUPPORTED.max[1], Number.MAX_SAFE_INTEGER];
  return out;
}

const cache = new Map<string, SchedulerTexts>();

export function schedulerTexts(version: string | undefined): SchedulerTexts {
  const key = version ?? '';
  const hit = cache.get(key);
  if (hit) return hit;
  const v = parseVersion(version);
  let row = ROWS[0];
  for (const r of ROWS) if (cmp(r.from, v) <= 0) row = r;
  const texts: SchedulerTexts = {
    version: v[2] === Number.MAX_SAFE_INTEGER ? `${v[0]}.${v[1]}` : `${v[0]}.${v[1]}.${v[2]}`,
    untoleratedTaint: row.taintWithKeyValue ? (k, val) => `node(s) had untolerated taint {${k}: ${val}}` : () => 'node(s) had untolerated taint(s)',
    pvNodeAffinity: row.pvNodeAffinity,
  };
  if (row.draPostFilter) texts.draNoClaims = 'no new claims to deallocate';
  if (row.preemptionSuccessMessage) texts.preemptionSuccess = (node, n) => `found a potential placement for pod on node ${node}, preempting ${n} victims`;
  cache.set(key, texts);
  return texts;
}
