// The Deployment controller against real parts: etcd, the apiserver, the scheduler, a
// hollow kubelet of 3 nodes and one kube-controller-manager process running the
// ReplicaSet and Deployment controllers. A Deployment rolls out to completion (and the
// real `kubectl rollout status` says so) and `kubectl rollout restart` rolls it again;
// a rolling update watched pod by pod never has more than replicas + maxSurge pods
// nor fewer than replicas - maxUnavailable ready ones; Recreate removes every old pod
// before the first new one; rollback (the template patched back, and the real
// `kubectl rollout undo`) reuses the old ReplicaSet; pause stops a rollout and resume
// continues it; scaling a stuck rollout splits the replicas in proportion; a rollout
// that never becomes ready exceeds its progress deadline; revisionHistoryLimit
// deletes old ReplicaSets.
//
// Pods whose image starts with "never-ready" stay unready (the hollow kubelet's podReady
// hook): that is how rollouts get stuck on purpose.
//
// Timeouts: a pod is created, scheduled and Ready in well under a second here; a whole
// rollout of a few pods takes a few seconds (minReadySeconds 1 where it matters). 30 s
// leaves room for a loaded 2-core machine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPodReady } from '../../api/helpers/pod.js';
import type { Deployment, ReplicaSet } from '../../api/types/apps.js';
import type { Event, Pod } from '../../api/types/core.js';
import { informerFor, type Informer } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { computeHash } from '../../controller-manager/deployment/hash.js';
import { REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from '../../controller-manager/deployment/util.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl, kubectlRun } from '../harness/kubectl.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const TIMEOUT = 30_000;
const NS = 'default';

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
const stop = new AbortController();

const deployments = () => resourceClient<Deployment>(rest, 'deployments');
const replicaSets = () => resourceClient<ReplicaSet>(rest, 'replicasets');

interface DOpts {
  replicas?: number;
  image?: string;
  strategy?: 'RollingUpdate' | 'Recreate';
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
}

async function createDeployment(name: string, o: DOpts = {}): Promise<Deployment> {
  return deployments().create(NS, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
    spec: {
      replicas: o.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: o.image ?? 'busybox:1' }], terminationGracePeriodSeconds: 0 } },
      strategy: o.strategy === 'Recreate' ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.maxSurge ?? 1, maxUnavailable: o.maxUnavailable ?? 0 } },
      ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
    },
  });
}

const setImage = (name: string, image: string): Promise<Deployment> =>
  deployments().patch(NS, name, 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });

const replicaSetsOf = async (name: string): Promise<ReplicaSet[]> =>
  (await replicaSets().list(NS, { labelSelector: `app=${name}` })).items;

/** waitFor with a message built when it times out (so it can show the last state seen). */
async function until(check: () => Promise<boolean>, what: () => string): Promise<void> {
  try {
    await waitFor(check, { timeoutMs: TIMEOUT, what: 'the condition' });
  } catch (err) {
    throw new Error(`timed out after ${TIMEOUT}ms waiting for ${what()}`, { cause: err });
  }
}

const cond = (d: Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);

/** kubectl rollout status's notion of done: the generation observed, every replica updated and available. */
async function waitComplete(name: string, replicas: number): Promise<Deployment> {
  let d: Deployment | undefined;
  await until(async () => {
    d = await deployments().get(NS, name);
    const s = d.status ?? {};
    return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === replicas && s.replicas === replicas
      && s.availableReplicas === replicas && cond(d, 'Progressing')?.reason === 'NewReplicaSetAvailable';
  }, () => `deployment ${name} complete with ${replicas} (last: ${JSON.stringify(d?.status)})`);
  return d as Deployment;
}

/** The pods of app=name as an informer sees them; onChange runs after every event. */
function watchPods(name: string, onChange?: (pods: Pod[]) => void): Informer<Pod> {
  const inf = informerFor<Pod>(rest, 'pods', { namespace: NS, labelSelector: `app=${name}` });
  // The adds of the first list come one by one: only whole states count.
  const changed = (): void => {
    if (inf.hasSynced()) onChange?.(inf.list());
  };
  inf.addEventHandler({ add: changed, update: changed, delete: changed });
  void inf.run(stop.signal);
  return inf;
}

const live = (pods: Pod[]): Pod[] => pods.filter((p) => !p.metadata.deletionTimestamp);

async function events(name: string): Promise<string[]> {
  const list = await resourceClient<Event>(rest, 'events').list(NS, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.source?.component === 'deployment-controller').map((e) => `${e.reason} ${e.message}`);
}

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({ rest, nodes: 3, podReady: (pod) => !pod.spec?.containers.some((c) => c.image?.startsWith('never-ready')) });
  await hollow.start();
  scheduler = startScheduler(cp);
  cm = await startControllerManager(cp, ['--controllers', 'replicaset-controller,deployment-controller']);
});

after(async () => {
  stop.abort();
  await cm?.stop();
  await scheduler?.stop();
  await hollow?.stop();
  await rest?.close();
  await cp?.stop();
});

describe('kube-controller-manager running the deployment and replicaset controllers', () => {
  it('rolls a new Deployment out to completion; the real kubectl rollout status says so; rollout restart rolls it again', async () => {
    const created = await createDeployment('web', { replicas: 4 });
    const out = await kubectl(cp, 'rollout', 'status', 'deployment/web', '--timeout=60s');
    assert.match(out, /deployment "web" successfully rolled out/);
    const d = await waitComplete('web', 4);
    assert.equal(d.status?.observedGeneration, d.metadata.generation);
    assert.equal(cond(d, 'Available')?.status, 'True');
    assert.equal(cond(d, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(d.metadata.annotations?.[REVISION_ANNOTATION], '1');
    const [rs, ...more] = await replicaSetsOf('web');
    assert.equal(more.length, 0);
    // The name Kubernetes would give it: the hash of the template as the apiserver stored it.
    const hash = computeHash(created.spec?.template);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.metadata.labels?.['pod-template-hash'], hash);
    assert.equal(rs.metadata.ownerReferences?.[0].uid, created.metadata.uid);
    const pods = live((await resourceClient<Pod>(rest, 'pods').list(NS, { labelSelector: 'app=web' })).items);
    assert.equal(pods.length, 4);
    assert.ok(pods.every((p) => p.metadata.labels?.['pod-template-hash'] === hash && isPodReady(p)));
    const want = [`ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 4`];
    let got: string[] = [];
    await waitFor(async () => (got = await events('web')).length > 0, { timeoutMs: TIMEOUT, what: 'the ScalingReplicaSet event' });
    assert.deepEqual(got, want);

    // kubectl rollout restart: a restartedAt annotation in the template, so a new ReplicaSet.
    await kubectl(cp, 'rollout', 'restart', 'deployment/web');
    const restarted = await waitComplete('web', 4);
    assert.ok(restarted.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    assert.equal(restarted.metadata.annotations?.[REVISION_ANNOTATION], '2');
    const rss = await replicaSetsOf('web');
    assert.equal(rss.length, 2);
    assert.ok(rss.some((r) => r.metadata.name === `web-${computeHash(restarted.spec?.template)}` && r.spec?.replicas === 4));
  });

  it('a rolling update never exceeds replicas + maxSurge pods nor drops below replicas - maxUnavailable ready pods', async () => {
    const replicas = 4;
    const [surge, unavailable] = [1, 1];
    await createDeployment('roll', { replicas, maxSurge: surge, maxUnavailable: unavailable, minReadySeconds: 1 });
    await waitComplete('roll', replicas);
    const violations: string[] = [];
    let samples = 0;
    const rsSpecs = informerFor<ReplicaSet>(rest, 'replicasets', { namespace: NS, labelSelector: 'app=roll' });
    const checkSpecs = (): void => {
      if (!rsSpecs.hasSynced()) return;
      const total = rsSpecs.list().reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      if (total > replicas + surge) violations.push(`ReplicaSets want ${total} pods`);
    };
    rsSpecs.addEventHandler({ add: checkSpecs, update: checkSpecs });
    void rsSpecs.run(stop.signal);
    const pods = watchPods('roll', (all) => {
      samples++;
      const l = live(all);
      const ready = l.filter(isPodReady).length;
      if (l.length > replicas + surge) violations.push(`${l.length} pods`);
      if (ready < replicas - unavailable) violations.push(`${ready} ready pods`);
    });
    await pods.waitForSync();
    await rsSpecs.waitForSync();

    await setImage('roll', 'busybox:2');
    const d = await waitComplete('roll', replicas);
    assert.deepEqual(violations, []);
    assert.ok(samples > 8, `the rollout was watched (${samples} samples)`);
    assert.equal(d.metadata.annotations?.[REVISION_ANNOTATION], '2');
    const all = await replicaSetsOf('roll');
    assert.deepEqual(all.map((rs) => rs.spec?.replicas).sort(), [0, 4]);
    assert.ok(live(pods.list()).every((p) => p.spec?.containers[0].image === 'busybox:2'));
  });

  it('Recreate deletes every old pod before it creates the first new one', async () => {
    await createDeployment('recreate', { replicas: 3, strategy: 'Recreate' });
    const first = await waitComplete('recreate', 3);
    const oldHash = computeHash(first.spec?.template);
    let newSeenWithOld = false;
    let newSeen = false;
    const pods = watchPods('recreate', (all) => {
      const hasNew = all.some((p) => p.metadata.labels?.['pod-template-hash'] !== oldHash);
      const hasOld = all.some((p) => p.metadata.labels?.['pod-template-hash'] === oldHash);
      if (hasNew) newSeen = true;
      if (hasNew && hasOld) newSeenWithOld = true;
    });
    await pods.waitForSync();
    await setImage('recreate', 'busybox:2');
    await waitComplete('recreate', 3);
    assert.ok(newSeen);
    assert.equal(newSeenWithOld, false, 'a new pod existed while an old one (even terminating) did');
  });

  it('rollback reuses the old ReplicaSet: the template patched back, then the real kubectl rollout undo', async () => {
    await createDeployment('undo', { image: 'busybox:1' });
    await waitComplete('undo', 2);
    await setImage('undo', 'busybox:2');
    await waitComplete('undo', 2);
    const byImage = async (): Promise<Record<string, ReplicaSet>> =>
      Object.fromEntries((await replicaSetsOf('undo')).map((rs) => [rs.spec?.template?.spec?.containers[0].image, rs]));
    const before = await byImage();
    assert.deepEqual(Object.keys(before).sort(), ['busybox:1', 'busybox:2']);

    // The old template patched back: revision 3 on the old ReplicaSet, no new one.
    await setImage('undo', 'busybox:1');
    let d = await waitComplete('undo', 2);
    let now = await byImage();
    assert.deepEqual(Object.keys(now).sort(), ['busybox:1', 'busybox:2']);
    assert.equal(now['busybox:1'].metadata.uid, before['busybox:1'].metadata.uid);
    assert.equal(now['busybox:1'].metadata.annotations?.[REVISION_ANNOTATION], '3');
    assert.equal(now['busybox:1'].metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
    assert.equal(now['busybox:1'].spec?.replicas, 2);
    assert.equal(now['busybox:2'].spec?.replicas, 0);
    assert.equal(d.metadata.annotations?.[REVISION_ANNOTATION], '3');

    // kubectl rollout undo: back to the previous revision (busybox:2), client side.
    const out = await kubectl(cp, 'rollout', 'undo', 'deployment/undo');
    assert.match(out, /deployment.apps\/undo rolled back/);
    d = await waitComplete('undo', 2);
    assert.equal(d.spec?.template.spec?.containers[0].image, 'busybox:2');
    now = await byImage();
    assert.deepEqual(Object.keys(now).sort(), ['busybox:1', 'busybox:2']);
    assert.equal(now['busybox:2'].metadata.uid, before['busybox:2'].metadata.uid);
    assert.equal(now['busybox:2'].metadata.annotations?.[REVISION_ANNOTATION], '4');
    assert.equal(now['busybox:2'].metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '2');
    assert.equal(d.metadata.annotations?.[REVISION_ANNOTATION], '4');
    assert.match(await kubectl(cp, 'rollout', 'history', 'deployment/undo'), /^3\s.*\n4\s/m);
  });

  it('pause stops a rollout; resume continues it', async () => {
    await createDeployment('pause', { replicas: 2 });
    await waitComplete('pause', 2);
    await kubectl(cp, 'rollout', 'pause', 'deployment/pause');
    const changed = await setImage('pause', 'busybox:2');
    // Once the controller has observed the change, it has decided: nothing rolls.
    let d: Deployment | undefined;
    await until(async () => {
      d = await deployments().get(NS, 'pause');
      return d.status?.observedGeneration === changed.metadata.generation && cond(d, 'Progressing')?.reason === 'DeploymentPaused';
    }, () => `the paused change observed (last: ${JSON.stringify(d?.status)})`);
    assert.equal(cond(d as Deployment, 'Progressing')?.status, 'Unknown');
    assert.equal((await replicaSetsOf('pause')).length, 1, 'no new ReplicaSet while paused');

    await kubectl(cp, 'rollout', 'resume', 'deployment/pause');
    d = await waitComplete('pause', 2);
    assert.equal(d.spec?.template.spec?.containers[0].image, 'busybox:2');
    assert.equal((await replicaSetsOf('pause')).length, 2);
  });

  it('scaling a rollout stuck on unready pods splits the replicas across ReplicaSets in proportion', async () => {
    await createDeployment('prop', { replicas: 4, maxSurge: 2, maxUnavailable: 1 });
    await waitComplete('prop', 4);
    await setImage('prop', 'never-ready:1');
    // Stuck: old 3 (one less is all maxUnavailable allows), new 3 (6 = 4 + maxSurge), never ready.
    const sizes = async (): Promise<Record<string, number | undefined>> =>
      Object.fromEntries((await replicaSetsOf('prop')).map((rs) => [rs.spec?.template?.spec?.containers[0].image, rs.spec?.replicas]));
    let last: Record<string, number | undefined> = {};
    await until(async () => {
      last = await sizes();
      return last['busybox:1'] === 3 && last['never-ready:1'] === 3;
    }, () => `the rollout stuck at 3 + 3 (last: ${JSON.stringify(last)})`);

    // 4 -> 8: 10 allowed (8 + 2), 4 to add, split 2 and 2 (each had half of the 6).
    await kubectl(cp, 'scale', 'deployment/prop', '--replicas=8');
    await until(async () => {
      last = await sizes();
      return last['busybox:1'] === 5 && last['never-ready:1'] === 5;
    }, () => `5 + 5 after scaling to 8 (last: ${JSON.stringify(last)})`);
    const rss = await replicaSetsOf('prop');
    assert.ok(rss.every((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] === '8'
      && rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'] === '10'));
    let msgs: string[] = [];
    await until(async () => (msgs = await events('prop')).some((m) => /^ScalingReplicaSet Scaled up replica set prop-\w+ from 3 to 5$/.test(m)),
      () => `the proportional ScalingReplicaSet events (last: ${msgs.join('; ')})`);
  });

  it('a rollout that never becomes ready exceeds progressDeadlineSeconds; kubectl rollout status reports it', async () => {
    await createDeployment('deadline', { replicas: 1, image: 'never-ready:1', progressDeadlineSeconds: 3 });
    let d: Deployment | undefined;
    await until(async () => {
      d = await deployments().get(NS, 'deadline');
      return cond(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded';
    }, () => `ProgressDeadlineExceeded (last: ${JSON.stringify(d?.status)})`);
    const p = cond(d as Deployment, 'Progressing');
    assert.equal(p?.status, 'False');
    const [rs] = await replicaSetsOf('deadline');
    assert.equal(p?.message, `ReplicaSet "${rs.metadata.name}" has timed out progressing.`);
    const res = await kubectlRun(cp, ['rollout', 'status', 'deployment/deadline', '--timeout=20s']);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /deployment "deadline" exceeded its progress deadline/);
  });

  it('revisionHistoryLimit keeps only that many old ReplicaSets', async () => {
    await createDeployment('history', { replicas: 1, revisionHistoryLimit: 1 });
    await waitComplete('history', 1);
    for (const image of ['busybox:2', 'busybox:3']) {
      await setImage('history', image);
      await waitComplete('history', 1);
    }
    let rss: ReplicaSet[] = [];
    await until(async () => (rss = await replicaSetsOf('history')).length === 2, () => `2 ReplicaSets left (last: ${rss.length})`);
    assert.deepEqual(rss.map((rs) => rs.spec?.template?.spec?.containers[0].image).sort(), ['busybox:2', 'busybox:3']);
  });
});
