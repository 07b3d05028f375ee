import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const KUBE_API_FIXTURES = path.resolve(__dirname, '../../../test/fixtures/kube-api');
const fixture = (name: string): string => readFileSync(path.join(KUBE_API_FIXTURES, name), 'utf8');

/** Recorded list responses by path; nodes come in two pages joined by metadata.continue. */
const ROUTES: Record<string, string> = {
  '/api/v1/pods': 'pods.json',
  '/api/v1/services': 'services.json',
  '/apis/discovery.k8s.io/v1/endpointslices': 'endpointslices.json',
  '/apis/apps/v1/deployments': 'deployments.json',
  '/apis/apps/v1/daemonsets': 'daemonsets.json',
  '/apis/apps/v1/statefulsets': 'statefulsets.json',
  '/apis/apps/v1/replicasets': 'replicasets.json',
  '/version': 'version.json',
  '/api/v1/namespaces': 'namespaces.json',
  '/api/v1/persistentvolumes': 'persistentvolumes.json',
  '/api/v1/persistentvolumeclaims': 'persistentvolumeclaims.json',
  '/apis/storage.k8s.io/v1/storageclasses': 'storageclasses.json',
  '/apis/storage.k8s.io/v1/csinodes': 'csinodes.json',
  '/apis/policy/v1/poddisruptionbudgets': 'poddisruptionbudgets.json',
  '/apis/scheduling.k8s.io/v1/priorityclasses': 'priorityclasses.json',
  '/api/v1/namespaces/kube-system/configmaps/kube-proxy': 'configmap-kube-proxy.json',
  // resource.k8s.io/v1 (ResourceSlice, DeviceClass) is not served: a 1.33 server without DRA answers 404
};
export const NODES_CONTINUE = (JSON.parse(fixture('nodes-page1.json')) as { metadata: { continue: string } }).metadata.continue;

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

export interface Behaviour {
  /** the first N requests answer 503 (etcd leader change), then the recording */
  failFirst?: number;
  /** every request answers this status with a Status body */
  status?: number;
  /** accept requests and never answer */
  hang?: boolean;
  /** answer 302 to this origin plus the same path and query (a server bouncing the client elsewhere) */
  redirectTo?: string;
}

export interface RecordedApiServer {
  url: string;
  requests: SeenRequest[];
  behaviour: Behaviour;
  close(): Promise<void>;
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost (P-256, valid until 2126) and its key, for the TLS variant.
 * Test material only: it protects nothing.
 */
export const RECORDED_TLS = {
  cert: `-----BEGIN CERTIFICATE-----
MIIBzTCCAXKgAwIBAgIULiukYCOncH2oFiM+4rIBzgAGGrswCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRcmVjb3JkZWQta3ViZS1hcGkwIBcNMjYxMTIzMDg0OTQ3WhgP
MjEyNjEwMzAwODQ5NDdaMBwxGjAYBgNVBAMMEXJlY29yZGVkLWt1YmUtYXBpMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAErYJT76r15wGvQmDa35Mqqp3ZOw5DUKy1
26gTV70oSytwS9O28gcMAAUAstBpwOgw1EGARfgs1LJnUmFjesLIr6OBjzCBjDAd
BgNVHQ4EFgQUbkoVAEOzkzzy6RXk7qWC7rQlAwcwHwYDVR0jBBgwFoAUbkoVAEOz
kzzy6RXk7qWC7rQlAwcwGgYDVR0RBBMwEYcEfwAAAYIJbG9jYWxob3N0MAwGA1Ud
EwEB/wQCMAAwCwYDVR0PBAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMAoGCCqG
SM49BAMCA0kAMEYCIQDLP8tcPFhQyNeFiu7NLGblRLkBUfFjb9LQC99yqvlx6QIh
ALDO0ytTznX5RArNHcdsg1+ShoiDnyeDHzpAESW7zmno
-----END CERTIFICATE-----\n`,
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkftS9KIRZ1H6W0TD
qh6SOzG4g9EVeWgdTucowBgAJRShRANCAAStglPvqvXnAa9CYNrfkyqqndk7DkNQ
rLXbqBNXvShLK3BL07byBwwABQCy0GnA6DDUQYBF+CzUsmdSYWN6wsiv
-----END PRIVATE KEY-----\n`,
};

const status = (code: number, reason: string, message: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

/** A loopback HTTP (or HTTPS) server answering like a Kubernetes API server from recorded list responses. */
export async function startRecordedApiServer(behaviour: Behaviour = {}, opts: { tls?: boolean } = {}): Promise<RecordedApiServer> {
  const requests: SeenRequest[] = [];
  const state = { behaviour, served: 0 };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), authorization: req.headers.authorization });
    const b = state.behaviour;
    if (b.hang) return; // the client's timeout must cut this off
    if (b.redirectTo) return res.writeHead(302, { location: `${b.redirectTo}${req.url ?? '/'}` }).end();
    const send = (code: number, body: string) => res.writeHead(code, { 'content-type': 'application/json' }).end(body);
    if (b.status) return send(b.status, status(b.status, b.status === 401 ? 'Unauthorized' : b.status === 403 ? 'Forbidden' : 'InternalError', b.status === 401 ? 'Unauthorized' : `recorded failure ${b.status}`));
    if (b.failFirst && state.served++ < b.failFirst) return send(503, status(503, 'ServiceUnavailable', 'etcdserver: leader changed'));
    if (u.pathname === '/api/v1/nodes') return send(200, fixture(u.searchParams.get('continue') === NODES_CONTINUE ? 'nodes-page2.json' : 'nodes-page1.json'));
    const file = ROUTES[u.pathname];
    if (!file) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    return send(200, fixture(file));
  };
  const server: Server = opts.tls ? createTlsServer(RECORDED_TLS, handler) : createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(b: Behaviour) {
      state.behaviour = b;
      state.served = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
