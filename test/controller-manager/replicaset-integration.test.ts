// The ReplicaSet and ReplicationController controllers against real parts: etcd, the
// apiserver, the scheduler and a hollow kubelet of 3 nodes. First a ReplicaSetController
// built in this process whose pod informer is held back (a cache that has not seen its
// own creates) must not create twice; then the kube-controller-manager process
// (--controllers replicaset-controller,replicationcontroller-controller): scale up and
// down with the right status, killed pods replaced, an orphan adopted and a relabelled
// pod released, `kubectl scale rs`, and a ReplicationController keeping its pods.
// Creations are counted by an informer on the pods (each pod uid seen added once).
//
// Timeouts: a pod goes from created to Ready in well under a second here (scheduler,
// then the hollow kubelet's status write); 20 s leaves room for a loaded 2-core machine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { isPodReady } from '../../api/helpers/pod.js';
import type { ReplicaSet } from '../../api/types/apps.js';
import type { Event, Pod, ReplicationController } from '../../api/types/core.js';
import { realClock } from '../../client/clock.js';
import { EventRecorder } from '../../client/event-recorder.js';
import { informerFor, type Informer } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { RealPodControl } from '../../controller-manager/pod-control.js';
import { ReplicaSetController } from '../../controller-manager/replicaset/controller.js';
import { replicaSetKind } from '../../controller-manager/replicaset/kinds.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl } from '../harness/kubectl.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const TIMEOUT = 20_000;
const NS = 'default';

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let scheduler: ChildHandle;
const stop = new AbortController();

const podClient = () => resourceClient<Pod>(rest, 'pods');
const rsClient = () => resourceClient<ReplicaSet>(rest, 'replicasets');

function replicaSet(name: string, replicas: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: NS },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 0 } },
    },
  };
}

/** Every pod uid an informer on `app=<app>` ever saw added (a pod created twice would show twice). */
class CreationCounter {
  readonly added = new Set<string>();
  readonly informer: Informer<Pod>;
  constructor(app: string) {
    this.informer = informerFor<Pod>(rest, 'pods', { namespace: NS, labelSelector: `app=${app}` });
    this.informer.addEventHandler({ add: (p) => { this.added.add(p.metadata.uid as string); } });
    void this.informer.run(stop.signal);
  }
  /** The live pods (not being deleted). */
  live(): Pod[] {
    return this.informer.list().filter((p) => !p.metadata.deletionTimestamp);
  }
}

const owners = (p: Pod): string[] => (p.metadata.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}`);

async function waitForStatus(name: string, want: { replicas: number; ready: number }): Promise<ReplicaSet> {
  let rs: ReplicaSet | undefined;
  await waitFor(async () => {
    rs = await rsClient().get(NS, name);
    const s = rs.status;
    return s?.replicas === want.replicas && (s.readyReplicas ?? 0) === want.ready && (s.availableReplicas ?? 0) === want.ready &&
      (s.fullyLabeledReplicas ?? 0) === want.replicas && s.observedGeneration === rs.metadata.generation;
  }, { timeoutMs: TIMEOUT, what: `ReplicaSet ${name} status ${JSON.stringify(want)} (last: ${JSON.stringify(rs?.status)})` });
  return rs as ReplicaSet;
}

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({ rest, nodes: 3 });
  await hollow.start();
  scheduler = startScheduler(cp);
});

after(async () => {
  stop.abort();
  await scheduler?.stop();
  await hollow?.stop();
  await rest?.close();
  await cp?.stop();
});

describe('an in-process ReplicaSetController whose pod cache lags behind', () => {
  it('never creates twice while the cache has not seen its creates; counts them once it has', async () => {
    const ac = new AbortController();
    const rsInformer = informerFor<ReplicaSet>(rest, 'replicasets', { namespace: NS });
    // Held back: not run until the two reconciles below have happened.
    const podInformer = informerFor<Pod>(rest, 'pods', { namespace: NS });
    const recorder = new EventRecorder({ rest, component: 'replicaset-controller' });
    const log = pino({ level: 'silent' });
    const controller = new ReplicaSetController<ReplicaSet>({
      kind: replicaSetKind, rsInformer, podInformer, client: rsClient(),
      podControl: new RealPodControl(podClient(), recorder), clock: realClock, log,
    });
    const counter = new CreationCounter('stale');
    const running = [rsInformer.run(ac.signal)];
    try {
      await counter.informer.waitForSync();
      await rsClient().create(NS, replicaSet('stale', 3));
      await rsInformer.waitForSync();
      await waitFor(() => rsInformer.get(NS, 'stale') !== undefined, { timeoutMs: TIMEOUT, what: 'the ReplicaSet in the cache' });

      await controller.reconcile('default/stale');
      await controller.reconcile('default/stale');
      assert.equal((await podClient().list(NS, { labelSelector: 'app=stale' })).items.length, 3, 'the second reconcile created nothing');
      assert.equal(controller.expectations.satisfiedExpectations('default/stale'), false);

      running.push(podInformer.run(ac.signal));
      await podInformer.waitForSync();
      await waitFor(() => controller.expectations.satisfiedExpectations('default/stale'), { timeoutMs: TIMEOUT, what: 'the 3 creations observed' });
      await controller.reconcile('default/stale');
      await waitFor(() => counter.added.size >= 3, { timeoutMs: TIMEOUT, what: '3 pods seen by the counter' });
      assert.equal((await podClient().list(NS, { labelSelector: 'app=stale' })).items.length, 3);
      assert.equal(counter.added.size, 3);
      assert.ok(counter.live().every((p) => owners(p).join() === 'ReplicaSet/stale'));
      await recorder.flush();
      const events = await resourceClient<Event>(rest, 'events').list(NS, { fieldSelector: 'involvedObject.name=stale' });
      assert.deepEqual(events.items.filter((e) => e.reason === 'SuccessfulCreate').length, 3);
    } finally {
      ac.abort();
      await Promise.allSettled(running);
      await recorder.close(1000);
      await rsClient().delete(NS, 'stale');
      await podClient().deleteCollection(NS, { labelSelector: 'app=stale' });
    }
  });
});

describe('kube-controller-manager running the replicaset and replicationcontroller controllers', () => {
  let cm: ControllerManagerHandle;

  before(async () => {
    cm = await startControllerManager(cp, ['--controllers', 'replicaset-controller,replicationcontroller-controller']);
  });
  after(async () => {
    await cm?.stop();
  });

  it('scales up and down with the right status; killed pods are replaced; `kubectl scale rs` works', async () => {
    const counter = new CreationCounter('web');
    await counter.informer.waitForSync();
    await rsClient().create(NS, replicaSet('web', 3));
    await waitForStatus('web', { replicas: 3, ready: 3 });
    assert.equal(counter.added.size, 3);
    const placed = counter.live().map((p) => p.spec?.nodeName);
    assert.ok(placed.every((n) => n?.startsWith('hollow-node-')), `scheduled onto hollow nodes: ${placed.join()}`);

    await rsClient().patch(NS, 'web', 'merge', { spec: { replicas: 1 } });
    await waitForStatus('web', { replicas: 1, ready: 1 });
    await waitFor(() => counter.live().length === 1, { timeoutMs: TIMEOUT, what: '2 pods deleted' });
    assert.equal(counter.added.size, 3, 'scaling down created nothing');

    const [victim] = counter.live();
    await podClient().delete(NS, victim.metadata.name as string);
    await waitFor(() => counter.live().some((p) => p.metadata.uid !== victim.metadata.uid && isPodReady(p)), { timeoutMs: TIMEOUT, what: 'a replacement Ready' });
    await waitForStatus('web', { replicas: 1, ready: 1 });
    assert.equal(counter.added.size, 4, 'exactly one replacement');

    await kubectl(cp, 'scale', 'rs', 'web', '--replicas=4');
    await waitForStatus('web', { replicas: 4, ready: 4 });
    assert.match(await kubectl(cp, 'get', 'rs', 'web', '--no-headers'), /^web\s+4\s+4\s+4\s+/);
    assert.equal(counter.added.size, 7);
  });

  it('adopts an orphan whose labels match; releases a pod whose labels stop matching', async () => {
    const counter = new CreationCounter('adopt');
    await counter.informer.waitForSync();
    const orphan = await podClient().create(NS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', labels: { app: 'adopt' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 0 },
    });
    await rsClient().create(NS, replicaSet('adopt', 2));
    const rs = await waitForStatus('adopt', { replicas: 2, ready: 2 });
    const adopted = await podClient().get(NS, 'orphan');
    assert.deepEqual(adopted.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'adopt', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(adopted.metadata.uid, orphan.metadata.uid);
    // The counter's own watch may trail the status the controller wrote: let it catch up first.
    await waitFor(() => counter.added.size >= 2, { timeoutMs: TIMEOUT, what: 'the counter to see the new pod' });
    assert.equal(counter.added.size, 2, 'the orphan plus one new pod');

    // Relabelled out of the selector: released, and replaced.
    await podClient().patch(NS, 'orphan', 'merge', { metadata: { labels: { app: 'adopt-no-more' } } });
    await waitFor(async () => ((await podClient().get(NS, 'orphan')).metadata.ownerReferences ?? []).length === 0, { timeoutMs: TIMEOUT, what: 'the relabelled pod released' });
    await waitForStatus('adopt', { replicas: 2, ready: 2 });
    await waitFor(() => counter.live().length >= 2, { timeoutMs: TIMEOUT, what: 'the counter to see the replacement' });
    assert.equal(counter.live().length, 2);
    assert.ok(counter.live().every((p) => owners(p).join() === 'ReplicaSet/adopt'));
    await podClient().delete(NS, 'orphan');
  });

  it('a ReplicationController keeps its pods', async () => {
    const rcs = resourceClient<ReplicationController>(rest, 'replicationcontrollers');
    const counter = new CreationCounter('legacy');
    await counter.informer.waitForSync();
    await rcs.create(NS, {
      apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy' },
      spec: {
        replicas: 2, selector: { app: 'legacy' },
        template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 0 } },
      },
    });
    const ready = async (n: number): Promise<void> => waitFor(async () => {
      const s = (await rcs.get(NS, 'legacy')).status;
      return s?.replicas === n && s.readyReplicas === n && s.availableReplicas === n;
    }, { timeoutMs: TIMEOUT, what: `RC legacy with ${n} ready replicas` });
    await ready(2);
    assert.ok(counter.live().every((p) => owners(p).join() === 'ReplicationController/legacy'));
    const [victim] = counter.live();
    await podClient().delete(NS, victim.metadata.name as string);
    await waitFor(() => counter.live().filter((p) => p.metadata.uid !== victim.metadata.uid && isPodReady(p)).length === 2, { timeoutMs: TIMEOUT, what: 'the killed RC pod replaced' });
    await ready(2);
    assert.equal(counter.added.size, 3);
    assert.match(await kubectl(cp, 'get', 'rc', 'legacy', '--no-headers'), /^legacy\s+2\s+2\s+2\s+/);
  });
});
