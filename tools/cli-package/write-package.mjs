// Writes the installable package's manifest next to the bundle webpack made (dist/packages/portolan): no
// dependencies (all are bundled), two commands (portolan and kubectl's plugin name), the repository's version.
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'dist/packages/portolan');
const repo = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const manifest = {
  name: 'portolan',
  version: repo.version,
  description: repo.description,
  license: repo.license,
  bin: { portolan: 'portolan.js', 'kubectl-portolan': 'portolan.js' },
  files: ['portolan.js', 'README.md'],
  engines: repo.engines,
};
writeFileSync(path.join(out, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
writeFileSync(
  path.join(out, 'README.md'),
  `# portolan\n\n${repo.description}\n\n` +
    '```bash\nportolan --help\nportolan schedule -f cluster.json --pod pod.yaml\nkubectl portolan why pod/web-0 -n shop   # as a kubectl plugin\n```\n',
);
renameSync(path.join(out, 'main.js'), path.join(out, 'portolan.js'));
chmodSync(path.join(out, 'portolan.js'), 0o755);
console.log(`wrote ${path.relative(root, out)} (portolan ${repo.version})`);
