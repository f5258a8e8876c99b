// The aggregator inside the apiserver (kube-aggregator's proxyHandler, apisHandler and
// the handling info it keeps per APIService): requests under /apis/<group>/<version> of
// a remote APIService (one with spec.service) are proxied to an endpoint of its Service
// over HTTPS, verified with the caBundle (or not, with insecureSkipTLSVerify), with the
// apiserver's front-proxy client certificate and the caller's identity in X-Remote-User,
// X-Remote-Group and X-Remote-Extra-* headers; the caller was authenticated and
// authorized by the app's onRequest hook first. Responses (watches too) stream back as
// they come. An APIService that is not Available, or whose Service has no endpoint, is
// a 503 "service unavailable", as kube-aggregator answers. Available remote group
// versions are listed in /apis and /apis/<group>.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Agent, request, type Dispatcher } from 'undici';
import { StatusError } from '../../api/errors.js';
import { availableCondition, type APIService } from '../../api/types/apiregistration.js';
import type { APIGroup, GroupVersionForDiscovery } from '../../api/types/meta.js';
import type { User } from '../authn/user.js';
import type { GenericRegistry } from '../registry/generic.js';
import { AvailabilityController } from './available.js';
import type { FrontProxy } from './front-proxy.js';
import { cachedServiceLookup, ResolveError, resolveCluster, resolveEndpoint, type Location, type ServiceLookup } from './resolve.js';

export interface AggregatorOptions {
  apiServices: GenericRegistry;
  services: GenericRegistry;
  endpointSlices: GenericRegistry;
  frontProxy: FrontProxy;
  /** --enable-aggregator-routing: endpoints instead of the ClusterIP. */
  enableAggregatorRouting: boolean;
  /** "group/version"s not served even when an APIService registers them (--runtime-config ...=false). */
  disabled?: string[];
  /** Availability resync (30 s as Kubernetes). */
  resyncMs?: number;
  log: Logger;
}

interface Handling {
  service: APIService;
  dispatcher: Dispatcher;
}

// Headers that describe one connection, not the request (Go's hop-by-hop list), and the credentials the aggregator consumes.
const DROPPED_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'authorization', 'content-length']);
const DROPPED_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** "failing or missing response from ..." texts as Go's net/http words a refused connection. */
function goError(err: unknown, url: string, loc: Location): string {
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED') return `Get "${url}": dial tcp ${loc.host}:${loc.port}: connect: connection refused`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || e.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT') return `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
  return `Get "${url}": ${e.cause?.message ?? e.message}`;
}

/** kube-like version order (v10 > v2 > v1 > v11beta2 > v10beta3 > v3beta1 > v12alpha1 > foo1): CompareKubeAwareVersionStrings. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return [m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, Number(m[1]), m[3] ? Number(m[3]) : 0];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa && !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (!pa) return 1;
  if (!pb) return -1;
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pb[i] - pa[i];
  return 0;
}

export class Aggregator {
  private readonly handling = new Map<string, Handling>();
  readonly lookup: ServiceLookup;
  private readonly availability: AvailabilityController;
  private unsubscribe?: () => void;

  constructor(private readonly o: AggregatorOptions) {
    const services = o.services;
    const slices = o.endpointSlices;
    this.lookup = cachedServiceLookup(services, slices);
    this.availability = new AvailabilityController({
      apiServices: o.apiServices, services, endpointSlices: slices, lookup: this.lookup,
      discover: (s) => this.discover(s), resyncMs: o.resyncMs ?? 30_000, log: o.log.child({ controller: 'apiservice-availability' }),
    });
  }

  /** Follows the APIServices and runs the availability controller until signal aborts. */
  run(signal: AbortSignal): Promise<void> {
    this.unsubscribe = this.o.apiServices.cache.subscribe((_key, obj, prev) => {
      const name = (obj ?? prev)?.metadata.name;
      if (!name) return;
      const old = this.handling.get(name);
      const s = obj as APIService | undefined;
      if (!s?.spec?.service) {
        this.handling.delete(name);
        if (old) void old.dispatcher.close().catch(() => undefined);
        return;
      }
      if (old && JSON.stringify(old.service.spec) === JSON.stringify(s.spec)) {
        old.service = s;
        return;
      }
      this.handling.set(name, { service: s, dispatcher: this.transport(s) });
      if (old) void old.dispatcher.close().catch(() => undefined);
    });
    signal.addEventListener('abort', () => {
      this.unsubscribe?.();
      for (const h of this.handling.values()) void h.dispatcher.close().catch(() => undefined);
      this.handling.clear();
    }, { once: true });
    return this.availability.run(signal);
  }

  /** Connections to one aggregated server: its name as ServerName, its CA (or none), our client certificate. */
  private transport(s: APIService): Dispatcher {
    const ref = s.spec?.service ?? {};
    const client = this.o.frontProxy.client;
    const ca = s.spec?.caBundle ? Buffer.from(s.spec.caBundle, 'base64').toString('utf8') : undefined;
    return new Agent({
      connect: {
        servername: `${ref.name}.${ref.namespace}.svc`,
        ...(client ? { cert: client.cert, key: client.key } : {}),
        ...(s.spec?.insecureSkipTLSVerify ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ...(ca ? { ca } : {}) }),
        timeout: 10_000,
      },
    });
  }

  private resolve(s: APIService): Location {
    const ref = s.spec?.service ?? {};
    const args = [this.lookup, ref.namespace ?? '', ref.name ?? '', ref.port ?? 443] as const;
    return this.o.enableAggregatorRouting ? resolveEndpoint(...args) : resolveCluster(...args);
  }

  /** The remote APIService serving group/version, if any. */
  private remote(group: string, version: string): Handling | undefined {
    if (this.o.disabled?.includes(`${group}/${version}`)) return undefined;
    return this.handling.get(`${version}.${group}`);
  }

  /**
   * The availability check's GET of the discovery path (insecure TLS, as Kubernetes:
   * a best-effort probe), as system:kube-aggregator in system:masters; five at once,
   * the first success wins.
   */
  private async discover(s: APIService): Promise<void> {
    const h = this.handling.get(s.metadata.name!);
    const client = this.o.frontProxy.client;
    const probe = new Agent({ connect: { rejectUnauthorized: false, ...(client ? { cert: client.cert, key: client.key } : {}), timeout: 5000 } });
    const once = async (): Promise<void> => {
      let loc: Location;
      try {
        loc = this.resolve(h?.service ?? s);
      } catch (err) {
        throw new Error((err as Error).message);
      }
      const path = s.metadata.name === 'v1.' ? `/api/${s.spec?.version}` : `/apis/${s.spec?.group}/${s.spec?.version}`;
      const url = `https://${hostPort(loc)}${path}`;
      let status: number;
      try {
        const res = await request(url, {
          dispatcher: probe, headers: { 'x-remote-user': 'system:kube-aggregator', 'x-remote-group': 'system:masters' },
          signal: AbortSignal.timeout(5000), headersTimeout: 5000,
        });
        status = res.statusCode;
        await res.body.dump();
      } catch (err) {
        throw new Error(`failing or missing response from ${url}: ${goError(err, url, loc)}`);
      }
      if (status < 200 || status >= 300) throw new Error(`failing or missing response from ${url}: bad status from ${url}: ${status}`);
    };
    try {
      const results = await Promise.allSettled(Array.from({ length: 5 }, once));
      if (results.some((r) => r.status === 'fulfilled')) return;
      throw (results[results.length - 1] as PromiseRejectedResult).reason;
    } finally {
      void probe.close().catch(() => undefined);
    }
  }

  /** The remote, Available group versions of group, best first (versionPriority, then kube-like order). */
  private versionsOf(group: string): APIService[] {
    const out: APIService[] = [];
    for (const h of this.handling.values()) {
      if (h.service.spec?.group === group && this.remote(group, h.service.spec.version ?? '') && availableCondition(h.service)?.status === 'True') out.push(h.service);
    }
    return out.sort((a, b) => (b.spec?.versionPriority ?? 0) - (a.spec?.versionPriority ?? 0) || compareKubeVersions(a.spec?.version ?? '', b.spec?.version ?? ''));
  }

  /** An aggregated group for /apis/<group>; undefined when none of its versions is available. */
  group(name: string): APIGroup | undefined {
    const versions = this.versionsOf(name);
    if (!versions.length) return undefined;
    const gvs: GroupVersionForDiscovery[] = versions.map((s) => ({ groupVersion: `${name}/${s.spec?.version}`, version: s.spec?.version ?? '' }));
    return { kind: 'APIGroup', apiVersion: 'v1', name, versions: gvs, preferredVersion: gvs[0] };
  }

  /** The aggregated groups for /apis, by groupPriorityMinimum (highest first), then name; builtIn ones left out. */
  groups(builtIn: (group: string) => boolean): APIGroup[] {
    const priority = new Map<string, number>();
    for (const h of this.handling.values()) {
      const g = h.service.spec?.group ?? '';
      if (!g || builtIn(g) || !this.remote(g, h.service.spec?.version ?? '') || availableCondition(h.service)?.status !== 'True') continue;
      priority.set(g, Math.max(priority.get(g) ?? 0, h.service.spec?.groupPriorityMinimum ?? 0));
    }
    return [...priority.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([g]) => { const { kind: _k, apiVersion: _a, ...rest } = this.group(g)!; return rest as APIGroup; });
  }

  /** True when group/version is served by an aggregated server (then proxy() answers it). */
  serves(group: string, version: string): boolean {
    return this.remote(group, version) !== undefined;
  }

  /** Proxies req to the APIService of group/version (serves() said yes) as user. */
  async proxy(req: FastifyRequest, reply: FastifyReply, group: string, version: string, user: User | undefined): Promise<void> {
    const h = this.remote(group, version);
    if (!h || availableCondition(h.service)?.status !== 'True') return plainError(reply, 503, 'service unavailable');
    if (!user) return plainError(reply, 500, 'missing user');
    let loc: Location;
    try {
      loc = this.resolve(h.service);
    } catch (err) {
      if (!(err instanceof ResolveError) && !(err instanceof StatusError)) throw err;
      this.o.log.warn({ apiservice: h.service.metadata.name, err: err.message }, 'cannot resolve the APIService\'s service');
      return plainError(reply, 503, 'service unavailable');
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      const key = k.toLowerCase();
      if (v === undefined || DROPPED_REQUEST.has(key) || key.startsWith('x-remote-') || key.startsWith('impersonate-')) continue;
      headers[key] = v;
    }
    headers['x-remote-user'] = user.name;
    if (user.groups.length) headers['x-remote-group'] = user.groups;
    for (const [k, values] of Object.entries(user.extra ?? {})) headers[`x-remote-extra-${escapeHeaderKey(k)}`] = values;
    const body = Buffer.isBuffer(req.body) && req.body.length ? req.body : undefined;
    const aborted = new AbortController();
    reply.raw.once('close', () => aborted.abort());
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`https://${hostPort(loc)}${req.url}`, {
        method: req.method as Dispatcher.HttpMethod, headers, body, dispatcher: h.dispatcher,
        signal: aborted.signal, headersTimeout: 60_000, bodyTimeout: 0,
      });
    } catch (err) {
      if (aborted.signal.aborted) return;
      this.o.log.warn({ apiservice: h.service.metadata.name, err }, 'aggregated server unreachable');
      // Checked again now rather than at the next resync: requests stop at once with "service unavailable".
      this.availability.enqueue(h.service.metadata.name!);
      const url = `https://${hostPort(loc)}${req.url}`;
      return plainError(reply, 503, goError(err, url, loc).replace(/^Get "[^"]*": /, ''));
    }
    reply.hijack();
    // A hijacked reply skips the app's onResponse hook: the request's log line is written here.
    const started = Date.now();
    reply.raw.once('close', () => this.o.log.info({
      method: req.method, path: req.url, code: res.statusCode, ms: Date.now() - started, user: user.name, apiservice: h.service.metadata.name,
    }, 'proxied request'));
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !DROPPED_RESPONSE.has(k.toLowerCase())) out[k] = v;
    reply.raw.writeHead(res.statusCode, out);
    res.body.on('error', () => reply.raw.destroy());
    res.body.pipe(reply.raw);
  }
}

const hostPort = (l: Location): string => (l.host.includes(':') ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`);

/** Go's http.Error: text/plain, the message and a newline. */
function plainError(reply: FastifyReply, code: number, message: string): void {
  void reply.code(code).header('content-type', 'text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(`${message}\n`);
}

/** client-go's headerKeyEscape: extra keys are percent-encoded where a header name may not hold them. */
function escapeHeaderKey(key: string): string {
  let out = '';
  for (const ch of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(ch);
    out += /[A-Za-z0-9!#$&'*+\-.^_`|~]/.test(c) && c !== '%' ? c : `%${ch.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
