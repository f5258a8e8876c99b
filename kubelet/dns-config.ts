// A pod's DNS resolver configuration, as the kubelet's dns.Configurer (GetPodDNS in
// pkg/kubelet/network/dns/dns.go) computes it: pure functions from the pod, the
// kubelet's --cluster-dns, --cluster-domain and the node's resolv.conf (--resolv-conf)
// to nameservers, search domains and options, plus the resolv.conf text the pod's
// containers see and the Warning events the kubelet records on the way.
import { isIP } from 'node:net';
import type { Pod, PodDNSConfigOption } from '../api/types/core.js';

/** Nameservers, search domains and options, in resolv.conf order (CRI's DNSConfig). */
export interface DNSConfig {
  servers: string[];
  searches: string[];
  /** "name" or "name:value", e.g. "ndots:5". */
  options: string[];
}

/** The kubelet's DNS flags. */
export interface DNSFlags {
  /** --cluster-dns. */
  clusterDNS: string[];
  /** --cluster-domain. */
  clusterDomain: string;
  /** --resolv-conf: the node's resolver file; '' for none. */
  resolvConf: string;
}

/** The kubelet's defaults: no cluster DNS, cluster.local, /etc/resolv.conf. */
export const DEFAULT_DNS_FLAGS: DNSFlags = { clusterDNS: [], clusterDomain: 'cluster.local', resolvConf: '/etc/resolv.conf' };

/**
 * --cluster-dns: comma-separated IP addresses ('' or absent: none). Throws on one that
 * is not an IP address, for the kubelet to refuse to start.
 */
export function parseClusterDNSFlag(value: string | undefined): string[] {
  const ips = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const ip of ips) if (!isIP(ip)) throw new Error(`--cluster-dns: ${JSON.stringify(ip)} is not an IP address`);
  return ips;
}

/** What the kubelet knows besides the pod (its flags and the node). */
export interface DNSSettings {
  /** --cluster-dns: the cluster DNS server addresses; none means ClusterFirst falls back to Default. */
  clusterDNS: string[];
  /** --cluster-domain (cluster.local); '' adds no cluster search domains. */
  clusterDomain: string;
  /** The node's resolv.conf as parsed by parseResolvConf; undefined when --resolv-conf is ''. */
  host?: DNSConfig;
  /** The node's addresses (the loopback nameserver of each family when there is no resolv.conf). */
  nodeIPs: string[];
}

/** An event the kubelet records about the pod while forming its DNS configuration. */
export interface DNSEvent {
  type: 'Warning';
  reason: 'MissingClusterDNS' | 'DNSConfigForming';
  message: string;
}

export interface PodDNS {
  config: DNSConfig;
  events: DNSEvent[];
  /** Set when spec.dnsPolicy is not one Kubernetes knows (ClusterFirst was used): for the log. */
  invalidPolicy?: string;
}

/** Kubernetes' defaultDNSOptions for cluster DNS. */
export const DEFAULT_DNS_OPTIONS = ['ndots:5'];
/** validation.MaxDNSNameservers. */
export const MAX_DNS_NAMESERVERS = 3;
/** validation.MaxDNSSearchPathsExpanded (ExpandedDNSConfig is GA). */
export const MAX_DNS_SEARCH_PATHS = 32;
/** validation.MaxDNSSearchListCharsExpanded: the search line joined with spaces. */
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
/** DNS1123SubdomainMaxLength: longer search paths make some resolvers (glibc 2.28) abort. */
const MAX_SEARCH_PATH_LENGTH = 253;

/**
 * Parses resolv.conf text as the kubelet's parseResolvConf: "nameserver" lines
 * accumulate, the last "search" and the last "options" line win, "#" comments are
 * skipped, a search domain's trailing dot is dropped. errors lists lines the kubelet
 * refuses (a nameserver line without an address); the caller fails the pod's sandbox
 * with them.
 */
export function parseResolvConf(text: string): DNSConfig & { errors: string[] } {
  const out: DNSConfig & { errors: string[] } = { servers: [], searches: [], options: [], errors: [] };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver') {
      if (fields.length >= 2) out.servers.push(fields[1]!);
      else out.errors.push('nameserver list is empty ');
    } else if (fields[0] === 'search') {
      out.searches = fields.slice(1).map((s) => (s.endsWith('.') ? s.slice(0, -1) : s));
    } else if (fields[0] === 'options') {
      out.options = fields.slice(1);
    }
  }
  return out;
}

/** Which base configuration a pod starts from (the kubelet's podDNSType). */
export type PodDNSType = 'cluster' | 'host' | 'none';

/**
 * ClusterFirstWithHostNet and ClusterFirst (unless the pod uses the host's network)
 * are cluster; Default and ClusterFirst on the host network are host; None is none.
 * An unknown policy is cluster, with invalid set (the apiserver rejects such pods).
 */
export function podDNSType(pod: Pod): { type: PodDNSType; invalid?: string } {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  switch (policy) {
    case 'None': return { type: 'none' };
    case 'ClusterFirstWithHostNet': return { type: 'cluster' };
    case 'ClusterFirst': return { type: pod.spec?.hostNetwork === true ? 'host' : 'cluster' };
    case 'Default': return { type: 'host' };
    default: return { type: 'cluster', invalid: policy };
  }
}

/** format.Pod: name_namespace(uid). */
const podDesc = (pod: Pod): string => `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;

/** The kubelet's message when ClusterFirst cannot be honoured (also recorded on the Node). */
export const MISSING_CLUSTER_DNS_MESSAGE =
  'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';

/**
 * The pod's resolver configuration (GetPodDNS):
 * - none: only spec.dnsConfig;
 * - cluster with --cluster-dns: those servers, searches `<ns>.svc.<domain>
 *   svc.<domain> <domain>` then the node's, options ndots:5;
 * - cluster without --cluster-dns: a MissingClusterDNS event, then as host;
 * - host: the node's resolv.conf; with no resolv.conf (--resolv-conf '') a loopback
 *   nameserver per node address family and search "." (no lookups at all);
 * then spec.dnsConfig is appended (duplicates dropped, options overridden by name),
 * and the result cut to the limits with a DNSConfigForming event when it had to be.
 */
export function podDNSConfig(pod: Pod, s: DNSSettings): PodDNS {
  const events: DNSEvent[] = [];
  let config: DNSConfig = {
    servers: [...(s.host?.servers ?? [])],
    searches: [...(s.host?.searches ?? [])],
    options: [...(s.host?.options ?? [])],
  };
  const { type, invalid } = podDNSType(pod);
  let host = type === 'host';
  if (type === 'none') {
    config = { servers: [], searches: [], options: [] };
  } else if (type === 'cluster') {
    if (s.clusterDNS.length) {
      config.servers = [...s.clusterDNS];
      config.searches = clusterSearches(config.searches, pod.metadata.namespace ?? '', s.clusterDomain);
      config.options = [...DEFAULT_DNS_OPTIONS];
    } else {
      events.push({ type: 'Warning', reason: 'MissingClusterDNS', message: `pod: "${podDesc(pod)}". ${MISSING_CLUSTER_DNS_MESSAGE}` });
      host = true;
    }
  }
  if (host && !s.host) {
    // No resolv.conf: "the nameserver on the local machine", i.e. effectively no DNS.
    for (const ip of s.nodeIPs) config.servers.push(ip.includes(':') ? '::1' : '127.0.0.1');
    if (config.servers.length === 0) config.servers.push('127.0.0.1');
    config.searches = ['.'];
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    config.servers = omitDuplicates([...config.servers, ...(extra.nameservers ?? [])]);
    config.searches = omitDuplicates([...config.searches, ...(extra.searches ?? [])]);
    config.options = mergeDNSOptions(config.options, extra.options ?? []);
  }
  const limited = fitLimits(config);
  for (const message of limited.messages) events.push({ type: 'Warning', reason: 'DNSConfigForming', message });
  return { config: limited.config, events, ...(invalid !== undefined ? { invalidPolicy: invalid } : {}) };
}

/** generateSearchesForDNSClusterFirst: the cluster's three domains first, then the node's. */
function clusterSearches(hostSearches: string[], namespace: string, domain: string): string[] {
  if (domain === '') return hostSearches;
  return omitDuplicates([`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...hostSearches]);
}

function omitDuplicates(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * mergeDNSOptions: options keyed by name (before the first ":"), the pod's dnsConfig
 * overriding the base ones. Kubernetes rebuilds them from a Go map, in random order;
 * here each keeps the place its name first had, so the file is the same every time.
 */
export function mergeDNSOptions(base: string[], podOptions: PodDNSConfigOption[]): string[] {
  const byName = new Map<string, string>();
  for (const op of base) {
    const i = op.indexOf(':');
    if (i >= 0) byName.set(op.slice(0, i), op.slice(i + 1));
    else byName.set(op, '');
  }
  for (const op of podOptions) byName.set(op.name ?? '', op.value ?? '');
  return [...byName].map(([name, value]) => (value !== '' ? `${name}:${value}` : name));
}

/**
 * formDNSConfigFitsLimits: at most 3 nameservers; at most 32 search paths, none
 * longer than 253 characters, and the search line at most 2048 characters (domains
 * dropped from its end). Each cut gives the kubelet's message.
 */
export function fitLimits(config: DNSConfig): { config: DNSConfig; messages: string[] } {
  const messages: string[] = [];
  let servers = config.servers;
  if (servers.length > MAX_DNS_NAMESERVERS) {
    servers = servers.slice(0, MAX_DNS_NAMESERVERS);
    messages.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${servers.join(' ')}`);
  }
  let searches = config.searches;
  let exceeded = false;
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    searches = searches.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const fitting = searches.filter((s) => s.length <= MAX_SEARCH_PATH_LENGTH);
  if (fitting.length !== searches.length) exceeded = true;
  searches = fitting;
  let lineLength = searches.join(' ').length;
  if (lineLength > MAX_DNS_SEARCH_LIST_CHARS) {
    // Drop whole domains from the end until the line fits.
    let keep = searches.length;
    while (keep > 0 && lineLength > MAX_DNS_SEARCH_LIST_CHARS) {
      keep--;
      lineLength -= searches[keep]!.length + 1;
    }
    searches = searches.slice(0, keep);
    exceeded = true;
  }
  if (exceeded) {
    messages.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`);
  }
  return { config: { servers, searches, options: config.options }, messages };
}

/**
 * The resolv.conf text for a configuration, as dockershim's rewriteResolvFile wrote
 * it: one "nameserver" line per server, then "search" and "options" lines when there
 * are any.
 */
export function resolvConfText(config: DNSConfig): string {
  const lines = config.servers.map((s) => `nameserver ${s}`);
  if (config.searches.length) lines.push(`search ${config.searches.join(' ')}`);
  if (config.options.length) lines.push(`options ${config.options.join(' ')}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
