// The StatefulSet controller against real parts: etcd, the apiserver, the scheduler, a
// hollow kubelet of 3 nodes and one kube-controller-manager process running the
// StatefulSet controller and the garbage collector, each as its own ServiceAccount
// (--use-service-account-credentials, so the bootstrap RBAC role is what it may do). A set of 3 comes up in order (each
// pod created only once the one before it is Running and Ready, as the watch shows),
// scales down from the highest ordinal, gets a deleted pod back under the same name,
// creates its claims from volumeClaimTemplates (named "<template>-<set>-<ordinal>",
// owned per persistentVolumeClaimRetentionPolicy), and rolls a new template out above a
// partition only, from the highest ordinal down. The real kubectl's `rollout
// status|history|undo statefulset/x` and `get sts`, and our CLI's rollout, work on it.
//
// The hollow kubelet makes a bound pod Running and Ready at once and removes a deleted
// pod at once; claims stay Pending (no provisioner runs here), which it ignores.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPodReady } from '../../api/helpers/pod.js';
import type { ControllerRevision, StatefulSet } from '../../api/types/apps.js';
import type { Event, PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import { informerFor } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl } from '../harness/kubectl.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';
import { tskubectl, tskubectlFails } from '../harness/tskubectl.js';

const TIMEOUT = 30_000;
const NS = 'default';

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
const stop = new AbortController();

const sets = () => resourceClient<StatefulSet>(rest, 'statefulsets');
const pods = () => resourceClient<Pod>(rest, 'pods');
const claims = () => resourceClient<PersistentVolumeClaim>(rest, 'persistentvolumeclaims');

interface SetOpts {
  replicas?: number;
  image?: string;
  parallel?: boolean;
  claims?: string[];
  partition?: number;
  policy?: { whenDeleted: string; whenScaled: string };
}

function createSet(name: string, o: SetOpts = {}): Promise<StatefulSet> {
  return sets().create(NS, {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: NS },
    spec: {
      replicas: o.replicas ?? 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: o.image ?? 'busybox:1' }], terminationGracePeriodSeconds: 0 } },
      ...(o.parallel ? { podManagementPolicy: 'Parallel' } : {}),
      ...(o.partition !== undefined ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: o.partition } } } : {}),
      ...(o.claims ? {
        volumeClaimTemplates: o.claims.map((c) => ({ metadata: { name: c }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }) as PersistentVolumeClaim),
      } : {}),
      ...(o.policy ? { persistentVolumeClaimRetentionPolicy: o.policy } : {}),
    },
  });
}

async function until(check: () => Promise<boolean>, what: () => string): Promise<void> {
  try {
    await waitFor(check, { timeoutMs: TIMEOUT, what: 'the condition' });
  } catch (err) {
    throw new Error(`timed out after ${TIMEOUT}ms waiting for ${what()}`, { cause: err });
  }
}

/** Waits for the set's status to say replicas pods, all ready, at the observed generation. */
async function waitReady(name: string, replicas: number): Promise<StatefulSet> {
  let s: StatefulSet | undefined;
  await until(async () => {
    s = await sets().get(NS, name);
    const st = s.status;
    return (st?.observedGeneration ?? 0) >= (s.metadata.generation ?? 0) && st?.replicas === replicas && st.readyReplicas === replicas && st.availableReplicas === replicas;
  }, () => `statefulset ${name} ready with ${replicas} (last: ${JSON.stringify(s?.status)})`);
  return s as StatefulSet;
}

const live = async (name: string): Promise<Pod[]> =>
  (await pods().list(NS, { labelSelector: `app=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));

/** Every pod watch event of app=name, in order, as "ADDED web-0", "READY web-0", "DELETED web-2"; resolves once listed. */
async function record(name: string): Promise<{ log: string[] }> {
  const log: string[] = [];
  const inf = informerFor<Pod>(rest, 'pods', { namespace: NS, labelSelector: `app=${name}` });
  inf.addEventHandler({
    add: (p) => {
      log.push(`ADDED ${p.metadata.name}`);
      if (isPodReady(p)) log.push(`READY ${p.metadata.name}`);
    },
    update: (old, cur) => {
      if (!isPodReady(old) && isPodReady(cur)) log.push(`READY ${cur.metadata.name}`);
    },
    delete: (p) => log.push(`DELETED ${p.metadata.name}`),
  });
  void inf.run(stop.signal);
  await inf.waitForSync(stop.signal);
  return { log };
}

async function events(name: string): Promise<string[]> {
  const list = await resourceClient<Event>(rest, 'events').list(NS, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.source?.component === 'statefulset-controller')
    .sort((a, b) => ((a.firstTimestamp ?? '') < (b.firstTimestamp ?? '') ? -1 : 1)).map((e) => `${e.reason} ${e.message}`);
}

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  // Pods of an image starting with "fails-first" fail the first time their name runs.
  const firstRun = new Map<string, string>();
  hollow = new HollowKubelet({
    rest, nodes: 3, prefix: 'sts-node-',
    podPhase: (pod) => {
      if (!pod.spec?.containers[0].image?.startsWith('fails-first')) return 'Running';
      const name = pod.metadata.name ?? '';
      if (!firstRun.has(name)) firstRun.set(name, pod.metadata.uid ?? '');
      return firstRun.get(name) === pod.metadata.uid ? 'Failed' : 'Running';
    },
  });
  await hollow.start();
  scheduler = startScheduler(cp);
  // Each controller as its own ServiceAccount: the statefulset-controller role is all it needs.
  cm = await startControllerManager(cp, ['--controllers', 'statefulset-controller,garbage-collector-controller', '--use-service-account-credentials']);
});

after(async () => {
  stop.abort();
  await cm?.stop();
  await scheduler?.stop();
  await hollow?.stop();
  await rest?.close();
  await cp?.stop();
});

describe('kube-controller-manager running the statefulset controller', () => {
  it('brings a set of 3 up in order, each pod after the previous one is Ready; the real kubectl rollout status and get sts', async () => {
    const rec = await record('web');
    const created = await createSet('web');
    const out = await kubectl(cp, 'rollout', 'status', 'statefulset/web', '--timeout=60s');
    assert.match(out, /partitioned roll out complete: 3 new pods have been updated\.\.\./);
    const s = await waitReady('web', 3);
    // Order: web-i is added only after web-(i-1) turned Ready (one watch stream, in order).
    const at = (e: string): number => rec.log.indexOf(e);
    await until(async () => at('READY web-2') >= 0, () => `web-2 ready in ${JSON.stringify(rec.log)}`);
    for (const i of [1, 2]) {
      assert.ok(at(`ADDED web-${i}`) > at(`READY web-${i - 1}`), `web-${i} created after web-${i - 1} was ready: ${JSON.stringify(rec.log)}`);
    }
    const ps = await live('web');
    assert.deepEqual(ps.map((p) => p.metadata.name), ['web-0', 'web-1', 'web-2']);
    const revision = s.status?.updateRevision ?? '';
    assert.match(revision, /^web-[0-9a-z]+$/);
    assert.equal(s.status?.currentRevision, revision);
    assert.equal(s.status?.currentReplicas, 3);
    assert.equal(s.status?.updatedReplicas, 3);
    assert.equal(s.status?.collisionCount, 0);
    for (const [i, p] of ps.entries()) {
      assert.equal(p.spec?.hostname, `web-${i}`);
      assert.equal(p.spec?.subdomain, 'web');
      assert.deepEqual(p.metadata.labels, {
        app: 'web', 'statefulset.kubernetes.io/pod-name': `web-${i}`, 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': revision,
      });
      assert.equal(p.metadata.ownerReferences?.[0].uid, created.metadata.uid);
    }
    const revs = (await resourceClient<ControllerRevision>(rest, 'controllerrevisions').list(NS, { labelSelector: 'app=web' })).items;
    assert.deepEqual(revs.map((r) => [r.metadata.name, r.revision]), [[revision, 1]]);
    let got: string[] = [];
    await until(async () => (got = await events('web')).length >= 3, () => `3 events, got ${JSON.stringify(got)}`);
    assert.deepEqual(got, [0, 1, 2].map((i) => `SuccessfulCreate create Pod web-${i} in StatefulSet web successful`));

    const table = await kubectl(cp, 'get', 'sts', 'web');
    assert.match(table, /^NAME\s+READY\s+AGE\n/);
    assert.match(table, /\nweb\s+3\/3\s+\d+s\n/);
    const wide = await kubectl(cp, 'get', 'statefulsets', 'web', '-o', 'wide');
    assert.match(wide, /^NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\n/);
    assert.match(wide, /\nweb\s+3\/3\s+\d+s\s+c\s+busybox:1\n/);
    assert.match(await tskubectl(cp, 'rollout', 'status', 'sts/web'), /partitioned roll out complete: 3 new pods have been updated\.\.\./);
    // describe: ours says what the real kubectl says (the events' ages aside).
    const upToEvents = (t: string): string => t.slice(0, t.indexOf('Events:'));
    const theirs = await kubectl(cp, 'describe', 'statefulset', 'web');
    assert.match(theirs, /Replicas:\s+3 desired \| 3 total\n/);
    assert.match(theirs, /Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed\n/);
    assert.equal(upToEvents(await tskubectl(cp, 'describe', 'statefulset', 'web')), upToEvents(theirs));
  });

  it('scales down from the highest ordinal, one pod at a time', async () => {
    const rec = await record('web');
    await until(async () => rec.log.includes('ADDED web-2'), () => 'the watch to list web');
    const from = rec.log.length;
    await kubectl(cp, 'scale', 'statefulset/web', '--replicas=1');
    await until(async () => (await live('web')).length === 1, () => 'one pod left');
    await waitReady('web', 1);
    assert.deepEqual(rec.log.slice(from).filter((e) => e.startsWith('DELETED')), ['DELETED web-2', 'DELETED web-1']);
    assert.deepEqual((await live('web')).map((p) => p.metadata.name), ['web-0']);
    let got: string[] = [];
    await until(async () => (got = await events('web')).filter((e) => e.startsWith('SuccessfulDelete')).length === 2, () => `delete events, got ${JSON.stringify(got)}`);
    assert.deepEqual(got.filter((e) => e.startsWith('SuccessfulDelete')), [
      'SuccessfulDelete delete Pod web-2 in StatefulSet web successful',
      'SuccessfulDelete delete Pod web-1 in StatefulSet web successful',
    ]);
  });

  it('a deleted pod comes back under the same name', async () => {
    const [before] = await live('web');
    await pods().delete(NS, 'web-0');
    let again: Pod | undefined;
    await until(async () => {
      again = (await live('web')).find((p) => p.metadata.name === 'web-0');
      return !!again && again.metadata.uid !== before.metadata.uid && isPodReady(again);
    }, () => 'web-0 recreated and ready');
    assert.equal(again?.spec?.hostname, 'web-0');
    await waitReady('web', 1);
  });

  it('our rollout restart rolls the set to a new revision; rollout pause is refused as kubectl refuses it', async () => {
    const [before] = await live('web');
    const s0 = await sets().get(NS, 'web');
    assert.equal((await tskubectl(cp, 'rollout', 'restart', 'statefulset/web')).trim(), 'statefulset.apps/web restarted');
    let s: StatefulSet | undefined;
    await until(async () => {
      s = await sets().get(NS, 'web');
      const [p] = await live('web');
      return !!p && s.status?.updateRevision !== s0.status?.updateRevision && s.status?.currentRevision === s.status?.updateRevision
        && p.metadata.uid !== before.metadata.uid && p.metadata.labels?.['controller-revision-hash'] === s.status?.updateRevision && isPodReady(p);
    }, () => `web restarted (last ${JSON.stringify(s?.status)})`);
    assert.ok(s?.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    const refused = await tskubectlFails(cp, 'rollout', 'pause', 'statefulset/web');
    assert.match(refused, /statefulsets\.apps "web" pausing is not supported/);
  });

  it('a failed pod is deleted and made again under the same name', async () => {
    const rec = await record('flaky');
    await createSet('flaky', { replicas: 1, image: 'fails-first:1' });
    const s = await waitReady('flaky', 1);
    const [p] = await live('flaky');
    assert.equal(p.metadata.name, 'flaky-0');
    assert.equal(p.status?.phase, 'Running');
    assert.equal(s.status?.replicas, 1);
    assert.deepEqual(rec.log.filter((e) => !e.startsWith('READY')), ['ADDED flaky-0', 'DELETED flaky-0', 'ADDED flaky-0']);
    // The second create is the first Event again with count 2 (the recorder's correlation).
    let got: string[] = [];
    await until(async () => {
      const list = await resourceClient<Event>(rest, 'events').list(NS, { fieldSelector: 'involvedObject.name=flaky' });
      got = list.items.map((e) => `${e.reason} ${e.message} x${e.count}`).sort();
      return got.some((e) => e.startsWith('SuccessfulCreate') && e.endsWith('x2'));
    }, () => `the create event twice, got ${JSON.stringify(got)}`);
    assert.deepEqual(got, [
      'SuccessfulCreate create Pod flaky-0 in StatefulSet flaky successful x2',
      'SuccessfulDelete delete Pod flaky-0 in StatefulSet flaky successful x1',
    ]);
  });

  it('creates the claims of volumeClaimTemplates as "<template>-<set>-<ordinal>", owned as the retention policy says, and puts them in the pods', async () => {
    const set = await createSet('db', { replicas: 2, parallel: true, claims: ['data'], policy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    let found: PersistentVolumeClaim[] = [];
    await until(async () => {
      found = (await claims().list(NS, { labelSelector: 'app=db' })).items;
      return found.length === 2 && found.every((c) => c.metadata.ownerReferences?.length);
    }, () => `2 owned claims, got ${JSON.stringify(found.map((c) => c.metadata))}`);
    assert.deepEqual(found.map((c) => c.metadata.name).sort(), ['data-db-0', 'data-db-1']);
    for (const c of found) {
      assert.deepEqual(c.metadata.labels, { app: 'db' });
      assert.deepEqual(c.spec?.resources?.requests, { storage: '1Gi' });
      assert.deepEqual(c.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['StatefulSet', 'db', set.metadata.uid, true]]);
    }
    // Pods are not waited on to run: once a scheduler binds volumes, claims no provisioner
    // serves would keep them Pending, and Parallel makes them regardless.
    await until(async () => (await live('db')).length === 2, () => 'pods db-0 and db-1');
    for (const p of await live('db')) {
      const ordinal = p.metadata.name!.slice('db-'.length);
      assert.deepEqual(p.spec?.volumes?.find((v) => v.name === 'data'), { name: 'data', persistentVolumeClaim: { claimName: `data-db-${ordinal}` } });
    }
    // Asked until both read the same pod states (they may move between the two calls).
    let [theirs, ours] = ['', ''];
    await until(async () => {
      theirs = (await kubectl(cp, 'describe', 'sts', 'db')).split('Events:')[0];
      ours = (await tskubectl(cp, 'describe', 'sts', 'db')).split('Events:')[0];
      return theirs === ours;
    }, () => `the same describe output:\n${theirs}\nours:\n${ours}`);
    assert.match(theirs, /Volume Claims:\n\s+Name:\s+data\n\s+StorageClass:\s+\n\s+Labels:\s+<none>\n\s+Annotations:\s+<none>\n\s+Capacity:\s+1Gi\n\s+Access Modes:\s+\[ReadWriteOnce\]\n/);
    const got = await events('db');
    assert.ok(got.includes('SuccessfulCreate create Claim data-db-0 Pod db-0 in StatefulSet db success'), JSON.stringify(got));
    assert.ok(got.includes('SuccessfulCreate create Claim data-db-1 Pod db-1 in StatefulSet db success'), JSON.stringify(got));

    // Scaled to 1: db-1's claim is handed to the pod (whenScaled Delete), so the
    // garbage collector deletes it with the pod.
    await sets().patch(NS, 'db', 'merge', { spec: { replicas: 1 } });
    await until(async () => {
      const c = await claims().get(NS, 'data-db-1').catch(() => undefined);
      return c === undefined || !!c.metadata.deletionTimestamp;
    }, () => 'data-db-1 deleted after the scale down');
    const kept = await claims().get(NS, 'data-db-0');
    assert.equal(kept.metadata.deletionTimestamp, undefined);
    // Deleting the set deletes (whenDeleted Delete) the claim it owns.
    await sets().delete(NS, 'db');
    await until(async () => {
      const c = await claims().get(NS, 'data-db-0').catch(() => undefined);
      return c === undefined || !!c.metadata.deletionTimestamp;
    }, () => 'data-db-0 deleted with the set');
  });

  it('RollingUpdate with partition 1 updates ordinals 2 then 1 and keeps 0; rollout history and undo with the real kubectl and ours', async () => {
    await createSet('roll', { partition: 1 });
    const first = await waitReady('roll', 3);
    const oldRevision = first.status?.updateRevision ?? '';
    const rec = await record('roll');
    await until(async () => rec.log.includes('ADDED roll-2'), () => 'the watch to list roll');
    const from = rec.log.length;
    await kubectl(cp, 'set', 'image', 'statefulset/roll', 'c=busybox:2');
    const out = await kubectl(cp, 'rollout', 'status', 'statefulset/roll', '--timeout=60s');
    assert.match(out, /partitioned roll out complete: 2 new pods have been updated\.\.\./);
    let s: StatefulSet | undefined;
    await until(async () => {
      s = await sets().get(NS, 'roll');
      return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3;
    }, () => `2 updated (last ${JSON.stringify(s?.status)})`);
    const newRevision = s?.status?.updateRevision ?? '';
    assert.notEqual(newRevision, oldRevision);
    assert.equal(s?.status?.currentRevision, oldRevision, 'the update is not complete while roll-0 is old');
    assert.equal(s?.status?.currentReplicas, 1);
    const ps = await live('roll');
    assert.deepEqual(ps.map((p) => [p.metadata.name, p.metadata.labels?.['controller-revision-hash'], p.spec?.containers[0].image]), [
      ['roll-0', oldRevision, 'busybox:1'], ['roll-1', newRevision, 'busybox:2'], ['roll-2', newRevision, 'busybox:2'],
    ]);
    assert.deepEqual(rec.log.slice(from).filter((e) => e.startsWith('DELETED')), ['DELETED roll-2', 'DELETED roll-1']);

    const history = await kubectl(cp, 'rollout', 'history', 'statefulset/roll');
    assert.equal(history, 'statefulset.apps/roll \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    assert.equal(await tskubectl(cp, 'rollout', 'history', 'statefulset/roll'), history);
    const rev1 = await kubectl(cp, 'rollout', 'history', 'statefulset/roll', '--revision=1');
    assert.match(rev1, /Image:\s+busybox:1/);
    assert.equal(await tskubectl(cp, 'rollout', 'history', 'statefulset/roll', '--revision=1'), rev1);

    // Undo: revision 1's template comes back as revision 3; ordinals 2 and 1 roll back.
    assert.equal((await kubectl(cp, 'rollout', 'undo', 'statefulset/roll')).trim(), 'statefulset.apps/roll rolled back');
    await until(async () => {
      s = await sets().get(NS, 'roll');
      const images = (await live('roll')).map((p) => p.spec?.containers[0].image);
      return s.status?.updateRevision === oldRevision && s.status.currentRevision === oldRevision && s.status.readyReplicas === 3
        && images.length === 3 && images.every((i) => i === 'busybox:1');
    }, () => `rolled back (last ${JSON.stringify(s?.status)})`);
    assert.equal(s?.spec?.template.spec?.containers[0].image, 'busybox:1');
    assert.equal(await kubectl(cp, 'rollout', 'history', 'statefulset/roll'), 'statefulset.apps/roll \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');

    // Our CLI's undo goes forward again (to revision 2's template).
    assert.equal((await tskubectl(cp, 'rollout', 'undo', 'statefulset/roll')).trim(), 'statefulset.apps/roll rolled back');
    await until(async () => (await sets().get(NS, 'roll')).spec?.template.spec?.containers[0].image === 'busybox:2', () => 'template back at busybox:2');
    // The controller renumbers revision 2 (the busybox:2 template) to 4.
    await until(async () => (await resourceClient<ControllerRevision>(rest, 'controllerrevisions').list(NS, { labelSelector: 'app=roll' })).items.some((r) => r.revision === 4),
      () => 'revision 4');
    assert.equal((await tskubectl(cp, 'rollout', 'undo', 'statefulset/roll', '--to-revision=4')).trim(),
      'statefulset.apps/roll skipped rollback (current template already matches revision 4)');
    assert.equal((await kubectl(cp, 'rollout', 'undo', 'statefulset/roll', '--to-revision=4')).trim(),
      'statefulset.apps/roll skipped rollback (current template already matches revision 4)');
  });
});
