// Node failure end to end, against real parts: etcd, the apiserver, the scheduler, a
// hollow kubelet of 3 nodes with short Leases, and the kube-controller-manager process
// running the node lifecycle, taint eviction, pod GC and ReplicaSet controllers with
// short timings. A node that stops renewing its Lease goes Ready=Unknown, is tainted
// unreachable, its pods go NotReady at once; ReplicaSet pods tolerating the taint for
// 2 s are evicted and replaced on the other nodes, a pod tolerating it for an hour
// stays; the node recovering lifts the taints. Deleting a Node object makes pod GC
// delete its pods; Succeeded pods beyond --terminated-pod-gc-threshold go oldest first.
//
// Timings: the Lease lasts 2 s and is renewed every 500 ms; the controller checks
// every 500 ms with a 3 s grace period, so a failed node is Unknown ~3.5 s after its
// last renewal, tainted within 0.5 s more and its pods evicted 2 s later. 20 s
// waits leave room for a loaded 2-core machine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPodReady, podCondition } from '../../api/helpers/pod.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { ReplicaSet } from '../../api/types/apps.js';
import type { Event, Namespace, Node, Pod, Toleration } from '../../api/types/core.js';
import { informerFor, type Informer } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const TIMEOUT = 20_000;
const NS = 'node-lifecycle';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
/** Every pod of the namespace as last seen, deleted ones included (their final state). */
let pods: Informer<Pod>;
const lastSeen = new Map<string, Pod>();
const stop = new AbortController();

const podClient = () => resourceClient<Pod>(rest, 'pods');
const nodeClient = () => resourceClient<Node>(rest, 'nodes');
const tolerate = (seconds: number): Toleration => ({ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });

function bare(name: string, nodeName: string, o: { tolerations?: Toleration[]; labels?: Record<string, string> } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: o.labels },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], tolerations: o.tolerations },
  };
}

const taints = (n: Node): string[] => (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
const live = (app: string): Pod[] => pods.list().filter((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  await resourceClient<Namespace>(rest, 'namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  hollow = new HollowKubelet({
    rest, nodes: 3, leaseDurationSeconds: 2, renewIntervalMs: 500,
    podPhase: (p) => (p.metadata.labels?.phase === 'Succeeded' ? 'Succeeded' : 'Running'),
  });
  await hollow.start();
  pods = informerFor<Pod>(rest, 'pods', { namespace: NS });
  const remember = (p: Pod): void => { lastSeen.set(p.metadata.name as string, p); };
  pods.addEventHandler({ add: remember, update: (_, p) => remember(p), delete: remember });
  void pods.run(stop.signal);
  await pods.waitForSync(stop.signal);
  scheduler = startScheduler(cp);
  cm = await startControllerManager(cp, [
    '--controllers', 'node-lifecycle-controller,taint-eviction-controller,pod-garbage-collector-controller,replicaset-controller',
    '--node-monitor-period', '500ms', '--node-monitor-grace-period', '3s', '--pod-gc-period', '1s', '--pod-gc-quarantine-time', '1s',
    '--terminated-pod-gc-threshold', '2',
  ]);
});

after(async () => {
  stop.abort();
  await cm?.stop();
  await scheduler?.stop();
  await hollow?.stop({ deleteNodes: true });
  await rest?.close();
  await cp?.stop();
});

describe('a node that stops renewing its Lease', () => {
  let victim = '';
  let staying = '';

  it('goes Ready=Unknown with the unreachable taints, its pods NotReady at once; pods tolerating it for 2 s are evicted and replaced elsewhere', async () => {
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'evictee', namespace: NS },
      spec: {
        replicas: 3, selector: { matchLabels: { app: 'evictee' } },
        template: { metadata: { labels: { app: 'evictee' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], tolerations: [tolerate(2)] } },
      },
    };
    await resourceClient<ReplicaSet>(rest, 'replicasets').create(NS, rs);
    await waitFor(() => live('evictee').length === 3 && live('evictee').every(isPodReady), { timeoutMs: TIMEOUT, what: '3 Ready evictee pods' });
    victim = live('evictee')[0].spec?.nodeName as string;
    const onVictim = live('evictee').filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata.name as string);
    staying = 'stays-an-hour';
    await podClient().create(NS, bare(staying, victim, { tolerations: [tolerate(3600)] }));
    await waitFor(() => lastSeen.get(staying)?.status?.phase === 'Running', { timeoutMs: TIMEOUT, what: 'the staying pod Running' });

    hollow.fail(victim);
    let node: Node | undefined;
    await waitFor(async () => {
      node = await nodeClient().get('', victim);
      return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown';
    }, { timeoutMs: TIMEOUT, what: `${victim} Ready=Unknown` });
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = node?.status?.conditions?.find((x) => x.type === type);
      assert.deepEqual([c?.status, c?.reason, c?.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'], type);
    }
    // At once: marked in the same pass that wrote Unknown, well before any eviction (2 s after the taint).
    await waitFor(() => podCondition(lastSeen.get(staying) as Pod, 'Ready')?.status === 'False', { timeoutMs: 2_000, what: 'the staying pod NotReady' });
    assert.ok(onVictim.every((name) => lastSeen.get(name)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False')),
      'every pod on the node NotReady');

    await waitFor(async () => {
      node = await nodeClient().get('', victim);
      return taints(node).includes(`${UNREACHABLE}:NoExecute`);
    }, { timeoutMs: TIMEOUT, what: `${victim} tainted unreachable:NoExecute` });
    assert.deepEqual(taints(node as Node), [`${UNREACHABLE}:NoExecute`, `${UNREACHABLE}:NoSchedule`]);
    assert.ok(node?.spec?.taints?.every((t) => t.timeAdded), 'taints carry timeAdded');

    // Evicted after their 2 s (they stay Terminating: the kubelet that would finish them is down) and replaced on the other nodes.
    await waitFor(() => onVictim.every((name) => lastSeen.get(name)?.metadata.deletionTimestamp), { timeoutMs: TIMEOUT, what: 'the evictee pods on the node deleted' });
    for (const name of onVictim) {
      const dt = podCondition(lastSeen.get(name) as Pod, 'DisruptionTarget');
      assert.deepEqual([dt?.status, dt?.reason, dt?.message], ['True', 'DeletionByTaintManager', 'Taint manager: deleting due to NoExecute taint'], name);
    }
    await waitFor(() => live('evictee').length === 3 && live('evictee').every((p) => isPodReady(p) && p.spec?.nodeName !== victim),
      { timeoutMs: TIMEOUT, what: '3 Ready evictee pods on the other nodes' });
    assert.ok(!lastSeen.get(staying)?.metadata.deletionTimestamp, 'the pod tolerating the taint for an hour stays');

    const events = (await resourceClient<Event>(rest, 'events').list('')).items;
    assert.ok(events.some((e) => e.involvedObject?.kind === 'Node' && e.involvedObject.name === victim && e.reason === 'NodeNotReady'
      && e.message === `Node ${victim} status is now: NodeNotReady` && e.source?.component === 'node-controller'), 'NodeNotReady event');
    for (const name of onVictim) {
      assert.ok(events.some((e) => e.involvedObject?.name === name && e.reason === 'TaintManagerEviction'
        && e.message === `Marking for deletion Pod ${NS}/${name}` && e.source?.component === 'taint-eviction-controller'), `eviction event of ${name}`);
    }
  });

  it('recovering removes the taints; the kubelet then finishes the evicted pods', async () => {
    assert.ok(victim, 'the first test chose the node');
    await hollow.recover(victim);
    await waitFor(async () => {
      const node = await nodeClient().get('', victim);
      return taints(node).length === 0 && node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    }, { timeoutMs: TIMEOUT, what: `${victim} Ready with no taints` });
    await waitFor(() => pods.list().every((p) => !p.metadata.deletionTimestamp), { timeoutMs: TIMEOUT, what: 'the terminating pods gone' });
    await waitFor(() => isPodReady(pods.get(NS, staying) as Pod), { timeoutMs: TIMEOUT, what: 'the staying pod Ready again' });
  });
});

describe('pod GC', () => {
  it('deletes the pods of a deleted Node: marked Failed with DisruptionTarget DeletionByPodGC, then deleted at once', async () => {
    await nodeClient().create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'ghost' }, spec: {}, status: {} });
    await podClient().create(NS, bare('haunted', 'ghost'));
    await nodeClient().delete('', 'ghost');
    await waitFor(() => !!lastSeen.get('haunted') && !pods.get(NS, 'haunted'), { timeoutMs: TIMEOUT, what: 'the ghost node\'s pod deleted' });
    const final = lastSeen.get('haunted') as Pod;
    assert.equal(final.status?.phase, 'Failed');
    const dt = podCondition(final, 'DisruptionTarget');
    assert.deepEqual([dt?.status, dt?.reason, dt?.message], ['True', 'DeletionByPodGC', 'PodGC: node no longer exists']);
  });

  it('keeps --terminated-pod-gc-threshold (2) Succeeded pods, deleting the oldest first', async () => {
    // Created a second apart, in reverse name order, so oldest-first and by-name disagree.
    const names = ['done-d', 'done-c', 'done-b', 'done-a'];
    for (const name of names) {
      const created = await podClient().create(NS, bare(name, hollow.nodeNames[1], { labels: { phase: 'Succeeded' } }));
      await waitFor(() => rfc3339(Date.now()) > (created.metadata.creationTimestamp as string), { timeoutMs: 2_000, what: 'the next second' });
    }
    await waitFor(() => names.every((n) => lastSeen.get(n)?.status?.phase === 'Succeeded'), { timeoutMs: TIMEOUT, what: 'all 4 Succeeded' });
    await waitFor(() => !pods.get(NS, 'done-d') && !pods.get(NS, 'done-c'), { timeoutMs: TIMEOUT, what: 'the 2 oldest deleted' });
    assert.ok(pods.get(NS, 'done-b') && pods.get(NS, 'done-a'), 'the 2 newest kept');
  });
});
