// servicePortsOf, ServiceChangeTracker and EndpointsChangeTracker (Kubernetes'
// serviceport.go, servicechangetracker.go, endpointschangetracker.go and
// endpointslicecache.go): what a Service and its EndpointSlices become, and how
// changes accumulate, collapse and apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../api/types/core.js';
import type { EndpointSlice, Endpoint as SliceEndpoint, EndpointPort } from '../../api/types/discovery.js';
import { servicePortsOf, ServiceChangeTracker } from '../../kube-proxy/service-tracker.js';
import { EndpointsChangeTracker } from '../../kube-proxy/endpoints-tracker.js';
import type { Endpoint, ServicePort } from '../../kube-proxy/types.js';

function service(name: string, spec: Service['spec'], o: { ns?: string; status?: Service['status'] } = {}): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { namespace: o.ns ?? 'ns', name, resourceVersion: '1' },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], sessionAffinity: 'None', ...spec },
    ...(o.status ? { status: o.status } : {}),
  };
}

function slice(name: string, svc: string, endpoints: SliceEndpoint[], ports: EndpointPort[], o: { ns?: string; addressType?: string; label?: boolean } = {}): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: o.ns ?? 'ns', name, labels: o.label === false ? {} : { 'kubernetes.io/service-name': svc } },
    addressType: o.addressType ?? 'IPv4',
    endpoints,
    ports,
  };
}

const ready = (ip: string, nodeName?: string): SliceEndpoint => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, ...(nodeName ? { nodeName } : {}) });

// ---------------------------------------------------------------- servicePortsOf

test('servicePortsOf: one record per port, keyed by namespace, name, port name and protocol', () => {
  const ports = servicePortsOf(service('web', {
    type: 'NodePort',
    ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns', port: 53, protocol: 'TCP' }],
  }));
  assert.deepEqual(ports.map((p) => [p.key, p.port, p.protocol, p.nodePort, p.type]), [
    ['ns/web:http/TCP', 80, 'TCP', 30080, 'NodePort'],
    ['ns/web:dns/UDP', 53, 'UDP', 0, 'NodePort'],
    ['ns/web:dns/TCP', 53, 'TCP', 0, 'NodePort'],
  ]);
  assert.deepEqual(ports[0].name, { namespace: 'ns', name: 'web', port: 'http', protocol: 'TCP' });
});

test('servicePortsOf: an unnamed port, with protocol defaulting to TCP', () => {
  const [p] = servicePortsOf(service('web', { ports: [{ port: 8080 }] }));
  assert.equal(p.key, 'ns/web/TCP');
  assert.equal(p.name.port, '');
  assert.equal(p.clusterIP, '10.96.0.10');
  assert.deepEqual(p.sessionAffinity, { type: 'None' });
  assert.equal(p.externalPolicyLocal, false);
  assert.equal(p.internalPolicyLocal, false);
  assert.equal(p.healthCheckNodePort, 0);
});

test('servicePortsOf: skipped services', () => {
  const cases: [string, Service][] = [
    ['ExternalName', service('x', { type: 'ExternalName', externalName: 'example.invalid', clusterIP: undefined, clusterIPs: undefined, ports: [{ port: 80 }] })],
    ['headless', service('x', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80 }] })],
    ['no clusterIP yet', service('x', { clusterIP: '', clusterIPs: [], ports: [{ port: 80 }] })],
    ['IPv6 only', service('x', { clusterIP: 'fd00::10', clusterIPs: ['fd00::10'], ports: [{ port: 80 }] })],
    ['no spec', { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: 'x' } }],
  ];
  for (const [name, svc] of cases) assert.deepEqual(servicePortsOf(svc), [], name);
});

test('servicePortsOf: the IPv4 clusterIP of a dual-stack service', () => {
  const [p] = servicePortsOf(service('x', { clusterIP: 'fd00::10', clusterIPs: ['fd00::10', '10.96.0.20'], ports: [{ port: 80 }] }));
  assert.equal(p.clusterIP, '10.96.0.20');
});

test('servicePortsOf: ClientIP affinity, with the 10800 s default timeout', () => {
  const [a] = servicePortsOf(service('x', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] }));
  assert.deepEqual(a.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 60 });
  const [b] = servicePortsOf(service('x', { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }));
  assert.deepEqual(b.sessionAffinity, { type: 'ClientIP', timeoutSeconds: 10800 });
});

test('servicePortsOf: traffic policies, external IPs, load-balancer VIPs and the health check port', () => {
  const lb = service('x', {
    type: 'LoadBalancer', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', healthCheckNodePort: 32000,
    externalIPs: ['192.0.2.1', '2001:db8::1'], ports: [{ port: 80, nodePort: 30001 }],
  }, { status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }, { ip: '198.51.100.2', ipMode: 'VIP' }, { ip: '198.51.100.3', ipMode: 'Proxy' }, { hostname: 'lb.invalid' }, { ip: '2001:db8::2' }] } } });
  const [p] = servicePortsOf(lb);
  assert.equal(p.type, 'LoadBalancer');
  assert.equal(p.externalPolicyLocal, true);
  assert.equal(p.internalPolicyLocal, true);
  assert.equal(p.healthCheckNodePort, 32000);
  assert.deepEqual(p.externalIPs, ['192.0.2.1']);
  assert.deepEqual(p.loadBalancerIPs, ['198.51.100.1', '198.51.100.2']);

  const [np] = servicePortsOf(service('x', { type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, ports: [{ port: 80, nodePort: 30001 }] }));
  assert.equal(np.externalPolicyLocal, true);
  assert.equal(np.healthCheckNodePort, 0, 'only LoadBalancer services need a health check');

  const [cip] = servicePortsOf(service('x', { externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }));
  assert.equal(cip.externalPolicyLocal, false, 'a ClusterIP service without external IPs is not externally accessible');
  const [cipExt] = servicePortsOf(service('x', { externalTrafficPolicy: 'Local', externalIPs: ['192.0.2.1'], ports: [{ port: 80 }] }));
  assert.equal(cipExt.externalPolicyLocal, true, 'with external IPs it is');
});

test('servicePortsOf: SCTP ports stay in the model', () => {
  const ports = servicePortsOf(service('x', { ports: [{ name: 's', port: 9, protocol: 'SCTP' }] }));
  assert.deepEqual(ports.map((p) => p.key), ['ns/x:s/SCTP']);
});

// ---------------------------------------------------------------- ServiceChangeTracker

const keysOf = (m: Map<string, unknown>): string[] => [...m.keys()].sort();

test('ServiceChangeTracker: add, update and delete apply to the map', () => {
  const t = new ServiceChangeTracker();
  const map = new Map<string, ServicePort>();
  const v1 = service('web', { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] });
  assert.equal(t.update(undefined, v1), true);
  assert.deepEqual(t.apply(map), new Set(['ns/web']));
  assert.deepEqual(keysOf(map), ['ns/web:a/TCP', 'ns/web:b/TCP']);

  const v2 = service('web', { ports: [{ name: 'a', port: 8080 }, { name: 'c', port: 82, protocol: 'UDP' }] });
  assert.equal(t.update(v1, v2), true);
  assert.deepEqual(t.apply(map), new Set(['ns/web']));
  assert.deepEqual(keysOf(map), ['ns/web:a/TCP', 'ns/web:c/UDP']);
  assert.equal(map.get('ns/web:a/TCP')?.port, 8080);

  assert.equal(t.update(v2, undefined), true);
  assert.deepEqual(t.apply(map), new Set(['ns/web']));
  assert.deepEqual(keysOf(map), []);
  assert.deepEqual(t.apply(map), new Set(), 'nothing pending after apply');
});

test('ServiceChangeTracker: changes that cancel out leave nothing pending', () => {
  const t = new ServiceChangeTracker();
  const map = new Map<string, ServicePort>();
  const a = service('web', { ports: [{ port: 80 }] });
  assert.equal(t.update(undefined, a), true);
  assert.equal(t.update(a, undefined), false, 'added then deleted before a sync');
  assert.deepEqual(t.apply(map), new Set());

  t.update(undefined, a);
  t.apply(map);
  const b = service('web', { ports: [{ port: 81 }] });
  assert.equal(t.update(a, b), true);
  assert.equal(t.update(b, a), false, 'changed and changed back');
  assert.deepEqual(t.apply(map), new Set());

  const relabelled = { ...a, metadata: { ...a.metadata, labels: { x: 'y' }, resourceVersion: '2' } };
  assert.equal(t.update(a, relabelled), false, 'a change kube-proxy does not see');
});

test('ServiceChangeTracker: update reports whether anything is pending, not just this change', () => {
  const t = new ServiceChangeTracker();
  const a = service('a', { ports: [{ port: 80 }] });
  const b = service('b', { ports: [{ port: 80 }] });
  t.update(undefined, a);
  assert.equal(t.update(undefined, { ...b, spec: { ...b.spec, clusterIP: 'None', clusterIPs: ['None'] } }), true, 'a is still pending');
  assert.equal(t.update(undefined, undefined), false);
  const map = new Map<string, ServicePort>();
  assert.deepEqual(t.apply(map), new Set(['ns/a']));
});

test('ServiceChangeTracker: a service becoming headless or ExternalName loses its ports', () => {
  const t = new ServiceChangeTracker();
  const map = new Map<string, ServicePort>();
  const a = service('web', { ports: [{ port: 80 }] });
  t.update(undefined, a);
  t.apply(map);
  const ext = service('web', { type: 'ExternalName', externalName: 'example.invalid', clusterIP: undefined, clusterIPs: undefined, ports: [{ port: 80 }] });
  assert.equal(t.update(a, ext), true);
  assert.deepEqual(t.apply(map), new Set(['ns/web']));
  assert.equal(map.size, 0);
});

test('ServiceChangeTracker: ignored services are treated as absent', () => {
  const t = new ServiceChangeTracker({ ignore: (s) => s.metadata.labels?.['service.kubernetes.io/service-proxy-name'] !== undefined });
  const map = new Map<string, ServicePort>();
  const plain = service('web', { ports: [{ port: 80 }] });
  const ignored = { ...plain, metadata: { ...plain.metadata, labels: { 'service.kubernetes.io/service-proxy-name': 'other' } } };
  assert.equal(t.update(undefined, ignored), false);
  assert.deepEqual(t.apply(map), new Set());
  assert.equal(t.update(ignored, plain), true, 'no longer ignored: an add');
  t.apply(map);
  assert.deepEqual(keysOf(map), ['ns/web/TCP']);
  assert.equal(t.update(plain, ignored), true, 'ignored again: a delete');
  t.apply(map);
  assert.equal(map.size, 0);
});

test('ServiceChangeTracker: apply leaves other services alone and names each changed one', () => {
  const t = new ServiceChangeTracker();
  const map = new Map<string, ServicePort>();
  const a = service('a', { ports: [{ port: 80 }] });
  const b = service('b', { ports: [{ port: 80 }] }, { ns: 'other' });
  t.update(undefined, a);
  t.update(undefined, b);
  assert.deepEqual(t.apply(map), new Set(['ns/a', 'other/b']));
  t.update(a, service('a', { ports: [{ port: 81 }] }));
  assert.deepEqual(t.apply(map), new Set(['ns/a']));
  assert.deepEqual(keysOf(map), ['ns/a/TCP', 'other/b/TCP']);
  assert.equal(map.get('ns/a/TCP')?.port, 81);
});

// ---------------------------------------------------------------- EndpointsChangeTracker

const summary = (eps: readonly Endpoint[] | undefined): string[] | undefined =>
  eps?.map((e) => `${e.key}${e.ready ? '' : ' notready'}${e.isLocal ? ' local' : ''}`);

test('EndpointsChangeTracker: one slice becomes endpoints per service port', () => {
  const t = new EndpointsChangeTracker({ nodeName: 'node-a' });
  const map = new Map<string, Endpoint[]>();
  const s = slice('web-1', 'web', [ready('10.1.0.2', 'node-a'), ready('10.1.0.1', 'node-b')], [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.equal(t.endpointSliceUpdate(s, false), true);
  assert.deepEqual(t.apply(map), new Set(['ns/web']));
  assert.deepEqual(keysOf(map), ['ns/web:http/TCP']);
  assert.deepEqual(map.get('ns/web:http/TCP'), [
    { ip: '10.1.0.1', port: 8080, key: '10.1.0.1:8080', ready: true, serving: true, terminating: false, isLocal: false, nodeName: 'node-b' },
    { ip: '10.1.0.2', port: 8080, key: '10.1.0.2:8080', ready: true, serving: true, terminating: false, isLocal: true, nodeName: 'node-a' },
  ]);
});

test('EndpointsChangeTracker: conditions read as Kubernetes reads unset ones; only the first address counts', () => {
  const t = new EndpointsChangeTracker({ nodeName: 'node-a' });
  const map = new Map<string, Endpoint[]>();
  t.endpointSliceUpdate(slice('web-1', 'web', [
    { addresses: ['10.1.0.1', '10.1.0.9'] },
    { addresses: ['10.1.0.2'], conditions: {} },
    { addresses: ['10.1.0.3'], conditions: { ready: false } },
    { addresses: ['10.1.0.4'], conditions: { ready: false, serving: true, terminating: true }, zone: 'z1' },
    { addresses: [] },
  ], [{ port: 80 }]), false);
  t.apply(map);
  const eps = map.get('ns/web/TCP');
  assert.deepEqual(eps?.map((e) => [e.ip, e.ready, e.serving, e.terminating, e.zone]), [
    ['10.1.0.1', true, true, false, undefined],
    ['10.1.0.2', true, true, false, undefined],
    ['10.1.0.3', false, true, false, undefined],
    ['10.1.0.4', false, true, true, 'z1'],
  ]);
});

test('EndpointsChangeTracker: slices of one service merge; duplicates collapse to the ready copy', () => {
  const t = new EndpointsChangeTracker({ nodeName: 'node-a' });
  const map = new Map<string, Endpoint[]>();
  const port = [{ name: '', port: 80, protocol: 'TCP' }];
  t.endpointSliceUpdate(slice('web-a', 'web', [ready('10.1.0.3'), { addresses: ['10.1.0.1'], conditions: { ready: false } }], port), false);
  t.endpointSliceUpdate(slice('web-b', 'web', [ready('10.1.0.1'), ready('10.1.0.10')], port), false);
  t.endpointSliceUpdate(slice('web-c', 'web', [{ addresses: ['10.1.0.10'], conditions: { ready: false } }], port), false);
  assert.deepEqual(t.apply(map), new Set(['ns/web']));
  assert.deepEqual(summary(map.get('ns/web/TCP')), ['10.1.0.10:80', '10.1.0.1:80', '10.1.0.3:80'], 'sorted by key, each once, ready');
});

test('EndpointsChangeTracker: deleting a slice removes only its endpoints, and the port once empty', () => {
  const t = new EndpointsChangeTracker({ nodeName: 'node-a' });
  const map = new Map<string, Endpoint[]>();
  const port = [{ port: 80 }];
  const a = slice('web-a', 'web', [ready('10.1.0.1')], port);
  const b = slice('web-b', 'web', [ready('10.1.0.2')], port);
  t.endpointSliceUpdate(a, false);
  t.endpointSliceUpdate(b, false);
  t.apply(map);
  assert.equal(t.endpointSliceUpdate(a, true), true);
  assert.deepEqual(t.apply(map), new Set(['ns/web']));
  assert.deepEqual(summary(map.get('ns/web/TCP')), ['10.1.0.2:80']);
  assert.equal(t.endpointSliceUpdate(b, true), true);
  t.apply(map);
  assert.equal(map.has('ns/web/TCP'), false);
  assert.equal(t.endpointSliceUpdate(b, true), false, 'deleting an unknown slice changes nothing');
  assert.deepEqual(t.apply(map), new Set());
});

test('EndpointsChangeTracker: non-IPv4 and unlabelled slices are ignored', () => {
  const t = new EndpointsChangeTracker({ nodeName: 'node-a' });
  const map = new Map<string, Endpoint[]>();
  assert.equal(t.endpointSliceUpdate(slice('v6', 'web', [ready('fd00::1')], [{ port: 80 }], { addressType: 'IPv6' }), false), false);
  assert.equal(t.endpointSliceUpdate(slice('fqdn', 'web', [ready('example.invalid')], [{ port: 80 }], { addressType: 'FQDN' }), false), false);
  assert.equal(t.endpointSliceUpdate(slice('nolabel', 'web', [ready('10.1.0.1')], [{ port: 80 }], { label: false }), false), false);
  assert.deepEqual(t.apply(map), new Set());
  assert.equal(map.size, 0);
});

test('EndpointsChangeTracker: named ports, and UDP and TCP ports of the same name stay apart', () => {
  const t = new EndpointsChangeTracker({ nodeName: 'node-a' });
  const map = new Map<string, Endpoint[]>();
  t.endpointSliceUpdate(slice('dns-1', 'dns', [ready('10.1.0.1'), ready('10.1.0.2')], [
    { name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns', port: 5353, protocol: 'TCP' }, { name: 'metrics', port: 9153 },
    { name: 'unset-port' },
  ]), false);
  t.apply(map);
  assert.deepEqual(keysOf(map), ['ns/dns:dns/TCP', 'ns/dns:dns/UDP', 'ns/dns:metrics/TCP']);
  assert.deepEqual(summary(map.get('ns/dns:dns/UDP')), ['10.1.0.1:53', '10.1.0.2:53']);
  assert.deepEqual(summary(map.get('ns/dns:dns/TCP')), ['10.1.0.1:5353', '10.1.0.2:5353']);
  assert.deepEqual(summary(map.get('ns/dns:metrics/TCP')), ['10.1.0.1:9153', '10.1.0.2:9153']);
});

test('EndpointsChangeTracker: an unchanged update needs no sync; apply names only changed services', () => {
  const t = new EndpointsChangeTracker({ nodeName: 'node-a' });
  const map = new Map<string, Endpoint[]>();
  const a = slice('web-1', 'web', [ready('10.1.0.1')], [{ port: 80 }]);
  const b = slice('api-1', 'api', [ready('10.1.0.5')], [{ port: 80 }], { ns: 'other' });
  t.endpointSliceUpdate(a, false);
  t.endpointSliceUpdate(b, false);
  assert.deepEqual(t.apply(map), new Set(['ns/web', 'other/api']));
  const resent = { ...a, metadata: { ...a.metadata, resourceVersion: '7', annotations: { x: 'y' } } };
  assert.equal(t.endpointSliceUpdate(resent, false), false);
  const moved = slice('web-1', 'web', [ready('10.1.0.1'), ready('10.1.0.2')], [{ port: 80 }]);
  assert.equal(t.endpointSliceUpdate(moved, false), true);
  assert.deepEqual(t.apply(map), new Set(['ns/web']));
  assert.deepEqual(keysOf(map), ['ns/web/TCP', 'other/api/TCP']);
  assert.deepEqual(summary(map.get('ns/web/TCP')), ['10.1.0.1:80', '10.1.0.2:80']);
});

test('EndpointsChangeTracker: a port renamed in the slice moves the endpoints to the new key', () => {
  const t = new EndpointsChangeTracker({ nodeName: 'node-a' });
  const map = new Map<string, Endpoint[]>();
  t.endpointSliceUpdate(slice('web-1', 'web', [ready('10.1.0.1')], [{ name: 'old', port: 80 }]), false);
  t.apply(map);
  t.endpointSliceUpdate(slice('web-1', 'web', [ready('10.1.0.1')], [{ name: 'new', port: 80 }]), false);
  t.apply(map);
  assert.deepEqual(keysOf(map), ['ns/web:new/TCP']);
});

test('EndpointsChangeTracker: a slice whose endpoints all go keeps no empty entry', () => {
  const t = new EndpointsChangeTracker({ nodeName: 'node-a' });
  const map = new Map<string, Endpoint[]>();
  t.endpointSliceUpdate(slice('web-1', 'web', [ready('10.1.0.1')], [{ port: 80 }]), false);
  t.apply(map);
  assert.equal(t.endpointSliceUpdate({ ...slice('web-1', 'web', [], [{ port: 80 }]), endpoints: null }, false), true);
  assert.deepEqual(t.apply(map), new Set(['ns/web']));
  assert.equal(map.size, 0);
});
