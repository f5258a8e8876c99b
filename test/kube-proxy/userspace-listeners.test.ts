// desiredListeners: which sockets the userspace proxier opens for a set of service ports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServicePort } from '../../kube-proxy/types.js';
import { desiredListeners } from '../../kube-proxy/userspace/listeners.js';

function port(name: string, o: Partial<ServicePort> = {}): ServicePort {
  const protocol = o.protocol ?? 'TCP';
  return {
    key: `ns/${name}/${protocol}`,
    name: { namespace: 'ns', name, port: '', protocol },
    type: 'ClusterIP', clusterIP: '10.96.0.1', port: 80, protocol, nodePort: 0,
    sessionAffinity: { type: 'None' }, externalIPs: [], loadBalancerIPs: [],
    externalPolicyLocal: false, internalPolicyLocal: false, healthCheckNodePort: 0,
    ...o,
  };
}

const summary = (services: ServicePort[], nodePortAddresses: string[]): string[] =>
  [...desiredListeners(services, nodePortAddresses).listeners.values()].map((l) => `${l.id} ${l.service} ${l.traffic}`).sort();

test('a ClusterIP port gets one internal listener; SCTP gets none', () => {
  assert.deepEqual(summary([port('web'), port('sig', { protocol: 'SCTP', clusterIP: '10.96.0.2' })], ['0.0.0.0']), [
    'TCP/10.96.0.1:80 ns/web/TCP internal',
  ]);
});

test('NodePort and LoadBalancer ports listen on each nodePort address; external and load-balancer IPs at the service port', () => {
  const np = port('np', { type: 'NodePort', nodePort: 30080 });
  const lb = port('lb', {
    type: 'LoadBalancer', clusterIP: '10.96.0.2', port: 443, nodePort: 30443, loadBalancerIPs: ['192.0.2.10'], externalIPs: ['198.51.100.7'],
  });
  const udp = port('dns', { protocol: 'UDP', clusterIP: '10.96.0.3', port: 53 });
  assert.deepEqual(summary([np, lb, udp], ['192.0.2.10', '127.0.0.1']), [
    'TCP/10.96.0.1:80 ns/np/TCP internal',
    'TCP/10.96.0.2:443 ns/lb/TCP internal',
    'TCP/127.0.0.1:30080 ns/np/TCP external',
    'TCP/127.0.0.1:30443 ns/lb/TCP external',
    'TCP/192.0.2.10:30080 ns/np/TCP external',
    'TCP/192.0.2.10:30443 ns/lb/TCP external',
    // The load-balancer IP is also a nodePort address here: both listeners, different ports.
    'TCP/192.0.2.10:443 ns/lb/TCP external',
    'TCP/198.51.100.7:443 ns/lb/TCP external',
    'UDP/10.96.0.3:53 ns/dns/UDP internal',
  ]);
});

test('a ClusterIP-type port with a stale nodePort gets no nodePort listener', () => {
  assert.deepEqual(summary([port('web', { nodePort: 30080 })], ['0.0.0.0']), ['TCP/10.96.0.1:80 ns/web/TCP internal']);
});

test('two ports wanting one address:port: the first by key keeps it, the other is reported', () => {
  const a = port('a', { clusterIP: '10.96.0.1', externalIPs: ['198.51.100.7'] });
  const b = port('b', { clusterIP: '10.96.0.2', externalIPs: ['198.51.100.7'] });
  const { listeners, conflicts } = desiredListeners([b, a], []);
  assert.equal(listeners.get('TCP/198.51.100.7:80')?.service, 'ns/a/TCP');
  assert.deepEqual(conflicts, [{ id: 'TCP/198.51.100.7:80', owner: 'ns/a/TCP', loser: 'ns/b/TCP' }]);
  // The same port asking twice (external IP equal to a load-balancer IP) is no conflict.
  const c = port('c', { clusterIP: '10.96.0.3', externalIPs: ['192.0.2.1'], loadBalancerIPs: ['192.0.2.1'], type: 'LoadBalancer' });
  assert.deepEqual(desiredListeners([c], []).conflicts, []);
});
