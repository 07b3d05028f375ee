/**
 * Ports well-known images bind when a container declares none. Deliberately tiny: anything listed here is
 * reported with certainty 'assumed' (the image's default configuration, which a ConfigMap can change).
 */
import type { Container, Protocol } from '../model/types';

export interface AssumedPort {
  port: number;
  protocol: Protocol;
}

const TABLE: Record<string, AssumedPort[]> = {
  nginx: [{ port: 80, protocol: 'TCP' }],
  'nginx-unprivileged': [{ port: 8080, protocol: 'TCP' }],
  httpd: [{ port: 80, protocol: 'TCP' }],
  caddy: [
    { port: 80, protocol: 'TCP' },
    { port: 443, protocol: 'TCP' },
  ],
  traefik: [{ port: 80, protocol: 'TCP' }],
  redis: [{ port: 6379, protocol: 'TCP' }],
  memcached: [{ port: 11211, protocol: 'TCP' }],
  postgres: [{ port: 5432, protocol: 'TCP' }],
  mysql: [{ port: 3306, protocol: 'TCP' }],
  mariadb: [{ port: 3306, protocol: 'TCP' }],
  'node-exporter': [{ port: 9100, protocol: 'TCP' }],
  prometheus: [{ port: 9090, protocol: 'TCP' }],
  coredns: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
};

/**
 * Flags whose value is a listen address (host:port), by image: the flag moves the socket, so the table's
 * default port and the wildcard address give way to it. Only flags documented by the image's project.
 */
const LISTEN_FLAGS: Record<string, string[]> = {
  // prometheus/exporter-toolkit web flags
  'node-exporter': ['web.listen-address'],
  prometheus: ['web.listen-address'],
  alertmanager: ['web.listen-address'],
  // brancz/kube-rbac-proxy, in front of node-exporter in kube-prometheus
  'kube-rbac-proxy': ['secure-listen-address', 'insecure-listen-address'],
  // kubebuilder's scaffold (image controller:latest) passes controller-runtime's two address flags
  controller: ['metrics-bind-address', 'health-probe-bind-address'],
  'cert-manager-controller': ['metrics-listen-address'],
};

/** Listen-address flags the container's image is known to take; undefined when the image is not known. */
export function listenFlags(c: Container): string[] | undefined {
  return LISTEN_FLAGS[imageBaseName(c.image)];
}

/** "docker.io/library/nginx:1.27-alpine@sha256:..." -> "nginx" */
export function imageBaseName(image: string | undefined): string {
  if (!image) return '';
  let s = image;
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) s = s.slice(0, colon);
  return s.slice(slash + 1).toLowerCase();
}

/** Ports the container's process is assumed to bind; undefined when the image is not in the table. */
export function assumedPorts(c: Container): AssumedPort[] | undefined {
  if (c.ports.length) return undefined;
  return TABLE[imageBaseName(c.image)];
}
