// Names of the per-service chains and sets in our nftables table, as Kubernetes'
// pkg/proxy/nftables names them: a prefix, 8 base32 characters of a SHA-256 of the
// name (so near-identical names still look different, and a truncated name stays
// unique), then the readable name, e.g. "service-ULMVA6XW-ns1/svc1/tcp/p80" and
// "endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80". Namespaces, service and port
// names hold only [a-z0-9-], so "/" (allowed in nft names, never in theirs) separates
// the parts and "__" the service from the endpoint.
import { createHash } from 'node:crypto';
import type { Endpoint, ServicePort } from '../types.js';

/** nft's NFT_NAME_MAXLEN less the longest prefix (knftables' chainNameBaseLengthMax). */
const NAME_BASE_MAX = 256 - 16;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 8 characters of the standard base32 encoding of sha256(name). */
function hashPrefix(name: string): string {
  const digest = createHash('sha256').update(name).digest();
  // 8 base32 characters are exactly the first 40 bits (5 bytes): 2^40 fits a double.
  let bits = 0;
  for (let i = 0; i < 5; i++) bits = bits * 256 + digest[i]!;
  let out = '';
  for (let i = 7; i >= 0; i--) out += BASE32[Math.floor(bits / 2 ** (i * 5)) % 32];
  return out;
}

// Every sync names every chain again; remembering the hashes makes that a map lookup.
// Bounded: cleared when it grows past what a large cluster needs.
const memo = new Map<string, string>();
const MEMO_MAX = 500_000;

function hashAndTruncate(name: string): string {
  let out = memo.get(name);
  if (out === undefined) {
    const full = `${hashPrefix(name)}-${name}`;
    out = full.length > NAME_BASE_MAX ? `${full.slice(0, NAME_BASE_MAX - 3)}...` : full;
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(name, out);
  }
  return out;
}

/** "HASH-namespace/name/protocol/portName" (kube-proxy's servicePortChainNameBase). */
export function servicePortNameBase(svc: ServicePort): string {
  const n = svc.name;
  return hashAndTruncate(`${n.namespace}/${n.name}/${svc.protocol.toLowerCase()}/${n.port}`);
}

/** "HASH-namespace/name/protocol/portName__ip/port" (servicePortEndpointChainNameBase). */
export function endpointNameBase(svc: ServicePort, ep: Endpoint): string {
  const n = svc.name;
  return hashAndTruncate(`${n.namespace}/${n.name}/${svc.protocol.toLowerCase()}/${n.port}__${ep.ip}/${ep.port}`);
}

export interface ServiceChainNames {
  /** Endpoints for Cluster traffic policy. */
  cluster: string;
  /** Endpoints for Local traffic policy (this node's only). */
  local: string;
  /** Where nodePort, externalIP and load-balancer traffic enters. */
  external: string;
}

export function serviceChainNames(svc: ServicePort): ServiceChainNames {
  const base = servicePortNameBase(svc);
  return { cluster: `service-${base}`, local: `local-${base}`, external: `external-${base}` };
}

export function endpointChainName(svc: ServicePort, ep: Endpoint): string {
  return `endpoint-${endpointNameBase(svc, ep)}`;
}

/** The set of client IPs that ClientIP affinity pins to this endpoint. */
export function affinitySetName(svc: ServicePort, ep: Endpoint): string {
  return `affinity-${endpointNameBase(svc, ep)}`;
}
