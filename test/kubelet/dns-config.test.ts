// The kubelet's pod DNS configuration (kubelet/dns-config.ts), table-driven with the
// cases of Kubernetes' pkg/kubelet/network/dns/dns_test.go: resolv.conf parsing, each
// dnsPolicy, the dnsConfig merge, the limits and the events, the resolv.conf text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod, PodSpec } from '../../api/types/core.js';
import {
  fitLimits,
  mergeDNSOptions,
  MISSING_CLUSTER_DNS_MESSAGE,
  parseClusterDNSFlag,
  parseResolvConf,
  podDNSConfig,
  podDNSType,
  resolvConfText,
  type DNSConfig,
  type DNSSettings,
} from '../../kubelet/dns-config.js';

const pod = (spec: Partial<PodSpec> = {}, ns = 'team-a'): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web', namespace: ns, uid: 'u-1' },
  spec: { containers: [{ name: 'main', image: 'busybox' }], ...spec },
});

const HOST: DNSConfig = { servers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'example'], options: ['ndots:2', 'rotate'] };
const settings = (o: Partial<DNSSettings> = {}): DNSSettings => ({
  clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', host: HOST, nodeIPs: ['192.0.2.7'], ...o,
});

describe('parseResolvConf', () => {
  const table: [string, string, Partial<ReturnType<typeof parseResolvConf>>][] = [
    ['empty', '', { servers: [], searches: [], options: [], errors: [] }],
    ['one nameserver', 'nameserver 1.2.3.4', { servers: ['1.2.3.4'] }],
    ['leading spaces and a trailing comment field', '   nameserver 1.2.3.4 # the first', { servers: ['1.2.3.4'] }],
    ['tabs', 'nameserver\t1.2.3.4', { servers: ['1.2.3.4'] }],
    ['nameservers accumulate', 'nameserver 1.2.3.4\nnameserver 5.6.7.8', { servers: ['1.2.3.4', '5.6.7.8'] }],
    ['comments skipped', '# nameserver 9.9.9.9\nnameserver 1.2.3.4\n  # search foo', { servers: ['1.2.3.4'], searches: [] }],
    ['search', 'search foo bar', { searches: ['foo', 'bar'] }],
    ['trailing dots dropped', 'search foo. bar.', { searches: ['foo', 'bar'] }],
    ['the last search wins', 'search foo\nsearch bar baz', { searches: ['bar', 'baz'] }],
    ['options', 'options ndots:5 attempts:2', { options: ['ndots:5', 'attempts:2'] }],
    ['the last options wins', 'options ndots:5\noptions rotate', { options: ['rotate'] }],
    ['everything, CRLF-free lines with blank ones', 'nameserver 1.2.3.4\n\nsearch a b\noptions debug\n', { servers: ['1.2.3.4'], searches: ['a', 'b'], options: ['debug'] }],
    ['a nameserver without address is an error', 'nameserver\nnameserver 1.2.3.4', { servers: ['1.2.3.4'], errors: ['nameserver list is empty '] }],
    ['unknown keywords ignored', 'domain corp\nsortlist 10.0.0.0\nnameserver 1.1.1.1', { servers: ['1.1.1.1'], searches: [] }],
  ];
  for (const [name, text, want] of table) {
    test(name, () => {
      const got = parseResolvConf(text);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, k);
    });
  }
});

describe('podDNSType', () => {
  const table: [Partial<PodSpec>, string, string?][] = [
    [{}, 'cluster'],
    [{ dnsPolicy: 'ClusterFirst' }, 'cluster'],
    [{ dnsPolicy: 'ClusterFirst', hostNetwork: true }, 'host'],
    [{ dnsPolicy: 'ClusterFirstWithHostNet' }, 'cluster'],
    [{ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }, 'cluster'],
    [{ dnsPolicy: 'Default' }, 'host'],
    [{ dnsPolicy: 'Default', hostNetwork: true }, 'host'],
    [{ dnsPolicy: 'None' }, 'none'],
    [{ dnsPolicy: 'Bogus' }, 'cluster', 'Bogus'],
  ];
  for (const [spec, type, invalid] of table) {
    test(JSON.stringify(spec), () => assert.deepEqual(podDNSType(pod(spec)), { type, ...(invalid ? { invalid } : {}) }));
  }
});

describe('podDNSConfig', () => {
  const clusterSearches = ['team-a.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];
  const table: { name: string; spec?: Partial<PodSpec>; s?: Partial<DNSSettings>; want: DNSConfig; events?: string[] }[] = [
    {
      name: 'ClusterFirst: cluster servers, cluster then host searches, ndots:5 only',
      want: { servers: ['10.96.0.10'], searches: [...clusterSearches, 'corp.example', 'example'], options: ['ndots:5'] },
    },
    {
      name: 'ClusterFirst with several cluster DNS servers and another domain',
      s: { clusterDNS: ['10.96.0.10', '10.96.0.11'], clusterDomain: 'kube.test' },
      want: { servers: ['10.96.0.10', '10.96.0.11'], searches: ['team-a.svc.kube.test', 'svc.kube.test', 'kube.test', 'corp.example', 'example'], options: ['ndots:5'] },
    },
    {
      name: 'ClusterFirst: host searches equal to cluster ones are not repeated',
      s: { host: { servers: ['192.0.2.53'], searches: ['cluster.local', 'example'], options: [] } },
      want: { servers: ['10.96.0.10'], searches: [...clusterSearches, 'example'], options: ['ndots:5'] },
    },
    {
      name: 'ClusterFirst with no cluster domain: the host searches only',
      s: { clusterDomain: '' },
      want: { servers: ['10.96.0.10'], searches: ['corp.example', 'example'], options: ['ndots:5'] },
    },
    {
      name: 'ClusterFirst without a resolv.conf: cluster searches only',
      s: { host: undefined },
      want: { servers: ['10.96.0.10'], searches: clusterSearches, options: ['ndots:5'] },
    },
    {
      name: 'ClusterFirstWithHostNet on the host network is cluster',
      spec: { dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true },
      want: { servers: ['10.96.0.10'], searches: [...clusterSearches, 'corp.example', 'example'], options: ['ndots:5'] },
    },
    {
      name: 'ClusterFirst on the host network falls back to Default (no event)',
      spec: { hostNetwork: true },
      want: HOST,
    },
    {
      name: 'ClusterFirst without --cluster-dns: Default, and MissingClusterDNS',
      s: { clusterDNS: [] },
      want: HOST,
      events: [`MissingClusterDNS: pod: "web_team-a(u-1)". ${MISSING_CLUSTER_DNS_MESSAGE}`],
    },
    {
      name: 'ClusterFirst without --cluster-dns nor resolv.conf: loopback and search "."',
      s: { clusterDNS: [], host: undefined },
      want: { servers: ['127.0.0.1'], searches: ['.'], options: [] },
      events: [`MissingClusterDNS: pod: "web_team-a(u-1)". ${MISSING_CLUSTER_DNS_MESSAGE}`],
    },
    {
      name: 'Default: the node resolv.conf as it is',
      spec: { dnsPolicy: 'Default' },
      want: HOST,
    },
    {
      name: 'Default without resolv.conf: a loopback server per node address family',
      spec: { dnsPolicy: 'Default' },
      s: { host: undefined, nodeIPs: ['192.0.2.7', '2001:db8::7'] },
      want: { servers: ['127.0.0.1', '::1'], searches: ['.'], options: [] },
    },
    {
      name: 'Default without resolv.conf nor node addresses: 127.0.0.1',
      spec: { dnsPolicy: 'Default' },
      s: { host: undefined, nodeIPs: [] },
      want: { servers: ['127.0.0.1'], searches: ['.'], options: [] },
    },
    {
      name: 'None: only dnsConfig',
      spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ['203.0.113.1'], searches: ['my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } },
      want: { servers: ['203.0.113.1'], searches: ['my.dns.search.suffix'], options: ['ndots:2', 'edns0'] },
    },
    {
      name: 'ClusterFirst + dnsConfig: appended, duplicates dropped, options overridden by name in place',
      spec: { dnsConfig: { nameservers: ['10.96.0.10', '203.0.113.1'], searches: ['svc.cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }] } },
      want: { servers: ['10.96.0.10', '203.0.113.1'], searches: [...clusterSearches, 'corp.example', 'example', 'extra.example'], options: ['ndots:1', 'single-request'] },
    },
    {
      name: 'Default + dnsConfig: an option without value replaces one with a value',
      spec: { dnsPolicy: 'Default', dnsConfig: { options: [{ name: 'ndots' }, { name: 'rotate', value: '' }] } },
      want: { servers: HOST.servers, searches: HOST.searches, options: ['ndots', 'rotate'] },
    },
    {
      name: 'more than 3 nameservers: the first 3 and DNSConfigForming',
      spec: { dnsConfig: { nameservers: ['203.0.113.1', '203.0.113.2', '203.0.113.3'] } },
      want: { servers: ['10.96.0.10', '203.0.113.1', '203.0.113.2'], searches: [...clusterSearches, 'corp.example', 'example'], options: ['ndots:5'] },
      events: ['DNSConfigForming: Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 203.0.113.1 203.0.113.2'],
    },
  ];
  for (const c of table) {
    test(c.name, () => {
      const got = podDNSConfig(pod(c.spec), settings(c.s));
      assert.deepEqual(got.config, c.want);
      assert.deepEqual(got.events.map((e) => `${e.reason}: ${e.message}`), c.events ?? []);
      for (const e of got.events) assert.equal(e.type, 'Warning');
    });
  }

  test('an unknown dnsPolicy is ClusterFirst, reported for the log', () => {
    const got = podDNSConfig(pod({ dnsPolicy: 'Bogus' }), settings());
    assert.equal(got.invalidPolicy, 'Bogus');
    assert.deepEqual(got.config.servers, ['10.96.0.10']);
  });

  test('the settings are not changed (the node config is shared by every pod)', () => {
    const s = settings();
    const before = structuredClone(s);
    podDNSConfig(pod({ dnsPolicy: 'Default', dnsConfig: { nameservers: ['203.0.113.9'], searches: ['x'], options: [{ name: 'ndots', value: '9' }] } }), s);
    podDNSConfig(pod(), s);
    assert.deepEqual(s, before);
  });
});

describe('limits', () => {
  const many = (n: number, len = 10): string[] => Array.from({ length: n }, (_, i) => `${String(i).padStart(3, '0')}${'a'.repeat(len - 4)}.`.slice(0, len));
  const SEARCH_MSG = 'Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ';

  test('32 search paths pass; 33 keep the first 32', () => {
    assert.deepEqual(fitLimits({ servers: [], searches: many(32), options: [] }).messages, []);
    const cut = fitLimits({ servers: [], searches: many(33), options: [] });
    assert.deepEqual(cut.config.searches, many(32));
    assert.deepEqual(cut.messages, [SEARCH_MSG + many(32).join(' ')]);
  });

  test('a search path over 253 characters is dropped, the others kept', () => {
    const long = 'x'.repeat(254);
    const cut = fitLimits({ servers: [], searches: ['a', long, 'b'], options: [] });
    assert.deepEqual(cut.config.searches, ['a', 'b']);
    assert.deepEqual(cut.messages, [`${SEARCH_MSG}a b`]);
    assert.deepEqual(fitLimits({ servers: [], searches: ['y'.repeat(253)], options: [] }).messages, []);
  });

  test('the search line is at most 2048 characters: domains dropped from the end', () => {
    // 9 domains of 228 characters: 9*228 + 8 spaces = 2060 > 2048; 8 make 1831.
    const doms = many(9, 228);
    const cut = fitLimits({ servers: [], searches: doms, options: [] });
    assert.deepEqual(cut.config.searches, doms.slice(0, 8));
    assert.equal(cut.messages.length, 1);
    // Exactly 2048 passes.
    const exact = [...many(8, 228), 'z'.repeat(2048 - (8 * 228 + 8))];
    assert.equal(exact.join(' ').length, 2048);
    assert.deepEqual(fitLimits({ servers: [], searches: exact, options: [] }).messages, []);
  });

  test('a pod whose dnsConfig pushes the search line over: DNSConfigForming on the pod', () => {
    const got = podDNSConfig(pod({ dnsConfig: { searches: many(30) } }), settings());
    assert.equal(got.config.searches.length, 32);
    assert.deepEqual(got.events.map((e) => e.reason), ['DNSConfigForming']);
  });
});

describe('mergeDNSOptions', () => {
  const table: [string[], { name?: string; value?: string }[], string[]][] = [
    [[], [], []],
    [['ndots:5'], [], ['ndots:5']],
    [['ndots:5', 'rotate'], [{ name: 'ndots', value: '2' }], ['ndots:2', 'rotate']],
    [['ndots:5'], [{ name: 'edns0' }, { name: 'timeout', value: '1' }], ['ndots:5', 'edns0', 'timeout:1']],
    [['a:1', 'a:2'], [], ['a:2']],
    [['ndots:5'], [{ name: 'ndots', value: '' }], ['ndots']],
  ];
  for (const [base, extra, want] of table) {
    test(`${JSON.stringify(base)} + ${JSON.stringify(extra)}`, () => assert.deepEqual(mergeDNSOptions(base, extra), want));
  }
});

describe('resolvConfText', () => {
  test('nameserver lines, then search and options lines when there are any', () => {
    assert.equal(
      resolvConfText({ servers: ['10.96.0.10', '10.96.0.11'], searches: ['a.svc.cluster.local', 'cluster.local'], options: ['ndots:5', 'edns0'] }),
      'nameserver 10.96.0.10\nnameserver 10.96.0.11\nsearch a.svc.cluster.local cluster.local\noptions ndots:5 edns0\n',
    );
    assert.equal(resolvConfText({ servers: ['127.0.0.1'], searches: ['.'], options: [] }), 'nameserver 127.0.0.1\nsearch .\n');
    assert.equal(resolvConfText({ servers: [], searches: [], options: [] }), '');
  });

  test('parse of the text gives the config back', () => {
    const c: DNSConfig = { servers: ['10.96.0.10'], searches: ['x.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] };
    const { errors, ...back } = parseResolvConf(resolvConfText(c));
    assert.deepEqual(errors, []);
    assert.deepEqual(back, c);
  });
});

describe('parseClusterDNSFlag', () => {
  test('comma-separated addresses; empty is none; anything else is refused', () => {
    assert.deepEqual(parseClusterDNSFlag(undefined), []);
    assert.deepEqual(parseClusterDNSFlag(''), []);
    assert.deepEqual(parseClusterDNSFlag('10.96.0.10'), ['10.96.0.10']);
    assert.deepEqual(parseClusterDNSFlag('10.96.0.10, 10.96.0.11,fd00::a'), ['10.96.0.10', '10.96.0.11', 'fd00::a']);
    assert.throws(() => parseClusterDNSFlag('10.96.0.10,kube-dns'), /--cluster-dns: "kube-dns" is not an IP address/);
    assert.throws(() => parseClusterDNSFlag('10.96.0.300'), /not an IP address/);
  });
});
