import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

/**
 * Where scheduled imports may connect. A tenant chooses the API server URL, so without this the worker would fetch
 * whatever it is pointed at: the cloud metadata endpoint, loopback (the service's own Postgres, Redis, API), ...
 * An address in `allowCidrs` is always allowed; otherwise one in `denyCidrs` is refused. Config:
 * IMPORT_DENY_CIDRS / IMPORT_ALLOW_CIDRS (`AppConfig.imports`).
 */
export interface OutboundPolicy {
  denyCidrs: readonly string[];
  allowCidrs: readonly string[];
}

export type AddressDecision = { allowed: true } | { allowed: false; rule: string };

interface Rule {
  cidr: string;
  list: BlockList;
}

function compile(cidrs: readonly string[]): Rule[] {
  return cidrs.map((cidr) => {
    const [address = '', prefix = ''] = cidr.split('/');
    const list = new BlockList();
    list.addSubnet(address, Number(prefix), isIP(address) === 6 ? 'ipv6' : 'ipv4');
    return { cidr, list };
  });
}

/** Why an import may not connect somewhere. Never retried: the address will not become allowed on a second try. */
export class OutboundAddressRefused extends Error {
  readonly code = 'EIMPORTADDRESSREFUSED';
  constructor(
    readonly address: string,
    readonly rule: string,
    /** the hostname that resolved to `address`, when it was not an IP literal */
    readonly host?: string,
  ) {
    super(`address refused: ${address} is in IMPORT_DENY_CIDRS ${rule}${host && host !== address ? ` (resolved from ${host})` : ''}`);
    this.name = 'OutboundAddressRefused';
  }
}

/** Strips the brackets of an IPv6 URL host (`[::1]` → `::1`). */
const unbracket = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/**
 * The policy compiled to one node:net BlockList per CIDR (so a refusal can name its rule). IPv4-mapped IPv6
 * addresses (::ffff:169.254.169.254) match IPv4 rules and the other way round: BlockList compares them as equal.
 */
export class OutboundGuard {
  private readonly deny: Rule[];
  private readonly allow: Rule[];

  constructor(policy: OutboundPolicy) {
    this.deny = compile(policy.denyCidrs);
    this.allow = compile(policy.allowCidrs);
  }

  /** Pure decision for one IP address (IPv4 or IPv6, as text). Anything that is not an IP address is refused. */
  decide(address: string): AddressDecision {
    const family = isIP(address);
    if (family === 0) return { allowed: false, rule: '(not an IP address)' };
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (this.allow.some((r) => r.list.check(address, type))) return { allowed: true };
    const denied = this.deny.find((r) => r.list.check(address, type));
    return denied ? { allowed: false, rule: denied.cidr } : { allowed: true };
  }

  /** The refusal for `address` (reached via `host`), or null when it may be reached. */
  refusal(address: string, host?: string): OutboundAddressRefused | null {
    const d = this.decide(address);
    return d.allowed ? null : new OutboundAddressRefused(address, d.rule, host);
  }

  /**
   * For an API server URL given by a user: the refusal when its host is an IP literal in a denied range. Hostnames
   * answer null: only the address they resolve to at connect time counts (DNS can change between the two).
   */
  refusalForUrl(url: string): OutboundAddressRefused | null {
    let host: string;
    try {
      host = unbracket(new URL(url).hostname);
    } catch {
      return null;
    }
    return isIP(host) ? this.refusal(host) : null;
  }

  /**
   * A `lookup` for net.connect / tls.connect: resolves every address of the name, drops the refused ones and hands
   * the socket only allowed addresses, so the address checked is the address connected to (no DNS rebinding window
   * between a check and a second resolution). When nothing is left the error is the first refusal.
   */
  readonly lookup = (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      let refused: OutboundAddressRefused | null = null;
      const allowed = addresses.filter((a) => {
        const r = this.refusal(a.address, hostname);
        refused ??= r;
        return r === null;
      });
      const first = allowed[0];
      if (!first) return callback(refused ?? Object.assign(new Error(`${hostname} resolved to no address`), { code: 'ENOTFOUND' }), '');
      if (options.all) return callback(null, allowed);
      callback(null, first.address, first.family);
    });
  };
}

/** What undici hands a custom connector (`new Agent({ connect: fn })`), and what it expects back. */
export interface ConnectorOptions {
  hostname: string;
  host?: string;
  protocol: string;
  port: string;
  servername?: string | null;
  localAddress?: string | null;
  httpSocket?: Socket;
}
export type Connector = (opts: ConnectorOptions, callback: (err: Error | null, socket: Socket | null) => void) => void;

/**
 * An undici connector that refuses denied addresses before any byte goes out:
 * - an IP-literal host is checked here (net.connect does not call `lookup` for IP literals);
 * - a hostname goes through the guard's `lookup`, so the checked address is the one connected to;
 * - the connected socket's remote address is checked once more before undici writes the request.
 * Each connection is checked, so redirects and later pages are covered too. `tlsOptions` are client-node's (CA,
 * client certificate, rejectUnauthorized, servername).
 */
export function guardedConnector(guard: OutboundGuard, tlsOptions: ConnectionOptions, connectTimeoutMs: number): Connector {
  return ({ hostname: rawHost, protocol, port, servername, localAddress, httpSocket }, callback) => {
    let cb: typeof callback | null = callback;
    const done = (err: Error | null, socket: Socket | null) => {
      const c = cb;
      cb = null;
      c?.(err, socket);
    };
    if (httpSocket) return done(new Error('scheduled imports do not connect through proxies'), null);
    const hostname = unbracket(rawHost);
    if (isIP(hostname)) {
      const refused = guard.refusal(hostname);
      if (refused) return done(refused, null);
    }
    const https = protocol === 'https:';
    const common = { host: hostname, port: Number(port) || (https ? 443 : 80), lookup: guard.lookup, ...(localAddress ? { localAddress } : {}) };
    const socket: Socket = https
      ? tlsConnect({
          ...tlsOptions,
          ...common,
          // SNI carries a name, never an IP literal
          servername: servername || tlsOptions.servername || (isIP(hostname) ? undefined : hostname),
          ALPNProtocols: ['http/1.1'],
        })
      : netConnect(common);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`connecting to ${hostname}:${common.port} took longer than ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })), connectTimeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      done(err, null);
    });
    socket.once(https ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      const refused = socket.remoteAddress ? guard.refusal(socket.remoteAddress, hostname) : null;
      if (refused) {
        socket.destroy();
        return done(refused, null);
      }
      done(null, socket);
    });
  };
}
