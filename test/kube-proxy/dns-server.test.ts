// The cluster DNS server (kube-proxy/dns/server.ts) on real sockets on 127.0.0.1, asked
// with dns-packet: UDP and TCP (several queries on one connection, idle timeout),
// truncation at whole records and the TCP retry, EDNS0 sizes, answers echoing the
// asker's case, an upstream
// that is a small DNS server of this test on loopback (one that answers, one that
// never does, one that truncates over UDP), malformed packets, and, against a real
// apiserver with real informers, answers that follow Services and EndpointSlices made
// through the API. No query leaves the machine: every upstream here is on 127.0.0.1.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { pino } from 'pino';
import { cidrContains } from '../../api/ipv4.js';
import type { Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import { informerFor, type Informer } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startClusterDns, type ClusterDns, type ClusterDnsOptions } from '../../kube-proxy/dns/server.js';
import { encodeReply, readQuery, type Query } from '../../kube-proxy/dns/message.js';
import { createProxyMetrics } from '../../kube-proxy/metrics.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient } from '../harness/controllers.js';
import { filledInformer } from '../harness/filled-informer.js';
import { waitFor } from '../harness/processes.js';

const log = pino({ level: process.env.TSKUBE_TEST_LOG_LEVEL ?? 'silent' });
const Z = 'cluster.local';

function svc(ns: string, name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name, resourceVersion: '1' }, spec };
}

function slice(ns: string, name: string, service: string, ips: string[], hostname?: (i: number) => string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { namespace: ns, name, resourceVersion: '1', labels: { 'kubernetes.io/service-name': service } },
    endpoints: ips.map((ip, i) => ({ addresses: [ip], conditions: { ready: true }, ...(hostname ? { hostname: hostname(i) } : {}) })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

// 80 A records of the headless Service fit EDNS0's 4096 bytes uncompressed, not 512.
const BIG = 80;
const bigIPs = Array.from({ length: BIG }, (_, i) => `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`);
const services: Service[] = [
  svc('default', 'kubernetes', { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
  svc('default', 'web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
  svc('default', 'big', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }),
  svc('default', 'ext', { type: 'ExternalName', externalName: 'www.example.com' }),
];
const slices: EndpointSlice[] = [slice('default', 'big-1', 'big', bigIPs, (i) => `pod-${i}`)];

let nextId = 1;
function query(name: string, type: packet.RecordType = 'A', o: { edns?: number; id?: number } = {}): Buffer {
  return packet.encode({
    type: 'query', id: o.id ?? (nextId++ & 0xffff), flags: packet.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }],
    ...(o.edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: o.edns }] } : {}),
  } as packet.Packet);
}

/** Sends one UDP packet and resolves the first answer, or undefined after timeoutMs. */
async function udpExchange(port: number, msg: Buffer, timeoutMs = 3000): Promise<Buffer | undefined> {
  const sock = dgram.createSocket('udp4');
  try {
    return await new Promise<Buffer | undefined>((resolve, reject) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs);
      sock.on('message', (m) => { clearTimeout(t); resolve(m); });
      sock.on('error', reject);
      sock.send(msg, port, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}

async function udpAsk(port: number, msg: Buffer): Promise<Msg> {
  const out = await udpExchange(port, msg);
  assert.ok(out, 'an answer over UDP');
  return decode(out);
}

/** Writes every query on one TCP connection at once and reads as many answers. */
async function tcpAsk(port: number, msgs: Buffer[], o: { halfClose?: boolean } = {}): Promise<Msg[]> {
  const sock = net.connect({ host: '127.0.0.1', port });
  try {
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    sock.write(Buffer.concat(msgs.map((m) => { const l = Buffer.alloc(2); l.writeUInt16BE(m.length); return Buffer.concat([l, m]); })));
    if (o.halfClose) sock.end();
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${out.length} of ${msgs.length} TCP answers`)), 5000);
      sock.on('data', (c) => {
        buf = Buffer.concat([buf, c]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (out.length === msgs.length) { clearTimeout(t); resolve(); }
      });
      sock.on('error', (err) => { clearTimeout(t); reject(err); });
    });
    return out.map((m) => decode(m));
  } finally {
    sock.destroy();
  }
}

/** A decoded message, its records loosely typed (dns-packet's types leave rcode out and data off OPT). */
interface Msg {
  type: string;
  id: number;
  flags: number;
  rcode: string;
  questions: { name: string; type: string; class?: string }[];
  answers: Rec[];
  authorities: Rec[];
  additionals: Rec[];
}
interface Rec { name: string; type: string; ttl?: number; data?: unknown; extendedRcode?: number }
const decode = (b: Buffer): Msg => packet.decode(b) as unknown as Msg;

const addrs = (p: Msg): string[] => (p.answers ?? []).filter((a) => a.type === 'A').map((a) => a.data as string).sort();

/** A DNS server of the test's own on 127.0.0.1 (UDP, and TCP on the same port when tcpAnswer is given). */
async function fakeUpstream(udpAnswer: (q: packet.DecodedPacket) => packet.Packet | undefined, tcpAnswer?: (q: packet.DecodedPacket) => packet.Packet | undefined) {
  const received: packet.DecodedPacket[] = [];
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (m, rinfo) => {
      const q = packet.decode(m);
      received.push(q);
      const a = udpAnswer(q);
      if (a) udp.send(packet.encode(a), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const port = udp.address().port;
    const closeUdp = (): Promise<void> => new Promise<void>((resolve) => udp.close(() => resolve()));
    let tcp: net.Server | undefined;
    if (tcpAnswer) {
      const server = net.createServer((s) => s.on('data', (c) => {
        const q = packet.decode(c.subarray(2));
        received.push(q);
        const a = tcpAnswer(q);
        if (a) { const m = packet.encode(a); const l = Buffer.alloc(2); l.writeUInt16BE(m.length); s.write(Buffer.concat([l, m])); }
      }));
      try {
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
        tcp = server;
      } catch (err) {
        // The TCP port of the same number is taken: try another.
        await closeUdp();
        if (attempt < 5) continue;
        throw err;
      }
    }
    return {
      port, received,
      async close() {
        await closeUdp();
        if (tcp) await new Promise<void>((resolve) => (tcp as net.Server).close(() => resolve()));
      },
    };
  }
}

const replyTo = (q: packet.DecodedPacket, answers: packet.Answer[], flags = 0): packet.Packet =>
  ({ type: 'response', id: q.id, flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | flags, questions: q.questions, answers });

describe('cluster DNS server on loopback', () => {
  const ac = new AbortController();
  const servers: ClusterDns[] = [];
  const upstreams: { close(): Promise<void> }[] = [];
  let svcInf: Informer<Service>;
  let sliceInf: Informer<EndpointSlice>;
  let dns: ClusterDns;
  const metrics = createProxyMetrics();

  const start = async (o: Partial<ClusterDnsOptions> = {}): Promise<ClusterDns> => {
    const s = await startClusterDns({ services: svcInf, endpointSlices: sliceInf, domain: Z, listen: { address: '127.0.0.1', port: 0 }, log, ...o });
    servers.push(s);
    return s;
  };

  before(async () => {
    svcInf = await filledInformer(services, ac.signal);
    sliceInf = await filledInformer(slices, ac.signal);
    dns = await start({ metrics });
  });

  after(async () => {
    for (const s of servers) await s.close();
    for (const u of upstreams) await u.close();
    ac.abort();
  });

  it('answers A queries over UDP, with the ID, question and flags of the query', async () => {
    const q = query('web.default.svc.cluster.local', 'A', { id: 4242 });
    const a = await udpAsk(dns.port, q);
    assert.equal(a.id, 4242);
    assert.equal(a.type, 'response');
    assert.equal(a.rcode, 'NOERROR');
    assert.ok((a.flags ?? 0) & packet.AUTHORITATIVE_ANSWER);
    assert.ok((a.flags ?? 0) & packet.RECURSION_DESIRED);
    assert.deepEqual(a.questions, [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }]);
    assert.deepEqual(a.answers?.map((r) => [r.name, r.type, r.ttl, r.data]), [['web.default.svc.cluster.local', 'A', 5, '10.96.0.20']]);
    // The same question again (from the cache) keeps each query's own ID.
    const again = await udpAsk(dns.port, query('web.default.svc.cluster.local', 'A', { id: 4343 }));
    assert.equal(again.id, 4343);
    assert.deepEqual(addrs(again), ['10.96.0.20']);
  });

  it('echoes the asker\'s case (0x20) in the question and the answer names', async () => {
    const a = await udpAsk(dns.port, query('WeB.DeFault.SVC.cluster.LOCAL'));
    assert.equal(a.questions?.[0].name, 'WeB.DeFault.SVC.cluster.LOCAL');
    assert.deepEqual(a.answers?.map((r) => [r.name, r.data]), [['WeB.DeFault.SVC.cluster.LOCAL', '10.96.0.20']]);
    const lower = await udpAsk(dns.port, query('web.default.svc.cluster.local'));
    assert.equal(lower.questions?.[0].name, 'web.default.svc.cluster.local');
    assert.equal(lower.answers?.[0].name, 'web.default.svc.cluster.local');
  });

  it('answers NXDOMAIN and NODATA with the SOA, SRV with additional records, PTR', async () => {
    const nx = await udpAsk(dns.port, query('nope.default.svc.cluster.local'));
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.deepEqual(nx.answers, []);
    assert.deepEqual(nx.authorities?.map((r) => [r.name, r.type]), [['cluster.local', 'SOA']]);
    const nodata = await udpAsk(dns.port, query('web.default.svc.cluster.local', 'AAAA'));
    assert.equal(nodata.rcode, 'NOERROR');
    assert.deepEqual(nodata.answers, []);
    assert.equal(nodata.authorities?.[0].type, 'SOA');
    const srv = await udpAsk(dns.port, query('_http._tcp.web.default.svc.cluster.local', 'SRV'));
    assert.deepEqual(srv.answers?.map((r) => r.data), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(srv.additionals?.map((r) => [r.name, r.data]), [['web.default.svc.cluster.local', '10.96.0.20']]);
    const ptr = await udpAsk(dns.port, query('20.0.96.10.in-addr.arpa', 'PTR'));
    assert.deepEqual(ptr.answers?.map((r) => r.data), ['web.default.svc.cluster.local']);
  });

  it('answers several queries on one TCP connection', async () => {
    const answers = await tcpAsk(dns.port, [
      query('web.default.svc.cluster.local', 'A', { id: 1 }),
      query('kubernetes.default.svc.cluster.local', 'A', { id: 2 }),
      query('nope.default.svc.cluster.local', 'A', { id: 3 }),
    ]);
    const byId = new Map(answers.map((a) => [a.id, a]));
    assert.deepEqual(addrs(byId.get(1) as Msg), ['10.96.0.20']);
    assert.deepEqual(addrs(byId.get(2) as Msg), ['10.96.0.1']);
    assert.equal(byId.get(3)?.rcode, 'NXDOMAIN');
  });

  it('cuts a big headless answer over UDP at a whole record with TC; TCP or a large EDNS0 size gets it whole', async () => {
    const name = 'big.default.svc.cluster.local';
    const q = query(name);
    // dns-packet does not compress names: each A record is its whole name (31 bytes),
    // type, class, TTL, length (10) and address (4); the question is 35 bytes.
    const aRecord = name.length + 2 + 10 + 4;
    const fit = (size: number, opt = 0): number => Math.floor((size - q.length - opt) / aRecord);
    const raw = await udpExchange(dns.port, q);
    assert.ok(raw);
    const udp = decode(raw);
    assert.ok((udp.flags ?? 0) & packet.TRUNCATED_RESPONSE, 'TC set');
    assert.equal(udp.answers.length, fit(512));
    assert.equal(raw.length, q.length + udp.answers.length * aRecord, 'whole records only');
    assert.ok(addrs(udp).every((ip) => bigIPs.includes(ip)));
    // The client's retry over TCP gets every record.
    const [tcp] = await tcpAsk(dns.port, [query(name)]);
    assert.ok(!((tcp.flags ?? 0) & packet.TRUNCATED_RESPONSE));
    assert.deepEqual(addrs(tcp), [...bigIPs].sort());
    // EDNS0 1232 (the DNS flag day size): more records, still cut, the OPT kept.
    const mid = await udpExchange(dns.port, query(name, 'A', { edns: 1232 }));
    assert.ok(mid && mid.length <= 1232);
    const m = decode(mid);
    assert.ok((m.flags ?? 0) & packet.TRUNCATED_RESPONSE);
    assert.equal(m.answers.length, fit(1232, 11), 'room for the OPT record');
    assert.deepEqual(m.additionals.map((r) => r.type), ['OPT']);
    // EDNS0 4096: the whole answer over UDP, with an OPT.
    const edns = await udpAsk(dns.port, query(name, 'A', { edns: 4096 }));
    assert.ok(!((edns.flags ?? 0) & packet.TRUNCATED_RESPONSE));
    assert.deepEqual(addrs(edns), [...bigIPs].sort());
    assert.deepEqual(edns.additionals?.map((r) => r.type), ['OPT']);
    // SRV for every endpoint with the targets' A records is past 4096 bytes: a client
    // asking for more still gets at most 4096, with TC; over TCP all of it.
    const srvRaw = await udpExchange(dns.port, query(`_http._tcp.${name}`, 'SRV', { edns: 65000 }));
    assert.ok(srvRaw && srvRaw.length <= 4096, `UDP answer of ${srvRaw?.length} bytes`);
    const srvUdp = decode(srvRaw);
    assert.ok((srvUdp.flags ?? 0) & packet.TRUNCATED_RESPONSE);
    assert.ok(srvUdp.answers.length > 0 && srvUdp.answers.length < BIG);
    assert.equal((srvUdp.additionals.find((r) => r.type === 'OPT') as unknown as { udpPayloadSize: number }).udpPayloadSize, 4096);
    const [srv] = await tcpAsk(dns.port, [query(`_http._tcp.${name}`, 'SRV')]);
    assert.equal(srv.answers?.length, BIG);
    assert.equal(srv.additionals?.length, BIG);
    assert.ok(srv.answers?.some((r) => (r.data as { target: string }).target === 'pod-7.big.default.svc.cluster.local'));
  });

  it('names outside the zone get SERVFAIL at once without an upstream', async () => {
    const t0 = Date.now();
    const a = await udpAsk(dns.port, query('example.com'));
    assert.equal(a.rcode, 'SERVFAIL');
    assert.ok(Date.now() - t0 < 1000);
    const ptr = await udpAsk(dns.port, query('8.8.8.8.in-addr.arpa', 'PTR'));
    assert.equal(ptr.rcode, 'SERVFAIL');
    // An ExternalName is its CNAME alone.
    const ext = await udpAsk(dns.port, query('ext.default.svc.cluster.local'));
    assert.deepEqual(ext.answers?.map((r) => [r.type, r.data]), [['CNAME', 'www.example.com']]);
  });

  it('forwards names outside the zone to an upstream, and chases ExternalName targets there', async () => {
    const up = await fakeUpstream((q) => {
      const name = q.questions?.[0].name;
      if (name === 'example.com' || name === 'www.example.com') return replyTo(q, [{ name, type: 'A', ttl: 60, data: '192.0.2.1' }]);
      return { ...replyTo(q, []), flags: packet.RECURSION_AVAILABLE | 3 };
    });
    upstreams.push(up);
    const s = await start({ upstream: { address: '127.0.0.1', port: up.port } });
    const a = await udpAsk(s.port, query('example.com', 'A', { id: 777 }));
    assert.equal(a.id, 777);
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(a.answers?.map((r) => [r.name, r.data]), [['example.com', '192.0.2.1']]);
    const nx = await udpAsk(s.port, query('nothing.example'));
    assert.equal(nx.rcode, 'NXDOMAIN');
    const ext = await udpAsk(s.port, query('ext.default.svc.cluster.local'));
    assert.deepEqual(ext.answers?.map((r) => [r.name, r.type, r.data]), [
      ['ext.default.svc.cluster.local', 'CNAME', 'www.example.com'], ['www.example.com', 'A', '192.0.2.1'],
    ]);
    // The cluster's own names never go upstream.
    await udpAsk(s.port, query('web.default.svc.cluster.local'));
    await udpAsk(s.port, query('nope.default.svc.cluster.local'));
    assert.deepEqual(up.received.map((q) => q.questions?.[0].name).sort(), ['example.com', 'nothing.example', 'www.example.com']);
    // Over TCP too, also from a client that shuts its side once its queries are sent.
    const [t] = await tcpAsk(s.port, [query('example.com')]);
    assert.deepEqual(addrs(t), ['192.0.2.1']);
    const [half, local] = await tcpAsk(s.port, [query('example.com', 'A', { id: 91 }), query('web.default.svc.cluster.local', 'A', { id: 92 })], { halfClose: true });
    assert.deepEqual([half, local].map((m) => [m.id, addrs(m)]).sort(), [[91, ['192.0.2.1']], [92, ['10.96.0.20']]]);
  });

  it('asks the upstream again over TCP when its UDP answer is truncated and the client came over TCP', async () => {
    const up = await fakeUpstream(
      (q) => replyTo(q, [], packet.TRUNCATED_RESPONSE),
      (q) => replyTo(q, [{ name: q.questions?.[0].name as string, type: 'A', ttl: 60, data: '192.0.2.9' }]),
    );
    upstreams.push(up);
    const s = await start({ upstream: { address: '127.0.0.1', port: up.port } });
    const udp = await udpAsk(s.port, query('big.example'));
    assert.ok((udp.flags ?? 0) & packet.TRUNCATED_RESPONSE, 'a UDP client gets the TC answer and retries over TCP');
    const [tcp] = await tcpAsk(s.port, [query('big.example')]);
    assert.deepEqual(addrs(tcp), ['192.0.2.9']);
  });

  it('an upstream that never answers gives SERVFAIL in bounded time', async () => {
    const up = await fakeUpstream(() => undefined);
    upstreams.push(up);
    const s = await start({ upstream: { address: '127.0.0.1', port: up.port }, upstreamTimeoutMs: 400 });
    const t0 = Date.now();
    const [udp, [tcp]] = await Promise.all([udpAsk(s.port, query('silent.example')), tcpAsk(s.port, [query('silent.example', 'AAAA')])]);
    const ms = Date.now() - t0;
    assert.equal(udp.rcode, 'SERVFAIL');
    assert.equal(tcp.rcode, 'SERVFAIL');
    assert.ok(ms >= 350 && ms < 2000, `answered after ${ms} ms`);
    assert.ok(up.received.length >= 2, 'the queries did reach the upstream');
    // An ExternalName whose target's upstream is silent is its CNAME alone.
    const ext = await udpAsk(s.port, query('ext.default.svc.cluster.local'));
    assert.deepEqual(ext.answers?.map((r) => r.type), ['CNAME']);
  });

  it('drops or answers FORMERR to malformed packets, and keeps answering', async () => {
    const id = Buffer.from([0x12, 0x34]);
    const header = (flags: number, qd: number, an = 0, ns = 0, ar = 0): Buffer => {
      const h = Buffer.alloc(12);
      id.copy(h);
      h.writeUInt16BE(flags, 2); h.writeUInt16BE(qd, 4); h.writeUInt16BE(an, 6); h.writeUInt16BE(ns, 8); h.writeUInt16BE(ar, 10);
      return h;
    };
    const good = query('web.default.svc.cluster.local');
    // Dropped: too short for a header, and responses (QR set).
    assert.equal(await udpExchange(dns.port, Buffer.from([1, 2, 3]), 300), undefined);
    assert.equal(await udpExchange(dns.port, Buffer.concat([header(0x8000, 1), good.subarray(12)]), 300), undefined);
    const formerr = [
      header(0, 1), // a question promised, none there
      Buffer.concat([header(0, 1), Buffer.from([3, 0x77, 0x65])]), // name cut off
      Buffer.concat([header(0, 1), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]), // a pointer to itself
      Buffer.concat([header(0, 1), Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0, 0, 1, 0, 1])]), // label of 64
      Buffer.concat([header(0, 2), good.subarray(12), good.subarray(12)]), // two questions
      Buffer.concat([header(0, 0)]),
      Buffer.concat([header(0, 1, 0, 0, 1), good.subarray(12), Buffer.from([0, 0, 41, 0x10])]), // OPT cut off
      Buffer.concat([header(0, 1, 0, 0, 2), good.subarray(12), Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0])]), // two OPTs
    ];
    for (const [i, m] of formerr.entries()) {
      const out = await udpExchange(dns.port, m);
      assert.ok(out, `an answer to malformed packet ${i}`);
      const a = decode(out);
      assert.equal(a.id, 0x1234);
      assert.equal(a.rcode, 'FORMERR', `packet ${i}`);
    }
    // Names dns-packet cannot write back (a dot inside a label, bytes that are not
    // UTF-8) are nothing of the cluster's: REFUSED, as the answer could not echo them.
    for (const label of [Buffer.from('web.default'), Buffer.from([0x77, 0xff])]) {
      const odd = Buffer.concat([header(0, 1), Buffer.from([label.length]), label, Buffer.from([3, ...Buffer.from('svc'), 7, ...Buffer.from('cluster'), 5, ...Buffer.from('local'), 0, 0, 1, 0, 1])]);
      const a = decode(await udpExchange(dns.port, odd) as Buffer);
      assert.equal(a.rcode, 'REFUSED');
      assert.equal(a.id, 0x1234);
    }
    // Opcodes other than QUERY are not implemented.
    const notimp = decode(await udpExchange(dns.port, Buffer.concat([header(2 << 11, 1), good.subarray(12)])) as Buffer);
    assert.equal(notimp.rcode, 'NOTIMP');
    // EDNS versions other than 0 get BADVERS (extended rcode 16 in the OPT).
    const v1 = Buffer.concat([header(0, 1, 0, 0, 1), good.subarray(12), Buffer.from([0, 0, 41, 0x10, 0, 0, 1, 0, 0, 0, 0])]);
    const badvers = await udpExchange(dns.port, v1);
    assert.ok(badvers);
    assert.equal(badvers[3] & 15, 0);
    const opt = decode(badvers).additionals.find((r) => r.type === 'OPT');
    assert.equal(opt?.extendedRcode, 1);
    // Random bytes never crash it.
    const junkSock = dgram.createSocket('udp4');
    for (let i = 0; i < 300; i++) {
      const junk = Buffer.from(Array.from({ length: 12 + (i % 60) }, () => Math.floor(Math.random() * 256)));
      junk[2] &= 0x7f;
      await new Promise((resolve) => junkSock.send(junk, dns.port, '127.0.0.1', resolve));
    }
    junkSock.close();
    // Over TCP: FORMERR in the frame, then the next query on the same connection still works.
    const [fe, ok] = await tcpAsk(dns.port, [formerr[1], good]);
    assert.equal(fe.rcode, 'FORMERR');
    assert.deepEqual(addrs(ok), ['10.96.0.20']);
    assert.deepEqual(addrs(await udpAsk(dns.port, good)), ['10.96.0.20']);
  });

  it('closes a TCP connection that sends a frame too short for a header, and idle ones', async () => {
    const s = await start({ tcpIdleTimeoutMs: 300 });
    const closed = (sock: net.Socket): Promise<number> => new Promise((resolve) => { const t0 = Date.now(); sock.on('close', () => resolve(Date.now() - t0)); sock.on('error', () => undefined); });
    const short = net.connect({ host: '127.0.0.1', port: s.port });
    short.on('connect', () => short.write(Buffer.from([0, 3, 1, 2, 3])));
    assert.ok(await closed(short) < 2000);
    const idle = net.connect({ host: '127.0.0.1', port: s.port });
    const ms = await closed(idle);
    assert.ok(ms >= 250 && ms < 3000, `idle connection closed after ${ms} ms`);
  });

  it('counts answers by rcode and transport', async () => {
    const text = await metrics.registry.getSingleMetricAsString('coredns_dns_responses_total');
    assert.match(text, /coredns_dns_responses_total\{rcode="NOERROR",proto="udp"\} \d+/);
    assert.match(text, /coredns_dns_responses_total\{rcode="NXDOMAIN",proto="tcp"\} \d+/);
    assert.match(text, /coredns_dns_responses_total\{rcode="FORMERR",proto="udp"\} \d+/);
  });

  it('close() stops answering and releases the port', async () => {
    const s = await start();
    assert.deepEqual(addrs(await udpAsk(s.port, query('web.default.svc.cluster.local'))), ['10.96.0.20']);
    await s.close();
    assert.equal(await udpExchange(s.port, query('web.default.svc.cluster.local'), 300), undefined);
    await new Promise<void>((resolve, reject) => {
      const srv = net.createServer().once('error', reject).listen(s.port, '127.0.0.1', () => srv.close(() => resolve()));
    });
  });
});

describe('messages with dns-packet', () => {
  const read = (msg: Buffer): Query => {
    const r = readQuery(msg);
    assert.equal(r.kind, 'query');
    return (r as { query: Query }).query;
  };
  const a = (ip: string): packet.Answer => ({ name: 'big.default.svc.cluster.local', type: 'A', ttl: 5, data: ip });
  const A_RECORD = 31 + 10 + 4;

  it('reads the question in the asker\'s case and the EDNS0 size, version and DO bit', () => {
    const q = read(query('Big.Default.svc.cluster.local', 'SRV', { id: 7 }));
    assert.deepEqual([q.id, q.question, q.edns], [7, { name: 'Big.Default.svc.cluster.local', type: 'SRV', class: 'IN' }, undefined]);
    const e = read(packet.encode({
      type: 'query', id: 1, questions: [{ name: 'x.cluster.local', type: 'A', class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, ednsVersion: 0, flags: packet.DNSSEC_OK } as packet.Answer],
    }));
    assert.deepEqual(e.edns, { udpSize: 1232, version: 0, dnssecOk: true });
    // Types dns-packet has no name for still go through.
    assert.equal(read(query('x.cluster.local', 'UNKNOWN_65400' as packet.RecordType)).question.type, 'UNKNOWN_65400');
  });

  it('cuts at whole records as miekg/dns Truncate does, keeps the OPT, and sets TC when anything is left out', () => {
    const msg = query('big.default.svc.cluster.local');
    const q = read(msg);
    const reply = (answers: packet.Answer[], additionals: packet.Answer[] = [], authorities: packet.Answer[] = []) =>
      ({ rcode: 0, authoritative: true, answers, authorities, additionals });
    const ten = bigIPs.slice(0, 10).map(a);
    const fits = encodeReply(q, reply(ten), 512);
    assert.equal(fits.length, msg.length + 10 * A_RECORD);
    assert.equal(fits[2] & 0x02, 0, 'no TC');
    assert.equal(decode(fits).answers.length, 10);
    // One more record does not fit 512 bytes: the first ten stay, TC.
    const cut = encodeReply(q, reply(bigIPs.slice(0, 40).map(a)), 512);
    assert.ok(cut.length <= 512);
    assert.ok(cut[2] & 0x02, 'TC');
    assert.deepEqual(addrs(decode(cut)), bigIPs.slice(0, 10).sort());
    // Left-out additional records set TC too (miekg/dns); a cut answer leaves the authority out.
    const extra = encodeReply(q, reply(ten.slice(0, 1), bigIPs.slice(0, 40).map(a)), 512);
    assert.ok(extra[2] & 0x02);
    assert.deepEqual([decode(extra).answers.length, decode(extra).additionals.length], [1, 9]);
    const soa: packet.Answer = { name: 'cluster.local', type: 'SOA', ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } };
    assert.deepEqual(decode(encodeReply(q, reply(bigIPs.slice(0, 40).map(a), [], [soa]), 512)).authorities, []);
    // With EDNS0 the OPT record stays last, within the client's size.
    const big = read(query('big.default.svc.cluster.local', 'A', { edns: 1232 }));
    const opt = encodeReply(big, reply(bigIPs.map(a)), 1232);
    assert.ok(opt.length <= 1232 && opt.length > 1232 - A_RECORD);
    const d = decode(opt);
    assert.ok((d.flags & packet.TRUNCATED_RESPONSE) !== 0);
    assert.deepEqual(d.additionals.map((r) => r.type), ['OPT']);
    // An extended rcode goes to the OPT record (BADVERS 16: 1 there, 0 in the header).
    const badvers = encodeReply(big, { ...reply([]), rcode: 16 }, 512);
    assert.equal(badvers[3] & 15, 0);
    assert.equal(decode(badvers).additionals[0].extendedRcode, 1);
  });
});

describe('cluster DNS with a real apiserver and informers', () => {
  let cp: ControlPlane;
  let rest: RestClient;
  let dns: ClusterDns | undefined;
  const ac = new AbortController();

  before(async () => {
    cp = await startControlPlane();
    rest = adminClient(cp);
  });

  after(async () => {
    await dns?.close();
    ac.abort();
    await rest?.close();
    await cp?.stop();
  });

  it('answers follow Services and EndpointSlices created, changed and deleted through the API', async () => {
    const services = informerFor<Service>(rest, 'services', { log });
    const slicesInf = informerFor<EndpointSlice>(rest, 'endpointslices.discovery.k8s.io', { log });
    void services.run(ac.signal);
    void slicesInf.run(ac.signal);
    assert.ok(await services.waitForSync(ac.signal));
    assert.ok(await slicesInf.waitForSync(ac.signal));
    dns = await startClusterDns({ services, endpointSlices: slicesInf, domain: Z, listen: { address: '127.0.0.1', port: 0 }, log });
    const port = dns.port;
    const WAIT = { timeoutMs: 15_000, intervalMs: 50 };

    // The apiserver's own Service.
    const kubernetes = (await resourceClient<Service>(rest, 'services').get('default', 'kubernetes')).spec?.clusterIP as string;
    assert.deepEqual(addrs(await udpAsk(port, query('kubernetes.default.svc.cluster.local'))), [kubernetes]);

    // A ClusterIP Service: its allocated ClusterIP, as soon as the informer has it.
    const created = await resourceClient<Service>(rest, 'services').create('default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns-e2e' }, spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80 }] },
    });
    const ip = created.spec?.clusterIP as string;
    assert.ok(cidrContains('10.96.0.0/12', ip), `ClusterIP ${ip} in the service range`);
    await waitFor(async () => addrs(await udpAsk(port, query('dns-e2e.default.svc.cluster.local'))).join() === ip, { ...WAIT, what: 'the new Service to resolve' });
    const srv = await udpAsk(port, query('_http._tcp.dns-e2e.default.svc.cluster.local', 'SRV'));
    assert.deepEqual(srv.answers?.map((r) => (r.data as { port: number }).port), [80]);
    const rev = ip.split('.').reverse().join('.');
    assert.deepEqual((await udpAsk(port, query(`${rev}.in-addr.arpa`, 'PTR'))).answers?.map((r) => r.data), ['dns-e2e.default.svc.cluster.local']);

    // A headless Service and an EndpointSlice made by hand (no controller runs here).
    await resourceClient<Service>(rest, 'services').create('default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns-pets' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] },
    });
    const slices = resourceClient<EndpointSlice>(rest, 'endpointslices.discovery.k8s.io');
    const made = await slices.create('default', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: 'dns-pets-1', labels: { 'kubernetes.io/service-name': 'dns-pets' } },
      endpoints: [
        { addresses: ['10.244.7.1'], hostname: 'pet-0', conditions: { ready: true } },
        { addresses: ['10.244.7.2'], hostname: 'pet-1', conditions: { ready: true } },
      ],
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    });
    await waitFor(async () => addrs(await udpAsk(port, query('dns-pets.default.svc.cluster.local'))).join() === '10.244.7.1,10.244.7.2', { ...WAIT, what: 'the headless Service to resolve' });
    assert.deepEqual(addrs(await udpAsk(port, query('pet-1.dns-pets.default.svc.cluster.local'))), ['10.244.7.2']);

    // pet-1 stops being ready.
    await slices.update('default', { ...made, endpoints: [made.endpoints?.[0] as NonNullable<EndpointSlice['endpoints']>[number], { addresses: ['10.244.7.2'], hostname: 'pet-1', conditions: { ready: false } }] });
    await waitFor(async () => (await udpAsk(port, query('pet-1.dns-pets.default.svc.cluster.local'))).rcode === 'NXDOMAIN', { ...WAIT, what: 'the unready pet to go' });
    assert.deepEqual(addrs(await udpAsk(port, query('dns-pets.default.svc.cluster.local'))), ['10.244.7.1']);

    // Deleting the Service removes its names.
    await resourceClient<Service>(rest, 'services').delete('default', 'dns-e2e');
    await waitFor(async () => (await udpAsk(port, query('dns-e2e.default.svc.cluster.local'))).rcode === 'NXDOMAIN', { ...WAIT, what: 'the deleted Service to go' });
    assert.equal((await udpAsk(port, query(`${rev}.in-addr.arpa`, 'PTR'))).rcode, 'SERVFAIL');
  });
});
