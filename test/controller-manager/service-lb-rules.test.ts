// The service load-balancer controller's decisions, without I/O: which nodes are
// load-balancer hosts and which of their addresses a service lists (ExternalIP before
// InternalIP per family, ipFamilies order, sorted, deduplicated, externalTrafficPolicy
// Local), status equality, wantsLoadBalancer / needsCleanup / needsUpdate with their
// Events; then reconcile(key) over filled informer caches with a client that records
// what it is asked (sample-controller's controller_test.go): the ensure path, the
// hosts path, cleanup, classes it does not serve; and the apiserver Table's
// External-IP cell for LoadBalancer services.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { notFound } from '../../api/errors.js';
import type { LoadBalancerStatus, Node, NodeAddress, Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import type { KubeObject } from '../../api/types/meta.js';
import { serviceExternalIP } from '../../apiserver/tables.js';
import { FakeClock } from '../../client/clock.js';
import type { Informer } from '../../client/informer.js';
import { ServiceLBController, type ServiceLBClient } from '../../controller-manager/service-lb/controller.js';
import {
  LOAD_BALANCER_CLEANUP_FINALIZER, needsCleanup, needsUpdate, wantsLoadBalancer,
} from '../../controller-manager/service-lb/service-changes.js';
import {
  isLoadBalancerHost, LABEL_EXCLUDE_BALANCERS, loadBalancerStatus, loadBalancerStatusEqual, nodeLoadBalancerAddresses,
  nodesWithReadyEndpoints, TO_BE_DELETED_TAINT,
} from '../../controller-manager/service-lb/status.js';
import { filledInformer, sendEvent } from '../harness/filled-informer.js';

const silent = pino({ level: 'silent' });
const stop = new AbortController();
after(() => stop.abort());

// ---------------------------------------------------------------- fixtures

interface NodeOpts {
  ready?: string | null;
  internal?: string[];
  external?: string[];
  labels?: Record<string, string>;
  taints?: string[];
  rv?: string;
}

function node(name: string, o: NodeOpts = {}): Node {
  const addresses: NodeAddress[] = [
    ...(o.internal ?? []).map((address) => ({ type: 'InternalIP', address })),
    ...(o.external ?? []).map((address) => ({ type: 'ExternalIP', address })),
    { type: 'Hostname', address: name },
  ];
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, uid: `uid-${name}`, resourceVersion: o.rv ?? '1', labels: o.labels },
    spec: { taints: (o.taints ?? []).map((key) => ({ key, effect: 'NoSchedule' })) },
    status: {
      addresses,
      conditions: o.ready === null ? [] : [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: o.ready ?? 'True' }],
    },
  };
}

function lbService(spec: Partial<NonNullable<Service['spec']>> = {}, meta: Partial<Service['metadata']> = {}, status?: LoadBalancerStatus): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-web', resourceVersion: '1', ...meta },
    spec: {
      type: 'LoadBalancer', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }],
      sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true,
      ...spec,
    },
    status: { loadBalancer: status ?? {} },
  };
}

const vip = (...ips: string[]): LoadBalancerStatus => (ips.length ? { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } : {});

function slice(name: string, endpoints: { node: string; ready?: boolean; kind?: string }[], service = 'web'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name, namespace: 'ns', resourceVersion: '1', labels: { 'kubernetes.io/service-name': service } },
    endpoints: endpoints.map((e, i) => ({
      addresses: [`10.64.0.${i + 2}`], conditions: { ready: e.ready ?? true }, nodeName: e.node,
      targetRef: { kind: e.kind ?? 'Pod', namespace: 'ns', name: `p-${e.node}-${i}` },
    })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

// ---------------------------------------------------------------- nodes and addresses

describe('load-balancer hosts and their addresses', () => {
  it('takes Ready nodes only; excluded, autoscaler-doomed, NotReady, Unknown and silent nodes are not hosts', () => {
    assert.equal(isLoadBalancerHost(node('a')), true);
    assert.equal(isLoadBalancerHost(node('a', { ready: 'False' })), false);
    assert.equal(isLoadBalancerHost(node('a', { ready: 'Unknown' })), false);
    assert.equal(isLoadBalancerHost(node('a', { ready: null })), false);
    assert.equal(isLoadBalancerHost(node('a', { labels: { [LABEL_EXCLUDE_BALANCERS]: '' } })), false);
    assert.equal(isLoadBalancerHost(node('a', { taints: [TO_BE_DELETED_TAINT] })), false);
    assert.equal(isLoadBalancerHost(node('a', { taints: ['node.kubernetes.io/unschedulable'] })), true);
  });

  it('offers, per family, the ExternalIP else the InternalIP', () => {
    assert.deepEqual(nodeLoadBalancerAddresses(node('a', { internal: ['10.0.0.2'] })), ['10.0.0.2']);
    assert.deepEqual(nodeLoadBalancerAddresses(node('a', { internal: ['10.0.0.2'], external: ['203.0.113.9'] })), ['203.0.113.9']);
    assert.deepEqual(nodeLoadBalancerAddresses(node('a', { internal: ['10.0.0.2', 'fd00::2'], external: ['203.0.113.9'] })), ['203.0.113.9', 'fd00::2']);
    assert.deepEqual(nodeLoadBalancerAddresses(node('a', {})), []);
    assert.equal(nodeLoadBalancerAddresses(node('a', { internal: ['10.0.0.2'], ready: 'False' })), undefined);
  });

  it('the worked example of status.ts: hosts a and b, a by its ExternalIP, sorted as strings, ipMode VIP', () => {
    const nodes = [
      node('a', { internal: ['10.0.0.2'], external: ['203.0.113.9'] }),
      node('b', { internal: ['10.0.0.10'] }),
      node('c', { internal: ['10.0.0.3'], ready: 'False' }),
    ];
    assert.deepEqual(loadBalancerStatus(lbService(), nodes), vip('10.0.0.10', '203.0.113.9'));
    assert.deepEqual(loadBalancerStatus(lbService({ externalTrafficPolicy: 'Local' }), nodes, new Set(['b'])), vip('10.0.0.10'));
  });

  it('lists an address once, sorts as strings (as k3s does), and lists nothing without hosts', () => {
    const nodes = [node('a', { internal: ['10.0.0.9'] }), node('b', { internal: ['10.0.0.10'] }), node('c', { internal: ['10.0.0.9'] })];
    assert.deepEqual(loadBalancerStatus(lbService(), nodes), vip('10.0.0.10', '10.0.0.9'));
    assert.deepEqual(loadBalancerStatus(lbService(), []), {});
    assert.deepEqual(loadBalancerStatus(lbService(), [node('a', { internal: ['10.0.0.9'], ready: 'Unknown' })]), {});
  });

  it('follows the service IP families and their order', () => {
    const nodes = [node('a', { internal: ['10.0.0.2', 'fd00::2'] }), node('b', { internal: ['fd00::1', '10.0.0.1'] })];
    assert.deepEqual(loadBalancerStatus(lbService(), nodes), vip('10.0.0.1', '10.0.0.2'));
    assert.deepEqual(loadBalancerStatus(lbService({ ipFamilies: ['IPv6'] }), nodes), vip('fd00::1', 'fd00::2'));
    assert.deepEqual(loadBalancerStatus(lbService({ ipFamilies: ['IPv6', 'IPv4'] }), nodes), vip('fd00::1', 'fd00::2', '10.0.0.1', '10.0.0.2'));
    assert.deepEqual(loadBalancerStatus(lbService({ ipFamilies: undefined }), nodes), vip('10.0.0.1', '10.0.0.2'), 'no families: IPv4');
  });

  it('externalTrafficPolicy Local: nodes running a ready Pod endpoint', () => {
    const nodes = nodesWithReadyEndpoints([
      slice('web-1', [{ node: 'a' }, { node: 'b', ready: false }]),
      slice('web-2', [{ node: 'c', kind: 'Node' }, { node: 'd' }]),
    ]);
    assert.deepEqual([...nodes].sort(), ['a', 'd']);
    assert.deepEqual(loadBalancerStatus(lbService({ externalTrafficPolicy: 'Local' }), [node('a', { internal: ['10.0.0.2'] })], new Set()), {});
  });

  it('compares statuses entry by entry; no ingress equals an empty list', () => {
    assert.equal(loadBalancerStatusEqual({}, { ingress: [] }), true);
    assert.equal(loadBalancerStatusEqual(undefined, {}), true);
    assert.equal(loadBalancerStatusEqual(vip('10.0.0.1'), vip('10.0.0.1')), true);
    assert.equal(loadBalancerStatusEqual(vip('10.0.0.1'), { ingress: [{ ip: '10.0.0.1' }] }), false, 'ipMode counts');
    assert.equal(loadBalancerStatusEqual(vip('10.0.0.1', '10.0.0.2'), vip('10.0.0.2', '10.0.0.1')), false, 'order counts');
    assert.equal(loadBalancerStatusEqual(vip('10.0.0.1'), { ingress: [{ ip: '10.0.0.1', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }] }] }), false);
  });
});

// ---------------------------------------------------------------- which services, which changes

describe('which services and changes concern the controller', () => {
  it('wants a load balancer for type LoadBalancer without a class', () => {
    assert.equal(wantsLoadBalancer(lbService()), true);
    assert.equal(wantsLoadBalancer(lbService({ loadBalancerClass: 'example.com/lb' })), false);
    assert.equal(wantsLoadBalancer(lbService({ type: 'NodePort' })), false);
  });

  it('needs cleanup with the finalizer once deleting or no longer a LoadBalancer', () => {
    const fin = { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER] };
    assert.equal(needsCleanup(lbService({}, fin)), false);
    assert.equal(needsCleanup(lbService({}, { ...fin, deletionTimestamp: '2026-01-01T00:00:00Z' })), true);
    assert.equal(needsCleanup(lbService({ type: 'ClusterIP' }, fin)), true);
    assert.equal(needsCleanup(lbService({ type: 'ClusterIP' })), false);
  });

  it('needsUpdate: what changed, and the Event the service controller records for it', () => {
    const base = lbService();
    const change = (spec: Partial<NonNullable<Service['spec']>>, meta: Partial<Service['metadata']> = {}) =>
      needsUpdate(base, lbService(spec, meta));
    assert.deepEqual(change({ type: 'ClusterIP' }), { event: { reason: 'Type', message: 'LoadBalancer -> ClusterIP' } });
    assert.deepEqual(needsUpdate(lbService({ type: 'NodePort' }), base), { event: { reason: 'Type', message: 'NodePort -> LoadBalancer' } });
    assert.deepEqual(change({ loadBalancerSourceRanges: ['10.0.0.0/8', '192.168.0.0/16'] }),
      { event: { reason: 'LoadBalancerSourceRanges', message: '[] -> [10.0.0.0/8 192.168.0.0/16]' } });
    assert.deepEqual(change({ ports: [{ name: 'http', port: 81, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }] }), {});
    assert.deepEqual(change({ sessionAffinity: 'ClientIP' }), {});
    assert.deepEqual(change({ loadBalancerIP: '10.1.2.3' }), { event: { reason: 'LoadbalancerIP', message: ' -> 10.1.2.3' } });
    assert.deepEqual(change({ externalIPs: ['1.2.3.4'] }), { event: { reason: 'ExternalIP', message: 'Count: 0 -> 1' } });
    assert.deepEqual(needsUpdate(lbService({ externalIPs: ['1.2.3.4'] }), lbService({ externalIPs: ['1.2.3.5'] })),
      { event: { reason: 'ExternalIP', message: 'Added: 1.2.3.5' } });
    assert.deepEqual(change({}, { annotations: { a: 'b' } }), {});
    assert.deepEqual(change({}, { uid: 'uid-2' }), { event: { reason: 'UID', message: 'uid-web -> uid-2' } });
    assert.deepEqual(change({ externalTrafficPolicy: 'Local', healthCheckNodePort: 31000 }),
      { event: { reason: 'ExternalTrafficPolicy', message: 'Cluster -> Local' } });
    assert.deepEqual(change({ healthCheckNodePort: 31000 }), { event: { reason: 'HealthCheckNodePort', message: '0 -> 31000' } });
    assert.deepEqual(change({ ipFamilies: ['IPv4', 'IPv6'] }), { event: { reason: 'IPFamilies', message: 'Count: 1 -> 2' } });
  });

  it('needsUpdate: status, finalizers, labels and services of another class are no reason', () => {
    const base = lbService();
    assert.equal(needsUpdate(base, lbService({}, { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER], labels: { a: 'b' }, resourceVersion: '7' }, vip('10.0.0.1'))), undefined);
    assert.equal(needsUpdate(lbService({ loadBalancerClass: 'x/y' }), lbService({ loadBalancerClass: 'x/y', ports: [] })), undefined);
    assert.equal(needsUpdate(lbService({ type: 'ClusterIP' }), lbService({ type: 'NodePort' })), undefined);
  });
});

// ---------------------------------------------------------------- reconcile

class RecordingClient implements ServiceLBClient {
  readonly actions: string[] = [];
  /** Services gone once their finalizer is removed: later writes answer 404. */
  readonly goneWithFinalizer = new Set<string>();
  private readonly gone = new Set<string>();
  private check(svc: Service): void {
    if (this.gone.has(svc.metadata.name ?? '')) throw notFound({ group: '', resource: 'services' }, svc.metadata.name ?? '');
  }
  async addFinalizer(svc: Service): Promise<void> {
    this.check(svc);
    this.actions.push(`add-finalizer ${svc.metadata.name}`);
  }
  async removeFinalizer(svc: Service): Promise<void> {
    this.check(svc);
    this.actions.push(`remove-finalizer ${svc.metadata.name}`);
    if (this.goneWithFinalizer.has(svc.metadata.name ?? '')) this.gone.add(svc.metadata.name ?? '');
  }
  async patchStatus(svc: Service, status: LoadBalancerStatus): Promise<void> {
    this.check(svc);
    this.actions.push(`status ${svc.metadata.name} [${(status.ingress ?? []).map((i) => `${i.ip}/${i.ipMode}`).join(' ')}]`);
  }
}

interface Harness {
  c: ServiceLBController;
  client: RecordingClient;
  events: string[];
  services: Informer<Service>;
  nodes: Informer<Node>;
  slices: Informer<EndpointSlice>;
  /** Takes every queued key, sorted. */
  drain(): Promise<string[]>;
}

async function harness(services: Service[], nodes: Node[], slices: EndpointSlice[] = []): Promise<Harness> {
  const client = new RecordingClient();
  const events: string[] = [];
  const caches = {
    services: await filledInformer(services, stop.signal),
    nodes: await filledInformer(nodes, stop.signal),
    slices: await filledInformer(slices, stop.signal),
  };
  const c = new ServiceLBController({
    ...caches, client, clock: new FakeClock(), log: silent, workers: 1,
    recorder: { event: (obj: KubeObject, type: string, reason: string, message: string) => { events.push(`${obj.metadata.name} ${type} ${reason}: ${message}`); } },
  });
  const drain = async (): Promise<string[]> => {
    const keys: string[] = [];
    while (c.queue.length) {
      const key = (await c.queue.get()) as string;
      c.queue.done(key);
      keys.push(key);
    }
    return keys.sort();
  };
  return { c, client, events, ...caches, drain };
}

const ENSURED = ['web Normal EnsuringLoadBalancer: Ensuring load balancer', 'web Normal EnsuredLoadBalancer: Ensured load balancer'];

describe('ServiceLBController reconcile', () => {
  it('ensures a new LoadBalancer service: finalizer, the Ready nodes as ingress, Ensuring/Ensured; then leaves it alone', async () => {
    const h = await harness([lbService()], [node('n1', { internal: ['10.240.0.2'] }), node('n2', { internal: ['10.240.0.1'] }), node('n3', { internal: ['10.240.0.3'], ready: 'False' })]);
    assert.deepEqual(await h.drain(), ['ns/web'], 'the add event queued it');
    await h.c.reconcile('ns/web');
    assert.deepEqual(h.client.actions, ['add-finalizer web', 'status web [10.240.0.1/VIP 10.240.0.2/VIP]']);
    assert.deepEqual(h.events, ENSURED);
    // The cache has not caught up with either write: nothing is written twice.
    await h.c.reconcile('ns/web');
    assert.equal(h.client.actions.length, 2);
    // It has: nothing to do, and the writes' own events queue nothing.
    await sendEvent(h.services, 'MODIFIED', lbService({}, { resourceVersion: '3', finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER] }, vip('10.240.0.1', '10.240.0.2')));
    assert.deepEqual(await h.drain(), []);
    await h.c.reconcile('ns/web');
    assert.equal(h.client.actions.length, 2);
    assert.equal(h.events.length, 2);
  });

  it('follows nodes: NotReady, deleted, new and readdressed nodes rewrite the ingress with UpdatedLoadBalancer; none left warns', async () => {
    const svc = lbService({}, { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER] }, vip('10.240.0.1', '10.240.0.2'));
    const h = await harness([svc], [node('n1', { internal: ['10.240.0.1'] }), node('n2', { internal: ['10.240.0.2'] })]);
    await h.c.reconcile((await h.drain())[0]);
    assert.deepEqual(h.client.actions, [], 'already right: ensured without writes');
    assert.deepEqual(h.events, ENSURED);
    h.events.length = 0;

    // A heartbeat that changes nothing for load balancers queues nothing.
    await sendEvent(h.nodes, 'MODIFIED', node('n1', { internal: ['10.240.0.1'], labels: { x: 'y' }, rv: '2' }));
    assert.deepEqual(await h.drain(), []);

    await sendEvent(h.nodes, 'MODIFIED', node('n2', { internal: ['10.240.0.2'], ready: 'Unknown', rv: '3' }));
    assert.deepEqual(await h.drain(), ['ns/web']);
    await h.c.reconcile('ns/web');
    assert.deepEqual(h.client.actions, ['status web [10.240.0.1/VIP]']);
    assert.deepEqual(h.events, ['web Normal UpdatedLoadBalancer: Updated load balancer with new hosts']);
    await sendEvent(h.services, 'MODIFIED', { ...svc, metadata: { ...svc.metadata, resourceVersion: '4' }, status: { loadBalancer: vip('10.240.0.1') } });

    await sendEvent(h.nodes, 'ADDED', node('n3', { internal: ['10.240.0.3'], external: ['198.51.100.7'], rv: '5' }));
    assert.deepEqual(await h.drain(), ['ns/web']);
    await h.c.reconcile('ns/web');
    assert.equal(h.client.actions.at(-1), 'status web [10.240.0.1/VIP 198.51.100.7/VIP]');
    await sendEvent(h.services, 'MODIFIED', { ...svc, metadata: { ...svc.metadata, resourceVersion: '6' }, status: { loadBalancer: vip('10.240.0.1', '198.51.100.7') } });

    await sendEvent(h.nodes, 'DELETED', node('n3', { internal: ['10.240.0.3'], external: ['198.51.100.7'], rv: '7' }));
    await sendEvent(h.nodes, 'MODIFIED', node('n1', { internal: ['10.240.0.1'], ready: 'False', rv: '8' }));
    assert.deepEqual(await h.drain(), ['ns/web']);
    await h.c.reconcile('ns/web');
    assert.equal(h.client.actions.at(-1), 'status web []');
    assert.equal(h.events.at(-1), 'web Warning UnAvailableLoadBalancer: There are no available nodes for LoadBalancer');
  });

  it('a change of type to ClusterIP records Type, deletes the load balancer: finalizer, then ingress', async () => {
    const svc = lbService({}, { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER] }, vip('10.240.0.1'));
    const h = await harness([svc], [node('n1', { internal: ['10.240.0.1'] })]);
    await h.c.reconcile((await h.drain())[0]);
    h.events.length = 0;
    const clusterIP = lbService({ type: 'ClusterIP', externalTrafficPolicy: undefined, allocateLoadBalancerNodePorts: undefined }, { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER], resourceVersion: '2' }, vip('10.240.0.1'));
    await sendEvent(h.services, 'MODIFIED', clusterIP);
    assert.deepEqual(await h.drain(), ['ns/web']);
    await h.c.reconcile('ns/web');
    assert.deepEqual(h.client.actions, ['remove-finalizer web', 'status web []']);
    assert.deepEqual(h.events, [
      'web Normal Type: LoadBalancer -> ClusterIP',
      'web Normal DeletingLoadBalancer: Deleting load balancer',
      'web Normal DeletedLoadBalancer: Deleted load balancer',
    ]);
  });

  it('a deleted LoadBalancer service releases its finalizer; the gone service answering 404 ends it', async () => {
    const deleting = lbService({}, { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER], deletionTimestamp: '2026-01-01T00:00:00Z' }, vip('10.240.0.1'));
    const h = await harness([deleting], [node('n1', { internal: ['10.240.0.1'] })]);
    h.client.goneWithFinalizer.add('web');
    assert.deepEqual(await h.drain(), ['ns/web'], 'needsCleanup queues it on add');
    await h.c.reconcile('ns/web');
    assert.deepEqual(h.client.actions, ['remove-finalizer web'], 'the status write answered 404: done');
    assert.deepEqual(h.events, ['web Normal DeletingLoadBalancer: Deleting load balancer', 'web Normal DeletedLoadBalancer: Deleted load balancer']);
    await sendEvent(h.services, 'DELETED', { ...deleting, metadata: { ...deleting.metadata, resourceVersion: '2' } });
    assert.deepEqual(await h.drain(), ['ns/web']);
    await h.c.reconcile('ns/web');
    assert.equal(h.client.actions.length, 1, 'a service absent from the cache is done');
    assert.equal(h.events.length, 2);
  });

  it('services of another class, other types, and ones being deleted without the finalizer are never touched', async () => {
    const h = await harness([
      lbService({ loadBalancerClass: 'example.com/lb' }, { name: 'classy' }),
      lbService({ type: 'ClusterIP' }, { name: 'plain' }, vip('192.0.2.1')),
      lbService({}, { name: 'leaving', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['example.com/hold'] }),
    ], [node('n1', { internal: ['10.240.0.1'] })]);
    assert.deepEqual(await h.drain(), ['ns/leaving'], 'only a service that wants a load balancer is queued');
    for (const name of ['classy', 'plain', 'leaving', 'absent']) await h.c.reconcile(`ns/${name}`);
    // A node change queues only services that want a load balancer.
    await sendEvent(h.nodes, 'MODIFIED', node('n1', { internal: ['10.240.0.1'], ready: 'False', rv: '2' }));
    assert.deepEqual(await h.drain(), ['ns/leaving']);
    assert.deepEqual(h.client.actions, []);
    assert.deepEqual(h.events, []);
  });

  it('externalTrafficPolicy Local lists the nodes with ready endpoints, following the EndpointSlices', async () => {
    const svc = lbService({ externalTrafficPolicy: 'Local', healthCheckNodePort: 31000 }, { finalizers: [LOAD_BALANCER_CLEANUP_FINALIZER] });
    const nodes = [node('n1', { internal: ['10.240.0.1'] }), node('n2', { internal: ['10.240.0.2'] })];
    const h = await harness([svc], nodes, [slice('web-abc', [{ node: 'n2' }, { node: 'n1', ready: false }]), slice('other-abc', [{ node: 'n1' }], 'other')]);
    await h.c.reconcile((await h.drain())[0]);
    assert.deepEqual(h.client.actions, ['status web [10.240.0.2/VIP]']);
    await sendEvent(h.services, 'MODIFIED', { ...svc, metadata: { ...svc.metadata, resourceVersion: '2' }, status: { loadBalancer: vip('10.240.0.2') } });
    await sendEvent(h.slices, 'MODIFIED', { ...slice('web-abc', [{ node: 'n2' }, { node: 'n1' }]), metadata: { ...slice('web-abc', []).metadata, resourceVersion: '3' } });
    assert.deepEqual(await h.drain(), ['ns/web']);
    await h.c.reconcile('ns/web');
    assert.equal(h.client.actions.at(-1), 'status web [10.240.0.1/VIP 10.240.0.2/VIP]');
    assert.equal(h.events.at(-1), 'web Normal UpdatedLoadBalancer: Updated load balancer with new hosts');
  });

  it('a failed write records SyncLoadBalancerFailed and is retried through the ensure path', async () => {
    const h = await harness([lbService()], [node('n1', { internal: ['10.240.0.1'] })]);
    const fail = h.client.addFinalizer.bind(h.client);
    let failures = 1;
    h.client.addFinalizer = async (svc) => {
      await fail(svc);
      if (failures-- > 0) throw new Error('connection reset');
    };
    await assert.rejects(h.c.reconcile('ns/web'), /connection reset/);
    assert.deepEqual(h.events, ['web Normal EnsuringLoadBalancer: Ensuring load balancer', 'web Warning SyncLoadBalancerFailed: Error syncing load balancer: connection reset']);
    await h.c.reconcile('ns/web');
    assert.deepEqual(h.client.actions, ['add-finalizer web', 'add-finalizer web', 'status web [10.240.0.1/VIP]']);
    assert.deepEqual(h.events.slice(2), ENSURED);
  });
});

// ---------------------------------------------------------------- kubectl get svc

describe("the apiserver Table's External-IP cell for LoadBalancer services", () => {
  it('joins the ingress IPs (hostnames when no IP) sorted and once each, <pending> without any, spec.externalIPs after them', () => {
    assert.equal(serviceExternalIP(lbService()), '<pending>');
    assert.equal(serviceExternalIP(lbService({}, {}, vip('10.240.0.9', '10.240.0.10', '10.240.0.9'))), '10.240.0.10,10.240.0.9');
    assert.equal(serviceExternalIP(lbService({}, {}, { ingress: [{ hostname: 'lb.example.com' }, { ip: '10.0.0.1' }] })), '10.0.0.1,lb.example.com');
    assert.equal(serviceExternalIP(lbService({ externalIPs: ['192.0.2.5'] }, {}, vip('10.0.0.1'))), '10.0.0.1,192.0.2.5');
    assert.equal(serviceExternalIP(lbService({ externalIPs: ['192.0.2.5'] })), '192.0.2.5');
    assert.equal(serviceExternalIP(lbService({ type: 'ClusterIP' }, {}, vip('10.0.0.1'))), '<none>');
  });
});
