import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

/**
 * Where a webhook may send (server-side request forgery protection). A webhook URL is
 * chosen by a workspace admin, and Iris sends to it from inside its own network: without
 * a check it would reach the cloud metadata service, the database, an admin port on
 * loopback. Every address the host resolves to is checked (at create/update time, and
 * again before each attempt), and the request then connects to the checked address
 * itself, so a second DNS answer (rebinding) cannot swap in another.
 * IRIS_WEBHOOKS_ALLOW_PRIVATE turns the check off for receivers on the instance's own
 * network.
 */

/** A target refused, with why (shown to the API caller, or kept as the delivery's error). */
export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

export interface ResolvedTarget {
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedTarget[]>;

interface Range {
  bytes: number[];
  bits: number;
  label: string;
}

const range = (cidr: string, label: string): Range => {
  const [addr, bits] = cidr.split('/') as [string, string];
  return { bytes: [...parseIp(addr)!], bits: Number(bits), label };
};

const V4_RANGES: Range[] = [
  range('0.0.0.0/8', 'unspecified ("this network")'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local (cloud metadata)'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignment'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
];

const V6_RANGES: Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  // Deprecated IPv4-compatible addresses (::a.b.c.d): nothing public lives there.
  range('::/96', 'IPv4-compatible'),
  range('fc00::/7', 'unique-local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
];

/** IPv6 prefixes that carry an IPv4 address in their last 32 bits: that address decides. */
const V4_IN_V6: Range[] = [range('::ffff:0:0/96', 'IPv4-mapped'), range('64:ff9b::/96', 'NAT64')];

/** 4 or 16 bytes, or undefined when `text` is not an IP address. */
export function parseIp(text: string): Uint8Array | undefined {
  const family = isIP(text);
  if (family === 4) return Uint8Array.from(text.split('.').map(Number));
  if (family !== 6) return undefined;
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const out = new Uint8Array(16);
  const words = (part: string): number[] => {
    if (part === '') return [];
    const pieces = part.split(':');
    const last = pieces.at(-1)!;
    const result: number[] = [];
    for (const p of pieces.slice(0, -1)) result.push(parseInt(p, 16));
    if (last.includes('.')) {
      const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
      result.push((a << 8) | b, (c << 8) | d);
    } else result.push(parseInt(last, 16));
    return result;
  };
  const [head, tail] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const front = words(head);
  const back = tail === undefined ? [] : words(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

function inRange(bytes: Uint8Array, r: Range): boolean {
  if (bytes.length !== r.bytes.length) return false;
  let bits = r.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (r.bytes[i]! & mask)) return false;
  }
  return true;
}

/** Why an address is not a public unicast one ("loopback", "private", …), or null when it is. */
export function internalAddressKind(address: string): string | null {
  const bytes = parseIp(address);
  if (!bytes) return 'not an IP address';
  if (bytes.length === 4) return V4_RANGES.find((r) => inRange(bytes, r))?.label ?? null;
  for (const r of V4_IN_V6) {
    if (inRange(bytes, r)) {
      const inner = internalAddressKind(bytes.subarray(12).join('.'));
      return inner ? `${r.label} ${inner}` : null;
    }
  }
  return V6_RANGES.find((r) => inRange(bytes, r))?.label ?? null;
}

const LOOKUP_TIMEOUT_MS = 5_000;

/** Every address of a host name (node:dns lookup, as the OS resolves), bounded in time. */
export const systemResolver: Resolver = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  try {
    const answers = await Promise.race([
      dnsLookup(hostname, { all: true, verbatim: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('lookup timed out')), LOOKUP_TIMEOUT_MS);
      }),
    ]);
    return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } finally {
    clearTimeout(timer);
  }
};

export interface TargetPolicy {
  /** IRIS_WEBHOOKS_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  resolve?: Resolver;
}

/**
 * Resolves the URL's host and checks every address; returns the one to connect to.
 * Throws TargetRefused with a reason fit for the API caller.
 */
export async function vetTarget(url: URL, policy: TargetPolicy): Promise<ResolvedTarget> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: ResolvedTarget[];
  const literal = isIP(host);
  if (literal) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await (policy.resolve ?? systemResolver)(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new TargetRefused(`The host "${host}" could not be resolved (${code}).`);
    }
    if (addresses.length === 0) throw new TargetRefused(`The host "${host}" has no address.`);
  }
  if (!policy.allowPrivate) {
    for (const { address } of addresses) {
      const kind = internalAddressKind(address);
      if (kind) {
        const via = literal ? address : `"${host}" resolves to ${address}, which`;
        throw new TargetRefused(
          `${via} is not a public address (${kind}); webhooks may only target public addresses ` +
            '(an instance administrator can allow internal ones with IRIS_WEBHOOKS_ALLOW_PRIVATE=true).',
        );
      }
    }
  }
  return addresses[0]!;
}

/**
 * A `lookup` for http(s).request that answers with the vetted address whatever name it
 * is asked about: the socket goes where the check said, never to a fresh DNS answer.
 */
export function pinnedLookup(target: ResolvedTarget): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}
