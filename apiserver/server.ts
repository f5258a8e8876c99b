// Builds the kube-apiserver from its parts, in order (startApiServer's steps): storage,
// allocators, registries and watch caches, the HTTP app and routes, bootstrap objects and
// background loops. main.ts only parses flags.
import type { FastifyInstance } from 'fastify';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { serviceUnavailable } from '../api/errors.js';
import { DEFAULT_TOLERATION_SECONDS } from './admission/default-toleration-seconds.js';
import { AllocationRepair } from './allocation-repair.js';
import { ipToNumber, ipToString, parseCidr } from '../api/ipv4.js';
import { Allocator, parsePortRange, portToNumber, type Range } from './allocator.js';
import { bootstrap, bootstrapSystemPriorityClasses } from './bootstrap.js';
import { Compactor } from './compactor.js';
import { CRDController } from './crd/controller.js';
import { CUSTOM_RESOURCE_SCHEMA } from './crd/schema-ops.js';
import { createApp, UNSECURED, type ServingCerts } from './http/app.js';
import { kubeletTransport } from './http/proxy-stream.js';
import { registerUpgradeProxy } from './http/upgrade-proxy.js';
import { registerRoutes } from './http/routes.js';
import { Aggregator } from './aggregator/aggregator.js';
import { autoregister } from './aggregator/autoregister.js';
import { extensionAuthenticationData, loadFrontProxy, publishExtensionAuthentication, type RequestHeaderOptions } from './aggregator/front-proxy.js';
import { createMetrics } from './metrics.js';
import { Registries } from './registries.js';
import type { EtcdTlsFiles } from './storage/etcd-client.js';
import { Store } from './storage/etcd-store.js';
import type { Storage } from './storage/store.js';
import { issueClientCert, loadOrCreateServingCerts } from './tls.js';
import { reconcileBootstrapPolicy } from './rbac/reconcile-bootstrap.js';
import { createAuditor } from './audit/index.js';
import { loadEncryptionConfig } from './storage/encryption/config.js';
import { setUpSecurity, type SecurityOptions } from './security.js';
import { WatchCaches } from './watch-cache.js';

export interface ApiServerOptions {
  etcdServers: string[];
  /** --etcd-cafile, --etcd-certfile, --etcd-keyfile: TLS to etcd (https:// servers). */
  etcdTls?: EtcdTlsFiles;
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
  /** tolerationSeconds of the not-ready toleration DefaultTolerationSeconds admission adds to pods (default 300). */
  defaultNotReadyTolerationSeconds?: number;
  /** tolerationSeconds of the unreachable toleration DefaultTolerationSeconds admission adds to pods (default 300). */
  defaultUnreachableTolerationSeconds?: number;
  /** Authentication, authorization and admission settings (certDir comes from above). */
  security?: Omit<SecurityOptions, 'certDir'>;
  /** --encryption-provider-config: an EncryptionConfiguration; values of the resources it names are stored encrypted. */
  encryptionProviderConfig?: string;
  /** --audit-log-path ("-": standard output) and its policy and rotation. */
  audit?: { logPath: string; policyFile?: string; maxAge?: number; maxBackup?: number; maxSize?: number };
  /** --kubelet-client-certificate and --kubelet-client-key: the apiserver's identity at kubelets (issued from the CA in certDir when absent). */
  kubeletClientCertificate?: string;
  kubeletClientKey?: string;
  /** --kubelet-certificate-authority: kubelets' serving certificates are verified against it (not at all when absent). */
  kubeletCertificateAuthority?: string;
  /** --proxy-client-cert-file and --proxy-client-key-file: the apiserver's identity at aggregated servers (issued from a front-proxy CA in certDir when absent). */
  proxyClientCertFile?: string;
  proxyClientKeyFile?: string;
  /** --requestheader-*: whom aggregated servers should trust to send X-Remote-* headers (published in kube-system/extension-apiserver-authentication). */
  requestHeader?: RequestHeaderOptions;
  /** --enable-aggregator-routing: aggregated servers are reached at their Service's endpoints rather than its ClusterIP. */
  enableAggregatorRouting?: boolean;
  /** Aggregated group versions switched off with --runtime-config (e.g. metrics.k8s.io/v1beta1=false): neither proxied nor listed. */
  disabledGroupVersions?: string[];
  logger: Logger;
}

/** The apiserver's user at kubelets when it issues its own client certificate (kubeadm's apiserver-kubelet-client). */
const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';
const KUBELET_CLIENT_GROUP = 'kubeadm:cluster-admins';

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

/**
 * Starts the apiserver in kube-apiserver's order: storage (waiting for etcd), the
 * allocators, the registries and their watch caches, the HTTP app and its routes,
 * listening, then the built-in objects and the background loops (allocation repair,
 * compaction); /readyz passes once those have run.
 */
export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const log = opts.logger;
  const abort = new AbortController();
  const serviceRange = parseCidr(opts.serviceClusterIPRange);
  const address = opts.advertiseAddress ?? (opts.bindAddress === '0.0.0.0' ? '127.0.0.1' : opts.bindAddress);

  // A bad encryption configuration stops the start here, with its reason, before storage opens.
  if (opts.encryptionProviderConfig) await loadEncryptionConfig(opts.encryptionProviderConfig);
  const auditor = opts.audit ? await createAuditor({ ...opts.audit, log: log.child({ component: 'audit' }) }) : undefined;
  const store = openStorage(opts, log);
  await waitForEtcd(store, log);
  const { ips, ports, repair } = newAllocators(store, serviceRange, opts, log);
  const caches = new WatchCaches(store, log.child({ component: 'watch-cache' }), { capacity: opts.watchCacheCapacity });
  // The CA in certDir is made with the serving certificate; the kubelet client certificate is issued from it.
  const tls = await servingCertificates(opts, address, serviceRange);
  const kubelet = await kubeletClientTransport(opts, log);
  const registries = new Registries({
    store, caches, ips, ports, eventTtlSeconds: opts.eventTtlSeconds, log,
    kubeletTransport: kubelet,
    defaultTolerationSeconds: {
      notReadySeconds: opts.defaultNotReadyTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS.notReadySeconds,
      unreachableSeconds: opts.defaultUnreachableTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS.unreachableSeconds,
    },
  });
  await caches.start();

  const security = await setUpSecurity({ ...opts.security, certDir: opts.certDir }, registries, log);
  // The CRDs that exist are served before the first request, as kube-apiserver waits for its crd-informer-synced hook.
  const crds = new CRDController({ registries, log: log.child({ component: 'apiextensions' }), schema: CUSTOM_RESOURCE_SCHEMA });
  await crds.start();
  const metrics = createMetrics();
  const web = createApp(tls, opts.insecurePort !== undefined, { ...security, auditor }, metrics, log);
  // exec, attach and port-forward: WebSocket upgrades, outside fastify's routes.
  const streams = {
    authenticator: security.authenticator, authorizer: security.authorizer,
    pods: registries.get('pods'), nodes: registries.get('nodes'), kubelet, log: log.child({ component: 'streams' }),
  };
  registerUpgradeProxy(web.app.server, streams);
  if (web.insecureServer) registerUpgradeProxy(web.insecureServer, { ...streams, unsecured: UNSECURED });
  let securePort = opts.securePort;
  let ready = false;
  // APIServices: group versions proxied to aggregated servers (metrics-server's metrics.k8s.io).
  const frontProxy = await loadFrontProxy({
    certDir: opts.certDir, proxyClientCertFile: opts.proxyClientCertFile, proxyClientKeyFile: opts.proxyClientKeyFile, requestHeader: opts.requestHeader,
  }, log.child({ component: 'aggregator' }));
  const aggregator = new Aggregator({
    apiServices: registries.get('apiservices'), services: registries.get('services'), endpointSlices: registries.get('endpointslices'),
    frontProxy, enableAggregatorRouting: opts.enableAggregatorRouting ?? false, disabled: opts.disabledGroupVersions ?? [],
    log: log.child({ component: 'aggregator' }),
  });
  registerRoutes(web, {
    aggregator,
    store, registries, metrics, bookmarkIntervalMs: opts.bookmarkIntervalMs, signal: abort.signal,
    serverAddress: () => `${address}:${securePort}`,
    ready: () => ready,
  });

  const { app, insecureServer } = web;
  await app.listen({ host: opts.bindAddress, port: opts.securePort });
  securePort = (app.server.address() as { port: number }).port;
  let insecurePort: number | undefined;
  if (insecureServer) {
    // Requests there skip authentication and authorization: loopback only, whatever --bind-address says.
    insecureServer.listen(opts.insecurePort, '127.0.0.1');
    await once(insecureServer, 'listening');
    insecurePort = (insecureServer.address() as { port: number }).port;
  }

  // The kubernetes service points at the port actually listened on, so bootstrap
  // runs after listen; /readyz says not ready until it is done.
  await bootstrap({
    namespaces: registries.get('namespaces'), services: registries.get('services'), endpoints: registries.get('endpoints'),
    endpointSlices: registries.get('endpointslices'),
  }, {
    serviceIP: ipToString(serviceRange.first), store, address, port: securePort, log,
  });
  await reconcileBootstrapPolicy({
    clusterRoles: registries.get('clusterroles'), clusterRoleBindings: registries.get('clusterrolebindings'),
    roles: registries.get('roles'), roleBindings: registries.get('rolebindings'),
  }, log.child({ component: 'rbac-bootstrap' }));
  await bootstrapSystemPriorityClasses(registries.get('priorityclasses'), log.child({ component: 'scheduling-bootstrap' }));
  await autoregister(registries.get('apiservices'), log.child({ component: 'autoregister' }));
  await publishExtensionAuthentication(registries.get('configmaps'), extensionAuthenticationData(tls.ca, frontProxy));
  // As kube-apiserver, ready only once the first allocation repair pass has run.
  await repair.start();
  const compactor = new Compactor(store, caches, opts.compactionIntervalMs, log.child({ component: 'compactor' }));
  compactor.start();
  const aggregatorLoop = aggregator.run(abort.signal);
  ready = true;
  log.info({ address: opts.bindAddress, securePort, insecurePort }, 'kube-apiserver listening');

  return {
    url: `https://${address}:${securePort}`,
    securePort,
    insecureUrl: insecurePort === undefined ? undefined : `http://127.0.0.1:${insecurePort}`,
    insecurePort,
    caCert: tls.ca,
    app,
    async close() {
      abort.abort();
      crds.stop();
      compactor.stop();
      await aggregatorLoop;
      await repair.stop();
      if (insecureServer) {
        insecureServer.closeAllConnections();
        await new Promise((r) => insecureServer.close(r));
      }
      await app.close();
      await security.close();
      await auditor?.close();
      await caches.stop();
      await store.close();
    },
  };
}

/** The etcd storage; a dead storage thread ends the process (its supervisor restarts it). */
function openStorage(opts: ApiServerOptions, log: Logger): Store {
  return new Store({
    endpoints: opts.etcdServers, requestTimeoutMs: opts.etcdRequestTimeoutMs, log: log.child({ component: 'storage' }),
    encryptionConfigFile: opts.encryptionProviderConfig, tls: opts.etcdTls,
    onFatal: (why) => {
      log.fatal({ why }, 'etcd client thread died');
      log.flush();
      process.exit(1);
    },
  });
}

/** The ClusterIP and nodePort allocators, and the loop that repairs their allocations. */
function newAllocators(store: Storage, serviceRange: Range, opts: ApiServerOptions, log: Logger): { ips: Allocator; ports: Allocator; repair: AllocationRepair } {
  const ips = new Allocator(store, '/registry/ranges/serviceips/', { first: serviceRange.first, last: serviceRange.last }, ipToString, ipToNumber);
  const ports = new Allocator(store, '/registry/ranges/servicenodeports/', parsePortRange(opts.serviceNodePortRange), String, portToNumber);
  const repair = new AllocationRepair({
    store, ips, ports, intervalMs: opts.allocationRepairIntervalMs ?? 180_000, log: log.child({ component: 'allocation-repair' }),
  });
  return { ips, ports, repair };
}

/** The given serving certificate, or one generated (with its CA) into --cert-dir. */
async function servingCertificates(opts: ApiServerOptions, address: string, serviceRange: Range): Promise<ServingCerts> {
  if (opts.tlsCertFile && opts.tlsPrivateKeyFile) {
    return { cert: await readFile(opts.tlsCertFile, 'utf8'), key: await readFile(opts.tlsPrivateKeyFile, 'utf8'), ca: await readFile(opts.tlsCertFile, 'utf8') };
  }
  return loadOrCreateServingCerts(opts.certDir, [address, ipToString(serviceRange.first), ...(opts.bindAddress !== '0.0.0.0' ? [opts.bindAddress] : [])]);
}

/**
 * The connections to kubelets: with --kubelet-client-certificate/--kubelet-client-key,
 * or else a client certificate issued from the CA in certDir at each start, named as
 * kubeadm names the apiserver's (CN kube-apiserver-kubelet-client, O
 * kubeadm:cluster-admins; the default policy's kube-apiserver-kubelet-client binding
 * gives it system:kubelet-api-admin); without that CA, none at all.
 */
async function kubeletClientTransport(opts: ApiServerOptions, log: Logger): Promise<Dispatcher> {
  const ca = opts.kubeletCertificateAuthority ? await readFile(opts.kubeletCertificateAuthority, 'utf8') : undefined;
  if (opts.kubeletClientCertificate || opts.kubeletClientKey) {
    if (!opts.kubeletClientCertificate || !opts.kubeletClientKey) throw new Error('--kubelet-client-certificate and --kubelet-client-key must be given together');
    const [cert, key] = await Promise.all([readFile(opts.kubeletClientCertificate, 'utf8'), readFile(opts.kubeletClientKey, 'utf8')]);
    return kubeletTransport({ cert, key, ca });
  }
  try {
    return kubeletTransport({ ...await issueClientCert(opts.certDir, KUBELET_CLIENT_USER, [KUBELET_CLIENT_GROUP]), ca });
  } catch (err) {
    log.warn({ err: (err as Error).message, certDir: opts.certDir }, 'no CA to issue a kubelet client certificate from: kubelets are reached without one');
    return kubeletTransport({ ca });
  }
}

/** Waits until etcd answers, logging progress, so the apiserver starts in order after etcd. */
async function waitForEtcd(store: Storage, log: Logger): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (await store.healthy(2000)) return;
    if (attempt % 5 === 0) log.info({ waitedMs: Date.now() - started }, 'waiting for etcd');
    if (Date.now() - started > 60_000) throw serviceUnavailable('etcd did not become reachable within 60s');
    await new Promise((r) => setTimeout(r, 500));
  }
}
