// The nftables ruleset of kube-proxy's nftables mode, as a pure function of the proxy
// state: Kubernetes' pkg/proxy/nftables/proxier.go (setupNFTables + syncProxyRules) in
// one table of our own, `ip tskube-proxy`, so nothing else's tables (Docker's
// iptables-nft `ip nat` / `ip filter`) is ever touched.
//
// Packet path (all IPv4):
//   nat-prerouting / nat-output -> services: `ip daddr . l4proto . dport` in the
//     service-ips verdict map (ClusterIPs, externalIPs, load-balancer IPs) and
//     `l4proto . dport` in service-nodeports for node addresses -> a service chain
//     (ClusterIP traffic) or an external chain (the rest) -> `numgen random mod N`
//     (after the ClientIP affinity sets) -> an endpoint chain that DNATs.
//   nat-postrouting -> masquerading: packets marked by mark-for-masquerade are
//     masqueraded: traffic from the node itself (the node's own address, a ClusterIP
//     on lo, or 127.0.0.1), a pod reaching itself through its service (hairpin), and
//     external traffic under externalTrafficPolicy Cluster. Pod -> ClusterIP -> pod on
//     one Docker bridge needs no masquerade: br_netfilter (bridge-nf-call-iptables=1)
//     runs the reply, which the bridge carries straight between the two pods, through
//     conntrack, which restores the ClusterIP as its source.
//   filter-input / -forward / -output (priority -110, before DNAT) -> the
//     no-endpoint-services / no-endpoint-nodeports maps: REJECT (tcp reset, else icmp
//     port-unreachable) for service ports without usable endpoints, so clients are
//     refused at once; DROP where a Local policy has no local endpoint.
//   cluster-ips-check (input, forward, and output after DNAT): whatever still goes to a
//     ClusterIP did not match a service port and is rejected (kube-proxy's "invalid
//     ports of ClusterIPs"; our ClusterIPs sit on lo, so it would otherwise reach
//     whatever listens on the node's wildcard address).
//
// Differences from kube-proxy, on purpose: nodePorts are served on 127.0.0.1 too (with
// route_localnet=1, which the proxier sets, and kube-proxy iptables mode's guard that
// drops non-loopback packets to 127.0.0.0/8 that were not DNATed); with no cluster CIDR
// given, ClusterIP traffic is masqueraded when it comes from the node itself (`fib
// saddr type local`) instead of not at all, since the node would otherwise send it
// with a ClusterIP (on lo) or 127.0.0.1 as its source. No LoadBalancerSourceRanges
// (ServicePort has none), no IPv6, no SCTP.
//
// Updating: the first script replaces the table whole (add, delete, create, in one
// transaction, so a stale table from an earlier run goes too). Later scripts, given the
// ruleset they replace, rewrite it in place as kube-proxy does: `flush table` (every
// rule), re-declare every chain, set and map, flush the maps and static sets, add the
// rules and elements, and delete what is gone. Affinity sets are declared but never
// flushed, so ClientIP affinity survives resyncs; nft applies each script as one
// transaction, so packets see either the old ruleset or the new one.
import { isIPv4 } from 'node:net';
import type { Endpoint, ProxyState, ServicePort } from '../types.js';
import { usableEndpoints } from '../topology.js';
import { affinitySetName, endpointChainName, serviceChainNames } from './names.js';

export const DEFAULT_TABLE = 'tskube-proxy';
/** kube-proxy's --masquerade-bit 14. */
export const DEFAULT_MASQUERADE_MARK = 0x4000;

export interface RulesetOptions {
  /** The nft table (family ip), e.g. 'tskube-proxy'. */
  table: string;
  /**
   * Addresses nodePorts are served on: IPv4 addresses, or ['0.0.0.0'] for every local
   * address of the node (`fib daddr type local`). 127.0.0.1 is served as any other.
   */
  nodePortAddresses: string[];
  /** The packet mark bit that asks for masquerade (default 0x4000). */
  masqueradeMark?: number;
  /**
   * kube-proxy's --cluster-cidr: ClusterIP traffic from outside it is masqueraded, and
   * pods inside it reach externalTrafficPolicy Local services through all endpoints.
   * Without it only traffic from the node itself is treated as not from a pod.
   */
  clusterCIDR?: string;
  /**
   * The ruleset the table holds now (the last one applied). Given, the script rewrites
   * the table in place, keeping affinity sets; absent, it replaces the table whole.
   */
  previous?: Ruleset;
}

export type NftObjectKind = 'chain' | 'set' | 'map';

/** One chain, set or map of the table. */
export interface NftObject {
  kind: NftObjectKind;
  name: string;
  /** What follows the name in `add <kind>`: '' or '{ ... }'. */
  spec: string;
  /** A set whose elements the kernel adds (affinity): declared, never flushed. */
  dynamic?: boolean;
}

/** Everything the table holds, in the order it is written. */
export interface Ruleset {
  objects: readonly NftObject[];
  /** `<chain> <rule>`, in order. */
  rules: readonly string[];
  /** `<set or map> { <element> }`. */
  elements: readonly string[];
}

// Fixed chains, sets and maps (kube-proxy's names).
const SERVICES = 'services';
const SERVICE_IPS = 'service-ips';
const SERVICE_NODEPORTS = 'service-nodeports';
const NODEPORT_IPS = 'nodeport-ips';
const CLUSTER_IPS = 'cluster-ips';
const CLUSTER_IPS_CHECK = 'cluster-ips-check';
const SERVICE_ENDPOINTS_CHECK = 'service-endpoints-check';
const NODEPORT_ENDPOINTS_CHECK = 'nodeport-endpoints-check';
const NO_ENDPOINT_SERVICES = 'no-endpoint-services';
const NO_ENDPOINT_NODEPORTS = 'no-endpoint-nodeports';
const REJECT_CHAIN = 'reject-chain';
const MARK_MASQ = 'mark-for-masquerade';
const MASQUERADING = 'masquerading';

/** Base chains: filter before DNAT (-110) to see the service address, nat at dstnat/srcnat. */
const BASE_CHAINS: ReadonlyArray<{ name: string; type: 'filter' | 'nat'; hook: string; priority: number }> = [
  { name: 'filter-input', type: 'filter', hook: 'input', priority: -110 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: -110 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: -110 },
  { name: 'filter-output-post-dnat', type: 'filter', hook: 'output', priority: -90 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
];

const SERVICE_ADDR_MAP_TYPE = 'ipv4_addr . inet_proto . inet_service : verdict';
const NODEPORT_MAP_TYPE = 'inet_proto . inet_service : verdict';

/** nodePortAddresses ['0.0.0.0'] (or one that contains it): every local address. */
export function nodePortsOnAllAddresses(nodePortAddresses: readonly string[]): boolean {
  return nodePortAddresses.includes('0.0.0.0');
}

/** Whether nodePorts answer on 127.0.0.1 (so the proxier must set route_localnet=1). */
export function servesLocalhostNodePorts(nodePortAddresses: readonly string[]): boolean {
  return nodePortsOnAllAddresses(nodePortAddresses) || nodePortAddresses.some((a) => a.startsWith('127.'));
}

function hex(mark: number): string {
  return `0x${mark.toString(16).padStart(8, '0')}`;
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '')}"`;
}

/** Builds the ruleset (objects, rules, elements) for state. Pure and deterministic. */
export function planRuleset(state: ProxyState, o: RulesetOptions): Ruleset {
  const mark = hex(o.masqueradeMark ?? DEFAULT_MASQUERADE_MARK);
  const allAddresses = nodePortsOnAllAddresses(o.nodePortAddresses);
  const objects: NftObject[] = [];
  const rules: string[] = [];
  const elements: string[] = [];
  const chain = (name: string, spec = ''): void => { objects.push({ kind: 'chain', name, spec }); };
  const rule = (chainName: string, text: string): void => { rules.push(`${chainName} ${text}`); };

  // Fixed part (setupNFTables).
  for (const bc of BASE_CHAINS) chain(bc.name, `{ type ${bc.type} hook ${bc.hook} priority ${bc.priority} ; }`);
  for (const name of [SERVICES, MASQUERADING, MARK_MASQ, SERVICE_ENDPOINTS_CHECK, NODEPORT_ENDPOINTS_CHECK, CLUSTER_IPS_CHECK]) chain(name);
  chain(REJECT_CHAIN, `{ comment ${quote('helper for @no-endpoint-services / @no-endpoint-nodeports')} ; }`);
  objects.push({ kind: 'set', name: CLUSTER_IPS, spec: `{ type ipv4_addr ; comment ${quote('Active ClusterIPs')} ; }` });
  if (!allAddresses) {
    objects.push({ kind: 'set', name: NODEPORT_IPS, spec: `{ type ipv4_addr ; comment ${quote('IPs that accept NodePort traffic')} ; }` });
  }
  objects.push(
    { kind: 'map', name: SERVICE_IPS, spec: `{ type ${SERVICE_ADDR_MAP_TYPE} ; comment ${quote('ClusterIP, ExternalIP and LoadBalancer IP traffic')} ; }` },
    { kind: 'map', name: SERVICE_NODEPORTS, spec: `{ type ${NODEPORT_MAP_TYPE} ; comment ${quote('NodePort traffic')} ; }` },
    { kind: 'map', name: NO_ENDPOINT_SERVICES, spec: `{ type ${SERVICE_ADDR_MAP_TYPE} ; comment ${quote('vmap to drop or reject packets to services with no endpoints')} ; }` },
    { kind: 'map', name: NO_ENDPOINT_NODEPORTS, spec: `{ type ${NODEPORT_MAP_TYPE} ; comment ${quote('vmap to drop or reject packets to service nodeports with no endpoints')} ; }` },
  );

  if (servesLocalhostNodePorts(o.nodePortAddresses)) {
    // route_localnet=1 lets packets to 127.0.0.0/8 arrive from any interface; accept
    // those only when we DNATed them (kube-proxy iptables mode, CVE-2020-8558).
    rule('filter-input', 'ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop comment "block incoming localnet connections"');
  }
  rule('filter-input', `ct state new jump ${NODEPORT_ENDPOINTS_CHECK}`);
  rule('filter-input', `ct state new jump ${SERVICE_ENDPOINTS_CHECK}`);
  rule('filter-input', `ct state new jump ${CLUSTER_IPS_CHECK}`);
  rule('filter-forward', `ct state new jump ${SERVICE_ENDPOINTS_CHECK}`);
  rule('filter-forward', `ct state new jump ${CLUSTER_IPS_CHECK}`);
  rule('filter-output', `ct state new jump ${SERVICE_ENDPOINTS_CHECK}`);
  rule('filter-output-post-dnat', `ct state new jump ${CLUSTER_IPS_CHECK}`);
  rule('nat-prerouting', `jump ${SERVICES}`);
  rule('nat-output', `jump ${SERVICES}`);
  rule('nat-postrouting', `jump ${MASQUERADING}`);

  rule(MARK_MASQ, `meta mark set meta mark | ${mark}`);
  rule(MASQUERADING, `meta mark & ${mark} == 0x00000000 return`);
  rule(MASQUERADING, `meta mark set meta mark ^ ${mark}`);
  rule(MASQUERADING, 'masquerade fully-random');

  rule(REJECT_CHAIN, 'meta l4proto tcp reject with tcp reset');
  rule(REJECT_CHAIN, 'reject');
  rule(CLUSTER_IPS_CHECK, `ip daddr @${CLUSTER_IPS} goto ${REJECT_CHAIN} comment "Reject traffic to invalid ports of ClusterIPs"`);

  const nodePortMatch = allAddresses ? 'fib daddr type local' : `ip daddr @${NODEPORT_IPS}`;
  rule(SERVICE_ENDPOINTS_CHECK, `ip daddr . meta l4proto . th dport vmap @${NO_ENDPOINT_SERVICES}`);
  // Jumped to from filter-input only, so the destination is already a local address.
  rule(NODEPORT_ENDPOINTS_CHECK, allAddresses
    ? `meta l4proto . th dport vmap @${NO_ENDPOINT_NODEPORTS}`
    : `${nodePortMatch} meta l4proto . th dport vmap @${NO_ENDPOINT_NODEPORTS}`);
  rule(SERVICES, `ip daddr . meta l4proto . th dport vmap @${SERVICE_IPS}`);
  rule(SERVICES, `${nodePortMatch} meta l4proto . th dport vmap @${SERVICE_NODEPORTS}`);

  if (!allAddresses) {
    for (const ip of [...new Set(o.nodePortAddresses.filter((a) => isIPv4(a)))].sort(compareIPs)) {
      elements.push(`${NODEPORT_IPS} { ${ip} }`);
    }
  }

  // Per service port (syncProxyRules). A key is written once per map: a second service
  // claiming the same address and port (invalid, but the API may hold it) is left out
  // rather than failing the whole transaction.
  const taken = new Set<string>();
  const element = (map: string, key: string, value: string, comment?: string): void => {
    if (taken.has(`${map} ${key}`)) return;
    taken.add(`${map} ${key}`);
    elements.push(`${map} { ${key}${comment === undefined ? '' : ` comment ${quote(comment)}`} : ${value} }`);
  };
  const clusterIPs = new Set<string>();
  const declared = new Set<string>();
  const declare = (obj: NftObject): void => {
    if (declared.has(obj.name)) return;
    declared.add(obj.name);
    objects.push(obj);
  };

  for (const key of [...state.services.keys()].sort()) {
    const svc = state.services.get(key)!;
    if (svc.protocol === 'SCTP' || !isIPv4(svc.clusterIP)) continue;
    const proto = svc.protocol === 'TCP' ? 'tcp' : 'udp';
    const comment = `${svc.name.namespace}/${svc.name.name}${svc.name.port ? `:${svc.name.port}` : ''}`;
    const endpoints = (state.endpoints.get(key) ?? []).filter((ep) => isIPv4(ep.ip));
    const usable = usableEndpoints(svc, endpoints);
    const names = serviceChainNames(svc);
    const externalIPs = [...svc.externalIPs, ...svc.loadBalancerIPs].filter((ip) => isIPv4(ip));
    const externallyAccessible = svc.nodePort !== 0 || externalIPs.length > 0;
    // BaseServicePortInfo.UsesClusterEndpoints / UsesLocalEndpoints: an external Local
    // policy still needs the Cluster endpoints, for traffic from the node and from pods.
    const usesCluster = !svc.internalPolicyLocal || externallyAccessible;
    const usesLocal = svc.internalPolicyLocal || (externallyAccessible && svc.externalPolicyLocal);
    const clusterEndpoints = usesCluster ? usable.cluster : [];
    const localEndpoints = usesLocal ? usable.local : [];
    // Any usable endpoint anywhere (CategorizeEndpoints' hasAnyEndpoints).
    const hasEndpoints = usable.cluster.length > 0;
    const hasInternal = hasEndpoints && (!svc.internalPolicyLocal || localEndpoints.length > 0);
    const hasExternal = hasEndpoints && (!svc.externalPolicyLocal || localEndpoints.length > 0);
    const internalChain = svc.internalPolicyLocal ? names.local : names.cluster;
    const externalPolicyChain = svc.externalPolicyLocal ? names.local : names.cluster;
    const usesExternalChain = hasEndpoints && externallyAccessible;
    const usesClusterChain = clusterEndpoints.length > 0;
    const usesLocalChain = localEndpoints.length > 0;
    // No endpoints at all: REJECT. Endpoints, but none local for a Local policy: DROP.
    const internalFilter = hasEndpoints ? 'drop' : `goto ${REJECT_CHAIN}`;
    const externalFilter = hasEndpoints ? 'drop' : `goto ${REJECT_CHAIN}`;

    const reachable: Endpoint[] = [...clusterEndpoints];
    for (const ep of localEndpoints) if (!reachable.some((r) => r.key === ep.key)) reachable.push(ep);
    const affinity = svc.sessionAffinity.type === 'ClientIP' ? svc.sessionAffinity.timeoutSeconds : undefined;

    if (usesClusterChain) declare({ kind: 'chain', name: names.cluster, spec: '' });
    if (usesLocalChain) declare({ kind: 'chain', name: names.local, spec: '' });
    if (usesExternalChain) declare({ kind: 'chain', name: names.external, spec: '' });
    for (const ep of reachable) {
      declare({ kind: 'chain', name: endpointChainName(svc, ep), spec: '' });
      if (affinity !== undefined) {
        declare({
          kind: 'set', name: affinitySetName(svc, ep), dynamic: true,
          spec: `{ type ipv4_addr ; flags dynamic,timeout ; timeout ${affinity}s ; }`,
        });
      }
    }

    clusterIPs.add(svc.clusterIP);
    const addrKey = (ip: string): string => `${ip} . ${proto} . ${svc.port}`;
    if (hasInternal) element(SERVICE_IPS, addrKey(svc.clusterIP), `goto ${internalChain}`);
    else element(NO_ENDPOINT_SERVICES, addrKey(svc.clusterIP), internalFilter, comment);
    for (const ip of externalIPs) {
      if (hasEndpoints) element(SERVICE_IPS, addrKey(ip), `goto ${names.external}`);
      if (!hasExternal) element(NO_ENDPOINT_SERVICES, addrKey(ip), externalFilter, comment);
    }
    if (svc.nodePort !== 0) {
      const npKey = `${proto} . ${svc.nodePort}`;
      if (hasEndpoints) element(SERVICE_NODEPORTS, npKey, `goto ${names.external}`);
      if (!hasExternal) element(NO_ENDPOINT_NODEPORTS, npKey, externalFilter, comment);
    }

    if (hasInternal) {
      const notFromPod = o.clusterCIDR ? `ip saddr != ${o.clusterCIDR}` : 'fib saddr type local';
      rule(internalChain, `ip daddr ${svc.clusterIP} ${proto} dport ${svc.port} ${notFromPod} jump ${MARK_MASQ}`);
    }

    if (usesExternalChain) {
      if (!svc.externalPolicyLocal) {
        // Endpoints may be on other nodes: replies must come back through this one.
        rule(names.external, `jump ${MARK_MASQ}`);
      } else {
        // Pods and the node itself are not subject to the Local policy (as if they went
        // out to a load balancer and came back); the node's traffic is masqueraded, since
        // its source is a local address (the node IP, 127.0.0.1, the external IP).
        if (o.clusterCIDR) rule(names.external, `ip saddr ${o.clusterCIDR} goto ${names.cluster} comment "short-circuit pod traffic"`);
        rule(names.external, `fib saddr type local jump ${MARK_MASQ} comment "masquerade local traffic"`);
        rule(names.external, `fib saddr type local goto ${names.cluster} comment "short-circuit local traffic"`);
      }
      if (hasExternal) rule(names.external, `goto ${externalPolicyChain}`);
    }

    const balance = (chainName: string, eps: readonly Endpoint[]): void => {
      if (affinity !== undefined) {
        for (const ep of eps) rule(chainName, `ip saddr @${affinitySetName(svc, ep)} goto ${endpointChainName(svc, ep)}`);
      }
      const arms = eps.map((ep, i) => `${i} : goto ${endpointChainName(svc, ep)}`).join(', ');
      rule(chainName, `numgen random mod ${eps.length} vmap { ${arms} }`);
    };
    if (usesClusterChain) balance(names.cluster, clusterEndpoints);
    if (usesLocalChain) balance(names.local, localEndpoints);

    for (const ep of reachable) {
      const epChain = endpointChainName(svc, ep);
      // Hairpin: a pod reaching itself through its service must see the node as the peer.
      rule(epChain, `ip saddr ${ep.ip} jump ${MARK_MASQ}`);
      if (affinity !== undefined) rule(epChain, `update @${affinitySetName(svc, ep)} { ip saddr }`);
      rule(epChain, `meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
    }
  }

  for (const ip of [...clusterIPs].sort(compareIPs)) elements.push(`${CLUSTER_IPS} { ${ip} }`);
  return { objects, rules, elements };
}

/** Orders dotted IPv4 addresses numerically. */
function compareIPs(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/**
 * The `nft -f` script that makes table hold r: replacing the table whole when previous
 * is absent, else rewriting it in place from previous (see the file comment).
 */
export function renderRuleset(r: Ruleset, table: string, previous?: Ruleset): string {
  const t = `ip ${table}`;
  const lines: string[] = [`add table ${t}`];
  if (!previous) lines.push(`delete table ${t}`);
  lines.push(`add table ${t} { comment "rules for tskube kube-proxy" ; }`);
  if (previous) lines.push(`flush table ${t}`);

  const before = new Map((previous?.objects ?? []).map((obj) => [obj.name, obj]));
  const now = new Set(r.objects.map((obj) => obj.name));
  for (const obj of r.objects) {
    const old = before.get(obj.name);
    if (old && (old.kind !== obj.kind || old.spec !== obj.spec)) {
      // A changed declaration (an affinity timeout): nft cannot change it in place on
      // every kernel. `add` before `delete` so the script works even if it is gone.
      lines.push(`add ${old.kind} ${t} ${declaration(old)}`, `delete ${old.kind} ${t} ${old.name}`);
    }
    lines.push(`add ${obj.kind} ${t} ${declaration(obj)}`);
    if (previous && obj.kind !== 'chain' && !obj.dynamic && old?.kind === obj.kind && old.spec === obj.spec) {
      lines.push(`flush ${obj.kind} ${t} ${obj.name}`);
    }
  }
  // Gone objects, once no rule (flushed above) or map element (flushed) refers to them.
  for (const old of previous?.objects ?? []) {
    if (now.has(old.name)) continue;
    lines.push(`add ${old.kind} ${t} ${declaration(old)}`, `delete ${old.kind} ${t} ${old.name}`);
  }
  for (const rule of r.rules) lines.push(`add rule ${t} ${rule}`);
  for (const el of r.elements) lines.push(`add element ${t} ${el}`);
  return `${lines.join('\n')}\n`;
}

function declaration(obj: NftObject): string {
  return obj.spec ? `${obj.name} ${obj.spec}` : obj.name;
}

/**
 * The whole `nft -f` script for state: deterministic (services in key order), one
 * transaction. See RulesetOptions.previous for replacing versus updating in place.
 */
export function buildRuleset(state: ProxyState, o: RulesetOptions): string {
  return renderRuleset(planRuleset(state, o), o.table, o.previous);
}
