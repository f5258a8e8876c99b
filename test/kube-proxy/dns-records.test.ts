// The cluster DNS answers (kube-proxy/dns/records.ts answer()) from views built of
// plain objects and of filled informers: A, SRV and PTR records of ClusterIP and
// headless Services, endpoint hostnames, ExternalName CNAMEs, NXDOMAIN and NODATA with
// the zone's SOA, case-insensitivity, and names outside the zone (SERVFAIL, forward).
// The names and numbers are the ones of github.com/kubernetes/dns's specification and
// CoreDNS's kubernetes plugin.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Service, ServicePort } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import { answer, DnsView, reverseName, type DnsAnswer, type Rr } from '../../kube-proxy/dns/records.js';
import { filledInformer, sendEvent } from '../harness/filled-informer.js';

const Z = 'cluster.local';

function clusterIP(ns: string, name: string, ip: string, ports: ServicePort[]): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name, resourceVersion: '1' }, spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports } };
}

function headless(ns: string, name: string, ports = [{ name: 'pg', port: 5432, protocol: 'TCP' }]): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name, resourceVersion: '1' }, spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports } };
}

function externalName(ns: string, name: string, target: string): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name, resourceVersion: '1' }, spec: { type: 'ExternalName', externalName: target } };
}

interface Ep { ip: string; hostname?: string; ready?: boolean }

function slice(ns: string, name: string, svc: string, eps: Ep[], ports: { name?: string; port: number; protocol?: string }[], rv = '1'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { namespace: ns, name, resourceVersion: rv, labels: { 'kubernetes.io/service-name': svc } },
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: e.ready === undefined ? {} : { ready: e.ready }, ...(e.hostname ? { hostname: e.hostname } : {}) })),
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  };
}

const services: Service[] = [
  clusterIP('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]),
  clusterIP('default', 'web', '10.96.0.20', [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }]),
  clusterIP('default', 'plain', '10.96.0.30', [{ port: 8080, protocol: 'TCP' }]),
  clusterIP('kube-system', 'kube-dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]),
  headless('default', 'db'),
  headless('default', 'empty'),
  externalName('default', 'ext', 'www.Example.com.'),
  externalName('default', 'alias', 'web.default.svc.cluster.local'),
];

const slices: EndpointSlice[] = [
  slice('default', 'web-abc', 'web', [{ ip: '10.244.1.5', ready: true }, { ip: '10.244.1.6', ready: false }], [{ name: 'http', port: 8080 }]),
  slice('default', 'db-1', 'db', [{ ip: '10.244.2.1', hostname: 'db-0' }, { ip: '10.244.2.2', hostname: 'db-1', ready: true }], [{ name: 'pg', port: 5432 }]),
  slice('default', 'db-2', 'db', [{ ip: '10.244.2.3', ready: true }, { ip: '10.244.2.4', ready: false, hostname: 'db-3' }], [{ name: 'pg', port: 5432 }]),
  slice('default', 'empty-1', 'empty', [{ ip: '10.244.3.1', ready: false }], [{ name: 'pg', port: 5432 }]),
];

const view = DnsView.of({ domain: Z, services, endpointSlices: slices, nameservers: ['10.96.0.10'], now: () => 1_700_000_000_000 });
const ask = (name: string, type = 'A', v: DnsView = view): DnsAnswer => answer({ name, type }, v);
const data = (rrs: Rr[]): unknown[] => rrs.map((r) => r.data).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const soa = (a: DnsAnswer): void => {
  assert.equal(a.authority.length, 1, 'the zone SOA in authority');
  const [r] = a.authority;
  assert.equal(r.type, 'SOA');
  assert.equal(r.name, Z);
  assert.deepEqual(r.data, {
    mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1_700_000_000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5,
  });
};

describe('A records', () => {
  it('a ClusterIP Service is its ClusterIP, TTL 5, authoritative', () => {
    const a = ask('web.default.svc.cluster.local');
    assert.equal(a.rcode, 'NOERROR');
    assert.equal(a.authoritative, true);
    assert.deepEqual(a.answers, [{ name: 'web.default.svc.cluster.local', type: 'A', ttl: 5, data: '10.96.0.20' }]);
    assert.deepEqual(a.authority, []);
    assert.equal(a.forward, undefined);
  });

  it('kubernetes.default.svc.cluster.local is just the kubernetes Service', () => {
    assert.deepEqual(data(ask('kubernetes.default.svc.cluster.local').answers), ['10.96.0.1']);
    assert.deepEqual(data(ask('kube-dns.kube-system.svc.cluster.local').answers), ['10.96.0.10']);
  });

  it('names are matched whatever their case, with or without the final dot', () => {
    for (const n of ['WEB.Default.SVC.Cluster.Local.', 'web.default.svc.cluster.local.', 'Web.DEFAULT.svc.CLUSTER.local']) {
      assert.deepEqual(data(ask(n).answers), ['10.96.0.20'], n);
    }
    assert.deepEqual(answer({ name: 'web.default.svc.cluster.local', type: 'a', class: 'in' }, view).answers.length, 1);
  });

  it('a headless Service is the addresses of its ready endpoints, from every slice', () => {
    const a = ask('db.default.svc.cluster.local');
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(data(a.answers), ['10.244.2.1', '10.244.2.2', '10.244.2.3']);
    assert.ok(a.answers.every((r) => r.ttl === 5 && r.name === 'db.default.svc.cluster.local'));
  });

  it('a ready endpoint is <hostname>.<service>, or its dashed IP without a hostname', () => {
    assert.deepEqual(data(ask('db-0.db.default.svc.cluster.local').answers), ['10.244.2.1']);
    assert.deepEqual(data(ask('DB-1.db.default.svc.cluster.local').answers), ['10.244.2.2']);
    assert.deepEqual(data(ask('10-244-2-3.db.default.svc.cluster.local').answers), ['10.244.2.3']);
    // Endpoints of ClusterIP Services have names too (CoreDNS answers them).
    assert.deepEqual(data(ask('10-244-1-5.web.default.svc.cluster.local').answers), ['10.244.1.5']);
    // Not-ready endpoints have none.
    assert.equal(ask('db-3.db.default.svc.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('10-244-2-4.db.default.svc.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('10-244-1-6.web.default.svc.cluster.local').rcode, 'NXDOMAIN');
  });

  it('a headless Service without ready endpoints does not exist (NXDOMAIN, as the specification says)', () => {
    const a = ask('empty.default.svc.cluster.local');
    assert.equal(a.rcode, 'NXDOMAIN');
    soa(a);
  });

  it('pods insecure: <a-b-c-d>.<ns>.pod.<zone> is the address in the name', () => {
    assert.deepEqual(ask('10-244-9-9.anything.pod.cluster.local').answers, [{ name: '10-244-9-9.anything.pod.cluster.local', type: 'A', ttl: 5, data: '10.244.9.9' }]);
    assert.equal(ask('10-244-9-9.anything.pod.cluster.local', 'AAAA').rcode, 'NOERROR');
    assert.equal(ask('10-244-9-9.anything.pod.cluster.local', 'AAAA').answers.length, 0);
    assert.equal(ask('not-an-ip.default.pod.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('10-244-999-1.default.pod.cluster.local').rcode, 'NXDOMAIN');
    assert.deepEqual(data(ask('fd00--1.default.pod.cluster.local', 'AAAA').answers), ['fd00::1']);
  });
});

describe('SRV records', () => {
  it('a named port of a ClusterIP Service is one record targeting the Service, with its A record in additional', () => {
    const a = ask('_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(a.answers, [{
      name: '_http._tcp.web.default.svc.cluster.local', type: 'SRV', ttl: 5,
      data: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' },
    }]);
    assert.deepEqual(a.additional, [{ name: 'web.default.svc.cluster.local', type: 'A', ttl: 5, data: '10.96.0.20' }]);
    const dns = ask('_dns._udp.kube-dns.kube-system.svc.cluster.local', 'SRV');
    assert.deepEqual(data(dns.answers), [{ priority: 0, weight: 100, port: 53, target: 'kube-dns.kube-system.svc.cluster.local' }]);
    assert.equal(ask('_dns-tcp._tcp.kube-dns.kube-system.svc.cluster.local', 'SRV').answers.length, 1);
  });

  it('a headless Service has one record per ready endpoint, targeting its hostname or dashed IP, their A records in additional', () => {
    const a = ask('_pg._tcp.db.default.svc.cluster.local', 'SRV');
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(data(a.answers), [
      { priority: 0, weight: 33, port: 5432, target: '10-244-2-3.db.default.svc.cluster.local' },
      { priority: 0, weight: 33, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
      { priority: 0, weight: 33, port: 5432, target: 'db-1.db.default.svc.cluster.local' },
    ]);
    assert.deepEqual(a.additional.map((r) => `${r.name} ${r.type} ${r.data as string}`).sort(), [
      '10-244-2-3.db.default.svc.cluster.local A 10.244.2.3',
      'db-0.db.default.svc.cluster.local A 10.244.2.1',
      'db-1.db.default.svc.cluster.local A 10.244.2.2',
    ]);
  });

  it('the wrong protocol or an unknown port is NXDOMAIN; the _<proto> label alone exists (NODATA)', () => {
    const wrong = ask('_http._udp.web.default.svc.cluster.local', 'SRV');
    assert.equal(wrong.rcode, 'NXDOMAIN');
    soa(wrong);
    assert.equal(ask('_nope._tcp.web.default.svc.cluster.local', 'SRV').rcode, 'NXDOMAIN');
    const ent = ask('_tcp.web.default.svc.cluster.local', 'SRV');
    assert.equal(ent.rcode, 'NOERROR');
    assert.deepEqual(ent.answers, []);
  });

  it('the Service name itself has SRV records for every port, unnamed ones too', () => {
    assert.deepEqual(data(ask('plain.default.svc.cluster.local', 'SRV').answers), [{ priority: 0, weight: 100, port: 8080, target: 'plain.default.svc.cluster.local' }]);
    assert.deepEqual(data(ask('web.default.svc.cluster.local', 'SRV').answers).map((d) => (d as { port: number }).port), [80, 9090]);
  });
});

describe('PTR records', () => {
  it('a ClusterIP points at its Service', () => {
    const a = ask('20.0.96.10.in-addr.arpa', 'PTR');
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(a.answers, [{ name: '20.0.96.10.in-addr.arpa', type: 'PTR', ttl: 5, data: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(data(ask('1.0.96.10.IN-ADDR.ARPA.', 'PTR').answers), ['kubernetes.default.svc.cluster.local']);
  });

  it('an endpoint IP points at <hostname>.<service>', () => {
    assert.deepEqual(data(ask('1.2.244.10.in-addr.arpa', 'PTR').answers), ['db-0.db.default.svc.cluster.local']);
    assert.deepEqual(data(ask('3.2.244.10.in-addr.arpa', 'PTR').answers), ['10-244-2-3.db.default.svc.cluster.local']);
    assert.deepEqual(data(ask('5.1.244.10.in-addr.arpa', 'PTR').answers), ['10-244-1-5.web.default.svc.cluster.local']);
  });

  it('an address of no ClusterIP or ready endpoint is not the cluster\'s: SERVFAIL to forward', () => {
    for (const n of ['4.2.244.10.in-addr.arpa', '9.9.9.9.in-addr.arpa', '96.10.in-addr.arpa']) {
      const a = ask(n, 'PTR');
      assert.equal(a.rcode, 'SERVFAIL', n);
      assert.equal(a.forward, true);
    }
  });

  it('reverse names of IPv4 and IPv6 addresses', () => {
    assert.equal(reverseName('10.96.0.20'), '20.0.96.10.in-addr.arpa');
    assert.equal(reverseName('fd00::1'), `1.${'0.'.repeat(29)}d.f.ip6.arpa`);
    assert.equal(reverseName('::ffff:10.0.0.1'), `1.0.0.0.0.0.a.0.f.f.f.f.${'0.'.repeat(20)}ip6.arpa`);
    assert.equal(reverseName('nope'), undefined);
  });
});

describe('ExternalName', () => {
  it('is a CNAME to its externalName, which the server may chase upstream', () => {
    const a = ask('ext.default.svc.cluster.local');
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(a.answers, [{ name: 'ext.default.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'www.example.com' }]);
    assert.equal(a.chase, 'www.example.com');
    assert.deepEqual(ask('ext.default.svc.cluster.local', 'CNAME').answers, a.answers);
    assert.equal(ask('ext.default.svc.cluster.local', 'CNAME').chase, undefined);
  });

  it('a target inside the zone is followed here', () => {
    const a = ask('alias.default.svc.cluster.local');
    assert.deepEqual(a.answers, [
      { name: 'alias.default.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'web.default.svc.cluster.local' },
      { name: 'web.default.svc.cluster.local', type: 'A', ttl: 5, data: '10.96.0.20' },
    ]);
    assert.equal(a.chase, undefined);
  });

  it('has no SRV records (NODATA, as CoreDNS)', () => {
    const a = ask('ext.default.svc.cluster.local', 'SRV');
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(a.answers, []);
    soa(a);
  });
});

describe('names without records', () => {
  it('an unknown name in the zone is NXDOMAIN with the zone SOA', () => {
    for (const n of ['nope.default.svc.cluster.local', 'web.nons.svc.cluster.local', 'x.cluster.local', 'a.b.web.default.svc.cluster.local', 'web.default.nope.cluster.local', 'nons.svc.cluster.local']) {
      const a = ask(n);
      assert.equal(a.rcode, 'NXDOMAIN', n);
      assert.equal(a.authoritative, true);
      assert.deepEqual(a.answers, []);
      soa(a);
    }
  });

  it('a name that exists without the type asked is NODATA: NOERROR, no answers, the SOA', () => {
    for (const [n, t] of [['web.default.svc.cluster.local', 'AAAA'], ['web.default.svc.cluster.local', 'TXT'], ['db-0.db.default.svc.cluster.local', 'SRV'],
      ['web.default.svc.cluster.local', 'TYPE65'], ['default.svc.cluster.local', 'A'], ['svc.cluster.local', 'A'], ['cluster.local', 'A'],
      ['_http._tcp.web.default.svc.cluster.local', 'A']]) {
      const a = ask(n, t);
      assert.equal(a.rcode, 'NOERROR', `${n} ${t}`);
      assert.deepEqual(a.answers, [], `${n} ${t}`);
      soa(a);
    }
  });

  it('the apex has the SOA and ns.dns as its nameserver; dns-version has the schema version', () => {
    assert.deepEqual(ask('cluster.local', 'SOA').answers.map((r) => r.type), ['SOA']);
    const ns = ask('cluster.local', 'NS');
    assert.deepEqual(ns.answers, [{ name: 'cluster.local', type: 'NS', ttl: 5, data: 'ns.dns.cluster.local' }]);
    assert.deepEqual(ns.additional, [{ name: 'ns.dns.cluster.local', type: 'A', ttl: 5, data: '10.96.0.10' }]);
    assert.deepEqual(ask('dns-version.cluster.local', 'TXT').answers, [{ name: 'dns-version.cluster.local', type: 'TXT', ttl: 28800, data: ['1.1.0'] }]);
  });

  it('names outside the zone are not answered here: SERVFAIL, not authoritative, to forward', () => {
    for (const n of ['example.com', 'cluster.local.example.com', 'local', 'xcluster.local', '']) {
      const a = ask(n);
      assert.equal(a.rcode, 'SERVFAIL', n);
      assert.equal(a.authoritative, false);
      assert.equal(a.forward, true);
      assert.deepEqual([a.answers, a.authority, a.additional], [[], [], []]);
    }
  });

  it('classes other than IN are refused', () => {
    assert.equal(answer({ name: 'web.default.svc.cluster.local', type: 'TXT', class: 'CH' }, view).rcode, 'REFUSED');
  });
});

describe('the view follows informers', () => {
  const ac = new AbortController();
  after(() => ac.abort());

  it('answers change with Service and EndpointSlice events, one Service at a time', async () => {
    const svcInf = await filledInformer(services, ac.signal);
    const sliceInf = await filledInformer(slices, ac.signal);
    const v = new DnsView({ domain: Z });
    const stop = v.follow(svcInf, sliceInf);
    assert.deepEqual(data(ask('db.default.svc.cluster.local', 'A', v).answers), ['10.244.2.1', '10.244.2.2', '10.244.2.3']);
    const g0 = v.generation();

    // db-1 stops being ready; db-2 gains a second ready endpoint.
    await sendEvent(sliceInf, 'MODIFIED', slice('default', 'db-1', 'db', [{ ip: '10.244.2.1', hostname: 'db-0' }, { ip: '10.244.2.2', hostname: 'db-1', ready: false }], [{ name: 'pg', port: 5432 }], '2'));
    await sendEvent(sliceInf, 'MODIFIED', slice('default', 'db-2', 'db', [{ ip: '10.244.2.3' }, { ip: '10.244.2.4', hostname: 'db-3' }], [{ name: 'pg', port: 5432 }], '3'));
    assert.notEqual(v.generation(), g0);
    assert.deepEqual(data(ask('db.default.svc.cluster.local', 'A', v).answers), ['10.244.2.1', '10.244.2.3', '10.244.2.4']);
    assert.equal(ask('db-1.db.default.svc.cluster.local', 'A', v).rcode, 'NXDOMAIN');
    assert.deepEqual(data(ask('db-3.db.default.svc.cluster.local', 'A', v).answers), ['10.244.2.4']);
    assert.deepEqual(data(ask('4.2.244.10.in-addr.arpa', 'PTR', v).answers), ['db-3.db.default.svc.cluster.local']);
    assert.equal(ask('2.2.244.10.in-addr.arpa', 'PTR', v).forward, true);

    // A new Service; the ClusterIP of another changes; one is deleted.
    await sendEvent(svcInf, 'ADDED', clusterIP('team-a', 'api', '10.96.5.5', [{ name: 'grpc', port: 9000, protocol: 'TCP' }]));
    await sendEvent(svcInf, 'MODIFIED', { ...clusterIP('default', 'plain', '10.96.0.31', [{ port: 8080, protocol: 'TCP' }]), metadata: { namespace: 'default', name: 'plain', resourceVersion: '4' } });
    await sendEvent(svcInf, 'DELETED', { ...services[1], metadata: { ...services[1].metadata, resourceVersion: '5' } });
    assert.deepEqual(data(ask('api.team-a.svc.cluster.local', 'A', v).answers), ['10.96.5.5']);
    assert.equal(ask('team-a.svc.cluster.local', 'A', v).rcode, 'NOERROR');
    assert.deepEqual(data(ask('plain.default.svc.cluster.local', 'A', v).answers), ['10.96.0.31']);
    assert.equal(ask('30.0.96.10.in-addr.arpa', 'PTR', v).forward, true);
    assert.equal(ask('web.default.svc.cluster.local', 'A', v).rcode, 'NXDOMAIN');
    assert.equal(ask('_http._tcp.web.default.svc.cluster.local', 'SRV', v).rcode, 'NXDOMAIN');
    assert.equal(ask('20.0.96.10.in-addr.arpa', 'PTR', v).forward, true);
    // The alias to the deleted Service is still its CNAME, with nothing after it.
    assert.deepEqual(ask('alias.default.svc.cluster.local', 'A', v).answers.map((r) => r.type), ['CNAME']);

    // The last slice of a headless Service goes: it no longer exists.
    await sendEvent(sliceInf, 'DELETED', slice('default', 'db-1', 'db', [], [], '6'));
    await sendEvent(sliceInf, 'DELETED', slice('default', 'db-2', 'db', [], [], '7'));
    assert.equal(ask('db.default.svc.cluster.local', 'A', v).rcode, 'NXDOMAIN');
    assert.equal(ask('_pg._tcp.db.default.svc.cluster.local', 'SRV', v).rcode, 'NXDOMAIN');

    // An event that changes nothing DNS reads leaves the generation (and the server's cache) alone.
    const g1 = v.generation();
    await sendEvent(svcInf, 'MODIFIED', { ...clusterIP('team-a', 'api', '10.96.5.5', [{ name: 'grpc', port: 9000, protocol: 'TCP' }]), metadata: { namespace: 'team-a', name: 'api', resourceVersion: '8', annotations: { a: 'b' } } });
    assert.equal(v.generation(), g1);

    stop();
    await sendEvent(svcInf, 'DELETED', { ...clusterIP('team-a', 'api', '10.96.5.5', []), metadata: { namespace: 'team-a', name: 'api', resourceVersion: '9' } });
    assert.equal(ask('api.team-a.svc.cluster.local', 'A', v).rcode, 'NOERROR', 'a view that stopped following keeps what it had');
  });

  it('a slice that moves to another Service leaves the first', () => {
    const v = DnsView.of({ domain: Z, services: [headless('ns', 'a'), headless('ns', 'b')], endpointSlices: [slice('ns', 's', 'a', [{ ip: '10.0.0.1' }], [{ name: 'pg', port: 1 }])] });
    assert.equal(ask('a.ns.svc.cluster.local', 'A', v).answers.length, 1);
    v.upsertSlice(slice('ns', 's', 'b', [{ ip: '10.0.0.1' }], [{ name: 'pg', port: 1 }], '2'));
    assert.equal(ask('a.ns.svc.cluster.local', 'A', v).rcode, 'NXDOMAIN');
    assert.equal(ask('b.ns.svc.cluster.local', 'A', v).answers.length, 1);
  });

  it('malformed objects are skipped, never thrown on', () => {
    const bad = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: 'y' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: 'z' }, spec: { clusterIP: 'garbage', ports: [{ name: 'A B', port: -1 }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: 'e' }, spec: { type: 'ExternalName', externalName: '1.2.3.4' } },
    ] as Service[];
    const badSlices = [
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', metadata: { namespace: 'ns', name: 's1', labels: { 'kubernetes.io/service-name': 'y' } }, endpoints: null, ports: null },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', metadata: { namespace: 'ns', name: 's2', labels: { 'kubernetes.io/service-name': 'y' } }, endpoints: [{ addresses: ['fd00::1', 'nope', 7] }], ports: [{ port: 70000 }] },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'FQDN', metadata: { namespace: 'ns', name: 's3', labels: { 'kubernetes.io/service-name': 'y' } }, endpoints: [{ addresses: ['a.example'] }] },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4', metadata: { namespace: 'ns', name: 's4' }, endpoints: [{ addresses: ['10.1.1.1'] }] },
    ] as unknown as EndpointSlice[];
    const v = DnsView.of({ domain: Z, services: bad, endpointSlices: badSlices });
    assert.equal(ask('y.ns.svc.cluster.local', 'A', v).rcode, 'NOERROR');
    assert.deepEqual(ask('y.ns.svc.cluster.local', 'A', v).answers, []);
    assert.deepEqual(ask('z.ns.svc.cluster.local', 'A', v).answers, []);
    assert.equal(ask('e.ns.svc.cluster.local', 'A', v).rcode, 'NXDOMAIN');
  });
});
