import { parseArgs } from 'node:util';
import { ClusterEngine, formatDiagnostic, InputError, loadSnapshot, parseDocuments, QueryError, checkManifests, toSarif, toText, type Snapshot } from '@portolan/netsim';
import { readInputs, UsageError } from './io';
import { claimsText, driftText, placementText, scheduleText, traceText } from './text';

const VERSION = '0.1.0';

function snapshotOf(files: string[] | undefined, verb: string): Snapshot {
  if (!files?.length) throw new UsageError(`${verb} needs -f SNAPSHOT (a file or folder; repeatable)`);
  const { snapshot, diagnostics } = loadSnapshot(readInputs(files));
  for (const d of diagnostics.filter((x) => x.severity === 'warning')) io.err(`warning: ${formatDiagnostic(d)}\n`);
  return snapshot;
}

function output(format: string | undefined, allowed: string[]): string {
  const f = format ?? 'text';
  if (!allowed.includes(f)) throw new UsageError(`-o must be one of ${allowed.join(', ')}, got ${JSON.stringify(f)}`);
  return f;
}

/** Where a run writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}
let io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };
const print = (s: string) => io.out(s.endsWith('\n') ? s : s + '\n');
const json = (v: unknown) => print(JSON.stringify(v, null, 2));
const common = { file: { type: 'string', short: 'f', multiple: true }, output: { type: 'string', short: 'o' } } as const;

const HELP = `portolan: where can this pod run, and where does traffic to this node port really go?

Usage: npm run -s portolan -- <verb> [options]

Verbs:
  schedule  -f SNAPSHOT --pod FILE [-o json|text]
            which nodes can host this Pod (every node, the upstream reason and the blocker), or where the replicas
            of this Deployment/ReplicaSet/StatefulSet/DaemonSet/Job go (placed, pending, crashing)
  trace     -f SNAPSHOT --to HOST:PORT[/PROTO] [--from SOURCE] [--at NODE] [-o json|text]
            the path a packet takes through the node's rules; HOST is a node name or an IP; PROTO tcp|udp|sctp;
            SOURCE: external[:IP] (default) | node:NAME | localhost:NAME | pod:NS/NAME | ip:IP@NODE
  iptables  -f SNAPSHOT --node NAME         the nat and filter tables kube-proxy and portmap would hold (iptables-save)
  drift     -f SNAPSHOT --node NAME --dump IPTABLES_SAVE [-o json|text]
            which rules the node's iptables-save lacks, has extra (stale CNI-DN- chains, deleted Services) or
            holds differently from what kube-proxy and portmap would write; exit 1 on any drift
  claims    -f SNAPSHOT --node NAME [--port N] [-o json|text]
            who claims each (address, port, protocol) on the node, and who is shadowed
  check     [-f SNAPSHOT] --manifests FILE [-o json|sarif|text]
            what the API server would reject, and what would break at run time; exit 1 on any error finding
  inspect   -f SNAPSHOT [-o json|text]     what Portolan read from a snapshot (counts, profile, diagnostics)

Options:
  -f, --file PATH     a snapshot file or folder (kubectl -o json|yaml, multi-document YAML, .gz); repeatable
  -o, --output FMT    json or text
  -h, --help          this help

Errors go to stderr with a non-zero exit: 2 for usage and input errors.`;

type Verb = (args: string[]) => number;

const verbs: Record<string, Verb> = {
  schedule(args) {
    const { values } = parseArgs({ args, options: { ...common, pod: { type: 'string' } }, strict: true });
    const fmt = output(values.output, ['json', 'text']);
    if (!values.pod) throw new UsageError('schedule needs --pod FILE (a Pod or a workload manifest)');
    const engine = new ClusterEngine(snapshotOf(values.file, 'schedule'));
    const objects = parseDocuments(readInputs([values.pod]));
    const [only] = objects;
    if (!only || objects.length !== 1) throw new UsageError(`--pod ${values.pod} must hold exactly one object, it holds ${objects.length}`);
    const r = engine.scheduleObject(only.obj);
    if (fmt === 'json') json(r.result);
    else print(r.kind === 'pod' ? scheduleText(r.result) : placementText(r.result));
    return 0;
  },
  trace(args) {
    const { values } = parseArgs({ args, options: { ...common, to: { type: 'string' }, from: { type: 'string' }, at: { type: 'string' } }, strict: true });
    const fmt = output(values.output, ['json', 'text']);
    if (!values.to) throw new UsageError('trace needs --to HOST:PORT[/PROTO]');
    const r = new ClusterEngine(snapshotOf(values.file, 'trace')).traceText(values.to, values.from, values.at);
    if (fmt === 'json') json(r);
    else print(traceText(r));
    return 0;
  },
  iptables(args) {
    const { values } = parseArgs({ args, options: { file: common.file, node: { type: 'string' } }, strict: true });
    if (!values.node) throw new UsageError('iptables needs --node NAME');
    print(new ClusterEngine(snapshotOf(values.file, 'iptables')).iptablesSave(values.node));
    return 0;
  },
  drift(args) {
    const { values } = parseArgs({ args, options: { ...common, node: { type: 'string' }, dump: { type: 'string' } }, strict: true });
    const fmt = output(values.output, ['json', 'text']);
    if (!values.node) throw new UsageError('drift needs --node NAME');
    if (!values.dump) throw new UsageError("drift needs --dump FILE (the node's iptables-save output)");
    const [dump] = readInputs([values.dump]);
    const r = new ClusterEngine(snapshotOf(values.file, 'drift')).drift(values.node, dump.text);
    if (fmt === 'json') json(r);
    else print(driftText(r));
    return r.clean ? 0 : 1;
  },
  claims(args) {
    const { values } = parseArgs({ args, options: { ...common, node: { type: 'string' }, port: { type: 'string' } }, strict: true });
    const fmt = output(values.output, ['json', 'text']);
    if (!values.node) throw new UsageError('claims needs --node NAME');
    if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) throw new UsageError(`--port must be a port number, got ${JSON.stringify(values.port)}`);
    const claims = new ClusterEngine(snapshotOf(values.file, 'claims')).claims(values.node, values.port === undefined ? undefined : Number(values.port));
    if (fmt === 'json') json(claims);
    else print(claimsText(claims));
    return 0;
  },
  check(args) {
    const { values } = parseArgs({ args, options: { ...common, manifests: { type: 'string', multiple: true } }, strict: true });
    const fmt = output(values.output, ['json', 'sarif', 'text']);
    if (!values.manifests?.length) throw new UsageError('check needs --manifests FILE');
    const objects = parseDocuments(readInputs(values.manifests));
    const report = values.file?.length ? new ClusterEngine(snapshotOf(values.file, 'check')).check(objects) : checkManifests(objects);
    if (fmt === 'json') json(report);
    else if (fmt === 'sarif') json(toSarif(report, { toolVersion: VERSION }));
    else print(toText(report));
    return report.findings.some((f) => f.severity === 'error') ? 1 : 0;
  },
  inspect(args) {
    const { values } = parseArgs({ args, options: { file: { type: 'string', short: 'f', multiple: true }, output: { type: 'string', short: 'o', default: 'text' } }, strict: true });
    if (!values.file?.length) throw new UsageError('inspect needs -f SNAPSHOT');
    const { snapshot: s, diagnostics } = loadSnapshot(readInputs(values.file));
    const summary = {
      nodes: s.nodes.length,
      pods: s.pods.length,
      workloads: s.workloads.length,
      services: s.services.length,
      endpointSlices: s.endpointSlices.length,
      hostStates: s.hostStates.length,
      unknown: s.unknown.map((u) => `${u.apiVersion}/${u.kind} ${u.namespace ? u.namespace + '/' : ''}${u.name ?? ''}`),
      profile: { kubernetesVersion: s.profile.kubernetesVersion, kubeProxy: s.profile.kubeProxy, cniNetwork: s.profile.cni.networkName, portmap: s.profile.cni.portmap ?? null },
      diagnostics: diagnostics.map((d) => ({ ...d, text: formatDiagnostic(d) })),
    };
    if (values.output === 'json') json(summary);
    else {
      print(`nodes ${summary.nodes}, pods ${summary.pods}, workloads ${summary.workloads}, services ${summary.services}, endpoint slices ${summary.endpointSlices}, host states ${summary.hostStates}`);
      for (const d of diagnostics) print(`${d.severity}: ${formatDiagnostic(d)}`);
    }
    return 0;
  },
};

export function main(argv: string[], streams?: Io): number {
  if (streams) io = streams;
  const [verb, ...rest] = argv;
  if (!verb || verb === '-h' || verb === '--help' || verb === 'help') {
    io.out(HELP + '\n');
    return verb ? 0 : 2;
  }
  const run = verbs[verb];
  if (!run) {
    io.err(`portolan: unknown verb ${JSON.stringify(verb)}\n\n${HELP}\n`);
    return 2;
  }
  try {
    return run(rest);
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`portolan ${verb}: invalid input:\n${e.diagnostics.filter((d) => d.severity === 'error').map((d) => '  ' + formatDiagnostic(d)).join('\n')}\n`);
      return 2;
    }
    if (e instanceof QueryError) {
      io.err(`portolan ${verb}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`portolan ${verb}: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
