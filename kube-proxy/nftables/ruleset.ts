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
//     conntrack, which restores the ClusterIP as its source. (br_netfilter also bridges
//     a DNAT whose endpoint shares the bridge, so hairpin needs hairpin mode on the
//     pod's bridge port, as the kubelet's --hairpin-mode=hairpin-veth sets.)
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
// transaction, so a stale table from an earlier run goes too). Later scripts are given
// the ruleset they replace and change only what differs, as kube-proxy's partial syncs
// do: chains whose rules changed are flushed and rewritten, map and set elements that
// went or changed are deleted and the new ones added, chains and sets that are gone are
// deleted; the rest is left alone. That keeps a sync small when one service changes
// (the kernel's cost grows with the transaction, steeply so with the anonymous verdict
// maps of `numgen ... vmap`), and leaves the affinity sets' entries in place, so ClientIP
// affinity survives resyncs. A 'rewrite' (the proxier's periodic full sync) flushes and
// re-adds every rule and element but the affinity sets, repairing edits made behind our
// back. nft applies each script as one transaction: packets see either the old ruleset
// or the new one.
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
   * kube-proxy's --masquerade-all: every packet to a ClusterIP is masqueraded. Needed
   * where a pod's reply would not pass back through this node otherwise: nodes that
   * are containers on a shared bridge (docker compose), where the endpoint answers the
   * client pod straight over the bridge, past this node's conntrack.
   */
  masqueradeAll?: boolean;
  /**
   * The ruleset the table holds now (the last one applied). Given, the script changes
   * only what differs from it, keeping affinity sets; absent, it replaces the table whole.
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
  /** A set whose elements the kernel adds (affinity): never written, never flushed. */
  dynamic?: boolean;
  /** A chain's rules, in order. */
  rules?: string[];
}

/** One element of a set (no value) or map. */
export interface NftElement {
  set: string;
  key: string;
  value?: string;
  comment?: string;
}

/** Everything the table holds, in the order it is written. */
export interface Ruleset {
  objects: readonly NftObject[];
  elements: readonly NftElement[];
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
  const elements: NftElement[] = [];
  const chains = new Map<string, string[]>();
  const chain = (name: string, spec = ''): void => {
    if (chains.has(name)) return;
    const rules: string[] = [];
    chains.set(name, rules);
    objects.push({ kind: 'chain', name, spec, rules });
  };
  const rule = (chainName: string, text: string): void => {
    const rules = chains.get(chainName);
    if (!rules) throw new Error(`rule for undeclared chain ${chainName}`);
    rules.push(text);
  };

  // Fixed part (setupNFTables).
  for (const bc of BASE_CHAINS) chain(bc.name, `{ type ${bc.type} hook ${bc.hook} priority ${bc.priority} ; }`);
  for (const name of [SERVICES, MASQUERADING, MARK_MASQ, SERVICE_ENDPOINTS_CHECK, NODEPORT_ENDPOINTS_CHECK, CLUSTER_IPS_CHECK]) chain(name);
  chain(REJECT_CHAIN, `{ comment ${quote('helper for @no-endpoint-services / @no-endpoint-nodeports')} ; }`);
  objects.push({ kind: 'set', name: CLUSTER_IPS, spec: `{ type ipv4_addr ; comment ${quote('Active ClusterIPs')} ; }` });
  if (!allAddresses) {
    objects.push({ kind: 'set', name: NODEPORT_IPS, spec: `{ type ipv4_addr ; comment ${quote('IPs that accept NodePort traffic')} ; }` });
  }
  objects.push({ kind: 'map', name: SERVICE_IPS, spec: `{ type ${SERVICE_ADDR_MAP_TYPE} ; comment ${quote('ClusterIP, ExternalIP and LoadBalancer IP traffic')} ; }` });
  objects.push({ kind: 'map', name: SERVICE_NODEPORTS, spec: `{ type ${NODEPORT_MAP_TYPE} ; comment ${quote('NodePort traffic')} ; }` });
  objects.push({ kind: 'map', name: NO_ENDPOINT_SERVICES, spec: `{ type ${SERVICE_ADDR_MAP_TYPE} ; comment ${quote('vmap to drop or reject packets to services with no endpoints')} ; }` });
  objects.push({ kind: 'map', name: NO_ENDPOINT_NODEPORTS, spec: `{ type ${NODEPORT_MAP_TYPE} ; comment ${quote('vmap to drop or reject packets to service nodeports with no endpoints')} ; }` });

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
    for (const ip of sortIPs(o.nodePortAddresses.filter((a) => isIPv4(a)))) elements.push({ set: NODEPORT_IPS, key: ip });
  }

  // Per service port (syncProxyRules). A key is written once per map: a second service
  // claiming the same address and port (invalid, but the API may hold it) is left out
  // rather than failing the whole transaction.
  const taken = new Set<string>();
  const element = (map: string, key: string, value: string, comment?: string): void => {
    if (taken.has(`${map} ${key}`)) return;
    taken.add(`${map} ${key}`);
    elements.push({ set: map, key, value, comment });
  };
  const clusterIPs = new Set<string>();
  const affinitySets = new Set<string>();

  for (const key of [...state.services.keys()].sort()) {
    const svc = state.services.get(key)!;
    if (svc.protocol === 'SCTP' || !isIPv4(svc.clusterIP)) continue;
    const proto = svc.protocol === 'TCP' ? 'tcp' : 'udp';
    const comment = `${svc.name.namespace}/${svc.name.name}${svc.name.port ? `:${svc.name.port}` : ''}`;
    const endpoints = (state.endpoints.get(key) ?? []).filter((ep) => isIPv4(ep.ip));
    const usable = usableEndpoints(svc, endpoints);
    const names = serviceChainNames(svc);
    // Each endpoint's chain and affinity set names, hashed once.
    const epNames = new Map<string, { chain: string; affinity: string }>();
    const epName = (ep: Endpoint): { chain: string; affinity: string } => {
      let n = epNames.get(`${ep.ip}:${ep.port}`);
      if (!n) {
        n = { chain: endpointChainName(svc, ep), affinity: affinitySetName(svc, ep) };
        epNames.set(`${ep.ip}:${ep.port}`, n);
      }
      return n;
    };
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

    const reachable = [...new Map([...clusterEndpoints, ...localEndpoints].map((ep) => [`${ep.ip}:${ep.port}`, ep])).values()];
    const affinity = svc.sessionAffinity.type === 'ClientIP' ? svc.sessionAffinity.timeoutSeconds : undefined;

    if (usesClusterChain) chain(names.cluster);
    if (usesLocalChain) chain(names.local);
    if (usesExternalChain) chain(names.external);
    for (const ep of reachable) {
      const n = epName(ep);
      chain(n.chain);
      if (affinity !== undefined && !affinitySets.has(n.affinity)) {
        affinitySets.add(n.affinity);
        objects.push({ kind: 'set', name: n.affinity, dynamic: true, spec: `{ type ipv4_addr ; flags dynamic,timeout ; timeout ${affinity}s ; }` });
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
      const notFromPod = o.clusterCIDR ? ` ip saddr != ${o.clusterCIDR}` : ' fib saddr type local';
      rule(internalChain, `ip daddr ${svc.clusterIP} ${proto} dport ${svc.port}${o.masqueradeAll ? '' : notFromPod} jump ${MARK_MASQ}`);
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
        for (const ep of eps) rule(chainName, `ip saddr @${epName(ep).affinity} goto ${epName(ep).chain}`);
      }
      const arms = eps.map((ep, i) => `${i} : goto ${epName(ep).chain}`).join(', ');
      rule(chainName, `numgen random mod ${eps.length} vmap { ${arms} }`);
    };
    if (usesClusterChain) balance(names.cluster, clusterEndpoints);
    if (usesLocalChain) balance(names.local, localEndpoints);

    for (const ep of reachable) {
      const { chain: epChain, affinity: affinitySet } = epName(ep);
      // Hairpin: a pod reaching itself through its service must see the node as the peer.
      rule(epChain, `ip saddr ${ep.ip} jump ${MARK_MASQ}`);
      if (affinity !== undefined) rule(epChain, `update @${affinitySet} { ip saddr }`);
      rule(epChain, `meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
    }
  }

  for (const ip of sortIPs(clusterIPs)) elements.push({ set: CLUSTER_IPS, key: ip });
  return { objects, elements };
}

/** Distinct dotted IPv4 addresses in numeric order. */
function sortIPs(ips: Iterable<string>): string[] {
  const num = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  return [...new Set(ips)].map((ip) => [num(ip), ip] as const).sort((a, b) => a[0] - b[0]).map(([, ip]) => ip);
}

export type RenderMode =
  /** Delete the table and write it whole (first sync, stale table, after a failure). */
  | 'replace'
  /** Change only what differs from the previous ruleset (a normal sync). */
  | 'update'
  /** Rewrite every rule and element in place, keeping affinity sets (the periodic full resync, which repairs edits made behind our back). */
  | 'rewrite';

/**
 * The `nft -f` script that makes table hold r. previous is the ruleset the table holds
 * now; without it the mode is always 'replace' (see the file comment).
 */
export function renderRuleset(r: Ruleset, table: string, previous?: Ruleset, mode: RenderMode = 'update'): string {
  const t = `ip ${table}`;
  if (!previous || mode === 'replace') return renderReplace(r, t);
  return mode === 'rewrite' ? renderRewrite(r, t, previous) : renderUpdate(r, t, previous);
}

const TABLE_COMMENT = '{ comment "rules for tskube kube-proxy" ; }';

function renderReplace(r: Ruleset, t: string): string {
  const lines = [`add table ${t}`, `delete table ${t}`, `add table ${t} ${TABLE_COMMENT}`];
  for (const obj of r.objects) lines.push(`add ${obj.kind} ${t} ${declaration(obj)}`);
  for (const obj of r.objects) for (const rule of obj.rules ?? []) lines.push(`add rule ${t} ${obj.name} ${rule}`);
  for (const el of r.elements) lines.push(`add element ${t} ${el.set} { ${elementText(el)} }`);
  return `${lines.join('\n')}\n`;
}

/**
 * Changes previous into r, touching nothing else: the table must hold previous (when it
 * does not, the script fails, the table is left as it was, and the caller replaces it).
 * Order matters within the transaction: nothing may be deleted while a rule or map
 * element still points to it, and nothing is referred to before it exists. So: create
 * new objects, flush the chains to rewrite and the ones that go, delete elements that
 * went or changed, delete what goes or is re-created, re-create, add rules and elements.
 */
function renderUpdate(r: Ruleset, t: string, previous: Ruleset): string {
  const before = new Map(previous.objects.map((obj) => [obj.name, obj]));
  const now = new Set(r.objects.map((obj) => obj.name));
  const creates: string[] = [];
  const flushes: string[] = [];
  const elementDeletes: string[] = [];
  const deletes: string[] = [];
  const recreates: string[] = [];
  const ruleAdds: string[] = [];
  const elementAdds: string[] = [];

  // Objects whose declaration changed (an affinity timeout, a base chain's priority):
  // not every kernel changes one in place, so they are deleted and created again, and
  // every chain whose rules name one is rewritten, to let go of it first.
  const recreated = new Set<string>();
  for (const obj of r.objects) {
    const old = before.get(obj.name);
    if (old && (old.kind !== obj.kind || old.spec !== obj.spec)) recreated.add(obj.name);
  }
  const refersToRecreated = (rules: readonly string[]): boolean =>
    recreated.size > 0 && rules.some((rule) => rule.split(/[\s@]/).some((word) => recreated.has(word)));

  for (const obj of r.objects) {
    const old = before.get(obj.name);
    if (!old) {
      creates.push(`add ${obj.kind} ${t} ${declaration(obj)}`);
    } else if (recreated.has(obj.name)) {
      if (old.kind === 'chain' && (old.rules ?? []).length > 0) flushes.push(`flush chain ${t} ${old.name}`);
      deletes.push(`delete ${old.kind} ${t} ${old.name}`);
      recreates.push(`add ${obj.kind} ${t} ${declaration(obj)}`);
    }
    if (obj.kind !== 'chain') continue;
    const rules = obj.rules ?? [];
    const kept = old !== undefined && !recreated.has(obj.name);
    if (kept && sameList(old.rules ?? [], rules) && !refersToRecreated(rules)) continue;
    if (kept && (old.rules ?? []).length > 0) flushes.push(`flush chain ${t} ${obj.name}`);
    for (const rule of rules) ruleAdds.push(`add rule ${t} ${obj.name} ${rule}`);
  }
  for (const old of previous.objects) {
    if (now.has(old.name)) continue;
    // Flushed first: a stale service chain's vmap points to stale endpoint chains.
    if (old.kind === 'chain' && (old.rules ?? []).length > 0) flushes.push(`flush chain ${t} ${old.name}`);
    deletes.push(`delete ${old.kind} ${t} ${old.name}`);
  }

  const gone = (set: string): boolean => !now.has(set) || recreated.has(set);
  const oldElements = new Map(previous.elements.map((el) => [`${el.set} ${el.key}`, el]));
  const newElements = new Map(r.elements.map((el) => [`${el.set} ${el.key}`, el]));
  for (const [id, el] of oldElements) {
    if (gone(el.set)) continue; // goes with its set
    const next = newElements.get(id);
    if (!next || next.value !== el.value || next.comment !== el.comment) {
      elementDeletes.push(`delete element ${t} ${el.set} { ${el.key} }`);
    }
  }
  for (const [id, el] of newElements) {
    const old = oldElements.get(id);
    if (recreated.has(el.set) || !old || old.value !== el.value || old.comment !== el.comment) {
      elementAdds.push(`add element ${t} ${el.set} { ${elementText(el)} }`);
    }
  }
  const lines = [...creates, ...flushes, ...elementDeletes, ...deletes, ...recreates, ...ruleAdds, ...elementAdds];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * Rewrites everything in place from previous: `flush table` (every rule), flush the
 * maps and static sets, re-add all rules and elements, delete what went. Affinity sets
 * are only declared, so their entries stay.
 */
function renderRewrite(r: Ruleset, t: string, previous: Ruleset): string {
  const before = new Map(previous.objects.map((obj) => [obj.name, obj]));
  const now = new Set(r.objects.map((obj) => obj.name));
  const lines = [`add table ${t} ${TABLE_COMMENT}`, `flush table ${t}`];
  for (const obj of r.objects) {
    const old = before.get(obj.name);
    if (old && (old.kind !== obj.kind || old.spec !== obj.spec)) {
      lines.push(`add ${old.kind} ${t} ${declaration(old)}`, `delete ${old.kind} ${t} ${old.name}`);
    }
    lines.push(`add ${obj.kind} ${t} ${declaration(obj)}`);
    if (obj.kind !== 'chain' && !obj.dynamic) lines.push(`flush ${obj.kind} ${t} ${obj.name}`);
  }
  // Nothing refers to these any more: every rule and every map element is gone.
  for (const old of previous.objects) {
    if (!now.has(old.name)) lines.push(`add ${old.kind} ${t} ${declaration(old)}`, `delete ${old.kind} ${t} ${old.name}`);
  }
  for (const obj of r.objects) for (const rule of obj.rules ?? []) lines.push(`add rule ${t} ${obj.name} ${rule}`);
  for (const el of r.elements) lines.push(`add element ${t} ${el.set} { ${elementText(el)} }`);
  return `${lines.join('\n')}\n`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function elementText(el: NftElement): string {
  const comment = el.comment === undefined ? '' : ` comment ${quote(el.comment)}`;
  return `${el.key}${comment}${el.value === undefined ? '' : ` : ${el.value}`}`;
}

function declaration(obj: NftObject): string {
  return obj.spec ? `${obj.name} ${obj.spec}` : obj.name;
}

/**
 * The whole `nft -f` script for state: deterministic (services in key order), one
 * transaction. See RulesetOptions.previous for replacing versus updating in place.
 */
export function buildRuleset(state: ProxyState, o: RulesetOptions): string {
  return renderRuleset(planRuleset(state, o), o.table, o.previous, o.previous ? 'update' : 'replace');
}
