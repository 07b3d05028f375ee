import { OPENAPI } from './openapi';

/**
 * Request bodies Swagger UI's "Try it out" can send as they are, against the demo data `npm start` loads (seed 002:
 * one node with a hostNetwork nginx already on port 80). Kept apart from the contract so the routes' shapes stay
 * in one place; openapi-examples.spec.ts and the e2e suite send each one to the real API.
 */
const HOSTNETWORK_POD = `apiVersion: v1
kind: Pod
metadata: {name: nginx-2, namespace: default}
spec:
  hostNetwork: true
  containers:
  - {name: nginx, image: "nginx:alpine"}
`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx, namespace: default}
spec:
  replicas: 2
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      hostNetwork: true
      containers:
      - {name: nginx, image: "nginx:alpine"}
`;
const NODEPORT_SERVICE = `apiVersion: v1
kind: Service
metadata: {name: nginx-svc, namespace: default}
spec:
  type: NodePort
  selector: {app: nginx}
  ports: [{port: 80, nodePort: 30080}]
`;
const SNAPSHOT = `apiVersion: v1
kind: Node
metadata:
  name: node-a
  labels: {kubernetes.io/hostname: node-a}
spec: {podCIDR: 10.244.0.0/24}
status:
  addresses: [{type: InternalIP, address: 192.168.1.10}]
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
`;

/** path -> method -> content type -> example body */
export const REQUEST_EXAMPLES: Record<string, Record<string, Record<string, unknown>>> = {
  '/v1/clusters': { post: { 'application/json': { name: 'staging-eu', kubernetesVersion: '1.33', kubeProxy: { clusterCIDR: '10.244.0.0/16' } } } },
  '/v1/clusters/{id}/snapshots': { post: { 'application/yaml': SNAPSHOT } },
  '/v1/clusters/{id}/schedule': { post: { 'application/json': { pod: HOSTNETWORK_POD, nodes: { first: 20 } } } },
  '/v1/clusters/{id}/what-if': { post: { 'application/json': { manifests: NODEPORT_SERVICE } } },
  '/v1/clusters/{id}/analyses': { post: { 'application/yaml': DEPLOYMENT } },
  '/v1/clusters/{id}/import-source': {
    put: { 'application/json': { apiServer: 'https://192.0.2.10:6443', token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.e30.c2lnbmF0dXJl', schedule: '0 3 * * 1', insecureSkipTLSVerify: true } },
  },
  '/v1/clusters/{id}/exemptions': { post: { 'application/json': { rule: 'service-selector-matches-nothing', selector: { kind: 'Service', namespace: 'shop', name: 'legacy-*' }, reason: 'the workload ships in the next release', expiresAt: '2030-06-30T00:00:00Z' } } },
  '/v1/api-keys': { post: { 'application/json': { name: 'ci-reader', role: 'reader' } } },
};

type Operation = { requestBody?: { content: Record<string, { example?: unknown }> } };

/** The served document: the contract plus an example on every request body named above. */
export function withExamples(doc: typeof OPENAPI = OPENAPI): unknown {
  const copy = structuredClone(doc) as unknown as { paths: Record<string, Record<string, Operation>> };
  for (const [p, methods] of Object.entries(REQUEST_EXAMPLES)) {
    for (const [method, byType] of Object.entries(methods)) {
      const op = copy.paths[p]?.[method];
      if (!op?.requestBody) throw new Error(`openapi-examples: ${method.toUpperCase()} ${p} has no request body in the contract`);
      for (const [type, example] of Object.entries(byType)) {
        const media = op.requestBody.content[type];
        if (!media) throw new Error(`openapi-examples: ${method.toUpperCase()} ${p} does not take ${type}`);
        media.example = example;
      }
    }
  }
  return copy;
}
