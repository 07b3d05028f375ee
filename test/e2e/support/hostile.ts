import { gzipSync } from 'node:zlib';


export interface HostileInput {
  kind: string;
  body: Uint8Array;
  contentType: string;
}

const enc = (s: string) => new TextEncoder().encode(s);

/** Hostile and odd inputs, drawn by `rand`: each kind is a shape the issue saw break an import, or plain noise. */
export function hostileInput(rand: () => number, i: number): HostileInput {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
  const name = () => `n${i}-${int(0, 1e6)}`;
  const node = (md: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: name(), ...md }, status: { allocatable: { pods: '110' }, addresses: [{ type: 'InternalIP', address: `10.0.${int(0, 255)}.${int(1, 254)}` }] } });
  const pod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: name(), namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: int(1, 65535), hostPort: pick([undefined, int(1, 65535)]) }] }] } });
  const valid = () => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: int(1, 6) }, () => (rand() < 0.5 ? node() : pod())) });
  const json = (s: string): HostileInput => ({ kind, body: enc(s), contentType: 'application/json' });
  const yaml = (s: string): HostileInput => ({ kind, body: enc(s), contentType: 'application/yaml' });
  const kinds = ['valid-json', 'valid-yaml', 'truncated', 'noise', 'nul', 'raw-nul', 'surrogate', 'deep-json', 'deep-yaml', 'aliases', 'long-name', 'gzip-bomb', 'mutated', 'empty', 'wrong-types'] as const;
  const kind = pick(kinds);
  switch (kind) {
    case 'valid-json':
      return json(valid());
    case 'valid-yaml':
      return yaml(`apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name()}\nstatus:\n  allocatable: {pods: "110"}\n`);
    case 'truncated': {
      const v = valid();
      return json(v.slice(0, int(1, v.length - 1)));
    }
    case 'noise':
      return { kind, body: Uint8Array.from({ length: int(1, 4096) }, () => int(0, 255)), contentType: pick(['application/octet-stream', 'application/yaml', 'application/json']) };
    case 'nul':
      return json(JSON.stringify(node({ labels: { [pick(['a', 'b\u0000'])]: pick(['\u0000', 'x\u0000y', 'ok']) } })).replace('"ok"', '"\\u0000"'));
    case 'raw-nul':
      return yaml(`apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name()}\n  labels: {a: "x\u0000y"}\n`);
    case 'surrogate':
      return json(JSON.stringify(node({ annotations: { a: pick(['\ud800', 'x\udfff', '\ud83d']) } })));
    case 'deep-json': {
      const d = int(100, 4000);
      return json(`${JSON.stringify(node()).slice(0, -1)},"spec":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`);
    }
    case 'deep-yaml': {
      const d = int(100, 4000);
      return yaml(`apiVersion: v1\nkind: Node\nmetadata: {name: ${name()}}\nspec: ${'['.repeat(d)}${']'.repeat(d)}\n`);
    }
    case 'aliases': {
      const size = int(10, 20_000);
      const n = int(10, 1200);
      return yaml(`apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name()}\n  annotations:\n    seed: &big ${'z'.repeat(size)}\n${Array.from({ length: n }, (_, k) => `    k${k}: *big`).join('\n')}\n`);
    }
    case 'long-name':
      return json(JSON.stringify(node({ name: 'n'.repeat(int(200, 200_000)) })));
    case 'gzip-bomb':
      // 1-3 MiB inflated from a few KB: under the e2e limit (2 MiB) it is stored and fails as not YAML; above, 413
      return { kind, body: gzipSync(Buffer.alloc(int(1, 3) * 1024 * 1024, pick([' ', 'a', '\n', '\0']))), contentType: 'application/gzip' };
    case 'mutated': {
      const b = Buffer.from(valid());
      for (let k = int(1, 20); k > 0; k--) b[int(0, b.length - 1)] = int(0, 255);
      return { kind, body: b, contentType: 'application/json' };
    }
    case 'empty':
      return yaml(pick(['', ' ', '\n', '---\n', '{}', '[]', 'null']));
    case 'wrong-types':
      return json(JSON.stringify({ ...pod(), spec: { containers: pick([null, 'x', [{ ports: 'http' }], [{ name: 1 }]]) } }));
  }
}
