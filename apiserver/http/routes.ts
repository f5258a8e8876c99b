// Every route of the apiserver: health and version, metrics, discovery, OpenAPI, and
// the resource paths handed to the REST layer.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StatusError, makeStatus } from '../../api/errors.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from '../discovery.js';
import type { APIGroup } from '../../api/types/meta.js';
import type { User } from '../authn/user.js';
import type { ApiserverMetrics } from '../metrics.js';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_ACCEPT, openapiV2, openapiV2Protobuf, openapiV3, openapiV3Root } from '../openapi.js';
import type { Registries } from '../registries.js';
import type { Storage } from '../storage/store.js';
import { versionInfo } from '../version.js';
import type { App } from './app.js';
import type { Query } from './list-options.js';
import { parseResourcePath } from './request-info.js';
import { handleResource, verbOf, type RestContext } from './rest.js';

export interface RouteDeps {
  store: Storage;
  registries: Registries;
  metrics: ApiserverMetrics;
  bookmarkIntervalMs: number;
  signal: AbortSignal;
  /** host:port clients reach the apiserver on (discovery's serverAddressByClientCIDRs). */
  serverAddress(): string;
  /** True once the built-in objects exist and the first allocation repair has run. */
  ready(): boolean;
  /** Groups served by routes of their own, listed in /apis after the registry's. */
  extraGroups?: APIGroup[];
  /** Group versions registered by remote APIServices: proxied, and listed in /apis while available. */
  aggregator?: AggregatedApis;
}

/** What the routes ask of the aggregator (apiserver/aggregator/aggregator.ts). */
export interface AggregatedApis {
  /** True when an aggregated server serves group/version. */
  serves(group: string, version: string): boolean;
  /** Proxies the request to it, as user (authenticated and authorized already). */
  proxy(req: FastifyRequest, reply: FastifyReply, group: string, version: string, user: User | undefined): Promise<void>;
  /** The available aggregated groups, builtIn ones left out. */
  groups(builtIn: (group: string) => boolean): APIGroup[];
  /** One available aggregated group. */
  group(name: string): APIGroup | undefined;
}

const notFound = (): StatusError => new StatusError(makeStatus(404, 'NotFound', 'the server could not find the requested resource'));

export function registerRoutes(a: App, deps: RouteDeps): void {
  registerSystemRoutes(a, deps);
  registerDiscoveryRoutes(a, deps);
  registerResourceRoutes(a, deps);
}

/** /version, /healthz, /livez, /readyz and /metrics. */
function registerSystemRoutes({ app, json }: App, deps: RouteDeps): void {
  app.get('/version', (_req, reply) => json(reply, versionInfo()));
  app.get('/healthz', (_req, reply) => { void reply.type('text/plain').send('ok'); });
  app.get('/livez', (_req, reply) => { void reply.type('text/plain').send('ok'); });
  app.get('/readyz', async (req, reply) => {
    const etcdOk = await deps.store.healthy(2000);
    const bootstrapped = deps.ready();
    const ok = etcdOk && bootstrapped;
    const verbose = (req.query as Query).verbose !== undefined;
    const lines = [
      `[${etcdOk ? '+' : '-'}]etcd ${etcdOk ? 'ok' : 'failed: reason withheld'}`,
      '[+]watch-cache ok',
      `[${bootstrapped ? '+' : '-'}]poststarthook/bootstrap-controller ${bootstrapped ? 'ok' : 'failed: not finished'}`,
    ];
    const body = verbose || !ok ? `${lines.join('\n')}\nreadyz check ${ok ? 'passed' : 'failed'}\n` : 'ok';
    void reply.code(ok ? 200 : 500).type('text/plain').send(body);
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}

/** /api, /apis and their groups and versions, and the OpenAPI documents. */
function registerDiscoveryRoutes(a: App, deps: RouteDeps): void {
  const { app, json } = a;
  const agg = deps.aggregator;
  app.get('/api', (_req, reply) => json(reply, apiVersions(deps.serverAddress())));
  app.get('/api/v1', (_req, reply) => json(reply, apiResourceList('', 'v1')));
  app.get('/apis', (_req, reply) => json(reply, apiGroupList([
    ...(deps.extraGroups ?? []), ...(agg?.groups((g) => apiGroup(g) !== undefined) ?? []),
  ])));
  app.get('/apis/:group', (req, reply) => {
    const name = (req.params as { group: string }).group;
    const g = apiGroup(name) ?? agg?.group(name);
    if (!g) throw notFound();
    json(reply, g);
  });
  app.all('/apis/:group/:version', (req, reply) => {
    const p = req.params as { group: string; version: string };
    if (agg?.serves(p.group, p.version)) return agg.proxy(req, reply, p.group, p.version, a.userOf(req));
    if (req.method !== 'GET' && req.method !== 'HEAD') throw notFound();
    const list = apiResourceList(p.group, p.version);
    if (!list) throw notFound();
    json(reply, list);
  });
  // client-go asks for the protobuf form of v2 and decodes whatever comes back as
  // protobuf; the header is set in onSend, after fastify's own choice.
  const wantsProto = (req: FastifyRequest): boolean => OPENAPI_V2_PROTOBUF_ACCEPT.some((t) => (req.headers.accept ?? '').includes(t));
  app.get('/openapi/v2', {
    onSend: (req, reply, payload, done) => {
      if (wantsProto(req) && reply.statusCode === 200) void reply.header('content-type', OPENAPI_V2_PROTOBUF);
      done(null, payload);
    },
  }, (req, reply) => {
    if (wantsProto(req)) void reply.send(Buffer.from(openapiV2Protobuf()));
    else json(reply, openapiV2());
  });
  app.get('/openapi/v3', (_req, reply) => json(reply, openapiV3Root()));
  app.get('/openapi/v3/*', (req, reply) => {
    const doc = openapiV3((req.params as { '*': string })['*']);
    if (!doc) throw notFound();
    json(reply, doc);
  });
}

/** /api/v1/... and /apis/<group>/<version>/...: every resource, to the REST layer. */
function registerResourceRoutes(a: App, deps: RouteDeps): void {
  const { app, httpLog } = a;
  const rest: RestContext = {
    registry: (info) => deps.registries.for(info.ri),
    bookmarkIntervalMs: deps.bookmarkIntervalMs,
    signal: deps.signal,
    log: a.httpLog.child({ component: 'watch' }),
    onWatchStart: (resource) => deps.metrics.watchers.inc({ resource }),
    onWatchEnd: (resource, req, ms) => {
      deps.metrics.watchers.dec({ resource });
      httpLog.info({ method: req.method, path: req.url, code: 200, ms, user: a.userOf(req)?.name }, 'watch ended');
    },
  };
  const route = (group: string, version: string, path: string, req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // fastify hands the path over decoded once, as Go's URL.Path is: no second decoding.
    const info = parseResourcePath(group, version, path.split('?')[0].split('/'));
    a.label(req, { verb: verbOf(req.method, info, (req.query ?? {}) as Query), resource: info.subresource ? `${info.ri.plural}/${info.subresource}` : info.ri.plural });
    return handleResource(rest, info, req, reply, a.userOf(req));
  };
  app.all('/api/v1/*', (req, reply) => route('', 'v1', (req.params as { '*': string })['*'], req, reply));
  app.all('/apis/:group/:version/*', (req, reply) => {
    const p = req.params as { group: string; version: string; '*': string };
    if (deps.aggregator?.serves(p.group, p.version)) return deps.aggregator.proxy(req, reply, p.group, p.version, a.userOf(req));
    return route(p.group, p.version, p['*'], req, reply);
  });
}
