import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, root } from './support/apps';

/**
 * The README runs as written: every ```bash block, in order, against the stack `npm start` brings up (the start
 * command itself, here on the test run's Postgres and Redis, its own port and state folder), each in a fresh shell
 * from the repository's folder. A block preceded by `<!-- doc-test: skip (reason) -->` is not run; the reason
 * says what covers it instead.
 */
interface Block {
  line: number;
  text: string;
  skip?: string;
}

function readmeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```bash') continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end < 0) throw new Error(`README.md:${i + 1}: unterminated code block`);
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const skip = /^<!-- doc-test: skip \((.+)\) -->$/.exec(lines[k]?.trim() ?? '')?.[1];
    out.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n'), ...(skip ? { skip } : {}) });
    i = end;
  }
  return out;
}

const untracked = () => new Set(spawnSync('git', ['ls-files', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).stdout.split('\n').filter(Boolean));

let stack: ChildProcess | undefined;
let url = '';
const state = mkdtempSync(path.join(tmpdir(), 'portolan-readme-'));
const before = untracked();

beforeAll(async () => {
  url = `http://127.0.0.1:${await freePort()}`;
  stack = spawn(process.execPath, ['-r', '@swc-node/register', '-r', 'tsconfig-paths/register', 'tools/stack/start.ts'], {
    cwd: root,
    env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.base.json', PORT: new URL(url).port, HOST: '127.0.0.1', PORTOLAN_STATE_DIR: state, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  stack.stderr?.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start's stack did not come up in 150 s:\n${out}\n${err}`)), 150_000);
    stack?.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('Portolan is up')) {
        clearTimeout(timer);
        resolve();
      }
    });
    stack?.once('exit', (code) => reject(new Error(`the start command exited (${code}):\n${out}\n${err}`)));
  });
}, 180_000);

afterAll(async () => {
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack?.once('exit', r));
    stack.kill('SIGTERM');
    await exited;
  }
  // what the blocks wrote into the repository's folder (web.yaml, body.json, ...)
  for (const f of untracked()) if (!before.has(f)) rmSync(path.join(root, f), { force: true });
  rmSync(state, { recursive: true, force: true });
}, 60_000);

describe('README.md', () => {
  const blocks = readmeBlocks(readFileSync(path.join(root, 'README.md'), 'utf8'));

  it('has shell blocks, and says why it skips any', () => {
    expect(blocks.filter((b) => !b.skip).length).toBeGreaterThanOrEqual(6);
    for (const b of blocks.filter((x) => x.skip)) expect(b.skip!.length).toBeGreaterThan(10);
  });

  it('runs every shell block as written against a started stack', () => {
    const key = readFileSync(path.join(state, 'api-key'), 'utf8').trim();
    const failures: string[] = [];
    for (const b of blocks.filter((x) => !x.skip)) {
      // a fresh shell per block: a block that uses what it does not set fails here as it would for a reader
      const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', b.text], {
        cwd: root,
        env: { PATH: process.env['PATH'], HOME: process.env['HOME'], PORTOLAN_KEY: key, PORTOLAN_URL: url },
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (r.status !== 0) failures.push(`README.md:${b.line} exited ${r.status ?? r.signal}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
