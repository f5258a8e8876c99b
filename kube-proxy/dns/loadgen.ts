// A load generator for the cluster DNS server, for measuring it on loopback (not used
// by kube-proxy itself): it starts the server in a child process over a synthetic
// cluster (informers holding generated Services and EndpointSlices; metrics on, as in
// kube-proxy), then keeps a
// number of queries in flight from several UDP sockets (or TCP connections) for a
// while, and prints queries per second and latency percentiles as JSON.
//
//   node dist/kube-proxy/dns/loadgen.js [--seconds 5] [--in-flight 64] [--sockets 4]
//     [--services 2000] [--tcp] [--no-cache] [--rate 10000]
//
// Without --rate it is a closed loop (each answer sends the next query: the most the
// server does); with --rate it sends that many queries a second whatever the answers
// (the latency at a given load).
//
// The mix is what pods with ndots:5 send: A for Services (most), search-path misses
// (NXDOMAIN), names outside the cluster (SERVFAIL without an upstream), SRV,
// headless Services and PTR.
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { parseArgs } from 'node:util';
import * as packet from 'dns-packet';
import { pino } from 'pino';
import type { Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import type { KubeObject, List } from '../../api/types/meta.js';
import { Informer, type ListerWatcher } from '../../client/informer.js';
import { createProxyMetrics } from '../metrics.js';
import { startClusterDns } from './server.js';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '5' },
    'in-flight': { type: 'string', default: '64' },
    sockets: { type: 'string', default: '4' },
    services: { type: 'string', default: '2000' },
    tcp: { type: 'boolean', default: false },
    'no-cache': { type: 'boolean', default: false },
    rate: { type: 'string' },
  },
});
const NAMESPACES = 20;
const nServices = Number(args.services);

function cluster(): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < nServices; i++) {
    const ns = `ns-${i % NAMESPACES}`;
    const headless = i % 10 === 0;
    const ip = `10.96.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`;
    services.push({
      apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name: `svc-${i}`, resourceVersion: '1' },
      spec: { clusterIP: headless ? 'None' : ip, clusterIPs: [headless ? 'None' : ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    slices.push({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { namespace: ns, name: `svc-${i}-abc`, resourceVersion: '1', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
      endpoints: Array.from({ length: 3 }, (_, j) => ({ addresses: [`10.${100 + j}.${Math.floor(i / 250)}.${(i % 250) + 1}`], conditions: { ready: true }, hostname: `pod-${j}` })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
  return { services, slices };
}

/** An informer over a fixed list that never changes. */
async function staticInformer<T extends KubeObject>(items: T[], signal: AbortSignal): Promise<Informer<T>> {
  const lw: ListerWatcher<T> = {
    listAll: async () => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items }) as List<T>,
    watch: (_ns, _o, s) => ({
      async *[Symbol.asyncIterator]() {
        await new Promise((resolve) => s?.addEventListener('abort', resolve, { once: true }));
      },
    }),
  };
  const inf = new Informer<T>(lw, { log: pino({ level: 'silent' }) });
  void inf.run(signal);
  await inf.waitForSync(signal);
  return inf;
}

async function serve(): Promise<void> {
  const ac = new AbortController();
  const { services, slices } = cluster();
  const dns = await startClusterDns({
    services: await staticInformer(services, ac.signal), endpointSlices: await staticInformer(slices, ac.signal),
    domain: 'cluster.local', listen: { address: '127.0.0.1', port: 0 }, log: pino({ level: 'warn' }), responseCache: !args['no-cache'], metrics: createProxyMetrics(),
  });
  process.send?.({ port: dns.port });
  process.on('disconnect', () => { void dns.close().then(() => { ac.abort(); process.exit(0); }); });
}

function queries(): Buffer[] {
  const out: Buffer[] = [];
  const q = (name: string, type: packet.RecordType = 'A'): void => {
    out.push(packet.encode({ type: 'query', id: 0, flags: packet.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] }));
  };
  for (let i = 0; i < 1000; i++) {
    const n = (i * 7919) % nServices;
    const svc = `svc-${n}.ns-${n % NAMESPACES}.svc.cluster.local`;
    const r = i % 20;
    if (r < 13) q(svc);
    else if (r < 15) q(`svc-${n}.ns-${n % NAMESPACES}.svc.cluster.local.ns-${n % NAMESPACES}.svc.cluster.local`);
    else if (r < 16) q(`api-${i}.example.com.svc.cluster.local`);
    else if (r < 17) q(`api-${i % 50}.example.com`);
    else if (r < 18) q(`_http._tcp.${svc}`, 'SRV');
    else if (r < 19) q(`svc-${n - (n % 10)}.ns-${(n - (n % 10)) % NAMESPACES}.svc.cluster.local`);
    else q(`${(n % 250) + 1}.${Math.floor(n / 250) + 1}.96.10.in-addr.arpa`, 'PTR');
  }
  return out;
}

interface Transport {
  send(msg: Buffer): void;
  close(): void;
}

async function load(port: number): Promise<void> {
  const seconds = Number(args.seconds);
  const inFlight = Number(args['in-flight']);
  const rate = args.rate ? Number(args.rate) : 0;
  const nSockets = Number(args.sockets);
  const qs = queries();
  const latencies = new Float64Array(5_000_000);
  let done = 0;
  let lost = 0;
  let next = 0;
  const rcodes = new Map<number, number>();
  let measuring = false;
  let stopped = false;
  const transports: Transport[] = [];
  const pending: Map<number, number>[] = [];
  const ids: number[] = [];

  const fire = (s: number): void => {
    if (stopped) return;
    const msg = Buffer.from(qs[next++ % qs.length]);
    // IDs are per socket; in-flight queries are far fewer than 65536.
    const id = (ids[s] = (ids[s] + 1) & 0xffff);
    msg.writeUInt16BE(id, 0);
    pending[s].set(id, performance.now());
    transports[s].send(msg);
  };
  const onAnswer = (s: number, msg: Buffer): void => {
    const id = msg.readUInt16BE(0);
    const t0 = pending[s].get(id);
    if (t0 === undefined) return;
    pending[s].delete(id);
    if (measuring && done < latencies.length) {
      latencies[done++] = performance.now() - t0;
      rcodes.set(msg[3] & 15, (rcodes.get(msg[3] & 15) ?? 0) + 1);
    }
    if (!rate) fire(s);
  };

  for (let s = 0; s < nSockets; s++) {
    pending.push(new Map());
    ids.push(0);
    if (args.tcp) {
      const sock = net.connect({ host: '127.0.0.1', port });
      sock.setNoDelay(true);
      await new Promise((resolve) => sock.once('connect', resolve));
      let buf = Buffer.alloc(0);
      sock.on('data', (c) => {
        buf = buf.length ? Buffer.concat([buf, c]) : c;
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + m.length);
          onAnswer(s, m);
        }
      });
      sock.on('error', () => undefined);
      transports.push({
        send: (m) => { const l = Buffer.allocUnsafe(2); l.writeUInt16BE(m.length); sock.write(Buffer.concat([l, m])); },
        close: () => sock.destroy(),
      });
    } else {
      const sock = dgram.createSocket('udp4');
      sock.on('message', (m) => onAnswer(s, m));
      await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
      transports.push({ send: (m) => sock.send(m, port, '127.0.0.1'), close: () => sock.close() });
    }
  }
  // Lost datagrams are replaced after a second so the load stays at inFlight.
  const reaper = setInterval(() => {
    const now = performance.now();
    for (let s = 0; s < nSockets; s++) {
      for (const [id, t0] of pending[s]) {
        if (now - t0 > 1000) {
          pending[s].delete(id);
          if (measuring) lost++;
          if (!rate) fire(s);
        }
      }
    }
  }, 100);
  let ticker: NodeJS.Timeout | undefined;
  if (rate) {
    // Open loop: every millisecond, what the rate owes since the start.
    const began = performance.now();
    let sent = 0;
    ticker = setInterval(() => {
      const owed = Math.floor(((performance.now() - began) / 1000) * rate);
      for (; sent < owed; sent++) fire(sent % nSockets);
    }, 1);
  } else {
    for (let i = 0; i < inFlight; i++) fire(i % nSockets);
  }
  // One second of warm-up (JIT, caches), then measure.
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  stopped = true;
  clearInterval(reaper);
  clearInterval(ticker);
  for (const t of transports) t.close();
  const sorted = latencies.slice(0, done).sort();
  const pct = (p: number): number => Number((sorted[Math.min(done - 1, Math.floor(done * p))] ?? 0).toFixed(3));
  const names = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN'];
  console.log(JSON.stringify({
    transport: args.tcp ? 'tcp' : 'udp', cache: !args['no-cache'], services: nServices, sockets: nSockets, ...(rate ? { rate } : { inFlight }), seconds: Number(elapsed.toFixed(2)),
    answered: done, lost, qps: Math.round(done / elapsed),
    latencyMs: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: pct(1) },
    rcodes: Object.fromEntries([...rcodes].map(([k, v]) => [names[k] ?? String(k), v])),
  }));
}

async function main(): Promise<void> {
  if (args.serve) return serve();
  const child = fork(process.argv[1], [...process.argv.slice(2), '--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    await load(port);
  } finally {
    const exited = child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined;
    if (child.connected) child.disconnect();
    await exited;
  }
}

await main();
