// buildRuleset (kube-proxy's nftables ruleset, pure): the whole script for a small
// fixed state compared as text, the in-place update that keeps affinity sets and
// deletes what is gone, and `nft -c` accepting every script generated here (the
// kernel checks it without changing anything).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNftScript } from '../../kube-proxy/nftables/nft.js';
import { endpointChainName, serviceChainNames } from '../../kube-proxy/nftables/names.js';
import { buildRuleset, planRuleset, renderRuleset, type RulesetOptions } from '../../kube-proxy/nftables/ruleset.js';
import { servicePortKey, type Endpoint, type ProxyState, type ServicePort } from '../../kube-proxy/types.js';

function svc(namespace: string, name: string, o: Partial<ServicePort> & { portName?: string; protocol?: ServicePort['protocol'] } = {}): ServicePort {
  const { portName = '', protocol = 'TCP', ...rest } = o;
  const n = { namespace, name, port: portName, protocol };
  return {
    key: servicePortKey(n), name: n, type: 'ClusterIP', clusterIP: '', port: 80, protocol, nodePort: 0,
    sessionAffinity: { type: 'None' }, externalIPs: [], loadBalancerIPs: [], externalPolicyLocal: false,
    internalPolicyLocal: false, healthCheckNodePort: 0, ...rest,
  };
}

function ep(ip: string, port: number, o: Partial<Endpoint> = {}): Endpoint {
  return { ip, port, key: `${ip}:${port}`, ready: true, serving: true, terminating: false, isLocal: false, ...o };
}

function state(entries: Array<[ServicePort, Endpoint[]]>): ProxyState {
  return {
    services: new Map(entries.map(([s]) => [s.key, s])),
    endpoints: new Map(entries.map(([s, eps]) => [s.key, eps])),
  };
}

// Listed out of key order on purpose: the output must not depend on map order.
const FIXTURE = state([
  // externalTrafficPolicy Local: one endpoint here, one elsewhere.
  [svc('ns5', 'svc5', {
    type: 'LoadBalancer', clusterIP: '172.30.0.45', nodePort: 3005, loadBalancerIPs: ['5.6.7.8'], externalPolicyLocal: true,
  }), [ep('10.180.0.5', 80, { isLocal: true }), ep('10.180.1.5', 80)]],
  // ClusterIP, two endpoints.
  [svc('ns1', 'svc1', { portName: 'p80', clusterIP: '172.30.0.41' }), [ep('10.180.0.1', 80), ep('10.180.0.2', 80)]],
  // NodePort over UDP with an externalIP.
  [svc('ns2', 'svc2', {
    type: 'NodePort', protocol: 'UDP', clusterIP: '172.30.0.42', port: 53, nodePort: 3002, externalIPs: ['192.168.99.11'],
  }), [ep('10.180.0.3', 8081)]],
  // ClientIP affinity; the not-ready endpoint takes no traffic.
  [svc('ns3', 'svc3', { clusterIP: '172.30.0.43', sessionAffinity: { type: 'ClientIP', timeoutSeconds: 10800 } }),
    [ep('10.180.0.7', 8080), ep('10.180.0.8', 8080, { ready: false, serving: false })]],
  // No endpoints: reject, at the ClusterIP and the nodePort.
  [svc('ns4', 'svc4', { type: 'NodePort', clusterIP: '172.30.0.44', nodePort: 3004 }), []],
]);

const OPTIONS: RulesetOptions = { table: 'kube-proxy-test', nodePortAddresses: ['0.0.0.0'] };

const EXPECTED = `add table ip kube-proxy-test
delete table ip kube-proxy-test
add table ip kube-proxy-test { comment "rules for tskube kube-proxy" ; }
add chain ip kube-proxy-test filter-input { type filter hook input priority -110 ; }
add chain ip kube-proxy-test filter-forward { type filter hook forward priority -110 ; }
add chain ip kube-proxy-test filter-output { type filter hook output priority -110 ; }
add chain ip kube-proxy-test filter-output-post-dnat { type filter hook output priority -90 ; }
add chain ip kube-proxy-test nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip kube-proxy-test nat-output { type nat hook output priority -100 ; }
add chain ip kube-proxy-test nat-postrouting { type nat hook postrouting priority 100 ; }
add chain ip kube-proxy-test services
add chain ip kube-proxy-test masquerading
add chain ip kube-proxy-test mark-for-masquerade
add chain ip kube-proxy-test service-endpoints-check
add chain ip kube-proxy-test nodeport-endpoints-check
add chain ip kube-proxy-test cluster-ips-check
add chain ip kube-proxy-test reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }
add set ip kube-proxy-test cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add map ip kube-proxy-test service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }
add map ip kube-proxy-test service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
add map ip kube-proxy-test no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }
add map ip kube-proxy-test no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }
add chain ip kube-proxy-test service-ULMVA6XW-ns1/svc1/tcp/p80
add chain ip kube-proxy-test endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80
add chain ip kube-proxy-test endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80
add chain ip kube-proxy-test service-NNYFLLCT-ns2/svc2/udp/
add chain ip kube-proxy-test external-NNYFLLCT-ns2/svc2/udp/
add chain ip kube-proxy-test endpoint-Z4Z5ZXW7-ns2/svc2/udp/__10.180.0.3/8081
add chain ip kube-proxy-test service-MUPGITXC-ns3/svc3/tcp/
add chain ip kube-proxy-test endpoint-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080
add set ip kube-proxy-test affinity-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }
add chain ip kube-proxy-test service-NXOGGIRZ-ns5/svc5/tcp/
add chain ip kube-proxy-test local-NXOGGIRZ-ns5/svc5/tcp/
add chain ip kube-proxy-test external-NXOGGIRZ-ns5/svc5/tcp/
add chain ip kube-proxy-test endpoint-JZQOR3ES-ns5/svc5/tcp/__10.180.0.5/80
add chain ip kube-proxy-test endpoint-MVBCCJ6T-ns5/svc5/tcp/__10.180.1.5/80
add rule ip kube-proxy-test filter-input ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop comment "block incoming localnet connections"
add rule ip kube-proxy-test filter-input ct state new jump nodeport-endpoints-check
add rule ip kube-proxy-test filter-input ct state new jump service-endpoints-check
add rule ip kube-proxy-test filter-input ct state new jump cluster-ips-check
add rule ip kube-proxy-test filter-forward ct state new jump service-endpoints-check
add rule ip kube-proxy-test filter-forward ct state new jump cluster-ips-check
add rule ip kube-proxy-test filter-output ct state new jump service-endpoints-check
add rule ip kube-proxy-test filter-output-post-dnat ct state new jump cluster-ips-check
add rule ip kube-proxy-test nat-prerouting jump services
add rule ip kube-proxy-test nat-output jump services
add rule ip kube-proxy-test nat-postrouting jump masquerading
add rule ip kube-proxy-test services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy-test services fib daddr type local meta l4proto . th dport vmap @service-nodeports
add rule ip kube-proxy-test masquerading meta mark & 0x00004000 == 0x00000000 return
add rule ip kube-proxy-test masquerading meta mark set meta mark ^ 0x00004000
add rule ip kube-proxy-test masquerading masquerade fully-random
add rule ip kube-proxy-test mark-for-masquerade meta mark set meta mark | 0x00004000
add rule ip kube-proxy-test service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
add rule ip kube-proxy-test nodeport-endpoints-check meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip kube-proxy-test cluster-ips-check ip daddr @cluster-ips goto reject-chain comment "Reject traffic to invalid ports of ClusterIPs"
add rule ip kube-proxy-test reject-chain meta l4proto tcp reject with tcp reset
add rule ip kube-proxy-test reject-chain reject
add rule ip kube-proxy-test service-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 tcp dport 80 fib saddr type local jump mark-for-masquerade
add rule ip kube-proxy-test service-ULMVA6XW-ns1/svc1/tcp/p80 numgen random mod 2 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80, 1 : goto endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80 }
add rule ip kube-proxy-test endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 ip saddr 10.180.0.1 jump mark-for-masquerade
add rule ip kube-proxy-test endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 meta l4proto tcp dnat to 10.180.0.1:80
add rule ip kube-proxy-test endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80 ip saddr 10.180.0.2 jump mark-for-masquerade
add rule ip kube-proxy-test endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80 meta l4proto tcp dnat to 10.180.0.2:80
add rule ip kube-proxy-test service-NNYFLLCT-ns2/svc2/udp/ ip daddr 172.30.0.42 udp dport 53 fib saddr type local jump mark-for-masquerade
add rule ip kube-proxy-test service-NNYFLLCT-ns2/svc2/udp/ numgen random mod 1 vmap { 0 : goto endpoint-Z4Z5ZXW7-ns2/svc2/udp/__10.180.0.3/8081 }
add rule ip kube-proxy-test external-NNYFLLCT-ns2/svc2/udp/ jump mark-for-masquerade
add rule ip kube-proxy-test external-NNYFLLCT-ns2/svc2/udp/ goto service-NNYFLLCT-ns2/svc2/udp/
add rule ip kube-proxy-test endpoint-Z4Z5ZXW7-ns2/svc2/udp/__10.180.0.3/8081 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy-test endpoint-Z4Z5ZXW7-ns2/svc2/udp/__10.180.0.3/8081 meta l4proto udp dnat to 10.180.0.3:8081
add rule ip kube-proxy-test service-MUPGITXC-ns3/svc3/tcp/ ip daddr 172.30.0.43 tcp dport 80 fib saddr type local jump mark-for-masquerade
add rule ip kube-proxy-test service-MUPGITXC-ns3/svc3/tcp/ ip saddr @affinity-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080 goto endpoint-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080
add rule ip kube-proxy-test service-MUPGITXC-ns3/svc3/tcp/ numgen random mod 1 vmap { 0 : goto endpoint-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080 }
add rule ip kube-proxy-test endpoint-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080 ip saddr 10.180.0.7 jump mark-for-masquerade
add rule ip kube-proxy-test endpoint-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080 update @affinity-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080 { ip saddr }
add rule ip kube-proxy-test endpoint-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080 meta l4proto tcp dnat to 10.180.0.7:8080
add rule ip kube-proxy-test service-NXOGGIRZ-ns5/svc5/tcp/ ip daddr 172.30.0.45 tcp dport 80 fib saddr type local jump mark-for-masquerade
add rule ip kube-proxy-test service-NXOGGIRZ-ns5/svc5/tcp/ numgen random mod 2 vmap { 0 : goto endpoint-JZQOR3ES-ns5/svc5/tcp/__10.180.0.5/80, 1 : goto endpoint-MVBCCJ6T-ns5/svc5/tcp/__10.180.1.5/80 }
add rule ip kube-proxy-test local-NXOGGIRZ-ns5/svc5/tcp/ numgen random mod 1 vmap { 0 : goto endpoint-JZQOR3ES-ns5/svc5/tcp/__10.180.0.5/80 }
add rule ip kube-proxy-test external-NXOGGIRZ-ns5/svc5/tcp/ fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"
add rule ip kube-proxy-test external-NXOGGIRZ-ns5/svc5/tcp/ fib saddr type local goto service-NXOGGIRZ-ns5/svc5/tcp/ comment "short-circuit local traffic"
add rule ip kube-proxy-test external-NXOGGIRZ-ns5/svc5/tcp/ goto local-NXOGGIRZ-ns5/svc5/tcp/
add rule ip kube-proxy-test endpoint-JZQOR3ES-ns5/svc5/tcp/__10.180.0.5/80 ip saddr 10.180.0.5 jump mark-for-masquerade
add rule ip kube-proxy-test endpoint-JZQOR3ES-ns5/svc5/tcp/__10.180.0.5/80 meta l4proto tcp dnat to 10.180.0.5:80
add rule ip kube-proxy-test endpoint-MVBCCJ6T-ns5/svc5/tcp/__10.180.1.5/80 ip saddr 10.180.1.5 jump mark-for-masquerade
add rule ip kube-proxy-test endpoint-MVBCCJ6T-ns5/svc5/tcp/__10.180.1.5/80 meta l4proto tcp dnat to 10.180.1.5:80
add element ip kube-proxy-test service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }
add element ip kube-proxy-test service-ips { 172.30.0.42 . udp . 53 : goto service-NNYFLLCT-ns2/svc2/udp/ }
add element ip kube-proxy-test service-ips { 192.168.99.11 . udp . 53 : goto external-NNYFLLCT-ns2/svc2/udp/ }
add element ip kube-proxy-test service-nodeports { udp . 3002 : goto external-NNYFLLCT-ns2/svc2/udp/ }
add element ip kube-proxy-test service-ips { 172.30.0.43 . tcp . 80 : goto service-MUPGITXC-ns3/svc3/tcp/ }
add element ip kube-proxy-test no-endpoint-services { 172.30.0.44 . tcp . 80 comment "ns4/svc4" : goto reject-chain }
add element ip kube-proxy-test no-endpoint-nodeports { tcp . 3004 comment "ns4/svc4" : goto reject-chain }
add element ip kube-proxy-test service-ips { 172.30.0.45 . tcp . 80 : goto service-NXOGGIRZ-ns5/svc5/tcp/ }
add element ip kube-proxy-test service-ips { 5.6.7.8 . tcp . 80 : goto external-NXOGGIRZ-ns5/svc5/tcp/ }
add element ip kube-proxy-test service-nodeports { tcp . 3005 : goto external-NXOGGIRZ-ns5/svc5/tcp/ }
add element ip kube-proxy-test cluster-ips { 172.30.0.41 }
add element ip kube-proxy-test cluster-ips { 172.30.0.42 }
add element ip kube-proxy-test cluster-ips { 172.30.0.43 }
add element ip kube-proxy-test cluster-ips { 172.30.0.44 }
add element ip kube-proxy-test cluster-ips { 172.30.0.45 }
`;

test('the whole script for a fixed state, as text', () => {
  assert.equal(buildRuleset(FIXTURE, OPTIONS), EXPECTED);
});

test('the same state in another map order gives the same text', () => {
  const reversed: ProxyState = {
    services: new Map([...FIXTURE.services].reverse()),
    endpoints: new Map([...FIXTURE.endpoints].reverse()),
  };
  assert.equal(buildRuleset(reversed, OPTIONS), EXPECTED);
});

test("chain names are kube-proxy's (sha256 base32 prefix, readable name)", () => {
  const s = svc('ns1', 'svc1', { portName: 'p80', clusterIP: '172.30.0.41' });
  // Both names appear in Kubernetes' pkg/proxy/nftables comments and tests.
  assert.equal(serviceChainNames(s).cluster, 'service-ULMVA6XW-ns1/svc1/tcp/p80');
  assert.equal(endpointChainName(s, ep('10.180.0.1', 80)), 'endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
});

test('nodePorts on listed addresses use the nodeport-ips set; 127.0.0.1 brings the localnet guard', () => {
  const text = buildRuleset(FIXTURE, { table: 't', nodePortAddresses: ['192.168.0.2', '127.0.0.1', 'fe80::1'] });
  const lines = text.split('\n');
  assert.ok(lines.includes('add set ip t nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }'));
  assert.ok(lines.includes('add element ip t nodeport-ips { 127.0.0.1 }'));
  assert.ok(lines.includes('add element ip t nodeport-ips { 192.168.0.2 }'));
  assert.ok(!text.includes('fe80'), 'IPv6 addresses are left out');
  assert.ok(lines.includes('add rule ip t services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports'));
  assert.ok(lines.includes('add rule ip t nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports'));
  assert.ok(!text.includes('fib daddr type local'));
  assert.ok(text.includes('block incoming localnet connections'));

  const noLocalhost = buildRuleset(FIXTURE, { table: 't', nodePortAddresses: ['192.168.0.2'] });
  assert.ok(!noLocalhost.includes('127.0.0.0/8'), 'no localnet guard without localhost nodePorts');
});

const etpLocal = svc('ns', 'etp', {
  type: 'NodePort', clusterIP: '172.30.1.1', nodePort: 3101, externalIPs: ['192.168.99.12'], externalPolicyLocal: true,
});
const itpLocal = svc('ns', 'itp', { clusterIP: '172.30.1.2', internalPolicyLocal: true });
/** Local policies whose only endpoint is on another node. */
const LOCAL_POLICIES = state([[etpLocal, [ep('10.180.9.1', 80)]], [itpLocal, [ep('10.180.9.1', 80)]]]);
const CIDR_OPTIONS: RulesetOptions = { table: 't', nodePortAddresses: ['0.0.0.0'], clusterCIDR: '10.180.0.0/16' };

test('Local policies with no local endpoint drop instead of reject; the node and pods still reach Cluster endpoints', () => {
  const text = buildRuleset(LOCAL_POLICIES, CIDR_OPTIONS);
  const lines = text.split('\n');
  const { cluster, external } = serviceChainNames(etpLocal);
  // External traffic from outside is dropped in the filter chains ...
  assert.ok(lines.includes('add element ip t no-endpoint-nodeports { tcp . 3101 comment "ns/etp" : drop }'));
  assert.ok(lines.includes('add element ip t no-endpoint-services { 192.168.99.12 . tcp . 80 comment "ns/etp" : drop }'));
  // ... but it is still captured, so the node and pods short-circuit to the Cluster endpoints.
  assert.ok(lines.includes(`add element ip t service-nodeports { tcp . 3101 : goto ${external} }`));
  assert.ok(lines.includes(`add rule ip t ${external} ip saddr 10.180.0.0/16 goto ${cluster} comment "short-circuit pod traffic"`));
  assert.ok(lines.includes(`add rule ip t ${external} fib saddr type local goto ${cluster} comment "short-circuit local traffic"`));
  assert.ok(!lines.some((l) => l.startsWith(`add rule ip t ${external} goto local-`)), 'no local chain to fall through to');
  // The ClusterIP of the Cluster-internal service works, masqueraded from outside the cluster CIDR.
  assert.ok(lines.includes(`add rule ip t ${cluster} ip daddr 172.30.1.1 tcp dport 80 ip saddr != 10.180.0.0/16 jump mark-for-masquerade`));
  // internalTrafficPolicy Local with no local endpoint: the ClusterIP drops.
  assert.ok(lines.includes('add element ip t no-endpoint-services { 172.30.1.2 . tcp . 80 comment "ns/itp" : drop }'));
  assert.ok(!lines.some((l) => l.includes('service-ips { 172.30.1.2 ')));
});

test('SCTP ports are skipped; an address and port claimed twice is written once', () => {
  const sctp = svc('ns', 'sctp', { protocol: 'SCTP', clusterIP: '172.30.2.1' });
  const a = svc('ns', 'a', { clusterIP: '172.30.2.2' });
  const b = svc('ns', 'b', { clusterIP: '172.30.2.2' });
  const text = buildRuleset(state([[sctp, [ep('10.180.2.1', 80)]], [a, [ep('10.180.2.2', 80)]], [b, [ep('10.180.2.3', 80)]]]), OPTIONS);
  assert.ok(!text.includes('sctp') && !text.includes('172.30.2.1'));
  const entries = text.split('\n').filter((l) => l.includes('service-ips { 172.30.2.2 . tcp . 80 '));
  assert.deepEqual(entries, [`add element ip kube-proxy-test service-ips { 172.30.2.2 . tcp . 80 : goto ${serviceChainNames(a).cluster} }`]);
  assert.equal(text.split('\n').filter((l) => l === 'add element ip kube-proxy-test cluster-ips { 172.30.2.2 }').length, 1);
});

/** FIXTURE without svc1, and with one more endpoint for svc3 (ClientIP affinity). */
function changedFixture(): ProxyState {
  const svc1 = [...FIXTURE.services.values()].find((s) => s.name.name === 'svc1')!;
  const svc3 = [...FIXTURE.services.values()].find((s) => s.name.name === 'svc3')!;
  return {
    services: new Map([...FIXTURE.services].filter(([k]) => k !== svc1.key)),
    endpoints: new Map([...FIXTURE.endpoints].filter(([k]) => k !== svc1.key)
      .map(([k, eps]) => [k, k === svc3.key ? [...eps, ep('10.180.0.9', 8080)] : eps])),
  };
}

const EXPECTED_UPDATE = `add chain ip kube-proxy-test endpoint-FK66EE4J-ns3/svc3/tcp/__10.180.0.9/8080
add set ip kube-proxy-test affinity-FK66EE4J-ns3/svc3/tcp/__10.180.0.9/8080 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }
flush chain ip kube-proxy-test service-MUPGITXC-ns3/svc3/tcp/
flush chain ip kube-proxy-test service-ULMVA6XW-ns1/svc1/tcp/p80
flush chain ip kube-proxy-test endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80
flush chain ip kube-proxy-test endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80
delete element ip kube-proxy-test service-ips { 172.30.0.41 . tcp . 80 }
delete element ip kube-proxy-test cluster-ips { 172.30.0.41 }
delete chain ip kube-proxy-test service-ULMVA6XW-ns1/svc1/tcp/p80
delete chain ip kube-proxy-test endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80
delete chain ip kube-proxy-test endpoint-2ZNDXFAB-ns1/svc1/tcp/p80__10.180.0.2/80
add rule ip kube-proxy-test service-MUPGITXC-ns3/svc3/tcp/ ip daddr 172.30.0.43 tcp dport 80 fib saddr type local jump mark-for-masquerade
add rule ip kube-proxy-test service-MUPGITXC-ns3/svc3/tcp/ ip saddr @affinity-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080 goto endpoint-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080
add rule ip kube-proxy-test service-MUPGITXC-ns3/svc3/tcp/ ip saddr @affinity-FK66EE4J-ns3/svc3/tcp/__10.180.0.9/8080 goto endpoint-FK66EE4J-ns3/svc3/tcp/__10.180.0.9/8080
add rule ip kube-proxy-test service-MUPGITXC-ns3/svc3/tcp/ numgen random mod 2 vmap { 0 : goto endpoint-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080, 1 : goto endpoint-FK66EE4J-ns3/svc3/tcp/__10.180.0.9/8080 }
add rule ip kube-proxy-test endpoint-FK66EE4J-ns3/svc3/tcp/__10.180.0.9/8080 ip saddr 10.180.0.9 jump mark-for-masquerade
add rule ip kube-proxy-test endpoint-FK66EE4J-ns3/svc3/tcp/__10.180.0.9/8080 update @affinity-FK66EE4J-ns3/svc3/tcp/__10.180.0.9/8080 { ip saddr }
add rule ip kube-proxy-test endpoint-FK66EE4J-ns3/svc3/tcp/__10.180.0.9/8080 meta l4proto tcp dnat to 10.180.0.9:8080
`;

test('an update changes only what differs: new chains and sets, rewritten chains, element changes, deletions', () => {
  const text = buildRuleset(changedFixture(), { ...OPTIONS, previous: planRuleset(FIXTURE, OPTIONS) });
  assert.equal(text, EXPECTED_UPDATE);
  // The affinity set of the endpoint that stays is neither flushed nor re-created: its entries survive.
  assert.ok(!text.includes('affinity-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080 {'));
  // Nothing changed, nothing to do.
  assert.equal(buildRuleset(FIXTURE, { ...OPTIONS, previous: planRuleset(FIXTURE, OPTIONS) }), '');
});

test('a changed affinity timeout re-creates the set, after the chains naming it let go of it', () => {
  const next = changedFixture();
  const svc3 = [...next.services.values()].find((s) => s.name.name === 'svc3')!;
  const retimed: ProxyState = {
    services: new Map([...next.services].map(([k, s]) => [k, k === svc3.key ? { ...s, sessionAffinity: { type: 'ClientIP', timeoutSeconds: 60 } } : s])),
    endpoints: next.endpoints,
  };
  const lines = buildRuleset(retimed, { ...OPTIONS, previous: planRuleset(next, OPTIONS) }).split('\n');
  const t = 'ip kube-proxy-test';
  const set = 'affinity-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080';
  const chain = 'endpoint-PGRN6QEA-ns3/svc3/tcp/__10.180.0.7/8080';
  const del = lines.indexOf(`delete set ${t} ${set}`);
  const add = lines.indexOf(`add set ${t} ${set} { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }`);
  assert.ok(del > 0 && add > del);
  assert.ok(lines.indexOf(`flush chain ${t} ${chain}`) < del, 'the endpoint chain (update @set) is flushed first');
  assert.ok(lines.indexOf(`flush chain ${t} ${serviceChainNames(svc3).cluster}`) < del, 'the service chain (ip saddr @set) too');
  assert.ok(lines.indexOf(`add rule ${t} ${chain} update @${set} { ip saddr }`) > add, 'and rewritten after');
});

test('a rewrite (the periodic full sync) flushes every rule and element but the affinity sets', () => {
  const previous = planRuleset(FIXTURE, OPTIONS);
  const lines = renderRuleset(planRuleset(changedFixture(), OPTIONS), OPTIONS.table, previous, 'rewrite').split('\n');
  const t = 'ip kube-proxy-test';
  assert.deepEqual(lines.slice(0, 2), [`add table ${t} { comment "rules for tskube kube-proxy" ; }`, `flush table ${t}`]);
  for (const name of ['service-ips', 'service-nodeports', 'no-endpoint-services', 'no-endpoint-nodeports']) {
    assert.ok(lines.includes(`flush map ${t} ${name}`), name);
  }
  assert.ok(lines.includes(`flush set ${t} cluster-ips`));
  assert.ok(!lines.some((l) => l.startsWith('flush set') && l.includes('affinity-')), 'affinity sets are never flushed');
  assert.ok(lines.includes(`delete chain ${t} service-ULMVA6XW-ns1/svc1/tcp/p80`));
  assert.equal(lines.filter((l) => l.startsWith('add rule')).length, planRuleset(changedFixture(), OPTIONS).objects.reduce((n, o) => n + (o.rules?.length ?? 0), 0));
});

test('nft -c accepts every script generated here', async () => {
  const previous = planRuleset(FIXTURE, OPTIONS);
  const emptyState = state([]);
  const scripts: Array<[string, string]> = [
    ['full, all addresses', buildRuleset(FIXTURE, OPTIONS)],
    ['full, listed addresses and cluster CIDR', buildRuleset(FIXTURE, { table: 'kube-proxy-test', nodePortAddresses: ['192.168.0.2', '127.0.0.1'], clusterCIDR: '10.180.0.0/16' })],
    ['Local policies without local endpoints', buildRuleset(LOCAL_POLICIES, CIDR_OPTIONS)],
    ['empty state', buildRuleset(emptyState, OPTIONS)],
    ['rewrite', renderRuleset(planRuleset(changedFixture(), OPTIONS), OPTIONS.table, previous, 'rewrite')],
    ['rewrite to empty', renderRuleset(planRuleset(emptyState, OPTIONS), OPTIONS.table, previous, 'rewrite')],
  ];
  for (const [what, script] of scripts) {
    await assert.doesNotReject(runNftScript(script, { check: true }), what);
  }
  // An update presumes the table holds `previous`: check it after the script that makes it so.
  const replace = buildRuleset(FIXTURE, OPTIONS);
  const updates: Array<[string, string]> = [
    ['update', buildRuleset(changedFixture(), { ...OPTIONS, previous })],
    ['update to empty', buildRuleset(emptyState, { ...OPTIONS, previous })],
    ['update from empty', renderRuleset(previous, OPTIONS.table, planRuleset(emptyState, OPTIONS))],
  ];
  for (const [what, script] of updates) {
    const base = what === 'update from empty' ? buildRuleset(emptyState, OPTIONS) : replace;
    await assert.doesNotReject(runNftScript(base + script, { check: true }), what);
  }
});

test('--masquerade-all masquerades every packet to a ClusterIP, from pods too; without it only the node\'s own', () => {
  const { cluster } = serviceChainNames(FIXTURE.services.get([...FIXTURE.services.keys()].find((k) => k.startsWith('ns1/'))!)!);
  const all = buildRuleset(FIXTURE, { ...OPTIONS, masqueradeAll: true }).split('\n');
  assert.ok(all.includes(`add rule ip kube-proxy-test ${cluster} ip daddr 172.30.0.41 tcp dport 80 jump mark-for-masquerade`));
  const some = buildRuleset(FIXTURE, OPTIONS).split('\n');
  assert.ok(some.includes(`add rule ip kube-proxy-test ${cluster} ip daddr 172.30.0.41 tcp dport 80 fib saddr type local jump mark-for-masquerade`));
  // Wins over --cluster-cidr, as in kube-proxy.
  const both = buildRuleset(FIXTURE, { ...OPTIONS, masqueradeAll: true, clusterCIDR: '10.180.0.0/16' }).split('\n');
  assert.ok(both.includes(`add rule ip kube-proxy-test ${cluster} ip daddr 172.30.0.41 tcp dport 80 jump mark-for-masquerade`));
});
