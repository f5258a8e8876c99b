// Prometheus metrics of kube-proxy: the sync latency Kubernetes' kube-proxy reports
// (kubeproxy_sync_proxy_rules_*), and for the userspace data path and the cluster DNS
// server the connections, bytes, flows and queries they handle. One set per process
// (tests may build several). Byte counts are added when a connection ends, never per
// chunk, and connection counts are plain numbers folded into the metrics when they
// are scraped, so counting costs the hot path next to nothing.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const SYNC_BUCKETS = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384];
const DNS_BUCKETS = [1e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1];

export type Direction = 'in' | 'out';

type Protocol = 'TCP' | 'UDP';
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP'];

/** Connection counts of one protocol not yet folded into the metrics (active: now). */
interface Tally {
  opened: number;
  active: number;
  rejected: number;
  bytesIn: number;
  bytesOut: number;
}
const newTally = (): Tally => ({ opened: 0, active: 0, rejected: 0, bytesIn: 0, bytesOut: 0 });

export interface ProxyMetrics {
  registry: Registry;
  /** One sync of the proxier: how long it took (ms) and whether it worked. */
  synced(ms: number, ok: boolean): void;
  /** A connection (TCP) or flow (UDP) was accepted for a service port. */
  connectionOpened(protocol: 'TCP' | 'UDP'): void;
  /** It ended, having moved bytesIn (client to endpoint) and bytesOut (endpoint to client). */
  connectionClosed(protocol: 'TCP' | 'UDP', bytesIn: number, bytesOut: number): void;
  /** A client was refused because its service port has no usable endpoint. */
  rejected(protocol: 'TCP' | 'UDP'): void;
  /** A connect to an endpoint failed (the next one is tried). */
  endpointConnectFailed(): void;
  /** One DNS query answered with rcode (NOERROR, NXDOMAIN, SERVFAIL, ...) in ms. */
  dnsAnswered(rcode: string, transport: 'udp' | 'tcp', ms: number): void;
}

export function createProxyMetrics(): ProxyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const syncDuration = new Histogram({
    name: 'kubeproxy_sync_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds',
    buckets: SYNC_BUCKETS, registers: [registry],
  });
  const lastSync = new Gauge({
    name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'The last time proxy rules were successfully synced',
    registers: [registry],
  });
  const syncErrors = new Counter({
    name: 'kubeproxy_sync_proxy_rules_errors_total', help: 'Cumulative proxy rules sync errors', registers: [registry],
  });
  // The connection hot path only adds to plain numbers (a prom-client inc hashes its
  // labels into a string every call); a scrape folds them into the metrics.
  const tallies = { TCP: newTally(), UDP: newTally() };
  /** A per-protocol counter's collect: adds what field counted since the last scrape. */
  const foldCounter = (field: 'opened' | 'rejected') =>
    function collect(this: Counter<string>): void {
      for (const p of PROTOCOLS) {
        this.inc({ protocol: p }, tallies[p][field]);
        tallies[p][field] = 0;
      }
    };
  new Counter({
    name: 'kubeproxy_userspace_connections_total', help: 'Connections (TCP) and flows (UDP) the userspace proxy accepted',
    labelNames: ['protocol'], registers: [registry],
    collect: foldCounter('opened'),
  });
  new Gauge({
    name: 'kubeproxy_userspace_active_connections', help: 'Connections (TCP) and flows (UDP) open now',
    labelNames: ['protocol'], registers: [registry],
    collect(this: Gauge<string>): void {
      for (const p of PROTOCOLS) this.set({ protocol: p }, tallies[p].active);
    },
  });
  new Counter({
    name: 'kubeproxy_userspace_bytes_total', help: 'Bytes relayed by the userspace proxy (in: client to endpoint, out: endpoint to client), counted when a connection ends',
    labelNames: ['protocol', 'direction'], registers: [registry],
    collect(this: Counter<string>): void {
      for (const p of PROTOCOLS) {
        const t = tallies[p];
        this.inc({ protocol: p, direction: 'in' }, t.bytesIn);
        this.inc({ protocol: p, direction: 'out' }, t.bytesOut);
        t.bytesIn = t.bytesOut = 0;
      }
    },
  });
  new Counter({
    name: 'kubeproxy_userspace_rejected_total', help: 'Clients refused because the service port had no usable endpoint',
    labelNames: ['protocol'], registers: [registry],
    collect: foldCounter('rejected'),
  });
  const connectFailures = new Counter({
    name: 'kubeproxy_userspace_endpoint_connect_failures_total', help: 'Connects to an endpoint that failed (the next endpoint was tried)',
    registers: [registry],
  });
  const dnsQueries = new Counter({
    name: 'coredns_dns_responses_total', help: 'DNS responses by rcode and transport',
    labelNames: ['rcode', 'proto'], registers: [registry],
  });
  const dnsDuration = new Histogram({
    name: 'coredns_dns_request_duration_seconds', help: 'Time to answer a DNS query',
    labelNames: ['proto'], buckets: DNS_BUCKETS, registers: [registry],
  });
  return {
    registry,
    synced(ms, ok) {
      syncDuration.observe(ms / 1000);
      if (ok) lastSync.set(Date.now() / 1000);
      else syncErrors.inc();
    },
    connectionOpened(protocol) {
      const t = tallies[protocol];
      t.opened++;
      t.active++;
    },
    connectionClosed(protocol, bytesIn, bytesOut) {
      const t = tallies[protocol];
      t.active--;
      t.bytesIn += bytesIn;
      t.bytesOut += bytesOut;
    },
    rejected(protocol) {
      tallies[protocol].rejected++;
    },
    endpointConnectFailed() {
      connectFailures.inc();
    },
    dnsAnswered(rcode, transport, ms) {
      dnsQueries.inc({ rcode, proto: transport });
      dnsDuration.observe({ proto: transport }, ms / 1000);
    },
  };
}
