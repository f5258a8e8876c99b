// --nodeport-addresses as kube-proxy reads it: a list of CIDRs; the node's own
// addresses inside them are where nodePorts are served. Empty means every local
// address ("0.0.0.0": the userspace proxier binds the wildcard, the nftables one
// matches `fib daddr type local`).
import { networkInterfaces } from 'node:os';
import { cidrContains, ipToNumber } from '../api/ipv4.js';

export const ALL_ADDRESSES = '0.0.0.0';

/** Checks a --nodeport-addresses list; the error names the first bad entry. */
export function parseNodePortCidrs(flag: string): string[] {
  const cidrs = flag.split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of cidrs) {
    const [ip, bits] = c.split('/');
    if (ipToNumber(ip ?? '') === undefined || !/^\d{1,2}$/.test(bits ?? '') || Number(bits) > 32) {
      throw new Error(`invalid --nodeport-addresses entry ${JSON.stringify(c)}: want an IPv4 CIDR such as 127.0.0.0/8`);
    }
  }
  return cidrs;
}

/**
 * The IPv4 addresses nodePorts are served on: [ALL_ADDRESSES] when cidrs is empty or
 * holds 0.0.0.0/0, else this node's interface addresses inside any of cidrs (sorted).
 */
export function nodePortAddresses(cidrs: readonly string[], interfaces = networkInterfaces()): string[] {
  if (!cidrs.length || cidrs.some((c) => c.endsWith('/0'))) return [ALL_ADDRESSES];
  const found = new Set<string>();
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && cidrs.some((c) => cidrContains(c, a.address))) found.add(a.address);
    }
  }
  return [...found].sort((a, b) => (ipToNumber(a) ?? 0) - (ipToNumber(b) ?? 0));
}
