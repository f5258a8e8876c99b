// The running kube-proxy (cmd/kube-proxy/app/server.go's ProxyServer): shared
// informers on Services and EndpointSlices feed the two change trackers; one sync
// function applies what they accumulated and makes the node match (ClusterIPs on lo
// and the unreachable route through NodeNet, then the proxier's listeners or
// nftables rules), run through a BoundedFrequencyRunner so bursts of changes coalesce
// and syncs stay at least minSyncPeriod apart. The cluster DNS server answers from
// the same informers on the kube-dns address, which NodeNet keeps on lo too.
import type { Logger } from 'pino';
import type { Service } from '../api/types/core.js';
import type { EndpointSlice } from '../api/types/discovery.js';
import { realClock, type Clock } from '../client/clock.js';
import { SharedInformerFactory } from '../client/informer-factory.js';
import type { RestClient } from '../client/rest-client.js';
import { startClusterDns, type ClusterDns } from './dns/server.js';
import { EndpointsChangeTracker } from './endpoints-tracker.js';
import { ensureKubeDnsService } from './kube-dns-service.js';
import type { ProxyMetrics } from './metrics.js';
import { NodeNet } from './node-net.js';
import { NftablesProxier } from './nftables/proxier.js';
import { nftablesUnavailable } from './nftables/availability.js';
import { tableExists } from './nftables/nft.js';
import { DEFAULT_TABLE } from './nftables/ruleset.js';
import { ServiceChangeTracker } from './service-tracker.js';
import { BoundedFrequencyRunner } from './sync-runner.js';
import type { Endpoint, Proxier, ServicePort } from './types.js';
import { UserspaceProxier } from './userspace/proxier.js';

/** Services carrying this label belong to another proxy (kube-proxy's service-proxy-name). */
export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';

export type ProxyMode = 'userspace' | 'nftables';

export interface ClusterDnsConfig {
  /** The address DNS is served on (the kube-dns ClusterIP). */
  ip: string;
  port: number;
  domain: string;
  upstream?: { address: string; port: number };
}

export interface ProxyServerOptions {
  rest: RestClient;
  nodeName: string;
  /** The mode asked for; nftables falls back to userspace where the kernel or permissions do not allow it. */
  mode: ProxyMode;
  /** From node-port-addresses.ts: IPs nodePorts are served on, or ['0.0.0.0'] for all. */
  nodePortAddresses: string[];
  serviceCIDR: string;
  /** nftables mode: --cluster-cidr and --masquerade-all (userspace connects from the node anyway). */
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  udpIdleTimeoutMs: number;
  /** Absent: no cluster DNS on this node. */
  dns?: ClusterDnsConfig;
  metrics: ProxyMetrics;
  log: Logger;
  clock?: Clock;
}

export interface ProxyServer {
  /** The mode in use (after any fallback). */
  mode: ProxyMode;
  /** undefined while healthy; else why not (for /healthz). */
  unhealthy(): string | undefined;
  /** Stops syncing and DNS and removes everything added to the node. */
  stop(): Promise<void>;
}

/** Picks the proxier: nftables when asked for and possible, else userspace (saying why in one line). */
async function createProxier(o: ProxyServerOptions): Promise<Proxier> {
  const log = o.log.child({ component: 'proxier' });
  if (o.mode === 'nftables') {
    const why = await nftablesUnavailable();
    if (!why) return new NftablesProxier({ nodePortAddresses: o.nodePortAddresses, clusterCIDR: o.clusterCIDR, masqueradeAll: o.masqueradeAll, log, metrics: o.metrics });
    o.log.warn({ reason: why }, `nftables proxy mode unavailable (${why}); falling back to userspace`);
  } else if (await tableExists(DEFAULT_TABLE).catch(() => false)) {
    // A table an earlier run in nftables mode left would still DNAT ClusterIPs past our listeners.
    await new NftablesProxier({ nodePortAddresses: [], log }).cleanup()
      .catch((err: unknown) => log.warn({ err }, 'could not remove a previous nftables table'));
  }
  return new UserspaceProxier({ nodePortAddresses: o.nodePortAddresses, log, metrics: o.metrics, udpIdleTimeoutMs: o.udpIdleTimeoutMs });
}

/** Starts the proxy; resolves once the first sync is done (or signal aborted). */
export async function startProxyServer(o: ProxyServerOptions, signal: AbortSignal): Promise<ProxyServer> {
  const clock = o.clock ?? realClock;
  const log = o.log;
  const proxier = await createProxier(o);
  const nodeNet = new NodeNet({ serviceCIDR: o.serviceCIDR, log: log.child({ component: 'node-net' }) });
  const factory = new SharedInformerFactory(o.rest, { log });
  const services = factory.informer<Service>('services');
  const slices = factory.informer<EndpointSlice>('endpointslices.discovery.k8s.io');
  const dnsIP = o.dns?.ip;
  const serviceTracker = new ServiceChangeTracker({
    // Another proxy's services, and the DNS address this process serves itself.
    ignore: (svc) => !!svc.metadata.labels?.[LABEL_SERVICE_PROXY_NAME] || (!!dnsIP && svc.spec?.clusterIP === dnsIP),
  });
  const endpointsTracker = new EndpointsChangeTracker({ nodeName: o.nodeName });
  const servicePorts = new Map<string, ServicePort>();
  const endpoints = new Map<string, Endpoint[]>();
  let lastSyncOk = 0;
  let pendingSince = 0;
  let firstSync: (() => void) | undefined;
  const firstSynced = new Promise<void>((resolve) => { firstSync = resolve; });

  const syncProxyRules = async (): Promise<void> => {
    if (!services.hasSynced() || !slices.hasSynced()) return;
    const t0 = performance.now();
    const changedServices = serviceTracker.apply(servicePorts);
    const changedEndpoints = endpointsTracker.apply(endpoints);
    try {
      const ips = new Set<string>([...servicePorts.values()].map((p) => p.clusterIP));
      if (dnsIP) ips.add(dnsIP);
      await nodeNet.sync(ips);
      await proxier.sync({ services: servicePorts, endpoints });
      const ms = performance.now() - t0;
      o.metrics.synced(ms, true);
      lastSyncOk = clock.now();
      pendingSince = 0;
      log.debug({ ms: Math.round(ms * 10) / 10, services: changedServices.size, endpoints: changedEndpoints.size, ports: servicePorts.size }, 'synced proxy rules');
      firstSync?.();
      firstSync = undefined;
    } catch (err) {
      o.metrics.synced(performance.now() - t0, false);
      log.error({ err }, 'sync of proxy rules failed; retrying');
      runner.retryAfter(Math.max(o.minSyncPeriodMs, 1000));
    }
  };
  const runner = new BoundedFrequencyRunner('sync-proxy-rules', syncProxyRules, {
    minIntervalMs: o.minSyncPeriodMs, maxIntervalMs: o.syncPeriodMs, burstRuns: 2, clock, log: log.child({ component: 'sync-runner' }),
  });
  const changed = (needed: boolean): void => {
    if (!needed) return;
    if (!pendingSince) pendingSince = clock.now();
    runner.run();
  };
  services.addEventHandler({
    add: (svc) => changed(serviceTracker.update(undefined, svc)),
    update: (prev, cur) => changed(serviceTracker.update(prev, cur)),
    delete: (svc) => changed(serviceTracker.update(svc, undefined)),
  });
  slices.addEventHandler({
    add: (s) => changed(endpointsTracker.endpointSliceUpdate(s, false)),
    update: (_prev, cur) => changed(endpointsTracker.endpointSliceUpdate(cur, false)),
    delete: (s) => changed(endpointsTracker.endpointSliceUpdate(s, true)),
  });

  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  factory.start(ac.signal);
  const loop = runner.loop(ac.signal);
  if (await factory.waitForSync(ac.signal)) {
    runner.run();
    await Promise.race([firstSynced, new Promise((r) => ac.signal.addEventListener('abort', r, { once: true }))]);
  }

  let dns: ClusterDns | undefined;
  let dnsFailure: string | undefined;
  let reserving: Promise<void> = Promise.resolve();
  const dnsLog = log.child({ component: 'dns' });
  if (o.dns && !ac.signal.aborted) {
    const cfg = o.dns;
    try {
      dns = await startClusterDns({
        services, endpointSlices: slices, domain: cfg.domain, listen: { address: cfg.ip, port: cfg.port },
        upstream: cfg.upstream, log: dnsLog, metrics: o.metrics,
      });
      dnsLog.info({ address: cfg.ip, port: dns.port, domain: cfg.domain, upstream: cfg.upstream ?? 'none (SERVFAIL outside the cluster domain)' }, 'cluster DNS serving');
    } catch (err) {
      // DNS that cannot bind must not take the proxy down: logged, and /healthz says so.
      dnsLog.error({ err }, 'cluster DNS failed to start');
      dnsFailure = (err as Error).message;
    }
    reserving = reserveDnsAddress(o.rest, cfg.ip, dnsLog, clock, ac.signal);
  }

  return {
    mode: proxier.mode,
    unhealthy() {
      if (dnsFailure) return `dns: ${dnsFailure}`;
      // As kube-proxy's healthz: unhealthy once a change has waited longer than twice the sync period.
      if (pendingSince && clock.now() - pendingSince > 2 * o.syncPeriodMs && lastSyncOk < pendingSince) {
        return `proxy rules not synced for ${Math.round((clock.now() - pendingSince) / 1000)}s`;
      }
      return undefined;
    },
    async stop() {
      ac.abort();
      signal.removeEventListener('abort', onAbort);
      await loop;
      await reserving;
      await factory.done();
      await dns?.close();
      await proxier.cleanup();
      await nodeNet.cleanup();
    },
  };
}

/** Ensures the kube-dns Service, retrying with backoff (in the background) until it works or signal aborts. */
async function reserveDnsAddress(rest: RestClient, ip: string, log: Logger, clock: Clock, signal: AbortSignal): Promise<void> {
  for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 30_000)) {
    try {
      await ensureKubeDnsService(rest, ip, log);
      return;
    } catch (err) {
      if (signal.aborted) return;
      log.warn({ err, retryMs: delay }, 'could not ensure the kube-dns Service; retrying');
      await new Promise<void>((resolve) => {
        const t = clock.setTimeout(() => { signal.removeEventListener('abort', done); resolve(); }, delay);
        const done = (): void => { clock.clearTimeout(t); resolve(); };
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}
