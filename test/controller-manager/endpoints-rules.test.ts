// The Endpoints and EndpointSlice controllers' decisions, without I/O: subsets from
// pods (ready and not, named ports, publishNotReadyAddresses, terminating and terminal
// pods), RepackSubsets' layout and order, truncation, no-change detection; the slice
// reconciler's packing at the limit, updates in place, terminating conditions, the
// placeholder slice; and both controllers' syncService over filled informer caches
// with a client that records what it is asked (sample-controller's controller_test.go).
import { rfc3339Nano } from '../../api/helpers/time.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { notFound } from '../../api/errors.js';
import type { Endpoints, EndpointSubset, Node, Pod, Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import type { KubeObject } from '../../api/types/meta.js';
import { FakeClock } from '../../client/clock.js';
import type { Informer } from '../../client/informer.js';
import { EndpointsController } from '../../controller-manager/endpoints/controller.js';
import {
  computeSubsets, endpointsToWrite, MAX_CAPACITY, OVER_CAPACITY, repackSubsets, truncateSubsets,
} from '../../controller-manager/endpoints/subsets.js';
import { EndpointSliceController } from '../../controller-manager/endpointslice/controller.js';
import { dumpEndpointPort, dumpEndpointSubset, dumpSlicePort } from '../../controller-manager/endpointslice/go-hash.js';
import { CONTROLLER_QUALIFIED_NAME, LABEL_MANAGED_BY, reconcile, type ReconcileInput } from '../../controller-manager/endpointslice/reconciler.js';
import {
  canonicalIP, findPort, HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, servicesToUpdateOnPodChange, TriggerTimeTracker,
} from '../../controller-manager/endpointslice/util.js';
import { fnv128aHex } from '../../controller-manager/go-spew.js';
import { filledInformer, sendEvent } from '../harness/filled-informer.js';

const silent = pino({ level: 'silent' });
const CREATED = '2026-01-01T00:00:00Z';

// ---------------------------------------------------------------- fixtures

interface PodOpts {
  ip?: string;
  ready?: boolean;
  node?: string;
  labels?: Record<string, string>;
  ports?: { name: string; containerPort: number; protocol?: string }[];
  deleting?: boolean;
  phase?: string;
  hostname?: string;
  subdomain?: string;
  readySince?: string;
}

function pod(name: string, o: PodOpts = {}): Pod {
  const ip = o.ip === undefined ? `10.0.0.${Number(name.replace(/\D/g, '')) || 1}` : o.ip;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1', labels: o.labels ?? { app: 'web' },
      ...(o.deleting ? { deletionTimestamp: CREATED } : {}),
    },
    spec: {
      nodeName: o.node ?? 'node-a',
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      containers: [{ name: 'c', image: 'img', ports: (o.ports ?? []).map((p) => ({ protocol: 'TCP', ...p })) }],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readySince ?? CREATED }],
    },
  } as Pod;
}

function service(spec: Partial<NonNullable<Service['spec']>> = {}, labels: Record<string, string> = { tier: 'front' }): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-svc', resourceVersion: '1', creationTimestamp: CREATED, labels },
    spec: {
      selector: { app: 'web' }, clusterIP: '10.96.0.10', ipFamilies: ['IPv4'], type: 'ClusterIP',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      ...spec,
    },
  };
}

const node = (name: string, zone?: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} } } as Node);

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const ips = (addrs: { ip: string }[] | undefined): string[] => (addrs ?? []).map((a) => a.ip);

// ---------------------------------------------------------------- Endpoints: subsets

describe('Endpoints subsets from pods', () => {
  it('ready pods are addresses, unready ones notReadyAddresses; pods without IP, terminal or terminating are left out', () => {
    const pods = [
      pod('p1'), pod('p2', { ready: false }), pod('p3', { ip: '' }), pod('p4', { phase: 'Failed' }), pod('p5', { deleting: true }),
      pod('p6', { phase: 'Succeeded' }),
    ];
    const { subsets, ready, notReady } = computeSubsets(service(), pods);
    assert.equal(subsets.length, 1);
    assert.deepEqual(ips(subsets[0].addresses), ['10.0.0.1']);
    assert.deepEqual(ips(subsets[0].notReadyAddresses), ['10.0.0.2']);
    assert.deepEqual(subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(subsets[0].addresses?.[0], {
      ip: '10.0.0.1', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'ns', name: 'p1', uid: 'uid-p1' },
    });
    assert.deepEqual([ready, notReady], [1, 1]);
  });

  it('publishNotReadyAddresses publishes unready and terminating pods as addresses', () => {
    const pods = [pod('p1'), pod('p2', { ready: false }), pod('p3', { deleting: true, ready: false })];
    const { subsets } = computeSubsets(service({ publishNotReadyAddresses: true }), pods);
    assert.equal(subsets.length, 1);
    assert.deepEqual(ips(subsets[0].addresses), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.equal(subsets[0].notReadyAddresses, undefined);
  });

  it('a named targetPort is resolved per pod; a pod without it is left out of that port only', () => {
    const svc = service({
      ports: [
        { name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9100, targetPort: 9100, protocol: 'TCP' },
      ],
    });
    const pods = [
      pod('p1', { ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('p2', { ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('p3', { ports: [{ name: 'http', containerPort: 8081 }] }),
      pod('p4'),
      pod('p5', { ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] }),
    ];
    const { subsets } = computeSubsets(svc, pods);
    // One subset per distinct set of addresses, with every port exactly those addresses offer.
    const shape = new Set(subsets.map((s) => JSON.stringify([ips(s.addresses), (s.ports ?? []).map((p) => `${p.name}:${p.port}`).sort()])));
    assert.deepEqual(shape, new Set([
      JSON.stringify([['10.0.0.1', '10.0.0.2'], ['web:8080']]),
      JSON.stringify([['10.0.0.3'], ['web:8081']]),
      // p4 has no port named http, p5's is UDP: both are only in metrics.
      JSON.stringify([['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'], ['metrics:9100']]),
    ]));
  });

  it('findPort: numbers as they are, names by container port name and protocol, sidecars too', () => {
    const p = pod('p1', { ports: [{ name: 'http', containerPort: 8080 }] });
    p.spec!.initContainers = [{ name: 'side', image: 'i', restartPolicy: 'Always', ports: [{ name: 'admin', containerPort: 9000, protocol: 'TCP' }] }];
    assert.equal(findPort(p, { port: 80, targetPort: 81, protocol: 'TCP' }), 81);
    assert.equal(findPort(p, { port: 80, targetPort: 'http', protocol: 'TCP' }), 8080);
    assert.equal(findPort(p, { port: 80, targetPort: 'admin', protocol: 'TCP' }), 9000);
    assert.equal(findPort(p, { port: 80, targetPort: 'http', protocol: 'UDP' }), undefined);
    assert.equal(findPort(p, { port: 80, targetPort: 'nosuch', protocol: 'TCP' }), undefined);
  });

  it('the hostname is set when the pod names this service as its subdomain', () => {
    const pods = [pod('p1', { hostname: 'one', subdomain: 'web' }), pod('p2', { hostname: 'two', subdomain: 'other' })];
    const { subsets } = computeSubsets(service({ clusterIP: 'None' }), pods);
    assert.deepEqual(subsets[0].addresses?.map((a) => a.hostname), ['one', undefined]);
  });

  it('a headless service without ports gets its addresses without ports; a headful one none', () => {
    const headless = computeSubsets(service({ clusterIP: 'None', ports: [] }), [pod('p1'), pod('p2', { ready: false })]).subsets;
    assert.deepEqual(headless.map((s) => [ips(s.addresses), ips(s.notReadyAddresses), s.ports]), [[['10.0.0.1'], ['10.0.0.2'], undefined]]);
    assert.deepEqual(computeSubsets(service({ ports: [] }), [pod('p1')]).subsets, []);
  });

  it('IP family: the service’s first ipFamily picks the pod IP', () => {
    const p = pod('p1');
    p.status!.podIPs = [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }];
    assert.deepEqual(ips(computeSubsets(service({ ipFamilies: ['IPv6'] }), [p]).subsets[0].addresses), ['fd00::1']);
    assert.deepEqual(ips(computeSubsets(service(), [p]).subsets[0].addresses), ['10.0.0.1']);
    p.status!.podIPs = [{ ip: 'fd00::1' }];
    assert.deepEqual(computeSubsets(service(), [p]).subsets, []);
  });
});

describe('RepackSubsets', () => {
  const a = (ip: string, uid?: string): { ip: string; targetRef?: { uid: string } } => (uid ? { ip, targetRef: { uid } } : { ip });
  it('groups addresses by the ports they share and ports by the addresses offering them', () => {
    const out = repackSubsets([
      { addresses: [a('1.2.3.4')], ports: [{ port: 111 }] },
      { addresses: [a('1.2.3.5')], ports: [{ port: 222 }] },
      { addresses: [a('1.2.3.6')], ports: [{ port: 111 }] },
      { notReadyAddresses: [a('1.2.3.5')], ports: [{ port: 333 }] },
    ]);
    const shape = out.map((s) => [ips(s.addresses), ips(s.notReadyAddresses), (s.ports ?? []).map((p) => p.port).sort()]);
    assert.equal(shape.length, 3);
    assert.ok(shape.some((x) => JSON.stringify(x) === JSON.stringify([['1.2.3.4', '1.2.3.6'], [], [111]])));
    assert.ok(shape.some((x) => JSON.stringify(x) === JSON.stringify([['1.2.3.5'], [], [222]])));
    assert.ok(shape.some((x) => JSON.stringify(x) === JSON.stringify([[], ['1.2.3.5'], [333]])));
  });

  it('dedups by IP and uid; not ready wins over ready for one port; the first address seen is kept', () => {
    assert.deepEqual(repackSubsets([
      { addresses: [a('1.2.3.4')], notReadyAddresses: [a('1.2.3.4')], ports: [{ port: 111 }] },
    ]), [{ notReadyAddresses: [a('1.2.3.4')], ports: [{ port: 111 }] }]);
    assert.deepEqual(repackSubsets([
      { addresses: [{ ip: '1.2.3.4', hostname: 'first' }, { ip: '1.2.3.4', hostname: 'second' }], ports: [{ port: 111 }, { port: 111 }] },
    ]), [{ addresses: [{ ip: '1.2.3.4', hostname: 'first' }], ports: [{ port: 111 }] }]);
    const two = repackSubsets([
      { addresses: [a('5.6.7.8', 'uid-1')], ports: [{ port: 111 }] }, { addresses: [a('5.6.7.8')], ports: [{ port: 111 }] },
      { addresses: [a('1.2.3.4', 'uid-1')], ports: [{ port: 111 }] }, { addresses: [a('1.2.3.4')], ports: [{ port: 111 }] },
    ]);
    // Sorted by IP, then without a targetRef first, then by uid.
    assert.deepEqual(two[0].addresses, [a('1.2.3.4'), a('1.2.3.4', 'uid-1'), a('5.6.7.8'), a('5.6.7.8', 'uid-1')]);
  });

  it('the layout does not depend on the order pods came in; subsets and ports sort by the md5 of their Go dump', () => {
    const svc = service({ ports: [{ name: 'a', port: 1, targetPort: 1001, protocol: 'TCP' }, { name: 'b', port: 2, targetPort: 'named', protocol: 'TCP' }] });
    const pods = Array.from({ length: 8 }, (_, i) => pod(`p${i + 1}`, { ready: i % 3 !== 0, ports: i % 2 ? [{ name: 'named', containerPort: 2000 + (i % 4) }] : [] }));
    const forward = computeSubsets(svc, pods).subsets;
    const backward = computeSubsets(svc, [...pods].reverse()).subsets;
    assert.deepEqual(backward, forward);
    assert.ok(forward.length > 2);
    const hashes = forward.map((s) => dumpEndpointSubset(s)).map((d) => md5(d));
    assert.deepEqual(hashes, [...hashes].sort());
  });

  it('writes spew’s %#v dump of the Go structs', () => {
    assert.equal(dumpEndpointPort({ name: 'http', port: 80, protocol: 'TCP' }),
      '(v1.EndpointPort){Name:(string)http Port:(int32)80 Protocol:(v1.Protocol)TCP AppProtocol:(*string)<nil>}');
    assert.equal(dumpEndpointSubset({ addresses: [{ ip: '1.2.3.4', nodeName: 'n', targetRef: { kind: 'Pod', namespace: 'ns', name: 'p', uid: 'u' } }], ports: [{ port: 80, protocol: 'TCP' }] }),
      '(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)[{IP:(string)1.2.3.4 Hostname:(string) NodeName:(*string)n '
      + 'TargetRef:(*v1.ObjectReference){Kind:(string)Pod Namespace:(string)ns Name:(string)p UID:(types.UID)u APIVersion:(string) ResourceVersion:(string) FieldPath:(string)}}] '
      + 'NotReadyAddresses:([]v1.EndpointAddress)<nil> Ports:([]v1.EndpointPort)[{Name:(string) Port:(int32)80 Protocol:(v1.Protocol)TCP AppProtocol:(*string)<nil>}]}');
    assert.equal(dumpSlicePort({ name: 'http', protocol: 'TCP', port: 80, appProtocol: 'h2c' }),
      '(v1.EndpointPort){Name:(*string)http Protocol:(*v1.Protocol)TCP Port:(*int32)80 AppProtocol:(*string)h2c}');
    // hash/fnv New128a's published test vectors.
    assert.equal(fnv128aHex(''), '6c62272e07bb014262b821756295c58d');
    assert.equal(fnv128aHex('a'), 'd228cb696f1a8caf78912b704e4a8964');
  });
});

describe('truncation beyond 1000 addresses', () => {
  const many = (n: number, from = 0): EndpointSubset['addresses'] =>
    Array.from({ length: n }, (_, i) => ({ ip: `10.${Math.floor((from + i) / 250)}.${(from + i) % 250}.1` }));
  it('cuts not ready addresses first, ready ones only when they alone are too many', () => {
    const a = truncateSubsets([{ addresses: many(900), notReadyAddresses: many(200, 900), ports: [{ port: 1 }] }]);
    assert.equal(a.truncated, true);
    assert.deepEqual([a.subsets[0].addresses?.length, a.subsets[0].notReadyAddresses?.length], [900, 100]);
    const b = truncateSubsets([
      { addresses: many(600), notReadyAddresses: many(5, 1300), ports: [{ port: 1 }] },
      { addresses: many(600, 600), ports: [{ port: 2 }] },
    ]);
    assert.deepEqual(b.subsets.map((s) => [s.addresses?.length, s.notReadyAddresses?.length]), [[500, undefined], [500, undefined]]);
    assert.equal(truncateSubsets([{ addresses: many(MAX_CAPACITY), ports: [{ port: 1 }] }]).truncated, false);
  });
  it('annotates over-capacity: truncated, and then leaves the truncated object alone', () => {
    const pods = Array.from({ length: 1001 }, (_, i) => pod(`p${i}`, { ip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
    const svc = service();
    const { subsets } = computeSubsets(svc, pods);
    const first = endpointsToWrite(svc, subsets, undefined, undefined);
    assert.equal(first?.endpoints.metadata.annotations?.[OVER_CAPACITY], 'truncated');
    assert.equal(first?.endpoints.subsets?.[0].addresses?.length, 1000);
    const stored = { ...structuredClone(first!.endpoints), metadata: { ...first!.endpoints.metadata, resourceVersion: '5' } };
    assert.equal(endpointsToWrite(svc, subsets, stored, undefined), undefined);
  });
});

describe('Endpoints no-change detection', () => {
  const svc = service();
  const pods = [pod('p1'), pod('p2', { ready: false }), pod('p3')];
  const { subsets } = computeSubsets(svc, pods);
  const first = endpointsToWrite(svc, subsets, undefined, Date.parse(CREATED));
  const stored = (mutate: (e: Endpoints) => void = () => undefined): Endpoints => {
    const e = structuredClone(first!.endpoints);
    e.metadata.resourceVersion = '7';
    mutate(e);
    return e;
  };

  it('creates with the service’s labels and the trigger time', () => {
    assert.equal(first?.verb, 'create');
    assert.deepEqual(first?.endpoints.metadata, {
      name: 'web', namespace: 'ns', labels: { tier: 'front' }, annotations: { [LAST_CHANGE_TRIGGER_TIME]: CREATED },
    });
  });

  it('writes nothing when subsets and labels are the same, whatever pod resourceVersions and empty lists say', () => {
    assert.equal(endpointsToWrite(svc, subsets, stored(), undefined), undefined);
    assert.equal(endpointsToWrite(svc, subsets, stored((e) => {
      for (const s of e.subsets ?? []) {
        for (const a of s.addresses ?? []) a.targetRef!.resourceVersion = '99';
        s.notReadyAddresses ??= [];
      }
    }), undefined), undefined);
    assert.equal(endpointsToWrite(service({ clusterIP: 'None' }), subsets, stored((e) => { e.metadata.labels![HEADLESS_LABEL] = ''; }), undefined), undefined);
  });

  it('updates when an address moves, a label changes, or the capacity annotation is wrong; the trigger time follows', () => {
    const moved = computeSubsets(svc, [pod('p1'), pod('p2'), pod('p3')]).subsets;
    const w = endpointsToWrite(svc, moved, stored(), Date.parse('2026-01-01T00:01:00.5Z'));
    assert.equal(w?.verb, 'update');
    assert.equal(w?.endpoints.metadata.resourceVersion, '7');
    assert.deepEqual(ips(w?.endpoints.subsets?.[0].addresses), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.equal(w?.endpoints.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME], '2026-01-01T00:01:00.5Z');
    const relabelled = endpointsToWrite(service({}, { tier: 'back' }), subsets, stored(), undefined);
    assert.deepEqual(relabelled?.endpoints.metadata.labels, { tier: 'back' });
    assert.equal(relabelled?.endpoints.metadata.annotations, undefined);
    assert.equal(endpointsToWrite(svc, subsets, stored((e) => { e.metadata.annotations = { [OVER_CAPACITY]: 'truncated' }; }), undefined)?.verb, 'update');
  });

  it('a headless service’s Endpoints carry the headless label', () => {
    const w = endpointsToWrite(service({ clusterIP: 'None' }), subsets, undefined, undefined);
    assert.deepEqual(w?.endpoints.metadata.labels, { tier: 'front', [HEADLESS_LABEL]: '' });
  });
});

describe('pod changes and trigger times', () => {
  const svcs = [service(), { ...service({ selector: { app: 'api' } }), metadata: { ...service().metadata, name: 'api' } }];
  const bump = (p: Pod, f: (p: Pod) => void): Pod => {
    const q = structuredClone(p);
    q.metadata.resourceVersion = '2';
    f(q);
    return q;
  };
  it('queues services only for changes endpoints show', () => {
    const p = pod('p1');
    assert.deepEqual(servicesToUpdateOnPodChange(svcs, p, structuredClone(p)), new Set());
    assert.deepEqual(servicesToUpdateOnPodChange(svcs, p, bump(p, (q) => { q.metadata.annotations = { a: 'b' }; })), new Set());
    assert.deepEqual(servicesToUpdateOnPodChange(svcs, p, bump(p, (q) => { q.status!.conditions![0].status = 'False'; })), new Set(['ns/web']));
    assert.deepEqual(servicesToUpdateOnPodChange(svcs, p, bump(p, (q) => { q.status!.podIPs = [{ ip: '10.9.9.9' }]; })), new Set(['ns/web']));
    // Relabelled: the services it left and joined.
    assert.deepEqual(servicesToUpdateOnPodChange(svcs, p, bump(p, (q) => { q.metadata.labels = { app: 'api' }; })), new Set(['ns/web', 'ns/api']));
  });
  it('the trigger time is the service’s creation at first, then the earliest new Ready transition, then nothing', () => {
    const t = new TriggerTimeTracker();
    const svc = service();
    const seen = (pods: Pod[]): number | undefined => {
      const { time, commit } = t.compute(svc, pods);
      commit();
      return time;
    };
    assert.equal(seen([pod('p1')]), Date.parse(CREATED));
    assert.equal(seen([pod('p1')]), undefined);
    assert.equal(seen([pod('p1', { readySince: '2026-01-01T00:05:00Z' }), pod('p2', { readySince: '2026-01-01T00:03:00Z' })]), Date.parse('2026-01-01T00:03:00Z'));
    assert.equal(rfc3339Nano(Date.parse(CREATED)), CREATED);
  });
  it('a sync whose write failed (no commit) is retried with the same trigger time, not none', () => {
    const t = new TriggerTimeTracker();
    const svc = service();
    t.compute(svc, [pod('p1')]).commit();
    const changed = [pod('p1', { readySince: '2026-01-01T00:05:00Z' })];
    assert.equal(t.compute(svc, changed).time, Date.parse('2026-01-01T00:05:00Z'));
    const retry = t.compute(svc, changed);
    assert.equal(retry.time, Date.parse('2026-01-01T00:05:00Z'));
    retry.commit();
    assert.equal(t.compute(svc, changed).time, undefined);
  });
  it('canonicalIP prints addresses as Go does', () => {
    assert.equal(canonicalIP('010.001.0.9'), '10.1.0.9');
    assert.equal(canonicalIP('FD00:0:0::0001'), 'fd00::1');
    assert.equal(canonicalIP('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(canonicalIP('fe80::1%eth0'), 'fe80::1%eth0');
    assert.equal(canonicalIP('not-an-ip'), 'not-an-ip');
  });
});

// ---------------------------------------------------------------- EndpointSlice reconciler

function input(pods: Pod[], existing: EndpointSlice[] = [], o: Partial<ReconcileInput> = {}): ReconcileInput {
  const nodes = new Map([['node-a', node('node-a', 'zone-1')], ['node-b', node('node-b')]]);
  return { service: service(), pods, existingSlices: existing, nodes: (n) => nodes.get(n), maxEndpointsPerSlice: 3, ...o };
}

/** What the apiserver would store: names for generateName, uid, resourceVersion, generation. */
let seq = 0;
function store(slices: EndpointSlice[]): EndpointSlice[] {
  return slices.map((s) => {
    const c = structuredClone(s);
    c.metadata.name ??= `${c.metadata.generateName}${(++seq).toString(36).padStart(5, 'x')}`;
    c.metadata.uid ??= `uid-${c.metadata.name}`;
    c.metadata.resourceVersion = String(++seq);
    c.metadata.generation = (c.metadata.generation ?? 0) + 1;
    return c;
  });
}

/** The stored slices after applying a plan to them. */
function applyPlan(existing: EndpointSlice[], plan: ReturnType<typeof reconcile>): EndpointSlice[] {
  const byName = new Map(existing.map((s) => [s.metadata.name as string, s]));
  for (const s of plan.delete) byName.delete(s.metadata.name as string);
  for (const s of store(plan.update)) byName.set(s.metadata.name as string, s);
  for (const s of store(plan.create)) byName.set(s.metadata.name as string, s);
  return [...byName.values()];
}

const endpointNames = (s: EndpointSlice): string[] => (s.endpoints ?? []).map((e) => e.targetRef?.name as string);

describe('EndpointSlice reconciler', () => {
  const seven = Array.from({ length: 7 }, (_, i) => pod(`p${i + 1}`));

  it('packs at most maxEndpointsPerSlice endpoints per slice, with labels, ownerReference and ports', () => {
    const plan = reconcile(input(seven));
    assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length, plan.errors.length], [3, 0, 0, 0]);
    assert.deepEqual(plan.create.map((s) => s.endpoints?.length), [3, 3, 1]);
    const s = plan.create[0];
    assert.equal(s.metadata.generateName, 'web-');
    assert.deepEqual(s.metadata.labels, { tier: 'front', 'kubernetes.io/service-name': 'web', [LABEL_MANAGED_BY]: CONTROLLER_QUALIFIED_NAME });
    assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-svc', controller: true, blockOwnerDeletion: true }]);
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
    assert.deepEqual(s.endpoints?.[0], {
      addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'ns', name: 'p1', uid: 'uid-p1' }, nodeName: 'node-a', zone: 'zone-1',
    });
    assert.deepEqual(plan.create.flatMap(endpointNames).sort(), seven.map((p) => p.metadata.name).sort());
  });

  it('writes nothing when nothing changed', () => {
    const stored = store(reconcile(input(seven)).create);
    const plan = reconcile(input(seven, stored));
    assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length], [0, 0, 0]);
  });

  it('updates in place only the slice whose endpoint changed', () => {
    const stored = store(reconcile(input(seven)).create);
    const changed = seven.map((p) => (p.metadata.name === 'p5' ? pod('p5', { ready: false }) : p));
    const plan = reconcile(input(changed, stored));
    assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length], [0, 1, 0]);
    const holder = stored.find((s) => endpointNames(s).includes('p5'));
    assert.equal(plan.update[0].metadata.name, holder?.metadata.name);
    assert.deepEqual(endpointNames(plan.update[0]), endpointNames(holder!));
    assert.deepEqual(plan.update[0].endpoints?.find((e) => e.targetRef?.name === 'p5')?.conditions, { ready: false, serving: false, terminating: false });
  });

  it('a new endpoint goes into the partly full slice it fits; beyond, new slices are made', () => {
    const stored = store(reconcile(input(seven)).create);
    const plan = reconcile(input([...seven, pod('p8')], stored));
    assert.deepEqual([plan.create.length, plan.update.length], [0, 1]);
    assert.deepEqual(endpointNames(plan.update[0]).sort(), ['p7', 'p8']);
    const after = applyPlan(stored, plan);
    // Four more: a slice's worth goes into a new slice, the last one into the slice holding p7 and p8.
    const more = reconcile(input([...seven, ...['p8', 'p9', 'p10', 'p11', 'p12'].map((n) => pod(n))], after));
    assert.deepEqual([more.create.length, more.update.length, more.delete.length], [1, 1, 0]);
    assert.deepEqual(more.create.map(endpointNames), [['p9', 'p10', 'p11']]);
    assert.deepEqual(endpointNames(more.update[0]), ['p7', 'p8', 'p12']);
  });

  it('removed pods leave their slices; an emptied slice is deleted, or reused by a create', () => {
    const stored = store(reconcile(input(seven)).create);
    const gone = new Set(stored[0].endpoints!.map((e) => e.targetRef?.name));
    const plan = reconcile(input(seven.filter((p) => !gone.has(p.metadata.name)), stored));
    assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length], [0, 0, 1]);
    assert.equal(plan.delete[0].metadata.name, stored[0].metadata.name);
    // All gone: the placeholder takes the place of one deleted slice (an update, not a create and a delete).
    const none = reconcile(input([], stored));
    assert.deepEqual([none.create.length, none.update.length, none.delete.length], [0, 1, 2]);
    assert.deepEqual([none.update[0].endpoints, none.update[0].ports], [[], []]);
  });

  it('a service without pods gets one empty placeholder slice, kept as it is', () => {
    const plan = reconcile(input([]));
    assert.deepEqual(plan.create.map((s) => [s.endpoints, s.ports, s.addressType]), [[[], [], 'IPv4']]);
    const again = reconcile(input([], store(plan.create)));
    assert.deepEqual([again.create.length, again.update.length, again.delete.length], [0, 0, 0]);
  });

  it('terminating pods stay with ready=false, serving as their readiness; publishNotReadyAddresses makes them ready', () => {
    const pods = [pod('p1', { deleting: true }), pod('p2', { deleting: true, ready: false }), pod('p3', { ready: false })];
    const conds = (o: Partial<ReconcileInput> = {}): unknown => reconcile(input(pods, [], o)).create[0].endpoints?.map((e) => [e.targetRef?.name, e.conditions]);
    assert.deepEqual(conds(), [
      ['p1', { ready: false, serving: true, terminating: true }],
      ['p2', { ready: false, serving: false, terminating: true }],
      ['p3', { ready: false, serving: false, terminating: false }],
    ]);
    const svc = service({ publishNotReadyAddresses: true });
    assert.deepEqual(conds({ service: svc }), [
      ['p1', { ready: true, serving: true, terminating: true }],
      ['p2', { ready: true, serving: false, terminating: true }],
      ['p3', { ready: true, serving: false, terminating: false }],
    ]);
  });

  it('one set of slices per distinct port mapping (named ports resolved per pod)', () => {
    const svc = service({ ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const pods = [
      pod('p1', { ports: [{ name: 'http', containerPort: 8080 }] }), pod('p2', { ports: [{ name: 'http', containerPort: 9090 }] }),
      pod('p3', { ports: [{ name: 'http', containerPort: 8080 }] }), pod('p4'),
    ];
    const plan = reconcile(input(pods, [], { service: svc }));
    const byPorts = new Map(plan.create.map((s) => [JSON.stringify(s.ports), endpointNames(s)]));
    assert.deepEqual(byPorts, new Map([
      [JSON.stringify([{ name: 'web', protocol: 'TCP', port: 8080 }]), ['p1', 'p3']],
      [JSON.stringify([{ name: 'web', protocol: 'TCP', port: 9090 }]), ['p2']],
      [JSON.stringify([]), ['p4']],
    ]));
  });

  it('hostname, nodes without zones, and pods of unknown nodes (left out, reported)', () => {
    const pods = [pod('p1', { hostname: 'h1', subdomain: 'web', node: 'node-b' }), pod('p2', { node: 'gone' })];
    const plan = reconcile(input(pods));
    assert.deepEqual(plan.create[0].endpoints?.map((e) => [e.hostname, e.nodeName, e.zone]), [['h1', 'node-b', undefined]]);
    assert.deepEqual(plan.errors, ['skipping Pod p2 for Service ns/web: Node gone Not Found']);
  });

  it('slices of another address type or not owned by this service are replaced', () => {
    const stored = store(reconcile(input(seven)).create);
    const foreign = { ...stored[0], metadata: { ...stored[0].metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'old-uid' }] } };
    const plan = reconcile(input(seven, [foreign, stored[1], stored[2]]));
    // The foreign slice's endpoints go into a new slice, which is created (an unowned slice is never reused).
    assert.deepEqual([plan.create.length, plan.update.length, plan.delete.map((s) => s.metadata.name)], [1, 0, [stored[0].metadata.name]]);
    const v6 = reconcile(input(seven, stored, { service: service({ ipFamilies: ['IPv6'] }) }));
    assert.deepEqual(v6.delete.map((s) => s.metadata.name).sort(), stored.map((s) => s.metadata.name).sort());
    assert.equal(v6.update.length + v6.create.length, 1);
  });
});

describe('bad input', () => {
  it('never throws: odd IPs, missing fields, ports without numbers', () => {
    const odd = [pod('p1', { ip: 'fe80::1%eth0' }), pod('p2', { ip: 'garbage' }), pod('p3')];
    odd[2].status!.podIPs = [null as unknown as { ip: string }, { ip: 42 as unknown as string }, { ip: '10.0.0.3' }];
    const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'ns', labels: { app: 'web' } } } as Pod;
    const svc = service({ ports: [{ port: 80 } as never, { name: 'x', port: 81, targetPort: { weird: true } as never }] });
    for (const s of [svc, service({ ipFamilies: ['Banana'] as never, clusterIP: 'None' }), service({ ports: undefined })]) {
      const pods = [...odd, bare];
      assert.doesNotThrow(() => computeSubsets(s, pods));
      assert.doesNotThrow(() => reconcile(input(pods, [], { service: s })));
    }
    // p3's null and numeric podIPs are skipped; (like Go, anything not IPv6 counts as IPv4: the apiserver stores no invalid pod IP).
    assert.deepEqual(ips(computeSubsets(service(), odd).subsets[0].addresses), ['10.0.0.3', 'garbage']);
  });
});

// ---------------------------------------------------------------- controllers over filled caches

const stops: AbortController[] = [];
after(() => { for (const s of stops) s.abort(); });

const filled = <T extends KubeObject>(items: T[]): Promise<Informer<T>> => {
  const stop = new AbortController();
  stops.push(stop);
  return filledInformer(items, stop.signal);
};
const send = sendEvent;

/** A client that records each write and answers as the apiserver would. */
class RecordingClient<T extends KubeObject> {
  readonly actions: string[] = [];
  readonly objects: T[] = [];
  constructor(private readonly missing = new Set<string>()) {}
  async create(ns: string, obj: T | KubeObject): Promise<T> {
    const [stored] = store([obj as unknown as EndpointSlice]) as unknown as T[];
    this.actions.push(`create ${ns}/${stored.metadata.name}`);
    this.objects.push(stored);
    return stored;
  }
  async update(ns: string, obj: T): Promise<T> {
    const [stored] = store([obj as unknown as EndpointSlice]) as unknown as T[];
    this.actions.push(`update ${ns}/${obj.metadata.name}`);
    this.objects.push(stored);
    return stored;
  }
  async delete(ns: string, name: string): Promise<KubeObject> {
    this.actions.push(`delete ${ns}/${name}`);
    if (this.missing.has(`${ns}/${name}`)) throw notFound({ group: '', resource: 'endpoints' }, name);
    return { metadata: { name } };
  }
}

const recorder = { events: [] as string[], eventf(_o: unknown, type: string, reason: string) { this.events.push(`${type} ${reason}`); } };

const kubernetesService = (): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default', uid: 'k', creationTimestamp: CREATED },
  spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }] },
});

async function endpointsController(services: Service[], pods: Pod[], endpoints: Endpoints[] = [], missing?: Set<string>) {
  const client = new RecordingClient<Endpoints>(missing);
  const c = new EndpointsController({
    services: await filled(services), pods: await filled(pods), endpoints: await filled(endpoints),
    client, recorder, clock: new FakeClock(), log: silent, workers: 1, batchPeriodMs: 0,
  });
  return { c, client };
}

describe('Endpoints controller syncService', () => {
  it('creates the Endpoints of a service, and then leaves it alone', async () => {
    const pods = [pod('p1'), pod('p2', { ready: false })];
    const { c, client } = await endpointsController([service()], pods);
    await c.syncService('ns/web');
    assert.deepEqual(client.actions, ['create ns/web']);
    const { c: again, client: none } = await endpointsController([service()], pods, client.objects);
    await again.syncService('ns/web');
    assert.deepEqual(none.actions, []);
  });

  it('deletes the Endpoints of a deleted service (already gone is fine); services without selector are not touched', async () => {
    const { c, client } = await endpointsController([kubernetesService(), service({ type: 'ExternalName', externalName: 'x.example' })], [pod('p1')], [], new Set(['ns/gone']));
    await c.syncService('ns/gone');
    await c.syncService('default/kubernetes');
    await c.syncService('ns/web');
    assert.deepEqual(client.actions, ['delete ns/gone']);
  });

  it('at start, every Endpoints is queued (so orphans are deleted), leader locks aside', async () => {
    const ep = (name: string, annotations?: Record<string, string>): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'ns', annotations } });
    const { c } = await endpointsController([], [], [ep('orphan'), ep('lock', { 'control-plane.alpha.kubernetes.io/leader': '{}' })]);
    c.checkLeftoverEndpoints();
    assert.equal(c.queue.length, 1);
    assert.equal(await c.queue.get(), 'ns/orphan');
  });
});

describe('EndpointSlice controller syncService', () => {
  async function sliceController(slices: EndpointSlice[]) {
    const client = new RecordingClient<EndpointSlice>();
    const sliceCache = await filled(slices);
    const c = new EndpointSliceController({
      services: await filled([service(), kubernetesService()]), pods: await filled(Array.from({ length: 4 }, (_, i) => pod(`p${i + 1}`))),
      nodes: await filled([node('node-a', 'zone-1')]), slices: sliceCache,
      client, recorder, clock: new FakeClock(), log: silent, workers: 1, maxEndpointsPerSlice: 3, batchPeriodMs: 0,
    });
    return { c, client, sliceCache };
  }

  it('creates the slices; a cache that has not seen its own writes yet fails the sync instead of writing again', async () => {
    const { c, client } = await sliceController([]);
    await c.syncService('ns/web');
    assert.deepEqual(client.actions.map((a) => a.replace(/web-\w+$/, 'web-*')), ['create ns/web-*', 'create ns/web-*']);
    await assert.rejects(c.syncService('ns/web'), /EndpointSlice informer cache is out of date/);
    assert.equal(client.actions.length, 2);
    await c.syncService('default/kubernetes');
    assert.equal(client.actions.length, 2);
  });

  it('the cache catching up with its writes queues the service at once, not after its backoff', async () => {
    const { c, client, sliceCache } = await sliceController([]);
    await c.syncService('ns/web');
    await assert.rejects(c.syncService('ns/web'), /out of date/);
    // The adds of the first list, drained.
    while (c.queue.length) c.queue.done(await c.queue.get() as string);
    await send(sliceCache, 'ADDED', client.objects[0]);
    // One of two slices seen: still behind, and the next sync says so again.
    assert.equal(c.queue.length, 1);
    assert.equal(await c.queue.get(), 'ns/web');
    c.queue.done('ns/web');
    await assert.rejects(c.syncService('ns/web'), /out of date/);
    await send(sliceCache, 'ADDED', client.objects[1]);
    assert.equal(c.queue.length, 1);
    assert.equal(await c.queue.get(), 'ns/web');
    c.queue.done('ns/web');
    await c.syncService('ns/web');
    assert.equal(client.actions.length, 2);
  });

  it('with the slices in the cache, nothing is written; a slice of another manager is not counted', async () => {
    const { client: first } = await (async () => {
      const r = await sliceController([]);
      await r.c.syncService('ns/web');
      return r;
    })();
    const foreign = { ...structuredClone(first.objects[0]), metadata: { ...structuredClone(first.objects[0].metadata), name: 'mine', uid: 'u-mine', labels: { 'kubernetes.io/service-name': 'web', [LABEL_MANAGED_BY]: 'someone-else' } } };
    const { c, client } = await sliceController([...first.objects, foreign]);
    await c.syncService('ns/web');
    assert.deepEqual(client.actions, []);
  });
});

