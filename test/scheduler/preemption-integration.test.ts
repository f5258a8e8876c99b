// Priority, preemption, scheduling gates and scheduler configuration end to end: real etcd
// and apiserver (Priority admission, PodDisruptionBudgets), the scheduler as a process
// started with a KubeSchedulerConfiguration of two profiles, the disruption controller, and
// a hollow kubelet of two small nodes.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Event, Node, Pod } from '../../api/types/core.js';
import type { PodDisruptionBudget } from '../../api/types/policy.js';
import type { PriorityClass } from '../../api/types/scheduling.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControlPlane } from '../harness/apiserver.js';
import { startHollowCluster, type HollowCluster } from '../harness/hollow-cluster.js';
import { kubectl } from '../harness/kubectl.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const NS = 'default';
const NODES = ['pre-0', 'pre-1'];

let cluster: HollowCluster;
let cp: ControlPlane;
let rest: RestClient;
let scheduler: ChildHandle;

const pods = () => resourceClient<Pod>(rest, 'pods');
const events = () => resourceClient<Event>(rest, 'events');

function pod(name: string, o: { cpu?: string; priorityClassName?: string; labels?: Record<string, string>; schedulerName?: string; gates?: string[] } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: NS, labels: o.labels },
    spec: {
      containers: [{ name: 'c', image: 'busybox:1', resources: o.cpu ? { requests: { cpu: o.cpu } } : undefined }],
      priorityClassName: o.priorityClassName, schedulerName: o.schedulerName, terminationGracePeriodSeconds: 0,
      schedulingGates: o.gates?.map((name) => ({ name })),
    },
  };
}

async function nodeOf(name: string): Promise<string> {
  let node = '';
  await waitFor(async () => {
    node = (await pods().get(NS, name)).spec?.nodeName ?? '';
    return node !== '';
  }, { timeoutMs: 30_000, what: `${name} to be bound (scheduler log: ${scheduler.logFile})` });
  return node;
}

async function gone(name: string): Promise<void> {
  await waitFor(async () => (await pods().list(NS, { fieldSelector: `metadata.name=${name}` })).items.length === 0, { timeoutMs: 30_000, what: `${name} to be deleted` });
}

async function eventsFor(name: string, reason: string): Promise<Event[]> {
  return (await events().list(NS, { fieldSelector: `involvedObject.name=${name},reason=${reason}` })).items;
}

const SCHEDULER_CONFIG = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
podInitialBackoffSeconds: 1
podMaxBackoffSeconds: 2
profiles:
- schedulerName: default-scheduler
- schedulerName: packing-scheduler
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`;

before(async () => {
  cluster = await startHollowCluster({
    kubelet: { nodes: NODES, capacity: { cpu: '2', memory: '8Gi', pods: '110' } },
    schedulerArgs: async (cp) => {
      const config = join(cp.dir, 'scheduler-config.yaml');
      await writeFile(config, SCHEDULER_CONFIG);
      return ['--config', config];
    },
    controllers: ['disruption-controller'],
  });
  ({ cp, rest, scheduler } = cluster);
  const classes = resourceClient<PriorityClass>(rest, 'priorityclasses');
  for (const [name, value] of [['low', 10], ['high', 1000]] as const) {
    await classes.create('', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
  }
});

after(async () => {
  await cluster?.stop();
});

describe('priority and preemption, gates, profiles (real apiserver, scheduler --config, hollow nodes)', { timeout: 180_000 }, () => {
  it('a high-priority pod preempts the low-priority pod a budget does not protect, and runs in its place', async () => {
    await pods().create(NS, pod('guarded', { cpu: '2', priorityClassName: 'low', labels: { app: 'guarded' } }));
    await pods().create(NS, pod('plain', { cpu: '2', priorityClassName: 'low', labels: { app: 'plain' } }));
    const guardedNode = await nodeOf('guarded');
    const plainNode = await nodeOf('plain');
    assert.notEqual(guardedNode, plainNode);
    const pdbs = resourceClient<PodDisruptionBudget>(rest, 'poddisruptionbudgets');
    await pdbs.create(NS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guard' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } });
    await waitFor(async () => {
      const s = (await pdbs.get(NS, 'guard')).status;
      return s?.observedGeneration === 1 && s.currentHealthy === 1 && s.disruptionsAllowed === 0;
    }, { timeoutMs: 30_000, what: 'the budget status' });

    // Priority admission resolved the classes.
    assert.equal((await pods().get(NS, 'plain')).spec?.priority, 10);
    await pods().create(NS, pod('urgent', { cpu: '2', priorityClassName: 'high' }));
    assert.equal(await nodeOf('urgent'), plainNode, 'the budget steered preemption to the unprotected pod\'s node');
    await gone('plain');
    assert.equal((await pods().get(NS, 'guarded')).spec?.nodeName, guardedNode);
    const urgent = await pods().get(NS, 'urgent');
    assert.equal(urgent.spec?.priority, 1000);
    assert.equal(urgent.status?.nominatedNodeName, plainNode);
    const preempted = await eventsFor('plain', 'Preempted');
    assert.equal(preempted[0]?.message, `Preempted by pod ${urgent.metadata.uid} on node ${plainNode}`);
    const failed = await eventsFor('urgent', 'FailedScheduling');
    assert.equal(failed[0]?.message, '0/2 nodes are available: 2 Insufficient cpu.');
    const low = await pods().create(NS, pod('too-low', { cpu: '2', priorityClassName: 'low' }));
    await waitFor(async () => (await pods().get(NS, low.metadata.name!)).status?.conditions?.some((c) => c.reason === 'Unschedulable') ?? false,
      { timeoutMs: 30_000, what: 'too-low to be Unschedulable' });
    const c = (await pods().get(NS, 'too-low')).status?.conditions?.find((x) => x.type === 'PodScheduled');
    assert.equal(c?.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
    for (const name of ['guarded', 'urgent', 'too-low']) await pods().delete(NS, name);
    await pdbs.delete(NS, 'guard');
  });

  it('a gated pod waits as SchedulingGated and is scheduled once its last gate is removed', async () => {
    await pods().create(NS, pod('gated', { gates: ['example.com/quota', 'example.com/review'] }));
    const created = await pods().get(NS, 'gated');
    assert.deepEqual(created.status?.conditions, [{
      type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null,
      reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates',
    }]);
    const table = await kubectl(cp, 'get', 'pod', 'gated', '--no-headers');
    assert.match(table, /^gated\s+0\/1\s+SchedulingGated\s+0\s+/);
    await pods().patch(NS, 'gated', 'json', [{ op: 'remove', path: '/spec/schedulingGates/0' }]);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await pods().get(NS, 'gated')).spec?.nodeName, undefined, 'one gate left: not scheduled');
    assert.deepEqual(await eventsFor('gated', 'FailedScheduling'), [], 'a gated pod is not a scheduling failure');
    const refused = await kubectl(cp, 'patch', 'pod', 'gated', '--type=json', '-p', '[{"op":"add","path":"/spec/schedulingGates/-","value":{"name":"new"}}]').catch((err: Error) => err.message);
    assert.match(refused, /spec.schedulingGates\[1\].name: Forbidden: only deletion is allowed, but found new scheduling gate 'new'/);
    await pods().patch(NS, 'gated', 'json', [{ op: 'remove', path: '/spec/schedulingGates' }]);
    assert.ok(NODES.includes(await nodeOf('gated')));
    await pods().delete(NS, 'gated');
  });

  it('a second profile places the pods naming it with its own plugin arguments, and reports its own events', async () => {
    await pods().create(NS, pod('packed', { schedulerName: 'packing-scheduler', cpu: '500m' }));
    const node = await nodeOf('packed');
    // MostAllocated: the next pod joins the fuller node (LeastAllocated would pick the empty one).
    await pods().create(NS, pod('packed-2', { schedulerName: 'packing-scheduler', cpu: '500m' }));
    assert.equal(await nodeOf('packed-2'), node);
    await waitFor(async () => (await eventsFor('packed', 'Scheduled')).length > 0, { timeoutMs: 10_000, what: 'the Scheduled event' });
    const [ev] = await eventsFor('packed', 'Scheduled');
    assert.equal(ev.source?.component, 'packing-scheduler');
    assert.equal(ev.message, `Successfully assigned default/packed to ${node}`);
    // Nobody places a pod naming a profile no scheduler has.
    await pods().create(NS, pod('orphan', { schedulerName: 'nobody' }));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await pods().get(NS, 'orphan')).spec?.nodeName, undefined);
    for (const name of ['packed', 'packed-2', 'orphan']) await pods().delete(NS, name);
  });

  it('queueing hints: a node change the pod\'s node selector does not care about leaves it waiting; a matching one places it', async () => {
    const nodes = resourceClient<Node>(rest, 'nodes');
    await pods().create(NS, { ...pod('picky'), spec: { ...pod('picky').spec!, nodeSelector: { disk: 'ssd' } } });
    let failed: Event[] = [];
    await waitFor(async () => (failed = await eventsFor('picky', 'FailedScheduling')).length > 0, { timeoutMs: 30_000, what: 'picky to fail' });
    const attempts = (): Promise<number> => eventsFor('picky', 'FailedScheduling').then((evs) => evs.reduce((n, e) => n + (e.count ?? 1), 0));
    const before = await attempts();
    // Labels NodeAffinity does not read, and a node update only status: neither retries the pod
    // (without hints, the first one would, after its 1-2 s backoff).
    await nodes.patch('', NODES[0], 'merge', { metadata: { labels: { unrelated: 'x' } } });
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await attempts(), before, `no attempt after an unrelated label (events: ${JSON.stringify(failed.map((e) => e.message))})`);
    assert.equal((await pods().get(NS, 'picky')).spec?.nodeName, undefined);
    await nodes.patch('', NODES[1], 'merge', { metadata: { labels: { disk: 'ssd' } } });
    assert.equal(await nodeOf('picky'), NODES[1]);
    await pods().delete(NS, 'picky');
    for (const [node, key] of [[NODES[0], 'unrelated'], [NODES[1], 'disk']]) await nodes.patch('', node, 'merge', { metadata: { labels: { [key]: null } } });
  });
});
