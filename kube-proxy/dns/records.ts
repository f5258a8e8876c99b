// The cluster DNS records (github.com/kubernetes/dns docs/specification.md, answered as
// CoreDNS's plugin/kubernetes answers them): a DnsView kept from Services and
// EndpointSlices as an index of names to ready-made records, and the pure
// answer(query, view) that the server's sockets call.
//
// The view keeps stripped copies of what it reads (CoreDNS's object.Service and
// object.Endpoints, not whole objects) and rebuilds the records of one Service at a
// time: an informer event marks its Service dirty, and the next read rebuilds the
// dirty ones, so a burst of EndpointSlice events costs one rebuild per Service.
import { isIPv4, isIPv6 } from 'node:net';
import type { Service } from '../../api/types/core.js';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../api/types/discovery.js';
import type { EventHandler, Informer } from '../../client/informer.js';

/** TTL of every answer (CoreDNS's kubernetes plugin default). */
export const DEFAULT_TTL = 5;
/** The schema version in dns-version.<zone> TXT (CoreDNS's DNSSchemaVersion). */
export const DNS_SCHEMA_VERSION = '1.1.0';
const SCHEMA_TTL = 28800;
/** Most CNAMEs followed inside the zone (CoreDNS stops after 8). */
const MAX_CNAME_HOPS = 8;

/** A resource record, shaped as dns-packet's answers (class IN). */
export type Rr =
  | { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; ttl: number; data: string }
  | { name: string; type: 'SRV'; ttl: number; data: { priority: number; weight: number; port: number; target: string } }
  | { name: string; type: 'SOA'; ttl: number; data: SoaData }
  | { name: string; type: 'TXT'; ttl: number; data: string[] };

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

/** One question: name in any case, with or without the final dot; type and class as dns-packet names them ('A', 'SRV', 'TYPE65'). */
export interface DnsQuery {
  name: string;
  type: string;
  /** 'IN' when unset. */
  class?: string;
}

/**
 * What to answer. Names in records are lowercase and without the final dot.
 * - forward: the name is not the view's (outside the zone, or a reverse name of no
 *   ClusterIP or endpoint): ask the upstream when there is one; the rcode (SERVFAIL) is
 *   the answer without one.
 * - chase: an ExternalName's CNAME target outside the zone, for an A, AAAA or TXT
 *   question: the server may append the upstream's records for it (CoreDNS does).
 */
export interface DnsAnswer {
  rcode: Rcode;
  authoritative: boolean;
  answers: Rr[];
  authority: Rr[];
  additional: Rr[];
  forward?: boolean;
  chase?: string;
}

/** The records of one name of the zone; an entry with none is a name that exists without data (NODATA). */
export interface NameRecords {
  /** A and AAAA records. */
  addrs: Rr[];
  cname?: Rr;
  srv: Rr[];
  /** A and AAAA records of the SRV targets, for the additional section. */
  srvExtra: Rr[];
}

export interface DnsViewOptions {
  /** The cluster domain, e.g. 'cluster.local'. */
  domain: string;
  /** Addresses of ns.dns.<zone>, the zone's nameserver (the kube-dns ClusterIP); none by default. */
  nameservers?: readonly string[];
  /** Wall clock in ms, for the SOA serial (Date.now). */
  now?: () => number;
}

/** What the view keeps of a Service. */
interface SvcInfo {
  namespace: string;
  name: string;
  externalName?: string;
  headless: boolean;
  clusterIPs: string[];
  ports: PortInfo[];
}

interface PortInfo {
  name: string;
  /** Lowercase: 'tcp', 'udp', 'sctp'. */
  protocol: string;
  /** 0 when unset (an EndpointSlice port for all ports): no SRV record. */
  port: number;
}

/** What the view keeps of an EndpointSlice: its ready endpoints only. */
interface SliceInfo {
  /** namespace/name of the Service (its kubernetes.io/service-name label). */
  service: string;
  ports: PortInfo[];
  endpoints: { ip: string; hostname?: string }[];
}

interface PtrTargets {
  clusterIP: string[];
  endpoints: string[];
}

interface Built {
  namespace: string;
  names: string[];
  ptrs: string[];
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The records of a cluster, indexed by name, from Services and EndpointSlices
 * (upsert/delete, or follow() informers). Reads always see every change made before
 * them. Not safe to share between threads; one per server.
 */
export class DnsView {
  readonly zone: string;
  private readonly nameservers: readonly string[];
  private readonly now: () => number;
  private readonly services = new Map<string, SvcInfo>();
  private readonly slices = new Map<string, SliceInfo>();
  private readonly slicesByService = new Map<string, Set<string>>();
  private readonly names = new Map<string, NameRecords>();
  private readonly reverse = new Map<string, Map<string, PtrTargets>>();
  private readonly built = new Map<string, Built>();
  private readonly namespaces = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private gen = 0;
  private soaRecord: Rr;

  constructor(o: DnsViewOptions) {
    this.zone = canonicalName(o.domain);
    this.nameservers = (o.nameservers ?? []).filter((ip) => isIPv4(ip) || isIPv6(ip));
    this.now = o.now ?? Date.now;
    this.soaRecord = this.makeSoa();
  }

  /** A view holding the given objects. */
  static of(o: DnsViewOptions & { services?: readonly Service[]; endpointSlices?: readonly EndpointSlice[] }): DnsView {
    const v = new DnsView(o);
    for (const s of o.services ?? []) v.upsertService(s);
    for (const s of o.endpointSlices ?? []) v.upsertSlice(s);
    return v;
  }

  /**
   * Keeps this view in step with the informers (handlers added now get every cached
   * object at once). Returns a function that stops following.
   */
  follow(services: Informer<Service>, endpointSlices: Informer<EndpointSlice>): () => void {
    const onService: EventHandler<Service> = {
      add: (s) => this.upsertService(s),
      update: (_o, s) => this.upsertService(s),
      delete: (s) => this.deleteService(s),
    };
    const onSlice: EventHandler<EndpointSlice> = {
      add: (s) => this.upsertSlice(s),
      update: (_o, s) => this.upsertSlice(s),
      delete: (s) => this.deleteSlice(s),
    };
    const offServices = services.addEventHandler(onService);
    const offSlices = endpointSlices.addEventHandler(onSlice);
    return () => { offServices(); offSlices(); };
  }

  upsertService(svc: Service): void {
    const key = objectKey(svc);
    if (!key) return;
    const info = stripService(svc);
    const old = this.services.get(key);
    if (old && JSON.stringify(old) === JSON.stringify(info)) return;
    this.services.set(key, info);
    this.dirty.add(key);
  }

  deleteService(svc: Service): void {
    const key = objectKey(svc);
    if (key && this.services.delete(key)) this.dirty.add(key);
  }

  upsertSlice(slice: EndpointSlice): void {
    const key = objectKey(slice);
    if (!key) return;
    const info = stripSlice(slice);
    const old = this.slices.get(key);
    if (!info) {
      this.deleteSlice(slice);
      return;
    }
    if (old && JSON.stringify(old) === JSON.stringify(info)) return;
    if (old && old.service !== info.service) this.unfile(key, old.service);
    this.slices.set(key, info);
    let set = this.slicesByService.get(info.service);
    if (!set) this.slicesByService.set(info.service, (set = new Set()));
    set.add(key);
    this.dirty.add(info.service);
  }

  deleteSlice(slice: EndpointSlice): void {
    const key = objectKey(slice);
    const old = key ? this.slices.get(key) : undefined;
    if (!key || !old) return;
    this.slices.delete(key);
    this.unfile(key, old.service);
  }

  /**
   * Applies pending changes and returns the generation: a number that changes whenever
   * any answer may have changed (the server drops its encoded answers then).
   */
  generation(): number {
    if (this.dirty.size > 0) this.flush();
    return this.gen;
  }

  /** The records of a lowercase name without the final dot, undefined when it does not exist. */
  lookup(name: string): NameRecords | undefined {
    if (this.dirty.size > 0) this.flush();
    return this.names.get(name);
  }

  /** Whether a namespace holds a Service (the view's stand-in for the namespace existing). */
  namespaceExists(namespace: string): boolean {
    if (this.dirty.size > 0) this.flush();
    return this.namespaces.has(namespace);
  }

  /**
   * PTR targets of a reverse name (d.c.b.a.in-addr.arpa or the ip6.arpa nibbles):
   * the Service whose ClusterIP it is, else every endpoint with that IP (CoreDNS's
   * serviceRecordForIP).
   */
  ptrTargets(reverseName: string): string[] {
    if (this.dirty.size > 0) this.flush();
    const bySvc = this.reverse.get(reverseName);
    if (!bySvc) return [];
    const cluster = new Set<string>();
    const endpoints = new Set<string>();
    for (const t of bySvc.values()) {
      for (const n of t.clusterIP) cluster.add(n);
      for (const n of t.endpoints) endpoints.add(n);
    }
    return [...(cluster.size > 0 ? cluster : endpoints)];
  }

  soa(): Rr {
    if (this.dirty.size > 0) this.flush();
    return this.soaRecord;
  }

  nameserverAddresses(): readonly string[] {
    return this.nameservers;
  }

  private unfile(sliceKey: string, service: string): void {
    const set = this.slicesByService.get(service);
    set?.delete(sliceKey);
    if (set?.size === 0) this.slicesByService.delete(service);
    this.dirty.add(service);
  }

  private flush(): void {
    for (const key of this.dirty) this.build(key);
    this.dirty.clear();
    this.gen++;
    this.soaRecord = this.makeSoa();
  }

  private makeSoa(): Rr {
    return {
      name: this.zone, type: 'SOA', ttl: DEFAULT_TTL,
      data: {
        mname: `ns.dns.${this.zone}`, rname: `hostmaster.${this.zone}`, serial: Math.floor(this.now() / 1000) >>> 0,
        refresh: 7200, retry: 1800, expire: 86400, minimum: DEFAULT_TTL,
      },
    };
  }

  /** Drops what a Service contributed. */
  private unbuild(key: string): void {
    const b = this.built.get(key);
    if (!b) return;
    this.built.delete(key);
    for (const n of b.names) this.names.delete(n);
    for (const r of b.ptrs) {
      const bySvc = this.reverse.get(r);
      bySvc?.delete(key);
      if (bySvc?.size === 0) this.reverse.delete(r);
    }
    const count = (this.namespaces.get(b.namespace) ?? 1) - 1;
    if (count > 0) this.namespaces.set(b.namespace, count);
    else this.namespaces.delete(b.namespace);
  }

  /** (Re)makes every record of one Service from it and its ready endpoints. */
  private build(key: string): void {
    this.unbuild(key);
    const svc = this.services.get(key);
    if (!svc) return;
    const b: Built = { namespace: svc.namespace, names: [], ptrs: [] };
    this.built.set(key, b);
    this.namespaces.set(svc.namespace, (this.namespaces.get(svc.namespace) ?? 0) + 1);
    const base = `${svc.name}.${svc.namespace}.svc.${this.zone}`;
    if (base.length > 253) return;
    const entry = (name: string): NameRecords => {
      let e = this.names.get(name);
      if (!e) {
        e = { addrs: [], srv: [], srvExtra: [] };
        this.names.set(name, e);
        b.names.push(name);
      }
      return e;
    };
    const ptr = (ip: string, target: string, clusterIP: boolean): void => {
      const r = reverseName(ip);
      if (!r) return;
      let bySvc = this.reverse.get(r);
      if (!bySvc) this.reverse.set(r, (bySvc = new Map()));
      let t = bySvc.get(key);
      if (!t) {
        bySvc.set(key, (t = { clusterIP: [], endpoints: [] }));
        b.ptrs.push(r);
      }
      (clusterIP ? t.clusterIP : t.endpoints).push(target);
    };

    if (svc.externalName !== undefined) {
      // An ExternalName Service is one CNAME; it has no endpoints or ports in DNS.
      const target = canonicalName(svc.externalName);
      if (validName(target) && !isIPv4(target) && !isIPv6(target) && target !== base) {
        entry(base).cname = { name: base, type: 'CNAME', ttl: DEFAULT_TTL, data: target };
      }
      return;
    }

    const endpoints = this.readyEndpoints(key);
    if (svc.headless && endpoints.length === 0) return; // NXDOMAIN, as the specification asks
    const srvByName = new Map<string, Map<string, { port: number; target: string }>>();
    const addSrv = (p: PortInfo, target: string): void => {
      if (p.port <= 0) return;
      const owners = [base];
      if (p.name) owners.push(`_${p.name}._${p.protocol}.${base}`);
      for (const owner of owners) {
        if (owner.length > 253) continue;
        let m = srvByName.get(owner);
        if (!m) srvByName.set(owner, (m = new Map()));
        m.set(`${target} ${p.port}`, { port: p.port, target });
      }
    };
    const addresses = (name: string, ips: Iterable<string>): Rr[] => {
      const e = entry(name);
      const seen = new Set(e.addrs.map((r) => r.data as string));
      for (const ip of ips) {
        if (seen.has(ip)) continue;
        seen.add(ip);
        e.addrs.push({ name, type: isIPv6(ip) ? 'AAAA' : 'A', ttl: DEFAULT_TTL, data: ip });
      }
      return e.addrs;
    };

    if (svc.headless) {
      addresses(base, endpoints.map((ep) => ep.ip));
    } else {
      addresses(base, svc.clusterIPs);
      for (const ip of svc.clusterIPs) ptr(ip, base, true);
      for (const p of svc.ports) addSrv(p, base);
    }
    // Every ready endpoint is <hostname>.<service>, for headless and ClusterIP
    // Services alike (CoreDNS answers both); the hostname is the endpoint's own or its
    // dashed IP.
    for (const ep of endpoints) {
      const name = `${ep.hostname}.${base}`;
      if (name.length > 253) continue;
      addresses(name, [ep.ip]);
      ptr(ep.ip, name, false);
      if (svc.headless) for (const p of ep.ports) addSrv(p, name);
    }

    for (const [owner, targets] of srvByName) {
      const e = entry(owner);
      // Weights share 100 among the records, as CoreDNS's SRV does for one priority.
      const weight = Math.max(1, Math.floor(100 / targets.size));
      const extraNames = new Set<string>();
      for (const t of targets.values()) {
        e.srv.push({ name: owner, type: 'SRV', ttl: DEFAULT_TTL, data: { priority: 0, weight, port: t.port, target: t.target } });
        extraNames.add(t.target);
      }
      for (const n of extraNames) e.srvExtra.push(...(this.names.get(n)?.addrs ?? []));
      // The _<proto> label between a port and the Service exists too (an empty
      // non-terminal: NODATA rather than NXDOMAIN, RFC 8020).
      const dot = owner.indexOf('.');
      if (owner !== base && dot > 0) entry(owner.slice(dot + 1));
    }
  }

  private readyEndpoints(service: string): { ip: string; hostname: string; ports: PortInfo[] }[] {
    const out: { ip: string; hostname: string; ports: PortInfo[] }[] = [];
    for (const sliceKey of this.slicesByService.get(service) ?? []) {
      const s = this.slices.get(sliceKey);
      if (!s) continue;
      for (const ep of s.endpoints) out.push({ ip: ep.ip, hostname: ep.hostname ?? dashed(ep.ip), ports: s.ports });
    }
    return out;
  }
}

function objectKey(o: { metadata: { namespace?: string; name?: string } }): string | undefined {
  const { namespace, name } = o.metadata;
  return namespace && name ? `${namespace}/${name}` : undefined;
}

function stripService(svc: Service): SvcInfo {
  const spec = svc.spec ?? {};
  const info: SvcInfo = {
    namespace: (svc.metadata.namespace as string).toLowerCase(), name: (svc.metadata.name as string).toLowerCase(),
    headless: spec.clusterIP === 'None', clusterIPs: [], ports: [],
  };
  if (spec.type === 'ExternalName') {
    info.externalName = spec.externalName ?? '';
    return info;
  }
  if (!info.headless) {
    const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    info.clusterIPs = ips.filter((ip) => isIPv4(ip) || isIPv6(ip)).map((ip) => ip.toLowerCase());
  }
  info.ports = (spec.ports ?? []).map((p) => portInfo(p.name, p.protocol, p.port));
  return info;
}

function stripSlice(slice: EndpointSlice): SliceInfo | undefined {
  const svcName = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  const family = slice.addressType === 'IPv4' ? isIPv4 : slice.addressType === 'IPv6' ? isIPv6 : undefined;
  if (!svcName || !family) return undefined;
  const endpoints: SliceInfo['endpoints'] = [];
  for (const ep of slice.endpoints ?? []) {
    // Unset ready means ready (discovery/v1); publishNotReadyAddresses Services get
    // ready=true from the EndpointSlice controller already.
    if (ep?.conditions?.ready === false) continue;
    const hostname = typeof ep?.hostname === 'string' && LABEL.test(ep.hostname.toLowerCase()) ? ep.hostname.toLowerCase() : undefined;
    for (const ip of ep?.addresses ?? []) {
      if (typeof ip === 'string' && family(ip)) endpoints.push({ ip: ip.toLowerCase(), ...(hostname ? { hostname } : {}) });
    }
  }
  return {
    service: `${slice.metadata.namespace}/${svcName}`,
    ports: (slice.ports ?? []).map((p) => portInfo(p?.name, p?.protocol, p?.port)),
    endpoints,
  };
}

function portInfo(name: unknown, protocol: unknown, port: unknown): PortInfo {
  const n = typeof name === 'string' ? name.toLowerCase() : '';
  return {
    name: LABEL.test(n) ? n : '',
    protocol: typeof protocol === 'string' && protocol ? protocol.toLowerCase() : 'tcp',
    port: typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : 0,
  };
}

/** The hostname CoreDNS gives an endpoint without one: its IP with dashes. */
const dashed = (ip: string): string => ip.replace(/[.:]/g, '-');

/** Lowercase ASCII, without the final dot. */
export function canonicalName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

function validName(name: string): boolean {
  if (!name || name.length > 253) return false;
  return name.split('.').every((l) => l.length > 0 && l.length < 64);
}

/** The 16 bytes of an IPv6 address, undefined for anything else. */
export function ipv6Bytes(ip: string): number[] | undefined {
  if (!isIPv6(ip) || ip.includes('%')) return undefined;
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail.push(...text.slice(lastColon + 1).split('.').map(Number));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split('::');
  const h = head ? head.split(':') : [];
  const r = rest !== undefined ? (rest ? rest.split(':') : []) : [];
  const groups = rest !== undefined ? [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r] : h;
  const bytes = groups.flatMap((g) => { const v = parseInt(g, 16); return [v >> 8, v & 255]; });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes.length === 16 ? bytes : undefined;
}

/** d.c.b.a.in-addr.arpa for an IPv4 address, the nibbles under ip6.arpa for IPv6; undefined otherwise. */
export function reverseName(ip: string): string | undefined {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const bytes = ipv6Bytes(ip);
  if (!bytes) return undefined;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((bytes[i] & 15).toString(16), (bytes[i] >> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

const isReverse = (name: string): boolean => name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa');

// ---------------------------------------------------------------- answers

const result = (rcode: Rcode, authoritative: boolean, answers: Rr[] = [], authority: Rr[] = [], additional: Rr[] = []): DnsAnswer =>
  ({ rcode, authoritative, answers, authority, additional });

/**
 * The answer to one question from the view, as CoreDNS's kubernetes plugin gives it
 * (with `pods insecure`): A/AAAA, SRV, CNAME and PTR records from Services and their
 * ready endpoints; NXDOMAIN for names of the zone that do not exist and NODATA
 * (NOERROR, no answer) for names that exist without that type, both with the zone's SOA
 * in authority; SERVFAIL marked forward for names that are not the view's.
 * Case-insensitive. Pure: the same query on the same view gives the same answer.
 */
export function answer(q: DnsQuery, view: DnsView): DnsAnswer {
  const name = canonicalName(q.name);
  const type = q.type.toUpperCase();
  const cls = (q.class ?? 'IN').toUpperCase();
  if (cls !== 'IN' && cls !== 'ANY') return result('REFUSED', false);
  const zone = view.zone;
  const inZone = name === zone || name.endsWith(`.${zone}`);
  if (!inZone) {
    if (type === 'PTR' && isReverse(name)) {
      const targets = view.ptrTargets(name);
      if (targets.length > 0) return result('NOERROR', true, targets.map((t) => ({ name, type: 'PTR', ttl: DEFAULT_TTL, data: t })));
    }
    return { ...result('SERVFAIL', false), forward: true };
  }
  const nodata = (): DnsAnswer => result('NOERROR', true, [], [view.soa()]);
  const nxdomain = (): DnsAnswer => result('NXDOMAIN', true, [], [view.soa()]);
  const ok = (answers: Rr[], additional: Rr[] = []): DnsAnswer => (answers.length > 0 ? result('NOERROR', true, answers, [], additional) : nodata());

  if (name === zone) {
    if (type === 'SOA') return ok([view.soa()]);
    if (type === 'NS') {
      const ns = `ns.dns.${zone}`;
      return ok([{ name, type: 'NS', ttl: DEFAULT_TTL, data: ns }], addressRecords(ns, view.nameserverAddresses()));
    }
    return nodata();
  }
  const rel = name.slice(0, -(zone.length + 1));
  const labels = rel.split('.');
  const last = labels[labels.length - 1];
  if (labels.length === 1) {
    if (rel === 'svc' || rel === 'pod') return nodata();
    if (rel === 'dns-version') return type === 'TXT' ? ok([{ name, type: 'TXT', ttl: SCHEMA_TTL, data: [DNS_SCHEMA_VERSION] }]) : nodata();
    return nxdomain();
  }
  if (rel === 'ns.dns') {
    const addrs = addressRecords(name, view.nameserverAddresses());
    return ok(type === 'A' || type === 'AAAA' ? addrs.filter((r) => r.type === type) : []);
  }
  if (last === 'pod') return podAnswer(name, labels, type, ok, nodata, nxdomain);
  if (last !== 'svc') return nxdomain();
  if (labels.length === 2) return view.namespaceExists(labels[0]) ? nodata() : nxdomain();

  const entry = view.lookup(name);
  if (!entry) return nxdomain();
  if (entry.cname) {
    if (type === 'CNAME') return ok([entry.cname]);
    if (type === 'A' || type === 'AAAA' || type === 'TXT') return followCname(entry.cname, type, view);
    // CoreDNS leaves ExternalName CNAMEs out of SRV answers, and answers other types NODATA.
    return nodata();
  }
  switch (type) {
    case 'A':
    case 'AAAA':
      return ok(entry.addrs.filter((r) => r.type === type));
    case 'SRV':
      return ok(entry.srv, entry.srvExtra);
    default:
      return nodata();
  }
}

function addressRecords(name: string, ips: readonly string[]): Rr[] {
  return ips.map((ip) => ({ name, type: isIPv6(ip) ? 'AAAA' : 'A', ttl: DEFAULT_TTL, data: ip }));
}

/** The CNAME, then what its target has of type within the zone (CoreDNS's A/AAAA/TXT), or chase outside it. */
function followCname(first: Rr, type: string, view: DnsView): DnsAnswer {
  const answers: Rr[] = [first];
  const seen = new Set([first.name]);
  let target = first.data as string;
  for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
    if (target !== view.zone && !target.endsWith(`.${view.zone}`)) return { ...result('NOERROR', true, answers), chase: target };
    if (seen.has(target)) break;
    seen.add(target);
    const next = view.lookup(target);
    if (!next) break;
    if (next.cname) {
      answers.push(next.cname);
      target = next.cname.data as string;
      continue;
    }
    answers.push(...next.addrs.filter((r) => r.type === type));
    break;
  }
  return result('NOERROR', true, answers);
}

/** <a-b-c-d>.<ns>.pod.<zone>: the IP in the name, for any namespace (`pods insecure`). */
function podAnswer(name: string, labels: string[], type: string, ok: (a: Rr[]) => DnsAnswer, nodata: () => DnsAnswer, nxdomain: () => DnsAnswer): DnsAnswer {
  if (labels.length === 2) return nodata();
  if (labels.length !== 3) return nxdomain();
  const pod = labels[0];
  const ip = (pod.match(/-/g)?.length === 3 && !pod.includes('--')) ? pod.replaceAll('-', '.') : pod.replaceAll('-', ':');
  if (!isIPv4(ip) && !isIPv6(ip)) return nxdomain();
  const rr: Rr = { name, type: isIPv6(ip) ? 'AAAA' : 'A', ttl: DEFAULT_TTL, data: ip };
  return type === rr.type ? ok([rr]) : nodata();
}
