// Table responses: the columns and cells kube-apiserver prints (pkg/printers), checked
// against what a real cluster shows for the same objects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findResource, type ResourceInfo } from '../../api/registry.js';
import type { Deployment, ReplicaSet } from '../../api/types/apps.js';
import type { ContainerStatus, Endpoints, Event, Node, Pod, Service } from '../../api/types/core.js';
import type { KubeObject, Table } from '../../api/types/meta.js';
import { formatAge, formatEndpoints, labelSelectorString, toTable } from '../../apiserver/tables.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();
const ri = (group: string, plural: string): ResourceInfo => findResource(group, 'v1', plural) as ResourceInfo;

function table(plural: string, items: KubeObject[], group = ''): Table {
  return toTable(ri(group, plural), items, { now: NOW });
}

/** The cells of a one-object table keyed by column name. */
function row(plural: string, obj: KubeObject, group = ''): Record<string, unknown> {
  const t = table(plural, [obj], group);
  return Object.fromEntries(t.columnDefinitions.map((c, i) => [c.name, t.rows[0].cells[i]]));
}

describe('formatAge (duration.HumanDuration)', () => {
  const cases: [number, string][] = [
    [0, '0s'], [59, '59s'], [119, '119s'], [120, '2m'], [303, '5m3s'], [540, '9m'], [600, '10m'], [10799, '179m'],
    [3 * 3600, '3h'], [3 * 3600 + 300, '3h5m'], [7 * 3600 + 59 * 60 + 59, '7h59m'], [8 * 3600, '8h'], [47 * 3600, '47h'],
    [48 * 3600, '2d'], [51 * 3600, '2d3h'], [8 * 86400, '8d'], [729 * 86400, '729d'], [(730 + 40) * 86400, '2y40d'],
    [730 * 86400, '2y'], [8 * 365 * 86400, '8y'], [9 * 365 * 86400 + 100 * 86400, '9y'],
  ];
  for (const [seconds, want] of cases) {
    test(`${seconds}s -> ${want}`, () => assert.equal(formatAge(ago(seconds), NOW), want));
  }
  test('sub-second and slightly future timestamps count as now', () => {
    assert.equal(formatAge(new Date(NOW.getTime() - 999).toISOString(), NOW), '0s');
    assert.equal(formatAge(new Date(NOW.getTime() + 1500).toISOString(), NOW), '0s');
  });
  test('far future is <invalid>, missing is <unknown>', () => {
    assert.equal(formatAge(new Date(NOW.getTime() + 5000).toISOString(), NOW), '<invalid>');
    assert.equal(formatAge(undefined, NOW), '<unknown>');
    assert.equal(formatAge('garbage', NOW), '<unknown>');
  });
});

// ---------------------------------------------------------------- pods

const running = (name: string, ready = true, restartCount = 0): ContainerStatus => ({
  name, ready, restartCount, image: 'busybox', imageID: '', state: { running: { startedAt: ago(100) } },
});

function pod(p: { containers?: string[]; init?: { name: string; restartPolicy?: string }[]; status?: Pod['status']; deletion?: boolean; extra?: Partial<Pod['spec']> }): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: ago(303), ...(p.deletion ? { deletionTimestamp: ago(1) } : {}) },
    spec: { containers: (p.containers ?? ['app']).map((name) => ({ name, image: 'busybox' })), initContainers: p.init?.map((c) => ({ image: 'busybox', ...c })), ...p.extra },
    status: p.status ?? { phase: 'Pending' },
  };
}

describe('pod table', () => {
  test('columns, wide columns with priority 1', () => {
    const t = table('pods', []);
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0],
      ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
    ]);
    assert.equal(t.columnDefinitions[0].format, 'name');
    assert.equal(t.columnDefinitions[3].type, 'string');
    assert.ok(t.columnDefinitions.every((c) => typeof c.description === 'string'));
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  });

  test('pending pod without statuses', () => {
    assert.deepEqual(table('pods', [pod({})]).rows[0].cells, ['web', '0/1', 'Pending', '0', '5m3s', '<none>', '<none>', '<none>', '<none>']);
  });

  test('running pod: ready count, IP and node', () => {
    const p = pod({ containers: ['a', 'b'], status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], containerStatuses: [running('a'), running('b', false)] } });
    p.spec!.nodeName = 'node-1';
    const r = row('pods', p);
    assert.equal(r.Ready, '1/2');
    assert.equal(r.Status, 'Running');
    assert.equal(r.IP, '10.244.0.5');
    assert.equal(r.Node, 'node-1');
  });

  test('CrashLoopBackOff with restarts "(5m ago)"', () => {
    const cs: ContainerStatus = {
      name: 'app', ready: false, restartCount: 5, image: 'busybox', imageID: '',
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(300) } },
    };
    const r = row('pods', pod({ status: { phase: 'Running', containerStatuses: [cs] } }));
    assert.equal(r.Status, 'CrashLoopBackOff');
    assert.equal(r.Restarts, '5 (5m ago)');
    assert.equal(r.Ready, '0/1');
  });

  test('restarts without a last termination time print the bare count', () => {
    const r = row('pods', pod({ status: { phase: 'Running', containerStatuses: [running('app', true, 3)] } }));
    assert.equal(r.Restarts, '3');
  });

  test('completed pod: Completed status and a Completed row condition', () => {
    const cs: ContainerStatus = { name: 'app', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    const t = table('pods', [pod({ status: { phase: 'Succeeded', containerStatuses: [cs] } })]);
    assert.equal(t.rows[0].cells[2], 'Completed');
    assert.deepEqual(t.rows[0].conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  test('terminated without reason: ExitCode / Signal', () => {
    const term = (exitCode: number, signal?: number): ContainerStatus => ({ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode, signal } } });
    assert.equal(row('pods', pod({ status: { phase: 'Failed', containerStatuses: [term(2)] } })).Status, 'ExitCode:2');
    assert.equal(row('pods', pod({ status: { phase: 'Failed', containerStatuses: [term(137, 9)] } })).Status, 'Signal:9');
  });

  test('completed container next to a running one: Running when Ready, else NotReady', () => {
    const done: ContainerStatus = { name: 'a', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    const status = (ready: boolean): Pod['status'] => ({ phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], containerStatuses: [done, running('b')] });
    assert.equal(row('pods', pod({ containers: ['a', 'b'], status: status(true) })).Status, 'Running');
    assert.equal(row('pods', pod({ containers: ['a', 'b'], status: status(false) })).Status, 'NotReady');
  });

  test('deleting pod is Terminating; a lost node makes it Unknown', () => {
    assert.equal(row('pods', pod({ deletion: true, status: { phase: 'Running', containerStatuses: [running('app')] } })).Status, 'Terminating');
    assert.equal(row('pods', pod({ deletion: true, status: { phase: 'Running', reason: 'NodeLost' } })).Status, 'Unknown');
    // A finished pod stays as it was.
    assert.equal(row('pods', pod({ deletion: true, status: { phase: 'Succeeded' } })).Status, 'Succeeded');
  });

  test('init containers: Init:0/1, Init:<waiting reason>, Init:<terminated reason>, Init:ExitCode', () => {
    const init = [{ name: 'setup' }];
    const st = (s: ContainerStatus['state']): Pod['status'] => ({ phase: 'Pending', initContainerStatuses: [{ name: 'setup', ready: false, restartCount: 0, image: '', imageID: '', state: s }], containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'PodInitializing' } } }] });
    assert.equal(row('pods', pod({ init, status: st({ running: {} }) })).Status, 'Init:0/1');
    assert.equal(row('pods', pod({ init, status: st({ waiting: { reason: 'PodInitializing' } }) })).Status, 'Init:0/1');
    assert.equal(row('pods', pod({ init, status: st({ waiting: { reason: 'CrashLoopBackOff' } }) })).Status, 'Init:CrashLoopBackOff');
    assert.equal(row('pods', pod({ init, status: st({ terminated: { exitCode: 1, reason: 'Error' } }) })).Status, 'Init:Error');
    assert.equal(row('pods', pod({ init, status: st({ terminated: { exitCode: 3 } }) })).Status, 'Init:ExitCode:3');
    // Done initializing: the regular containers decide.
    assert.equal(row('pods', pod({ init, status: st({ terminated: { exitCode: 0, reason: 'Completed' } }) })).Status, 'PodInitializing');
  });

  test('second of two init containers running: Init:1/2', () => {
    const p = pod({ init: [{ name: 'a' }, { name: 'b' }], status: { phase: 'Pending', initContainerStatuses: [
      { name: 'a', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'b', ready: false, restartCount: 0, image: '', imageID: '', state: { running: {} } },
    ] } });
    assert.equal(row('pods', p).Status, 'Init:1/2');
  });

  test('sidecar (restartable init container) counts in READY', () => {
    const p = pod({ init: [{ name: 'proxy', restartPolicy: 'Always' }], status: {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }],
      initContainerStatuses: [{ ...running('proxy', true, 1), started: true }],
      containerStatuses: [running('app', true, 2)],
    } });
    const r = row('pods', p);
    assert.equal(r.Ready, '2/2');
    assert.equal(r.Status, 'Running');
    assert.equal(r.Restarts, '3');
  });

  test('scheduling gates and readiness gates', () => {
    const gated = pod({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } });
    assert.equal(row('pods', gated).Status, 'SchedulingGated');
    const p = pod({ extra: { readinessGates: [{ conditionType: 'a' }, { conditionType: 'b' }] }, status: { phase: 'Running', conditions: [{ type: 'a', status: 'True' }, { type: 'b', status: 'False' }] } });
    assert.equal(row('pods', p)['Readiness Gates'], '1/2');
  });

  test('row objects: PartialObjectMetadata by default, the object, or nothing', () => {
    const p = pod({});
    const meta = toTable(ri('', 'pods'), [p], { now: NOW }).rows[0].object as KubeObject;
    assert.deepEqual(meta, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
    const full = toTable(ri('', 'pods'), [p], { now: NOW, includeObject: 'Object' }).rows[0].object as Pod;
    assert.equal(full.kind, 'Pod');
    assert.deepEqual(full.spec, p.spec);
    assert.equal('object' in toTable(ri('', 'pods'), [p], { now: NOW, includeObject: 'None' }).rows[0], false);
  });

  test('list metadata is carried over', () => {
    const t = toTable(ri('', 'pods'), [], { listMeta: { resourceVersion: '42', continue: 'abc', remainingItemCount: 3 } });
    assert.deepEqual(t.metadata, { resourceVersion: '42', continue: 'abc', remainingItemCount: 3 });
    assert.deepEqual(t.rows, []);
  });
});

// ---------------------------------------------------------------- services, endpoints

function service(spec: Service['spec'], status?: Service['status']): Service {
  return { metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(3600 * 3) }, spec, status };
}

describe('service table', () => {
  test('columns', () => {
    assert.deepEqual(table('services', []).columnDefinitions.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1],
    ]);
  });

  test('NodePort service with two ports', () => {
    const r = row('services', service({ type: 'NodePort', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { tier: 'fe', app: 'web' }, ports: [
      { port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 443, protocol: 'TCP' },
    ] }));
    assert.deepEqual(r, { Name: 'web', Type: 'NodePort', 'Cluster-IP': '10.96.0.10', 'External-IP': '<none>', 'Port(s)': '80:30080/TCP,443/TCP', Age: '3h', Selector: 'app=web,tier=fe' });
  });

  test('ClusterIP, headless, no ports, no selector', () => {
    const r = row('services', service({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] }));
    assert.equal(r['Cluster-IP'], 'None');
    assert.equal(r['Port(s)'], '<none>');
    assert.equal(r.Selector, '<none>');
    assert.equal(row('services', service({ type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ port: 53, protocol: 'UDP' }] }))['Cluster-IP'], '10.96.0.1');
  });

  test('External-IP per type', () => {
    assert.equal(row('services', service({ type: 'ClusterIP', externalIPs: ['1.2.3.4', '5.6.7.8'] }))['External-IP'], '1.2.3.4,5.6.7.8');
    assert.equal(row('services', service({ type: 'LoadBalancer' }))['External-IP'], '<pending>');
    assert.equal(row('services', service({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '9.9.9.9' }, { hostname: 'lb.example.com' }] } }))['External-IP'], '9.9.9.9,lb.example.com');
    assert.equal(row('services', service({ type: 'ExternalName', externalName: 'db.example.com' }))['External-IP'], 'db.example.com');
  });

  test('endpoints: three shown, then "+ N more..."', () => {
    const ep: Endpoints = { metadata: { name: 'web', creationTimestamp: ago(10) }, subsets: [{
      addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((ip) => ({ ip })),
      ports: [{ port: 80 }],
    }] };
    assert.equal(formatEndpoints(ep), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
    assert.deepEqual(table('endpoints', [ep]).rows[0].cells, ['web', '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...', '10s']);
    assert.equal(formatEndpoints({ metadata: {}, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { port: 443 }] }] }), '10.0.0.1:80,10.0.0.1:443');
    assert.equal(formatEndpoints({ metadata: {}, subsets: [{ addresses: [{ ip: 'fd00::1' }] }] }), 'fd00::1');
    assert.equal(formatEndpoints({ metadata: {}, subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 8080 }] }] }), '[fd00::1]:8080');
    assert.equal(formatEndpoints({ metadata: {} }), '<none>');
  });
});

// ---------------------------------------------------------------- nodes

function node(ready: string | undefined, extra: Partial<Node> = {}): Node {
  return {
    metadata: { name: 'node-1', creationTimestamp: ago(86400 * 2 + 3600 * 3), labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'node-1' } },
    spec: {},
    status: {
      conditions: ready ? [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: ready }] : [],
      addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'node-1' }],
      nodeInfo: { machineID: '', systemUUID: '', bootID: '', kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'docker://20.10.24', kubeletVersion: 'v1.32.0', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
    },
    ...extra,
  };
}

describe('node table', () => {
  test('ready node, all columns', () => {
    assert.deepEqual(table('nodes', [node('True')]).rows[0].cells, [
      'node-1', 'Ready', 'control-plane', '2d3h', 'v1.32.0', '172.18.0.2', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0', 'docker://20.10.24',
    ]);
    assert.deepEqual(table('nodes', []).columnDefinitions.map((c) => c.name), ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']);
  });

  test('NotReady, Unknown, SchedulingDisabled', () => {
    assert.equal(row('nodes', node('False')).Status, 'NotReady');
    assert.equal(row('nodes', node('Unknown')).Status, 'NotReady');
    assert.equal(row('nodes', node(undefined)).Status, 'Unknown');
    assert.equal(row('nodes', node('True', { spec: { unschedulable: true } })).Status, 'Ready,SchedulingDisabled');
  });

  test('roles from both label styles, sorted; <none> without', () => {
    const n = node('True');
    n.metadata.labels = { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'edge', 'node-role.kubernetes.io/': 'x' };
    assert.equal(row('nodes', n).Roles, 'edge,worker');
    n.metadata.labels = {};
    assert.equal(row('nodes', n).Roles, '<none>');
  });
});

// ---------------------------------------------------------------- workloads

describe('daemonset, statefulset and controllerrevision tables', () => {
  const template = { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'busybox' }], nodeSelector: { zone: 'a', disk: 'ssd' } } };

  test('daemonset columns: the counts, the node selector, wide the containers and selector', () => {
    const t = table('daemonsets', [{
      metadata: { name: 'agent', creationTimestamp: ago(60) }, spec: { selector: { matchLabels: { app: 'agent' } }, template },
      status: { desiredNumberScheduled: 4, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberMisscheduled: 0 },
    }], 'apps');
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.type, c.priority]), [
      ['Name', 'string', 0], ['Desired', 'integer', 0], ['Current', 'integer', 0], ['Ready', 'integer', 0], ['Up-to-date', 'integer', 0],
      ['Available', 'integer', 0], ['Node Selector', 'string', 0], ['Age', 'string', 0], ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ]);
    assert.deepEqual(t.rows[0].cells, ['agent', 4, 3, 2, 1, 2, 'disk=ssd,zone=a', '60s', 'agent', 'busybox', 'app=agent']);
    const bare = table('daemonsets', [{ metadata: { name: 'x', creationTimestamp: ago(5) }, spec: { selector: { matchLabels: { app: 'x' } }, template: { spec: { containers: [] } } } }], 'apps');
    assert.deepEqual(bare.rows[0].cells.slice(0, 7), ['x', 0, 0, 0, 0, 0, '<none>']);
  });

  test('statefulset columns: READY ready/replicas', () => {
    const t = table('statefulsets', [{ metadata: { name: 'db', creationTimestamp: ago(60) }, spec: { replicas: 3, selector: { matchLabels: { app: 'db' } }, template }, status: { replicas: 3, readyReplicas: 1 } }], 'apps');
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.priority]), [['Name', 0], ['Ready', 0], ['Age', 0], ['Containers', 1], ['Images', 1]]);
    assert.deepEqual(t.rows[0].cells, ['db', '1/3', '60s', 'agent', 'busybox']);
  });

  test('controllerrevision columns: the controller as kind.group/name, "<none>" without one', () => {
    const owned = { metadata: { name: 'agent-5d4f', creationTimestamp: ago(60), ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }] }, data: {}, revision: 3 };
    const orphan = { metadata: { name: 'lost', creationTimestamp: ago(60) }, data: {}, revision: 1 };
    const t = table('controllerrevisions', [owned, orphan], 'apps');
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Controller', 'Revision', 'Age']);
    assert.deepEqual(t.rows.map((r) => r.cells), [['agent-5d4f', 'daemonset.apps/agent', 3, '60s'], ['lost', '<none>', 1, '60s']]);
  });
});

describe('deployment and replicaset tables', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }, { name: 'log', image: 'busybox' }] } };

  test('deployment READY "2/3"', () => {
    const d: Deployment = {
      metadata: { name: 'web', creationTimestamp: ago(600) },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    const t = toTable(findResource('apps', 'v1', 'deployments') as ResourceInfo, [d], { now: NOW });
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
    assert.deepEqual(t.rows[0].cells, ['web', '2/3', 3, 2, '10m', 'web,log', 'nginx:1.25,busybox', 'app=web']);
  });

  test('deployment without status', () => {
    const d: Deployment = { metadata: { name: 'web', creationTimestamp: ago(5) }, spec: { replicas: 1, selector: {}, template } };
    const t = toTable(findResource('apps', 'v1', 'deployments') as ResourceInfo, [d], { now: NOW });
    assert.deepEqual(t.rows[0].cells.slice(0, 4), ['web', '0/1', 0, 0]);
  });

  test('replicaset columns', () => {
    const rs: ReplicaSet = {
      metadata: { name: 'web-5d4f', creationTimestamp: ago(60) },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f' } }, template },
      status: { replicas: 3, readyReplicas: 1 },
    };
    const t = toTable(findResource('apps', 'v1', 'replicasets') as ResourceInfo, [rs], { now: NOW });
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
    assert.deepEqual(t.rows[0].cells, ['web-5d4f', 3, 3, 1, '60s', 'web,log', 'nginx:1.25,busybox', 'app=web,pod-template-hash=5d4f']);
  });

  test('replicationcontroller columns: the selector is a label set', () => {
    const rc = { metadata: { name: 'web', creationTimestamp: ago(60) }, spec: { replicas: 2, selector: { tier: 'fe', app: 'web' }, template }, status: { replicas: 2, readyReplicas: 1 } };
    const t = table('replicationcontrollers', [rc]);
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.type, c.priority]), [
      ['Name', 'string', 0], ['Desired', 'integer', 0], ['Current', 'integer', 0], ['Ready', 'integer', 0], ['Age', 'string', 0],
      ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ]);
    assert.deepEqual(t.rows[0].cells, ['web', 2, 2, 1, '60s', 'web,log', 'nginx:1.25,busybox', 'app=web,tier=fe']);
    assert.deepEqual(table('replicationcontrollers', [{ metadata: { name: 'bare' }, spec: {} }]).rows[0].cells, ['bare', 0, 0, 0, '<unknown>', '', '', '<none>']);
  });

  test('label selector strings', () => {
    assert.equal(labelSelectorString({ matchLabels: { b: '2' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['y', 'x'] }, { key: 'c', operator: 'DoesNotExist' }, { key: 'd', operator: 'Exists' }, { key: 'e', operator: 'NotIn', values: ['z'] }] }),
      'a in (x,y),b=2,!c,d,e notin (z)');
    assert.equal(labelSelectorString({}), '');
    assert.equal(labelSelectorString(undefined), '');
  });
});

// ---------------------------------------------------------------- EndpointSlice

describe('endpointslice tables', () => {
  const slice = (ports: unknown, endpoints: unknown): KubeObject => ({ metadata: { name: 's', creationTimestamp: ago(30) }, addressType: 'IPv4', ports, endpoints } as KubeObject);
  const cells = (ports: unknown, endpoints: unknown): unknown[] => table('endpointslices', [slice(ports, endpoints)], 'discovery.k8s.io').rows[0].cells;

  test('columns, and up to three ports and addresses, then " + N more..."', () => {
    const t = table('endpointslices', [slice([{ port: 80 }, { port: 443 }], [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3'] }])], 'discovery.k8s.io');
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    assert.deepEqual(t.rows[0].cells, ['s', 'IPv4', '80,443', '10.0.0.1,10.0.0.2,10.0.0.3', '30s']);
    const five = Array.from({ length: 5 }, (_, i) => ({ addresses: [`10.0.0.${i + 1}`] }));
    assert.deepEqual(cells([{ port: 1 }, { port: 2 }, { port: 3 }, { port: 4 }], five).slice(2, 4), ['1,2,3 + 1 more...', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...']);
  });

  test('a port without a number shows its name (or *); none at all is <unset>', () => {
    assert.deepEqual(cells([{ name: 'all' }, {}], [{ addresses: ['10.0.0.1'] }]).slice(2, 4), ['all,*', '10.0.0.1']);
    assert.deepEqual(cells(null, null).slice(2, 4), ['<unset>', '<unset>']);
    assert.deepEqual(cells([], []).slice(2, 4), ['<unset>', '<unset>']);
  });
});

// ---------------------------------------------------------------- the rest

describe('other kinds', () => {
  test('namespace, configmap, secret, lease', () => {
    assert.deepEqual(table('namespaces', [{ metadata: { name: 'default', creationTimestamp: ago(30) }, status: { phase: 'Active' } }]).rows[0].cells, ['default', 'Active', '30s']);
    assert.deepEqual(table('configmaps', [{ metadata: { name: 'cfg', creationTimestamp: ago(30) }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }]).rows[0].cells, ['cfg', 3, '30s']);
    assert.deepEqual(table('secrets', [{ metadata: { name: 's', creationTimestamp: ago(30) }, type: 'Opaque', data: { a: 'MQ==' } }]).rows[0].cells, ['s', 'Opaque', 1, '30s']);
    const lease = { metadata: { name: 'kube-scheduler', creationTimestamp: ago(30) }, spec: { holderIdentity: 'host_1234' } };
    const t = toTable(findResource('coordination.k8s.io', 'v1', 'leases') as ResourceInfo, [lease], { now: NOW });
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Holder', 'Age']);
    assert.deepEqual(t.rows[0].cells, ['kube-scheduler', 'host_1234', '30s']);
  });

  test('event: object "pod/x", last seen falls back to first seen, count defaults to 1', () => {
    const e: Event = {
      metadata: { name: 'x.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'x', fieldPath: 'spec.containers{app}' },
      reason: 'Pulled', message: ' Successfully pulled image\n', type: 'Normal',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: ago(120), lastTimestamp: null,
    };
    const t = table('events', [e]);
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.priority]), [
      ['Last Seen', 0], ['Type', 0], ['Reason', 0], ['Object', 0], ['Subobject', 1], ['Source', 1], ['Message', 0], ['First Seen', 1], ['Count', 1], ['Name', 1],
    ]);
    assert.deepEqual(t.rows[0].cells, ['2m', 'Normal', 'Pulled', 'pod/x', 'spec.containers{app}', 'kubelet, node-1', 'Successfully pulled image', '2m', 1, 'x.17a']);
    const series: Event = { metadata: { name: 'y' }, involvedObject: { kind: 'Node' }, eventTime: ago(600), series: { count: 7, lastObservedTime: ago(5) }, reportingComponent: 'scheduler' };
    assert.deepEqual(table('events', [series]).rows[0].cells, ['5s', '', '', 'node', '', 'scheduler', '', '10m', 7, 'y']);
  });

  test('unknown kinds get Name and Created At', () => {
    const other: ResourceInfo = { group: 'example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', namespaced: true, shortNames: [], categories: [], subresources: [] };
    const t = toTable(other, [{ metadata: { name: 'w', creationTimestamp: '2025-01-02T03:04:05Z' } }, { metadata: { name: 'v' } }], { now: NOW });
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Created At', 'date', '']]);
    assert.deepEqual(t.rows.map((r) => r.cells), [['w', '2025-01-02T03:04:05Z'], ['v', '0001-01-01T00:00:00Z']]);
  });
});
