import { parseArgs } from 'node:util';
import { ClusterEngine, formatDiagnostic, InputError, inspectSnapshot, loadSnapshot, parseDocuments, QueryError, checkInputs, toSarif, toText, type Snapshot } from '@portolan/netsim';
import { verbHelp } from './help';
import { readLiveCluster, takeLiveFlags, type LiveCluster } from './live';
import { parsePodRef, whyPod } from './why';
import { readInputs, UsageError } from './io';
import { claimsText, driftText, placementText, scheduleText, traceText } from './text';

const VERSION = '0.1.0';

/** Set by run() when the snapshot is the live cluster of a kubeconfig context instead of -f files. */
let live: LiveCluster | undefined;
/** -n: the namespace `why pod/NAME` means */
let namespace = 'default';

function snapshotOf(files: string[] | undefined, verb: string): Snapshot {
  if (files?.length && live) throw new UsageError(`${verb}: give -f SNAPSHOT or --live (the kubeconfig's cluster), not both`);
  if (!files?.length && !live) throw new UsageError(`${verb} needs -f SNAPSHOT (a file or folder; repeatable) or --live`);
  const { snapshot, diagnostics } = loadSnapshot(live ? live.inputs : readInputs(files ?? []));
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

Usage: portolan <verb> [options]      (in the repository: npm run -s portolan -- <verb>; as a kubectl plugin: kubectl portolan <verb>)

Verbs:
  schedule  -f SNAPSHOT --pod FILE [-o json|text]
            which nodes can host this Pod (every node, the upstream reason and the blocker), or where the replicas
            of this Deployment/ReplicaSet/StatefulSet/DaemonSet/Job go (placed, pending, crashing)
  trace     -f SNAPSHOT --to HOST:PORT[/PROTO] [--from SOURCE] [--at NODE] [-o json|text]
            the path a packet takes through the node's rules; HOST is a node name or an IP; PROTO tcp|udp|sctp;
            SOURCE: external[:IP] (default) | node:NAME | localhost:NAME | pod:NS/NAME | ip:IP@NODE
  iptables  -f SNAPSHOT --node NAME         the nat and filter tables kube-proxy and portmap would hold (iptables-save)
  nft       -f SNAPSHOT --node NAME         the ip kube-proxy table kube-proxy in nftables mode would hold (nft list ruleset)
  drift     -f SNAPSHOT --node NAME --dump IPTABLES_SAVE [-o json|text]
            which rules the node's iptables-save lacks, has extra (stale CNI-DN- chains, deleted Services) or
            holds differently from what kube-proxy and portmap would write; exit 1 on any drift
  claims    -f SNAPSHOT --node NAME [--port N] [-o json|text]
            who claims each (address, port, protocol) on the node, and who is shadowed
  check     [-f SNAPSHOT] --manifests FILE [-o json|sarif|text]
            what the API server would reject, and what would break at run time; exit 1 on any error finding
  inspect   -f SNAPSHOT [-o json|text]     what Portolan read from a snapshot (counts, profile, diagnostics)
  why       pod/NAME [-n NAMESPACE] [-f SNAPSHOT] [-o json|text]   (without -f: the kubeconfig's cluster)
            why is this pod Pending: the scheduler asked again, every node with its reason and blocker

Live clusters (instead of -f, for every verb that reads a snapshot; what kubectl's current context points at):
  --live              read the cluster of the kubeconfig's current context (the scheduled imports' fetcher)
  --kubeconfig PATH   that kubeconfig instead of $KUBECONFIG / ~/.kube/config (implies --live)
  --context NAME      that context (implies --live)
  -n, --namespace NS  the namespace of pod/NAME (default: the context's, else "default")

Options:
  -f, --file PATH     a snapshot file or folder (kubectl -o json|yaml, multi-document YAML, .gz), or - for stdin;
                      repeatable; relative paths are read from the folder you run the command in
  -o, --output FMT    json or text
  -h, --help          this help; <verb> --help for one verb's
  -V, --version       the version

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
  nft(args) {
    const { values } = parseArgs({ args, options: { file: common.file, node: { type: 'string' } }, strict: true });
    if (!values.node) throw new UsageError('nft needs --node NAME');
    const engine = new ClusterEngine(snapshotOf(values.file, 'nft'));
    const text = engine.nftRuleset(values.node);
    if (!text) throw new UsageError(`kube-proxy runs in ${engine.snapshot.profile.kubeProxy.mode} mode on this snapshot: no nftables tables are modelled (see portolan iptables)`);
    print(text);
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
    // the webhook's path: a malformed file is an input-error finding (exit 1), not an abort
    const inputs = readInputs(values.manifests);
    const { report } = values.file?.length ? new ClusterEngine(snapshotOf(values.file, 'check')).checkInputs(inputs) : checkInputs(inputs);
    if (fmt === 'json') json(report);
    else if (fmt === 'sarif') json(toSarif(report, { toolVersion: VERSION, srcRoot: process.cwd() }));
    else print(toText(report));
    return report.verdict === 'fail' ? 1 : 0;
  },
  why(args) {
    const { values, positionals } = parseArgs({ args, options: common, allowPositionals: true, strict: true });
    const fmt = output(values.output, ['json', 'text']);
    if (positionals.length > 1) throw new UsageError(`why takes one pod, got ${positionals.length}`);
    const name = parsePodRef(positionals[0]);
    const answer = whyPod(new ClusterEngine(snapshotOf(values.file, 'why')), namespace, name);
    if (fmt === 'json') json(answer);
    else print(answer.bound ? `pod ${answer.pod}: ${answer.note}` : scheduleText(answer.schedule));
    return 0;
  },
  inspect(args) {
    const { values } = parseArgs({ args, options: { file: { type: 'string', short: 'f', multiple: true }, output: { type: 'string', short: 'o', default: 'text' } }, strict: true });
    if (!values.file?.length) throw new UsageError('inspect needs -f SNAPSHOT');
    const { snapshot: s, diagnostics } = loadSnapshot(readInputs(values.file));
    const r = inspectSnapshot(s, diagnostics);
    if (values.output === 'json') {
      json({ ...r.counts, unknown: r.unknown, profile: r.profile, hostStates: r.hostStates, guesses: r.guesses, diagnostics: diagnostics.map((d) => ({ ...d, text: formatDiagnostic(d) })) });
    } else {
      const c = r.counts;
      print(`nodes ${c.nodes}, pods ${c.pods}, workloads ${c.workloads}, services ${c.services}, endpoint slices ${c.endpointSlices}, host states ${c.hostStates}, network policies ${c.networkPolicies}, namespaces ${c.namespaces}`);
      const dp = r.profile.dataplane;
      print(`profile: Kubernetes ${r.profile.kubernetesVersion}, kube-proxy ${r.profile.kubeProxy.mode}${dp ? `, dataplane ${dp.kind}${dp.modelled ? '' : ' (not modelled)'} (${dp.source})` : ''}`);
      for (const h of r.hostStates) {
        const ipt = h.iptables ? `; iptables dump: ${h.iptables.tables.join(', ')} (${h.iptables.chains} chains, ${h.iptables.rules} rules)${h.iptables.complete ? '' : `, incomplete: ${[...new Set(h.iptables.incomplete.map((x) => x.code))].join(', ')}`}` : '';
        print(`host state ${h.node}: ${h.listeners} listener(s)${h.extraAddresses.length ? `, extra addresses ${h.extraAddresses.join(' ')}` : ''}${ipt}`);
      }
      if (r.unknown.length) print(`kept, not modelled: ${r.unknown.join('; ')}`);
      if (r.guesses.length) {
        print('guesses:');
        for (const g of r.guesses) print(`  ${g.code}: ${g.node ? `${g.node}: ` : ''}${g.message}`);
      }
      for (const d of diagnostics) if (!d.code) print(`${d.severity}: ${formatDiagnostic(d)}`);
    }
    return 0;
  },
};

/**
 * The command as installed: reads the live cluster first when --live (or --kubeconfig / --context) asks for it,
 * then answers like the file-based verbs. `main` alone serves files only.
 */
export async function run(argv: string[], streams?: Io, command = 'portolan', readLive = readLiveCluster): Promise<number> {
  if (streams) io = streams;
  let flags;
  try {
    flags = takeLiveFlags(argv).flags;
    // `why` asks about a pod of a running cluster: without -f it reads the kubeconfig's, as kubectl would
    if (argv[0] === 'why' && !argv.some((a) => a === '-f' || a === '--file' || a.startsWith('--file='))) flags.live = true;
    live = flags.live && !['-h', '--help', '-V', '--version'].some((f) => argv.includes(f)) ? await readLive(flags) : undefined;
  } catch (e) {
    io.err(`${command}: ${(e as Error).message}\n`);
    return 2;
  }
  if (live) {
    const c = live.counts;
    io.err(`read ${live.server} (context ${live.context}, Kubernetes ${live.version ?? 'version unknown'}): ${c['nodes'] ?? 0} nodes, ${c['pods'] ?? 0} pods, ${c['services'] ?? 0} services\n`);
  }
  try {
    return main(argv, streams, command, true);
  } finally {
    live = undefined;
  }
}

export function main(argv: string[], streams?: Io, command = 'portolan', liveRead = false): number {
  if (streams) io = streams;
  let taken;
  try {
    taken = takeLiveFlags(argv);
  } catch (e) {
    io.err(`${command}: ${(e as Error).message}\n`);
    return 2;
  }
  if (taken.flags.live && !liveRead) {
    io.err(`${command}: --live reads a cluster over the network: use run(), as the installed command does\n`);
    return 2;
  }
  namespace = taken.flags.namespace ?? live?.namespace ?? 'default';
  const [verb, ...rest] = taken.rest;
  const help = HELP.replace(/^Usage: portolan/m, `Usage: ${command}`);
  if (!verb || verb === '-h' || verb === '--help' || verb === 'help') {
    io.out(help + '\n');
    return verb ? 0 : 2;
  }
  if (verb === '-V' || verb === '--version' || verb === 'version') {
    io.out(`portolan ${VERSION}\n`);
    return 0;
  }
  const run = verbs[verb];
  if (!run) {
    io.err(`${command}: unknown verb ${JSON.stringify(verb)}\n\n${help}\n`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.out(`${verbHelp(HELP, verb, command)}\n`);
    return 0;
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

if (require.main === module) void run(process.argv.slice(2)).then((code) => (process.exitCode = code));
