// staleConntrackEntries (pure): which UDP conntrack entries a sync deletes, given the
// state conntrack agreed with before and the state synced now, and the conntrack
// arguments each deletion becomes. The same rules as Kubernetes' pkg/proxy/conntrack:
// entries to a frontend DNATed to an endpoint that no longer serves it, and every entry
// to a frontend that had no serving endpoint and now has some. Then which of them
// match an entry of a `conntrack -L` listing (only those run).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  conntrackDeleteArgs, matchingDeletions, parseConntrackList, staleConntrackEntries, udpFlows, type ConntrackDeletion,
} from '../../kube-proxy/nftables/conntrack.js';
import { servicePortKey, type Endpoint, type ProxyState, type ServicePort } from '../../kube-proxy/types.js';

function svc(name: string, o: Partial<ServicePort> & { portName?: string } = {}): ServicePort {
  const { portName = '', protocol = 'UDP', ...rest } = o;
  const n = { namespace: 'ns', name, port: portName, protocol };
  return {
    key: servicePortKey(n), name: n, type: 'ClusterIP', clusterIP: '', port: 53, protocol, nodePort: 0,
    sessionAffinity: { type: 'None' }, externalIPs: [], loadBalancerIPs: [], externalPolicyLocal: false,
    internalPolicyLocal: false, healthCheckNodePort: 0, ...rest,
  };
}

function ep(ip: string, port = 5353, o: Partial<Endpoint> = {}): Endpoint {
  return { ip, port, key: `${ip}:${port}`, ready: true, serving: true, terminating: false, isLocal: false, ...o };
}

function state(...entries: Array<[ServicePort, Endpoint[]]>): ProxyState {
  return {
    services: new Map(entries.map(([s]) => [s.key, s])),
    endpoints: new Map(entries.map(([s, eps]) => [s.key, eps])),
  };
}

/** The deletions from before to after, as the conntrack command lines they run. */
function plan(before: ProxyState | undefined, after: ProxyState): string[] {
  return staleConntrackEntries(before && udpFlows(before), udpFlows(after)).map((d) => conntrackDeleteArgs(d).join(' '));
}

const D = '-D -f ipv4 -p udp';
const dns = svc('dns', { clusterIP: '10.96.0.10' });
const A = ep('10.244.0.5');
const B = ep('10.244.1.7');
const C = ep('10.244.2.9');

describe('staleConntrackEntries', () => {
  it('nothing when nothing changed', () => {
    const s = state([dns, [A, B]]);
    assert.deepEqual(plan(s, s), []);
    assert.deepEqual(plan(s, state([dns, [B, A]])), [], 'order does not matter');
  });

  it('a removed endpoint: its entries to the ClusterIP, and only its', () => {
    assert.deepEqual(plan(state([dns, [A, B, C]]), state([dns, [A, C]])), [
      `${D} --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.1.7 --reply-port-src 5353`,
    ]);
  });

  it('an endpoint that stops serving counts as removed; one not ready but still serving does not', () => {
    const before = state([dns, [A, B, C]]);
    assert.deepEqual(plan(before, state([dns, [A, ep(B.ip, 5353, { serving: false, ready: false, terminating: true }), C]])), [
      `${D} --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.1.7 --reply-port-src 5353`,
    ]);
    assert.deepEqual(plan(before, state([dns, [A, ep(B.ip, 5353, { ready: false, terminating: true }), C]])), []);
  });

  it('an endpoint that was not serving had no traffic: nothing when it goes', () => {
    assert.deepEqual(plan(state([dns, [A, ep(B.ip, 5353, { serving: false, ready: false })]]), state([dns, [A]])), []);
  });

  it('an endpoint whose port changed: the entries to its old port', () => {
    assert.deepEqual(plan(state([dns, [A, B]]), state([dns, [A, ep(B.ip, 6000)]])), [
      `${D} --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.1.7 --reply-port-src 5353`,
    ]);
  });

  it('every frontend of the service port: ClusterIP, externalIPs, LB IPs, the nodePort on any address', () => {
    const lb = svc('lb', {
      type: 'LoadBalancer', clusterIP: '10.96.5.5', port: 81, nodePort: 30081, externalIPs: ['192.0.2.10'], loadBalancerIPs: ['198.51.100.4'],
    });
    assert.deepEqual(plan(state([lb, [A, B]]), state([lb, [A]])), [
      `${D} --orig-port-dst 30081 --reply-src 10.244.1.7 --reply-port-src 5353`,
      `${D} --orig-dst 10.96.5.5 --orig-port-dst 81 --reply-src 10.244.1.7 --reply-port-src 5353`,
      `${D} --orig-dst 192.0.2.10 --orig-port-dst 81 --reply-src 10.244.1.7 --reply-port-src 5353`,
      `${D} --orig-dst 198.51.100.4 --orig-port-dst 81 --reply-src 10.244.1.7 --reply-port-src 5353`,
    ]);
  });

  it('traffic policies do not matter (a policy change moves no existing flow)', () => {
    const before = state([svc('np', { type: 'NodePort', clusterIP: '10.96.6.6', nodePort: 30053 }), [A, ep(B.ip, 5353, { isLocal: true })]]);
    const after = state([svc('np', {
      type: 'NodePort', clusterIP: '10.96.6.6', nodePort: 30053, externalPolicyLocal: true, internalPolicyLocal: true,
    }), [A, ep(B.ip, 5353, { isLocal: true })]]);
    assert.deepEqual(plan(before, after), []);
  });

  it('TCP service ports are left alone', () => {
    const web = svc('web', { protocol: 'TCP', clusterIP: '10.96.0.20', port: 80 });
    assert.deepEqual(plan(state([web, [A, B]]), state([web, [A]])), []);
    assert.deepEqual(plan(state([web, []]), state([web, [A]])), []);
    assert.deepEqual(plan(undefined, state([web, [A]])), []);
  });

  it('a service port that went from no serving endpoints to some: every entry to its frontends', () => {
    const np = svc('np', { type: 'NodePort', clusterIP: '10.96.6.6', nodePort: 30053 });
    const expected = [`${D} --orig-port-dst 30053`, `${D} --orig-dst 10.96.6.6 --orig-port-dst 53`];
    assert.deepEqual(plan(state([np, []]), state([np, [A]])), expected);
    assert.deepEqual(plan(state([np, [ep(A.ip, 5353, { serving: false, ready: false })]]), state([np, [A]])), expected);
    // A new service port with endpoints is newly active too (its ClusterIP may have had another life).
    assert.deepEqual(plan(state(), state([np, [A]])), expected);
    // Not when it still has none.
    assert.deepEqual(plan(state([np, []]), state([np, [ep(A.ip, 5353, { serving: false, ready: false })]])), []);
  });

  it('the first sync clears every entry to every UDP frontend that has endpoints (what a previous run left)', () => {
    const other = svc('other', { clusterIP: '10.96.0.11', port: 514 });
    const none = svc('none', { clusterIP: '10.96.0.12' });
    assert.deepEqual(plan(undefined, state([dns, [A]], [other, [B]], [none, []])), [
      `${D} --orig-dst 10.96.0.10 --orig-port-dst 53`,
      `${D} --orig-dst 10.96.0.11 --orig-port-dst 514`,
    ]);
  });

  it('every endpoint gone: their entries are deleted (the next datagram meets the reject rule, not an old DNAT)', () => {
    assert.deepEqual(plan(state([dns, [A, B]]), state([dns, []])), [
      `${D} --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.0.5 --reply-port-src 5353`,
      `${D} --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.1.7 --reply-port-src 5353`,
    ]);
  });

  it('a deleted service port: entries to each of its frontends, by endpoint', () => {
    const np = svc('np', { type: 'NodePort', clusterIP: '10.96.6.6', nodePort: 30053 });
    assert.deepEqual(plan(state([dns, [A]], [np, [B]]), state([dns, [A]])), [
      `${D} --orig-port-dst 30053 --reply-src 10.244.1.7 --reply-port-src 5353`,
      `${D} --orig-dst 10.96.6.6 --orig-port-dst 53 --reply-src 10.244.1.7 --reply-port-src 5353`,
    ]);
  });

  it('a frontend removed from a service (an externalIP, a changed nodePort) loses its entries; a new one is cleared whole', () => {
    const before = state([svc('x', { clusterIP: '10.96.7.7', externalIPs: ['192.0.2.1'], nodePort: 30001, type: 'NodePort' }), [A]]);
    const after = state([svc('x', { clusterIP: '10.96.7.7', externalIPs: [], nodePort: 30002, type: 'NodePort' }), [A]]);
    assert.deepEqual(plan(before, after), [
      `${D} --orig-port-dst 30001 --reply-src 10.244.0.5 --reply-port-src 5353`,
      `${D} --orig-port-dst 30002`,
      `${D} --orig-dst 192.0.2.1 --orig-port-dst 53 --reply-src 10.244.0.5 --reply-port-src 5353`,
    ]);
  });

  it('an endpoint moved from one UDP port of a service to another: each port keyed on its own', () => {
    const p1 = svc('multi', { portName: 'a', clusterIP: '10.96.8.8', port: 1000 });
    const p2 = svc('multi', { portName: 'b', clusterIP: '10.96.8.8', port: 2000 });
    assert.deepEqual(plan(state([p1, [A, B]], [p2, [C]]), state([p1, [A]], [p2, [C, B]])), [
      `${D} --orig-dst 10.96.8.8 --orig-port-dst 1000 --reply-src 10.244.1.7 --reply-port-src 5353`,
    ]);
  });

  it('names the service ports behind each deletion (for logs)', () => {
    const d: ConntrackDeletion[] = staleConntrackEntries(udpFlows(state([dns, [A, B]])), udpFlows(state([dns, [A]])));
    assert.deepEqual(d.map((x) => x.services), [[dns.key]]);
  });

  it('keeps its own copy: a state changed in place after udpFlows() does not change the result', () => {
    const services = new Map([[dns.key, dns]]);
    const endpoints = new Map<string, Endpoint[]>([[dns.key, [A, B]]]);
    const before = udpFlows({ services, endpoints });
    endpoints.set(dns.key, [A]);
    assert.deepEqual(staleConntrackEntries(before, udpFlows({ services, endpoints })).length, 1);
  });
});

describe('parseConntrackList and matchingDeletions', () => {
  // conntrack -L output as conntrack 1.4.7 prints it (a ClusterIP flow from the node,
  // masqueraded; a nodePort flow; a flow delivered to the node itself; a zone).
  const LISTING = [
    'udp      17 27 src=10.109.78.1 dst=10.109.78.1 sport=28782 dport=81 [UNREPLIED] src=10.199.78.11 dst=10.199.78.1 sport=8081 dport=28782 mark=0 use=1',
    'udp      17 117 src=10.199.78.1 dst=10.199.78.1 sport=28783 dport=31781 src=10.199.78.12 dst=10.199.78.1 sport=8081 dport=28783 [ASSURED] mark=0 use=1',
    'udp      17 29 src=127.0.0.1 dst=10.96.0.10 sport=40000 dport=53 src=10.96.0.10 dst=127.0.0.1 sport=53 dport=40000 mark=0 zone=3 use=1',
    '',
  ].join('\n');

  it('reads the original destination and the reply source of each entry', () => {
    assert.deepEqual(parseConntrackList(LISTING), [
      { origDst: '10.109.78.1', origPortDst: 81, replySrc: '10.199.78.11', replyPortSrc: 8081 },
      { origDst: '10.199.78.1', origPortDst: 31781, replySrc: '10.199.78.12', replyPortSrc: 8081 },
      { origDst: '10.96.0.10', origPortDst: 53, replySrc: '10.96.0.10', replyPortSrc: 53 },
    ]);
    assert.deepEqual(parseConntrackList('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n'), []);
  });

  it('keeps the deletions some entry matches', () => {
    const entries = parseConntrackList(LISTING);
    const d = (frontend: ConntrackDeletion['frontend'], endpoint?: ConntrackDeletion['endpoint']): ConntrackDeletion => ({ frontend, endpoint, services: [] });
    const hits = [
      d({ ip: '10.109.78.1', port: 81 }, { ip: '10.199.78.11', port: 8081 }),
      d({ port: 31781 }, { ip: '10.199.78.12', port: 8081 }),
      d({ ip: '10.96.0.10', port: 53 }),
    ];
    const misses = [
      d({ ip: '10.109.78.1', port: 81 }, { ip: '10.199.78.12', port: 8081 }), // another endpoint
      d({ ip: '10.109.78.1', port: 81 }, { ip: '10.199.78.11', port: 9999 }), // another endpoint port
      d({ ip: '10.109.78.1', port: 82 }), // another service port
      d({ port: 31782 }), // another nodePort
      d({ ip: '10.96.0.11', port: 53 }), // another ClusterIP
    ];
    assert.deepEqual(matchingDeletions([...misses, ...hits], entries), hits);
    assert.deepEqual(matchingDeletions(hits, []), []);
  });
});
