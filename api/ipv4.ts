// IPv4 addresses and CIDRs as 32-bit numbers: one copy for the apiserver's ClusterIP
// allocator, kube-proxy (the service range on the node, nodePort addresses, the
// cluster DNS address) and the kubelet (the service route in pod sandboxes).

/** Parses "10.96.0.0/12" into the allocatable host addresses (network and broadcast excluded). */
export function parseCidr(cidr: string): { network: number; bits: number; first: number; last: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}: want a.b.c.d/n`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const ip = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const size = 2 ** (32 - bits);
  const network = ip - (ip % size);
  return { network, bits, first: network + 1, last: network + size - 2 };
}

export const ipToString = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function ipToNumber(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1, 5).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
}

/** Whether ip (dotted IPv4) lies in cidr ("a.b.c.d/n", any n from 0 to 32, host bits ignored). */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const b = ipToNumber(base ?? '');
  const n = ipToNumber(ip);
  const bits = Number(bitsText);
  if (b === undefined || n === undefined || !/^\d+$/.test(bitsText ?? '') || bits > 32) return false;
  if (bits === 0) return true;
  const shift = 32 - bits;
  return (b >>> shift) === (n >>> shift);
}

/** The n-th address of a CIDR (n = 1 is the first host address): "10.96.0.0/12", 10 gives 10.96.0.10, the cluster DNS address. */
export function nthAddress(cidr: string, n: number): string {
  const r = parseCidr(cidr);
  const ip = r.network + n;
  if (ip < r.first || ip > r.last) throw new Error(`${cidr} has no address number ${n}`);
  return ipToString(ip);
}
