import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../src/main';

/** deploy/ as an operator applies it: rendered by `kubectl kustomize`, then checked by Portolan itself. */
const ROOT = path.resolve(__dirname, '../../..');
type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec?: any; automountServiceAccountToken?: boolean; rules?: any[]; subjects?: any[] };

const rendered = spawnSync('kubectl', ['kustomize', path.join(ROOT, 'deploy')], { encoding: 'utf8' });
const kubectlMissing = rendered.error !== undefined;
const objects: Obj[] = kubectlMissing ? [] : parseAllDocuments(rendered.stdout).map((d) => d.toJS() as Obj);
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('deploy/ (kustomize base + example overlay)', () => {
  it('renders with kubectl kustomize', () => {
    // kubectl is on this project's machines; say so loudly where it is not, and fail: deploy/ must be proven
    if (kubectlMissing) throw new Error('kubectl is not installed: `kubectl kustomize deploy/` cannot be checked here');
    expect(rendered.status).toBe(0);
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'Deployment', 'Namespace', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Secret', 'Secret', 'Secret', 'Service', 'ServiceAccount', 'ServiceAccount'].sort(),
    );
  });

  it('has no error finding in portolan check', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'portolan-deploy-')), 'deploy.yaml');
    writeFileSync(file, rendered.stdout);
    let out = '';
    const code = main(['check', '--manifests', file, '-o', 'json'], { out: (s) => (out += s), err: () => undefined });
    const report = JSON.parse(out);
    expect(report.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
  });

  it('runs the API and the worker with probes, requests and a restricted security context', () => {
    const api = find('Deployment', 'portolan-api')!;
    const worker = find('Deployment', 'portolan-worker')!;
    expect(api.spec.replicas).toBe(3); // the overlay's patch
    const apiC = api.spec.template.spec.containers[0];
    expect(apiC.readinessProbe.httpGet.path).toBe('/readyz');
    expect(apiC.livenessProbe.httpGet.path).toBe('/healthz');
    expect(apiC.image).toBe('registry.example.com/platform/portolan:0.1.0');
    for (const d of [api, worker]) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      }
      // Postgres, Redis and the secrets key come from Secrets the overlay generates (hashed names)
      const secretRefs = pod.containers[0].env.map((e: any) => e.valueFrom.secretKeyRef.name);
      for (const ref of secretRefs) expect(objects.some((o) => o.kind === 'Secret' && o.metadata.name === ref)).toBe(true);
    }
    expect(api.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(worker.spec.template.spec.serviceAccountName).toBe('portolan-importer');
  });

  it('grants the importer read-only access: list/get, and only two ConfigMaps in kube-system', () => {
    const role = find('ClusterRole', 'portolan-reader')!;
    const verbs = new Set(role.rules!.flatMap((r) => r.verbs));
    expect([...verbs].sort()).toEqual(['get', 'list']);
    expect(role.rules!.flatMap((r) => r.resources)).not.toContain('secrets');
    const cm = find('Role', 'portolan-dataplane-config')!;
    expect(cm.metadata.namespace).toBe('kube-system');
    expect(cm.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['kube-proxy', 'cilium-config'], verbs: ['get'] }]);
    expect(find('ClusterRoleBinding', 'portolan-reader')!.subjects).toEqual([{ kind: 'ServiceAccount', name: 'portolan-importer', namespace: 'portolan' }]);
  });
});
