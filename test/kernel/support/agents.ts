/**
 * Tiny echo servers and a probing client, each a `node -e` program started inside a network namespace with
 * `ip netns exec`. Only Node is assumed on the machine.
 *
 * Server: one process per namespace, listening on every (port, protocol) it is given; a TCP connection gets one
 * JSON line {id, src} (its identity and the peer address it saw) and is closed; a UDP datagram gets the same JSON
 * line back to its sender.
 *
 * Client: opens `count` connections (TCP) or connected-socket exchanges (UDP) per probe, all at once, and reports
 * per attempt: connected + {id, src}; refused (ECONNREFUSED: a TCP RST, or an ICMP port unreachable, which is
 * also what a REJECT sends); timeout (nothing came back: dropped); or another socket error code.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export type Proto = 'TCP' | 'UDP';

export interface ListenSpec {
  /** identity answered to clients: "namespace/name" for pods, "host:<node>" for host listeners */
  id: string;
  port: number;
  proto: Proto;
  host?: string;
  /** with no host: also listen on [::] (IPv6 only, as a dual-stack pod's process binds both families) */
  dual?: boolean;
}

export interface ProbeSpec {
  host: string;
  port: number;
  proto: Proto;
  count: number;
  timeoutMs: number;
}

export type Attempt =
  | { kind: 'connected'; id: string; src: string }
  | { kind: 'refused' }
  | { kind: 'timeout' }
  | { kind: 'error'; code: string };

const SERVER = String.raw`
const net = require('net'), dgram = require('dgram');
const cfg = JSON.parse(process.env.PTK_CFG);
let pending = cfg.length;
const ready = () => { if (--pending === 0) process.stdout.write('READY\n'); };
const fail = (l, e) => { process.stderr.write('LISTEN-ERROR ' + l.proto + ' ' + l.port + ' ' + e.message + '\n'); process.exit(3); };
const all = [];
for (const l of cfg) {
  all.push(l);
  if (l.dual && !l.host) { all.push({ ...l, host: '::', v6only: true }); pending++; }
}
for (const l of all) {
  if (l.proto === 'TCP') {
    const s = net.createServer((c) => {
      c.on('error', () => {});
      c.end(JSON.stringify({ id: l.id, src: c.remoteAddress }) + '\n');
    });
    s.on('error', (e) => fail(l, e));
    s.listen({ port: l.port, host: l.host || '0.0.0.0', ipv6Only: !!l.v6only }, ready);
  } else {
    const s = dgram.createSocket({ type: (l.host || '').includes(':') ? 'udp6' : 'udp4', ipv6Only: !!l.v6only });
    s.on('error', (e) => fail(l, e));
    s.on('message', (m, r) => s.send(JSON.stringify({ id: l.id, src: r.address }) + '\n', r.port, r.address));
    s.bind(l.port, l.host || '0.0.0.0', ready);
  }
}
if (pending === 0) process.stdout.write('READY\n');
process.on('SIGTERM', () => process.exit(0));
// the test process holds our stdin: when it dies (even by SIGKILL) the pipe closes and we go too
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
`;

const CLIENT = String.raw`
const net = require('net'), dgram = require('dgram');
const probes = JSON.parse(process.env.PTK_CFG);
function parse(text) {
  try { const o = JSON.parse(text.trim().split('\n')[0]); return { kind: 'connected', id: o.id, src: o.src }; }
  catch (e) { return { kind: 'error', code: 'BAD-REPLY ' + JSON.stringify(text) }; }
}
function tcp(p) {
  return new Promise((resolve) => {
    let buf = '', done = false;
    const finish = (r) => { if (done) return; done = true; clearTimeout(t); s.destroy(); resolve(r); };
    const s = net.connect({ host: p.host, port: p.port });
    const t = setTimeout(() => finish({ kind: 'timeout' }), p.timeoutMs);
    s.on('data', (d) => { buf += d; if (buf.includes('\n')) finish(parse(buf)); });
    s.on('end', () => finish(buf ? parse(buf) : { kind: 'error', code: 'EMPTY' }));
    s.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'error', code: e.code || e.message }));
  });
}
function udp(p) {
  return new Promise((resolve) => {
    let done = false;
    const s = dgram.createSocket(p.host.includes(':') ? 'udp6' : 'udp4');
    const finish = (r) => { if (done) return; done = true; clearTimeout(t); try { s.close(); } catch (e) {} resolve(r); };
    const t = setTimeout(() => finish({ kind: 'timeout' }), p.timeoutMs);
    s.on('message', (m) => finish(parse(String(m))));
    s.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'error', code: e.code || e.message }));
    s.connect(p.port, p.host, (err) => {
      if (err) return finish({ kind: 'error', code: err.code || err.message });
      // a second datagram later: the ICMP error for the first one is reported on the next socket operation
      s.send('ping', (e) => { if (e) finish({ kind: 'error', code: e.code || e.message }); });
      setTimeout(() => { if (!done) s.send('ping', () => {}); }, Math.min(300, p.timeoutMs / 3)).unref();
    });
  });
}
(async () => {
  const out = await Promise.all(probes.map((p) => Promise.all(Array.from({ length: p.count }, () => (p.proto === 'TCP' ? tcp(p) : udp(p))))));
  process.stdout.write(JSON.stringify(out) + '\n');
})();
`;

export interface ServerHandle {
  ns: string;
  child: ChildProcess;
  stderr: () => string;
}

/** Start one echo server process in `ns`; resolves once every listener is bound. */
export function startServer(ipBin: string, ns: string, listeners: ListenSpec[], timeoutMs = 10000): Promise<ServerHandle> {
  return new Promise((resolve, reject) => {
    const child = spawn(ipBin, ['netns', 'exec', ns, process.execPath, '-e', SERVER], {
      env: { ...process.env, PTK_CFG: JSON.stringify(listeners) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const handle: ServerHandle = { ns, child, stderr: () => err };
    const timer = setTimeout(() => reject(new Error(`server in ${ns} not ready after ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve(handle);
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server in ${ns} exited (${code}) before it was ready: ${err}`));
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Run the probing client in `ns`; one Attempt[] per probe. */
export function runClient(ipBin: string, ns: string, probes: ProbeSpec[]): Promise<Attempt[][]> {
  const budget = Math.max(...probes.map((p) => p.timeoutMs)) + 15000;
  return new Promise((resolve, reject) => {
    const child = spawn(ipBin, ['netns', 'exec', ns, process.execPath, '-e', CLIENT], {
      env: { ...process.env, PTK_CFG: JSON.stringify(probes) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`client in ${ns} did not finish within ${budget} ms: ${err}`));
    }, budget);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`client in ${ns} exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out) as Attempt[][]);
      } catch {
        reject(new Error(`client in ${ns} printed no result: ${out} ${err}`));
      }
    });
  });
}
