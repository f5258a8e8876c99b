// Builds the kube-apiserver: storage, watch caches, registries, the fastify app
// with every route, bootstrap objects and the compactor. main.ts only parses flags.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { loadOrCreateServingCerts } from './tls.js';
import { authenticate, type UserInfo } from './authn.js';
import type { Logger } from 'pino';
import { RESOURCES, findResource, type ResourceInfo } from '../api/registry.js';
import { StatusError, internalError, makeStatus, tooLarge, badRequest, serviceUnavailable, unsupportedMediaType } from '../api/errors.js';
import type { KubeObject, Status } from '../api/types/meta.js';
import { Store } from './storage/etcd-store.js';
import { WatchCaches } from './watch-cache.js';
import { GenericRegistry, type RegistryContext } from './registry/generic.js';
import { defaultStrategy, type Strategy } from './registry/strategy.js';
import { podStrategy } from './registry/pods.js';
import { serviceStrategy } from './registry/services.js';
import { appsStrategy, createOnUpdateStrategy, namespaceStrategy, nodeStrategy } from './registry/simple.js';
import { Allocator, ipToNumber, ipToString, parseCidr, parsePortRange, portToNumber } from './allocator.js';
import { AllocationRepair } from './allocation-repair.js';
import { encodeJSON, MAX_BODY_BYTES } from './http/body.js';
import { drainBody, oversizeLength } from './http/oversize-body.js';
import { parseResourcePath, type RequestInfo } from './http/request-info.js';
import { handleResource, verbOf } from './http/rest.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { createMetrics } from './metrics.js';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_ACCEPT, openapiV2, openapiV2Protobuf, openapiV3, openapiV3Root } from './openapi.js';
import { bootstrap } from './bootstrap.js';
import { Compactor } from './compactor.js';
import { proxyPodLogs } from './log-proxy.js';
import { versionInfo } from './version.js';
import { prettyPrint, type Query } from './http/list-options.js';

export interface ApiServerOptions {
  etcdServers: string[];
  bindAddress: string;
  /** HTTPS port (0 picks a free one). */
  securePort: number;
  /** Plain-HTTP port on bindAddress for curl and tests; undefined disables it (0 picks one). */
  insecurePort?: number;
  /** Where generated serving certificates live when tlsCertFile is not given. */
  certDir: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** Address other components use to reach this apiserver (the kubernetes service's endpoint). */
  advertiseAddress?: string;
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
  compactionIntervalMs: number;
  eventTtlSeconds: number;
  bookmarkIntervalMs: number;
  watchCacheCapacity: number;
  etcdRequestTimeoutMs: number;
  /** Pause between passes of the ClusterIP/nodePort allocation repair loop (default 3 min). */
  allocationRepairIntervalMs?: number;
  logger: Logger;
}

export interface RunningApiServer {
  /** https://address:securePort */
  url: string;
  securePort: number;
  /** http://address:insecurePort when the plain-HTTP port is enabled. */
  insecureUrl?: string;
  insecurePort?: number;
  /** PEM of the CA clients should trust. */
  caCert: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

const STRATEGIES: Record<string, Strategy> = {
  pods: podStrategy,
  nodes: nodeStrategy,
  namespaces: namespaceStrategy,
  replicasets: appsStrategy,
  deployments: appsStrategy,
  endpoints: createOnUpdateStrategy,
  events: createOnUpdateStrategy,
  leases: createOnUpdateStrategy,
};

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const log = opts.logger;
  const serviceRange = parseCidr(opts.serviceClusterIPRange);
  const nodePortRange = parsePortRange(opts.serviceNodePortRange);
  const store = new Store({
    endpoints: opts.etcdServers, requestTimeoutMs: opts.etcdRequestTimeoutMs, log: log.child({ component: 'storage' }),
    onFatal: (why) => {
      // Without storage nothing can be served: exit and let the supervisor restart us.
      log.fatal({ why }, 'etcd client thread died');
      log.flush();
      process.exit(1);
    },
  });
  const abort = new AbortController();

  await waitForEtcd(store, log);

  const ipAllocator = new Allocator(store, '/registry/ranges/serviceips/', { first: serviceRange.first, last: serviceRange.last }, ipToString, ipToNumber);
  const portAllocator = new Allocator(store, '/registry/ranges/servicenodeports/', nodePortRange, String, portToNumber);
  const allocationRepair = new AllocationRepair({
    store, ips: ipAllocator, ports: portAllocator, intervalMs: opts.allocationRepairIntervalMs ?? 180_000, log: log.child({ component: 'allocation-repair' }),
  });
  const registries = new Map<ResourceInfo, GenericRegistry>();
  const caches = new WatchCaches(store, log.child({ component: 'watch-cache' }), { capacity: opts.watchCacheCapacity });
  let eventLease: { id: string; until: number } | undefined;
  const ctx: RegistryContext = {
    async namespaceState(name) {
      const nsReg = registries.get(findResource('', 'v1', 'namespaces') as ResourceInfo) as GenericRegistry;
      const cached = nsReg.cache.snapshotOne(nsReg.key(undefined, name));
      const ns = cached ?? (await store.get(nsReg.key(undefined, name)))?.obj;
      if (!ns) return 'Missing';
      return ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating' ? 'Terminating' : 'Active';
    },
    async eventLease() {
      // Events written close together share one lease, as kube-apiserver's lease
      // manager does: a lease is reused for 5% of the TTL and lives that much longer.
      const reuseMs = Math.max(1000, opts.eventTtlSeconds * 50);
      if (!eventLease || eventLease.until < Date.now()) {
        const ttl = Math.ceil(opts.eventTtlSeconds + reuseMs / 1000);
        eventLease = { id: await store.grantLease(ttl), until: Date.now() + reuseMs };
      }
      return eventLease.id;
    },
  };
  for (const ri of RESOURCES) {
    const cache = caches.cache(`/registry/${ri.plural}/`);
    const strategy = ri.plural === 'services' ? serviceStrategy(ipAllocator, portAllocator, log.child({ component: 'allocator' })) : STRATEGIES[ri.plural] ?? defaultStrategy;
    registries.set(ri, new GenericRegistry(ri, store, strategy, cache, ctx));
  }
  await caches.start();
  const registryFor = (info: RequestInfo): GenericRegistry => registries.get(info.ri) as GenericRegistry;

  const metrics = createMetrics();
  let bootstrapped = false;
  const address = opts.advertiseAddress ?? (opts.bindAddress === '0.0.0.0' ? '127.0.0.1' : opts.bindAddress);
  const tls = opts.tlsCertFile && opts.tlsPrivateKeyFile
    ? { cert: await readFile(opts.tlsCertFile, 'utf8'), key: await readFile(opts.tlsPrivateKeyFile, 'utf8'), ca: await readFile(opts.tlsCertFile, 'utf8') }
    : await loadOrCreateServingCerts(opts.certDir, [address, ipToString(serviceRange.first), ...(opts.bindAddress !== '0.0.0.0' ? [opts.bindAddress] : [])]);
  // One fastify app serves the HTTPS port and, when enabled, a plain-HTTP port.
  let insecureServer: HttpServer | undefined;
  const app = Fastify({
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      if (opts.insecurePort !== undefined) insecureServer = createHttpServer(handler);
      // Client certificates are asked for (not required) and checked against the cluster CA.
      return createHttpsServer({ cert: tls.cert, key: tls.key, ca: [tls.ca], requestCert: true, rejectUnauthorized: false }, handler) as unknown as HttpServer;
    },
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  const reqInfo = new WeakMap<FastifyRequest, { verb: string; resource: string }>();

  // Every body arrives as raw bytes; the REST layer decodes it by Content-Type so a
  // bad type is a 415 Status and bad bytes a 400 Status.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    let status: Status;
    if (err instanceof StatusError) status = err.status;
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) status = tooLarge(`Request entity too large: limit is ${MAX_BODY_BYTES}`).status;
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.statusCode === 415) status = unsupportedMediaType(String(req.headers['content-type'] ?? '')).status;
    else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) status = badRequest(err.message).status;
    else {
      log.error({ err, method: req.method, path: req.url }, 'internal error');
      status = internalError('an error on the server prevented the request from completing').status;
    }
    if (reply.sent || reply.raw.headersSent) return;
    // As kube-apiserver's responsewriters: a Status that says when to retry says it in the header too.
    if (status.details?.retryAfterSeconds) void reply.header('Retry-After', String(status.details.retryAfterSeconds));
    void reply.code(status.code).type('application/json').send(encodeJSON(status, prettyPrint((req.query ?? {}) as Query, req.headers['user-agent'])));
  });
  app.setNotFoundHandler((req, reply) => {
    const status = makeStatus(404, 'NotFound', 'the server could not find the requested resource');
    void reply.code(404).type('application/json').send(encodeJSON(status, prettyPrint((req.query ?? {}) as Query, req.headers['user-agent'])));
  });

  const users = new WeakMap<FastifyRequest, UserInfo>();
  const httpLog = log.child({ component: 'http' });
  app.addHook('onRequest', (req, _reply, done) => {
    try {
      users.set(req, authenticate(req.raw));
      done();
    } catch (err) {
      done(err as Error);
    }
  });

  // A declared body over the limit: read it away first, so the client sees the 413.
  app.addHook('onRequest', async (req, reply) => {
    const length = oversizeLength(req.raw, MAX_BODY_BYTES);
    if (length === undefined) return;
    await drainBody(req.raw, length);
    const status = tooLarge(`Request entity too large: limit is ${MAX_BODY_BYTES}`).status;
    return reply.code(413).header('connection', 'close').type('application/json').send(encodeJSON(status));
  });

  app.addHook('onResponse', (req, reply, done) => {
    const info = reqInfo.get(req);
    const code = String(reply.statusCode);
    const ms = reply.elapsedTime;
    if (info) {
      metrics.requests.inc({ verb: info.verb, resource: info.resource, code });
      metrics.latency.observe({ verb: info.verb, resource: info.resource, code }, ms / 1000);
    }
    httpLog.info({ method: req.method, path: req.url, code: reply.statusCode, ms: Math.round(ms * 10) / 10, user: users.get(req)?.name }, 'request');
    done();
  });

  let securePort = opts.securePort;
  const json = (reply: FastifyReply, obj: unknown, code = 200): void => {
    void reply.code(code).type('application/json').send(encodeJSON(obj, prettyPrint((reply.request.query ?? {}) as Query, reply.request.headers['user-agent'])));
  };

  app.get('/version', (_req, reply) => json(reply, versionInfo()));
  app.get('/healthz', (_req, reply) => { void reply.type('text/plain').send('ok'); });
  app.get('/livez', (_req, reply) => { void reply.type('text/plain').send('ok'); });
  app.get('/readyz', async (req, reply) => {
    const etcdOk = await store.healthy(2000);
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
    void reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/api', (_req, reply) => json(reply, apiVersions(`${address}:${securePort}`)));
  app.get('/api/v1', (_req, reply) => json(reply, apiResourceList('', 'v1')));
  app.get('/apis', (_req, reply) => json(reply, apiGroupList()));
  app.get('/apis/:group', (req, reply) => {
    const g = apiGroup((req.params as { group: string }).group);
    if (!g) throw new StatusError(makeStatus(404, 'NotFound', 'the server could not find the requested resource'));
    json(reply, g);
  });
  app.get('/apis/:group/:version', (req, reply) => {
    const p = req.params as { group: string; version: string };
    const list = apiResourceList(p.group, p.version);
    if (!list) throw new StatusError(makeStatus(404, 'NotFound', 'the server could not find the requested resource'));
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
    if (!doc) throw new StatusError(makeStatus(404, 'NotFound', 'the server could not find the requested resource'));
    json(reply, doc);
  });

  const rest = {
    registry: registryFor,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    signal: abort.signal,
    log: log.child({ component: 'watch' }),
    onWatchStart: (resource: string) => metrics.watchers.inc({ resource }),
    onWatchEnd: (resource: string, req: FastifyRequest, ms: number) => {
      metrics.watchers.dec({ resource });
      httpLog.info({ method: req.method, path: req.url, code: 200, ms, user: users.get(req)?.name }, 'watch ended');
    },
    podLogs: (req: FastifyRequest, reply: FastifyReply, pod: KubeObject) => proxyPodLogs(req, reply, pod, registries.get(findResource('', 'v1', 'nodes') as ResourceInfo) as GenericRegistry),
  };
  const resourceRoute = (group: string, version: string, rest_: string, req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // fastify hands the path over decoded once, as Go's URL.Path is: no second decoding.
    const segs = rest_.split('?')[0].split('/');
    const info = parseResourcePath(group, version, segs);
    reqInfo.set(req, { verb: verbOf(req.method, info, (req.query ?? {}) as Query), resource: info.subresource ? `${info.ri.plural}/${info.subresource}` : info.ri.plural });
    return handleResource(rest, info, req, reply);
  };
  app.all('/api/v1/*', (req, reply) => resourceRoute('', 'v1', (req.params as { '*': string })['*'], req, reply));
  app.all('/apis/:group/:version/*', (req, reply) => {
    const p = req.params as { group: string; version: string; '*': string };
    return resourceRoute(p.group, p.version, p['*'], req, reply);
  });

  const compactor = new Compactor(store, caches, opts.compactionIntervalMs, log.child({ component: 'compactor' }));
  await app.listen({ host: opts.bindAddress, port: opts.securePort });
  securePort = (app.server.address() as { port: number }).port;
  let insecurePort: number | undefined;
  if (insecureServer) {
    insecureServer.listen(opts.insecurePort, opts.bindAddress);
    await once(insecureServer, 'listening');
    insecurePort = (insecureServer.address() as { port: number }).port;
  }
  const port = securePort;

  // The kubernetes service points at the port actually listened on, so bootstrap
  // runs after listen; /readyz says not ready until it is done.
  const get = (plural: string): GenericRegistry => registries.get(RESOURCES.find((r) => r.plural === plural) as ResourceInfo) as GenericRegistry;
  await bootstrap({ namespaces: get('namespaces'), services: get('services'), endpoints: get('endpoints') }, {
    serviceIP: ipToString(serviceRange.first), store, address, port, log,
  });
  // As kube-apiserver, ready only once the first allocation repair pass has run.
  await allocationRepair.start();
  bootstrapped = true;
  compactor.start();
  log.info({ address: opts.bindAddress, securePort, insecurePort }, 'kube-apiserver listening');

  return {
    url: `https://${address}:${securePort}`,
    securePort,
    insecureUrl: insecurePort === undefined ? undefined : `http://${address}:${insecurePort}`,
    insecurePort,
    caCert: tls.ca,
    app,
    async close() {
      abort.abort();
      compactor.stop();
      await allocationRepair.stop();
      if (insecureServer) {
        insecureServer.closeAllConnections();
        await new Promise((r) => insecureServer?.close(r));
      }
      await app.close();
      await caches.stop();
      await store.close();
    },
  };
}

/** Waits until etcd answers, logging progress, so the apiserver starts in order after etcd. */
async function waitForEtcd(store: Store, log: Logger): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (await store.healthy(2000)) return;
    if (attempt % 5 === 0) log.info({ waitedMs: Date.now() - started }, 'waiting for etcd');
    if (Date.now() - started > 60_000) throw serviceUnavailable('etcd did not become reachable within 60s');
    await new Promise((r) => setTimeout(r, 500));
  }
}
