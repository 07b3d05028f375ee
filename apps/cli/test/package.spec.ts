import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startRecordedApiServer } from '@portolan/application/kube-testing';
import { main } from '../src/main';

/**
 * The installable package as a user gets it: `npm pack` of dist/packages/portolan (built by `nx run cli:package`,
 * which the README's commands run), then npx from an empty folder, `npm i -g`, and kubectl's plugin lookup.
 */
const ROOT = path.resolve(__dirname, '../../..');
const PKG = path.join(ROOT, 'dist/packages/portolan');
const FIXTURES = path.join(ROOT, 'test/fixtures/clusters');
const version: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const work = mkdtempSync(path.join(tmpdir(), 'portolan-pkg-'));
let tarball = '';
const prefix = path.join(work, 'global');
const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

function inProcess(argv: string[]): string {
  let out = '';
  main(argv, { out: (s) => (out += s), err: () => undefined });
  return out;
}

beforeAll(() => {
  if (!existsSync(path.join(PKG, 'package.json'))) {
    execFileSync('npx', ['--no-install', 'nx', 'run', 'cli:package', '--outputStyle=static'], { cwd: ROOT, env: { ...env, NX_DAEMON: 'false' }, stdio: 'ignore' });
  }
  execFileSync('npm', ['pack', PKG, '--pack-destination', work], { env, stdio: 'ignore' });
  tarball = path.join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  execFileSync('npm', ['install', '--global', '--prefix', prefix, tarball], { env, stdio: 'ignore' });
}, 120_000);

describe('the portolan package', () => {
  it('packs a manifest with both commands and no dependencies', () => {
    const manifest = JSON.parse(readFileSync(path.join(PKG, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'portolan', version, bin: { portolan: 'portolan.js', 'kubectl-portolan': 'portolan.js' } });
    expect(manifest.dependencies).toBeUndefined();
    expect(inProcess(['--version'])).toBe(`portolan ${version}\n`);
  });

  it('runs with npx from an empty folder', () => {
    const empty = mkdtempSync(path.join(work, 'empty-'));
    // as users type it: a relative tarball path (npx takes an absolute one for a command), and --package
    const byPath = spawnSync('npx', ['--yes', path.relative(empty, tarball), '--version'], { cwd: empty, env, encoding: 'utf8' });
    expect(byPath.stderr).not.toMatch(/Cannot find module|ERR_/);
    expect(byPath.stdout.trim()).toBe(`portolan ${version}`);
    const byPackage = spawnSync('npx', ['--yes', `--package=${tarball}`, 'kubectl-portolan', '--help'], { cwd: empty, env, encoding: 'utf8' });
    expect(byPackage.stdout).toContain('Usage: kubectl portolan <verb>');
  });

  it('installed globally, reads paths relative to the caller and stdin, and answers like the repository build', () => {
    const cwd = mkdtempSync(path.join(work, 'user-'));
    mkdirSync(path.join(cwd, 'k8s'));
    copyFileSync(path.join(FIXTURES, 'seed-003-nodeport-and-hostport.yaml'), path.join(cwd, 'k8s/cluster.yaml'));
    const bin = path.join(prefix, 'bin/portolan');
    const args = ['trace', '-f', 'k8s/cluster.yaml', '--to', 'k8s-master01:81/TCP', '-o', 'json'];
    const r = spawnSync(bin, args, { cwd, env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const expected = inProcess(['trace', '-f', path.join(cwd, 'k8s/cluster.yaml'), '--to', 'k8s-master01:81/TCP', '-o', 'json']);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(expected));

    const piped = spawnSync(bin, ['inspect', '-f', '-', '-o', 'json'], { cwd, env, encoding: 'utf8', input: readFileSync(path.join(cwd, 'k8s/cluster.yaml')) });
    expect(piped.status).toBe(0);
    expect(JSON.parse(piped.stdout).nodes).toBeGreaterThan(0);
  });

  it('answers per-verb --help and names the command the user typed', () => {
    const verb = spawnSync(path.join(prefix, 'bin/portolan'), ['claims', '--help'], { env, encoding: 'utf8' });
    expect(verb.status).toBe(0);
    expect(verb.stdout).toMatch(/^Usage: portolan claims -f SNAPSHOT --node NAME/);
    const plugin = spawnSync(path.join(prefix, 'bin/kubectl-portolan'), ['--help'], { env, encoding: 'utf8' });
    expect(plugin.stdout).toContain('Usage: kubectl portolan <verb>');
  });

  it('works as a kubectl plugin when on PATH', () => {
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.error) {
      // kubectl is not part of what the test command installs; the plugin binary itself was checked above
      console.warn('kubectl is not installed here: `kubectl portolan` itself was NOT exercised');
      return;
    }
    const pathEnv = { ...env, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` };
    const r = spawnSync('kubectl', ['portolan', '--help'], { env: pathEnv, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: kubectl portolan <verb>');
    const listed = spawnSync('kubectl', ['plugin', 'list'], { env: pathEnv, encoding: 'utf8' });
    expect(listed.stdout).toContain('kubectl-portolan');
  });

  it('reads a live cluster from the installed command (client-node bundled): kubectl portolan why pod/NAME', async () => {
    const kube = await startRecordedApiServer();
    try {
      const kubeconfig = path.join(work, 'kubeconfig');
      writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: r\n  cluster: {server: "${kube.url}", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: r\n  context: {cluster: r, user: u, namespace: batch}\ncurrent-context: r\n`);
      // async: the recorded server lives in this process and must keep answering
      const r = await promisify(execFile)(path.join(prefix, 'bin/kubectl-portolan'), ['why', 'pod/report-29410560-zx9kd'], { env: { ...env, KUBECONFIG: kubeconfig }, encoding: 'utf8' });
      expect(r.stderr).toContain(`read ${kube.url} (context r, Kubernetes v1.33.4)`);
      expect(r.stdout).toContain('FailedScheduling: 0/3 nodes are available: 3 Insufficient cpu.');
    } finally {
      await kube.close();
    }
  });
});
