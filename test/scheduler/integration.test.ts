// The scheduler end to end: real etcd, the real apiserver, the scheduler as its own
// process, and "hollow" nodes (Node objects this test creates with allocatable and a
// Ready condition; no kubelet). Each test creates its own nodes and pods and deletes them
// afterwards, so every decision sees only that test's nodes.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Event, Node, NodeSelectorRequirement, Pod, Taint, Toleration } from '../../api/types/core.js';
import type { Lease } from '../../api/types/coordination.js';
import { componentCommand, startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { type ChildHandle, spawnProcess, waitFor } from '../harness/processes.js';

const NS = 'default';
let cp: ControlPlane;
const schedulers: ChildHandle[] = [];
let nodes: string[] = [];
let pods: string[] = [];

function startScheduler(tag: string): ChildHandle {
  const child = spawnProcess(process.execPath, [
    ...componentCommand('scheduler'), '--kubeconfig', cp.kubeconfig,
    '--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '500ms',
    '--log-level', process.env.TSKUBE_TEST_LOG_LEVEL ?? 'info',
  ], { logFile: join(cp.dir, `scheduler-${tag}.log`) });
  schedulers.push(child);
  return child;
}

interface NodeOpts { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean }

async function createNode(name: string, o: NodeOpts = {}): Promise<void> {
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  const node: Node = {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { unschedulable: o.unschedulable, taints: o.taints },
    status: {
      capacity: allocatable, allocatable,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'hollow node' }],
    },
  };
  const res = await http(cp.url, 'POST', '/api/v1/nodes', node);
  assert.equal(res.status, 201, res.text);
  nodes.push(name);
}

interface PodOpts {
  cpu?: string;
  hostPort?: number;
  nodeSelector?: Record<string, string>;
  owner?: string;
  affinity?: NonNullable<Pod['spec']>['affinity'];
  tolerations?: Toleration[];
  labels?: Record<string, string>;
}

async function createPod(name: string, o: PodOpts = {}): Promise<void> {
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name,
      labels: o.labels,
      ownerReferences: o.owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `00000000-0000-0000-0000-${o.owner.padStart(12, '0').slice(-12)}`, controller: true }] : undefined,
    },
    spec: {
      nodeSelector: o.nodeSelector,
      affinity: o.affinity,
      tolerations: o.tolerations,
      containers: [{
        name: 'app', image: 'nginx',
        resources: o.cpu ? { requests: { cpu: o.cpu } } : undefined,
        ports: o.hostPort ? [{ containerPort: 80, hostPort: o.hostPort }] : undefined,
      }],
    },
  };
  const res = await http(cp.url, 'POST', `/api/v1/namespaces/${NS}/pods`, pod);
  assert.equal(res.status, 201, res.text);
  pods.push(name);
}

async function getPod(name: string): Promise<Pod> {
  const res = await http(cp.url, 'GET', `/api/v1/namespaces/${NS}/pods/${name}`);
  assert.equal(res.status, 200, res.text);
  return res.json as Pod;
}

const logs = (): string => schedulers.map((s) => s.logFile).join(', ');

/** Waits until the pod is bound; returns its node. */
async function waitBound(name: string, timeoutMs = 10_000): Promise<string> {
  let node = '';
  await waitFor(async () => {
    node = (await getPod(name)).spec?.nodeName ?? '';
    return node !== '';
  }, { timeoutMs, intervalMs: 50, what: `${name} to be bound (scheduler logs: ${logs()})` });
  return node;
}

/** Waits until the pod has PodScheduled=False/Unschedulable; returns the condition's message. */
async function waitUnschedulable(name: string): Promise<string> {
  let message = '';
  await waitFor(async () => {
    const pod = await getPod(name);
    const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
    if (c?.status !== 'False' || c.reason !== 'Unschedulable') return false;
    message = c.message ?? '';
    return true;
  }, { timeoutMs: 10_000, what: `${name} to be Unschedulable (scheduler logs: ${logs()})` });
  assert.equal((await getPod(name)).spec?.nodeName, undefined);
  return message;
}

async function eventsOf(name: string, reason: string): Promise<Event[]> {
  const res = await http(cp.url, 'GET', `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=${name},reason=${reason}`);
  assert.equal(res.status, 200, res.text);
  return (res.json as { items: Event[] }).items;
}

async function waitEvent(name: string, reason: string, message: string): Promise<void> {
  await waitFor(async () => (await eventsOf(name, reason)).some((e) => e.message === message),
    { timeoutMs: 10_000, what: `a ${reason} event "${message}" for ${name}` });
}

async function leaseHolder(): Promise<string | undefined> {
  const res = await http(cp.url, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler');
  if (res.status !== 200) return undefined;
  return (res.json as Lease).spec?.holderIdentity || undefined;
}

describe('scheduler (real apiserver, hollow nodes)', { timeout: 120_000 }, () => {
  before(async () => {
    cp = await startControlPlane();
    startScheduler('a');
    await waitFor(async () => (await leaseHolder()) !== undefined, { timeoutMs: 15_000, what: `the scheduler to lead (log: ${logs()})` });
  });

  after(async () => {
    await Promise.all(schedulers.map((s) => s.stop()));
    await cp?.stop();
  });

  afterEach(async () => {
    for (const p of pods) await http(cp.url, 'DELETE', `/api/v1/namespaces/${NS}/pods/${p}`, { gracePeriodSeconds: 0 });
    for (const n of nodes) await http(cp.url, 'DELETE', `/api/v1/nodes/${n}`);
    pods = [];
    nodes = [];
  });

  it('binds a pod to a fitting node and records a Scheduled event', async () => {
    await createNode('fit-small', { cpu: '500m' });
    await createNode('fit-big', { cpu: '4' });
    await createPod('fit-pod', { cpu: '1' });
    assert.equal(await waitBound('fit-pod'), 'fit-big');
    const pod = await getPod('fit-pod');
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    await waitEvent('fit-pod', 'Scheduled', `Successfully assigned ${NS}/fit-pod to fit-big`);
  });

  it('leaves a pod Pending on resource exhaustion and schedules it as soon as a node fits', async () => {
    await createNode('ex-a', { cpu: '2' });
    await createPod('ex-1', { cpu: '1500m' });
    assert.equal(await waitBound('ex-1'), 'ex-a');
    await createPod('ex-2', { cpu: '1' });
    const want = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
    assert.equal(await waitUnschedulable('ex-2'), want);
    await waitEvent('ex-2', 'FailedScheduling', want);
    const added = Date.now();
    await createNode('ex-b', { cpu: '2' });
    assert.equal(await waitBound('ex-2', 3_000), 'ex-b');
    assert.ok(Date.now() - added < 3_000);
  });

  it('follows nodeSelector', async () => {
    await createNode('sel-plain');
    await createNode('sel-ssd', { labels: { disk: 'ssd' } });
    for (let i = 0; i < 3; i++) await createPod(`sel-${i}`, { nodeSelector: { disk: 'ssd' } });
    for (let i = 0; i < 3; i++) assert.equal(await waitBound(`sel-${i}`), 'sel-ssd');
    await createPod('sel-none', { nodeSelector: { disk: 'nvme' } });
    assert.equal(await waitUnschedulable('sel-none'),
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
  });

  it('follows required node affinity: In and Gt in one term, NotIn, DoesNotExist, and none matching', async () => {
    await createNode('na-gold-8', { labels: { tier: 'gold', cores: '8' } });
    await createNode('na-gold-32', { labels: { tier: 'gold', cores: '32' } });
    await createNode('na-silver-16', { labels: { tier: 'silver', cores: '16' } });
    await createNode('na-plain');
    const required = (...matchExpressions: NodeSelectorRequirement[]): PodOpts['affinity'] =>
      ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } } });
    const cases: [string, PodOpts['affinity'], string][] = [
      ['na-big-gold', required({ key: 'tier', operator: 'In', values: ['gold'] }, { key: 'cores', operator: 'Gt', values: ['10'] }), 'na-gold-32'],
      ['na-not-gold', required({ key: 'tier', operator: 'NotIn', values: ['gold'] }, { key: 'tier', operator: 'Exists' }), 'na-silver-16'],
      ['na-untiered', required({ key: 'tier', operator: 'DoesNotExist' }), 'na-plain'],
    ];
    // Three pods per case: with four nodes, landing right by chance every time is unlikely.
    for (const [name, affinity] of cases) for (let i = 0; i < 3; i++) await createPod(`${name}-${i}`, { affinity });
    for (const [name, , node] of cases) for (let i = 0; i < 3; i++) assert.equal(await waitBound(`${name}-${i}`), node, `${name}-${i}`);
    await createPod('na-none', { affinity: required({ key: 'cores', operator: 'Lt', values: ['8'] }) });
    assert.equal(await waitUnschedulable('na-none'),
      "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.");
  });

  it('prefers the node matching preferred node affinity, and still schedules when none matches', async () => {
    for (const n of ['pa-hdd-1', 'pa-hdd-2', 'pa-hdd-3']) await createNode(n, { labels: { disk: 'hdd' } });
    await createNode('pa-ssd', { labels: { disk: 'ssd' } });
    const prefer = (value: string): PodOpts['affinity'] => ({
      nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: [value] }] } }] },
    });
    for (let i = 0; i < 3; i++) {
      await createPod(`pa-${i}`, { affinity: prefer('ssd'), cpu: '100m' });
      assert.equal(await waitBound(`pa-${i}`), 'pa-ssd', `pa-${i}`);
    }
    await createPod('pa-nvme', { affinity: prefer('nvme') });
    assert.match(await waitBound('pa-nvme'), /^pa-/);
  });

  it('puts a pod that tolerates a NoSchedule taint on the tainted node, and not one whose toleration does not match', async () => {
    await createNode('tt-gpu', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await createPod('tt-equal', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] });
    await createPod('tt-exists', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
    await createPod('tt-other', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'fpga', effect: 'NoSchedule' }] });
    assert.equal(await waitBound('tt-equal'), 'tt-gpu');
    assert.equal(await waitBound('tt-exists'), 'tt-gpu');
    assert.equal(await waitUnschedulable('tt-other'),
      '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
  });

  it('puts nothing on a cordoned node and nothing on a NoSchedule-tainted one without a toleration', async () => {
    await createNode('co-cordoned', { unschedulable: true });
    await createNode('co-tainted', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await createNode('co-open');
    for (let i = 0; i < 4; i++) await createPod(`co-${i}`);
    for (let i = 0; i < 4; i++) assert.equal(await waitBound(`co-${i}`), 'co-open');
  });

  it('does not put two pods with the same hostPort on one node', async () => {
    await createNode('hp-a');
    await createNode('hp-b');
    for (let i = 0; i < 3; i++) await createPod(`hp-${i}`, { hostPort: 8080 });
    const names = ['hp-0', 'hp-1', 'hp-2'];
    let state: Pod[] = [];
    const bound = (): Pod[] => state.filter((p) => p.spec?.nodeName);
    const waiting = (): Pod[] => state.filter((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'));
    await waitFor(async () => {
      state = await Promise.all(names.map(getPod));
      return bound().length === 2 && waiting().length === 1;
    }, { timeoutMs: 10_000, what: `two hp pods bound and one Unschedulable (scheduler logs: ${logs()})` });
    assert.deepEqual(bound().map((p) => p.spec?.nodeName).sort(), ['hp-a', 'hp-b']);
    const pending = waiting()[0];
    const msg = pending.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '';
    assert.ok(msg.startsWith("0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports."), msg);
    // Deleting a bound one frees its port: the waiting pod takes it on that event, not on a timer.
    const victim = bound()[0];
    await http(cp.url, 'DELETE', `/api/v1/namespaces/${NS}/pods/${victim.metadata.name}`, { gracePeriodSeconds: 0 });
    assert.equal(await waitBound(pending.metadata.name!, 3_000), victim.spec?.nodeName);
  });

  it("spreads one ReplicaSet's pods across nodes (PodTopologySpread's default constraints)", async () => {
    for (const n of ['sp-a', 'sp-b', 'sp-c']) await createNode(n);
    // The default constraints' selector is the owning ReplicaSet's (no controller-manager
    // runs here, so with 0 replicas it only exists to be read).
    const rs = await http(cp.url, 'POST', `/apis/apps/v1/namespaces/${NS}/replicasets`, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs1' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'sp' } }, template: { metadata: { labels: { app: 'sp' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    assert.equal(rs.status, 201, rs.text);
    // Pods and nodes come through different watches: make sure the scheduler has seen all
    // three nodes (node events arrive in order) before the first replica is decided. The
    // barrier pod matches no selector, so it does not count for spreading.
    await createPod('sp-barrier', { nodeSelector: { 'kubernetes.io/hostname': 'sp-c' } });
    await waitBound('sp-barrier');
    try {
      for (let i = 0; i < 6; i++) await createPod(`sp-${i}`, { owner: 'rs1', cpu: '100m', labels: { app: 'sp' } });
      const counts = new Map<string, number>();
      for (let i = 0; i < 6; i++) {
        const n = await waitBound(`sp-${i}`);
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      assert.deepEqual([...counts.values()].sort(), [2, 2, 2], JSON.stringify([...counts]));
    } finally {
      await http(cp.url, 'DELETE', `/apis/apps/v1/namespaces/${NS}/replicasets/rs1`);
    }
  });

  it('fails over to a standby scheduler when the leader is killed', async () => {
    const leader = await leaseHolder();
    assert.ok(leader);
    const standby = startScheduler('b');
    // Started and polling the Lease (it has seen the leader) before the leader dies, so
    // the time below is the takeover's, not the standby's start under a loaded machine.
    await waitFor(async () => (await readFile(standby.logFile, 'utf8').catch(() => '')).includes('new leader elected'),
      { timeoutMs: 20_000, what: `the standby to see the leader (log: ${standby.logFile})` });
    await createNode('fo-a');
    await createPod('fo-before');
    await waitBound('fo-before');
    assert.equal(await leaseHolder(), leader, 'the first scheduler still leads');
    await schedulers[0].kill9();
    const killed = Date.now();
    await waitFor(async () => {
      const h = await leaseHolder();
      return h !== undefined && h !== leader;
    }, { timeoutMs: 8_000, intervalMs: 100, what: `the standby to take the lease (log: ${standby.logFile})` });
    // Lease duration 3 s, retry 0.5 s with jitter: taken over within 6 s even on a busy machine.
    assert.ok(Date.now() - killed < 6_000, `takeover took ${Date.now() - killed} ms`);
    await createPod('fo-after');
    assert.equal(await waitBound('fo-after'), 'fo-a');
    // SIGTERM stops it cleanly and releases the Lease.
    await standby.stop();
    assert.deepEqual(await standby.exited, { code: 0, signal: null });
    assert.equal(await leaseHolder(), undefined);
  });
});
