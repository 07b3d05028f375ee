import { parseArgs } from 'node:util';
import { formatDiagnostic, InputError, loadSnapshot } from '@portolan/netsim';
import { readInputs, UsageError } from './io';

const HELP = `portolan: where can this pod run, and where does traffic to this node port really go?

Usage: npm run -s portolan -- <verb> [options]

Verbs:
  inspect   -f SNAPSHOT [-o json|text]     what Portolan read from a snapshot (counts, profile, diagnostics)

Options:
  -f, --file PATH     a snapshot file or folder (kubectl -o json|yaml, multi-document YAML, .gz); repeatable
  -o, --output FMT    json or text
  -h, --help          this help

Errors go to stderr with a non-zero exit: 2 for usage and input errors.`;

type Verb = (args: string[]) => number;

const verbs: Record<string, Verb> = {
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
    if (values.output === 'json') process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else {
      process.stdout.write(`nodes ${summary.nodes}, pods ${summary.pods}, workloads ${summary.workloads}, services ${summary.services}, endpoint slices ${summary.endpointSlices}, host states ${summary.hostStates}\n`);
      for (const d of diagnostics) process.stdout.write(`${d.severity}: ${formatDiagnostic(d)}\n`);
    }
    return 0;
  },
};

export function main(argv: string[]): number {
  const [verb, ...rest] = argv;
  if (!verb || verb === '-h' || verb === '--help' || verb === 'help') {
    process.stdout.write(HELP + '\n');
    return verb ? 0 : 2;
  }
  const run = verbs[verb];
  if (!run) {
    process.stderr.write(`portolan: unknown verb ${JSON.stringify(verb)}\n\n${HELP}\n`);
    return 2;
  }
  try {
    return run(rest);
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`portolan ${verb}: invalid input:\n${e.diagnostics.filter((d) => d.severity === 'error').map((d) => '  ' + formatDiagnostic(d)).join('\n')}\n`);
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`portolan ${verb}: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
