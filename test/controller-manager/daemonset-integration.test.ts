// The DaemonSet controller against real parts: etcd, the apiserver, the scheduler, hollow
// kubelets (3 nodes, and a 4th added later) and one kube-controller-manager process
// running the daemonset controller. A DaemonSet lands on every node and on a node added
// later; it skips a tainted node unless it tolerates the taint; a rolling update with
// maxUnavailable 1, watched pod by pod, never leaves more than one node without a ready
// pod; OnDelete replaces only deleted pods; a failed pod is replaced (FailedDaemonPod);
// the real kubectl's rollout status, history and undo work on it, and so do ours
// (tskubectl rollout status|history|undo|restart daemonset, describe daemonset).
//
// Timeouts: a pod is created, scheduled and Ready in well under a second here; a rollout
// across 4 nodes with minReadySeconds 1 takes some seconds. 45 s leaves room for a loaded
// 2-core machine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPodReady } from '../../api/helpers/pod.js';
import type { ControllerRevision, DaemonSet } from '../../api/types/apps.js';
import type { Event, Node, Pod } from '../../api/types/core.js';
import { informerFor } from '../../client/informer.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { computeHash } from '../../controller-manager/deployment/hash.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { HollowKubelet } from '../harness/hollow-kubelet.js';
import { kubectl } from '../harness/kubectl.js';
import { tskubectl, tskubectlFails } from '../harness/tskubectl.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const TIMEOUT = 45_000;
const NS = 'default';

let cp: ControlPlane;
let rest: RestClient;
let hollow: HollowKubelet;
let late: HollowKubelet | undefined;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
const stop = new AbortController();

const daemonSets = () => resourceClient<DaemonSet>(rest, 'daemonsets');
const podsClient = () => resourceClient<Pod>(rest, 'pods');
const nodesClient = () => resourceClient<Node>(rest, 'nodes');

interface DSOpts {
  image?: string;
  onDelete?: boolean;
  maxUnavailable?: number | string;
  maxSurge?: number | string;
  minReadySeconds?: number;
  tolerations?: { key: string; operator: string; effect?: string }[];
  annotations?: Record<string, string>;
}

function createDaemonSet(name: string, o: DSOpts = {}): Promise<DaemonSet> {
  return daemonSets().create(NS, {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(o.annotations ? { annotations: o.annotations } : {}) },
        spec: { containers: [{ name: 'c', image: o.image ?? 'agent:1' }], terminationGracePeriodSeconds: 0, ...(o.tolerations ? { tolerations: o.tolerations } : {}) },
      },
      updateStrategy: o.onDelete ? { type: 'OnDelete' }
        : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: o.maxUnavailable ?? 1, maxSurge: o.maxSurge ?? 0 } },
      ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
    },
  });
}

const setImage = (name: string, image: string): Promise<DaemonSet> =>
  daemonSets().patch(NS, name, 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });

const live = (pods: Pod[]): Pod[] => pods.filter((p) => !p.metadata.deletionTimestamp);
const podsOf = async (name: string): Promise<Pod[]> => live((await podsClient().list(NS, { labelSelector: `app=${name}` })).items);

async function until(check: () => Promise<boolean>, what: () => string): Promise<void> {
  try {
    await waitFor(check, { timeoutMs: TIMEOUT, what: 'the condition' });
  } catch (err) {
    throw new Error(`timed out after ${TIMEOUT}ms waiting for ${what()}`, { cause: err });
  }
}

/** Waits until every node in nodes runs one ready pod of the DaemonSet and no other node does, with the image given. */
async function waitOnNodes(name: string, nodes: string[], image?: string): Promise<Pod[]> {
  let pods: Pod[] = [];
  await until(async () => {
    pods = await podsOf(name);
    const on = pods.map((p) => p.spec?.nodeName ?? '').sort();
    return JSON.stringify(on) === JSON.stringify([...nodes].sort()) && pods.every(isPodReady)
      && (!image || pods.every((p) => p.spec?.containers[0].image === image));
  }, () => `${name} on exactly ${nodes.join(',')}${image ? ` with ${image}` : ''} (last: ${pods.map((p) => `${p.metadata.name}@${p.spec?.nodeName ?? '-'}:${p.spec?.containers[0].image}`).join(' ')})`);
  return pods;
}

/** kubectl rollout status's notion of done. */
async function waitRolledOut(name: string, desired: number): Promise<DaemonSet> {
  let ds: DaemonSet | undefined;
  await until(async () => {
    ds = await daemonSets().get(NS, name);
    const s = ds.status;
    return !!s && (s.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0) && s.desiredNumberScheduled === desired
      && s.updatedNumberScheduled === desired && s.numberAvailable === desired;
  }, () => `${name} rolled out to ${desired} (last: ${JSON.stringify(ds?.status)})`);
  return ds as DaemonSet;
}

async function events(name: string): Promise<string[]> {
  const list = await resourceClient<Event>(rest, 'events').list(NS, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.source?.component === 'daemonset-controller').map((e) => `${e.reason} ${e.message}`);
}

const NODES = ['hollow-node-0', 'hollow-node-1', 'hollow-node-2'];

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  hollow = new HollowKubelet({
    rest, nodes: 3,
    podPhase: (pod) => (pod.metadata.annotations?.['test/phase'] === 'Failed' ? 'Failed' : 'Running'),
  });
  await hollow.start();
  scheduler = startScheduler(cp);
  cm = await startControllerManager(cp, ['--controllers', 'daemonset-controller']);
});

after(async () => {
  stop.abort();
  await cm?.stop();
  await scheduler?.stop();
  await late?.stop();
  await hollow?.stop();
  await rest?.close();
  await cp?.stop();
});

describe('kube-controller-manager running the daemonset controller', () => {
  it('lands one pod on every node, pinned by node affinity and carrying the daemon tolerations, and on a node added later', async () => {
    const created = await createDaemonSet('agent');
    const pods = await waitOnNodes('agent', NODES);
    const hash = computeHash(created.spec?.template);
    for (const pod of pods) {
      assert.equal(pod.metadata.labels?.['controller-revision-hash'], hash);
      assert.equal(pod.metadata.labels?.['pod-template-generation'], '1');
      assert.equal(pod.metadata.ownerReferences?.[0].kind, 'DaemonSet');
      assert.equal(pod.metadata.ownerReferences?.[0].uid, created.metadata.uid);
      assert.deepEqual(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.spec?.nodeName] }] }],
      });
      const keys = (pod.spec?.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
      for (const k of ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
        'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']) {
        assert.ok(keys.includes(k), `${k} in ${keys.join(' ')}`);
      }
      assert.ok(!keys.includes('node.kubernetes.io/network-unavailable:NoSchedule'), 'network-unavailable only for hostNetwork pods');
    }
    const ds = await waitRolledOut('agent', 3);
    assert.deepEqual([ds.status?.currentNumberScheduled, ds.status?.numberReady, ds.status?.numberMisscheduled, ds.status?.numberUnavailable], [3, 3, 0, 0]);
    const revisions = (await resourceClient<ControllerRevision>(rest, 'controllerrevisions').list(NS, { labelSelector: 'app=agent' })).items;
    assert.deepEqual(revisions.map((r) => [r.metadata.name, r.revision]), [[`agent-${hash}`, 1]]);
    let got: string[] = [];
    await until(async () => (got = await events('agent')).filter((e) => e.startsWith('SuccessfulCreate Created pod: agent-')).length === 3, () => `3 SuccessfulCreate events (got ${got.join('; ')})`);

    late = new HollowKubelet({ rest, nodes: 1, prefix: 'late-node-' });
    await late.start();
    await waitOnNodes('agent', [...NODES, 'late-node-0']);
    await waitRolledOut('agent', 4);
  });

  it('skips a node with a NoSchedule taint it does not tolerate, lands there once it tolerates it or the taint is gone', async () => {
    const taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
    await nodesClient().patch('', 'hollow-node-2', 'merge', { spec: { taints: [taint] } });
    const all = [...NODES, 'late-node-0'];
    const others = all.filter((n) => n !== 'hollow-node-2');
    await createDaemonSet('picky');
    await createDaemonSet('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] });
    await waitOnNodes('tolerant', all);
    await waitOnNodes('picky', others);
    const picky = await waitRolledOut('picky', 3);
    assert.equal(picky.status?.desiredNumberScheduled, 3);
    // The agent already running there keeps running: NoSchedule does not evict.
    assert.ok((await podsOf('agent')).some((p) => p.spec?.nodeName === 'hollow-node-2'));
    // A NoExecute taint does: agent's pod there goes, and agent no longer counts the node.
    await nodesClient().patch('', 'hollow-node-2', 'merge', { spec: { taints: [taint, { key: 'evict', value: 'now', effect: 'NoExecute' }] } });
    await waitOnNodes('agent', others);
    await waitOnNodes('tolerant', others);
    await nodesClient().patch('', 'hollow-node-2', 'merge', { spec: { taints: null } });
    await waitOnNodes('picky', all);
    await waitOnNodes('agent', all);
    await waitRolledOut('picky', 4);
  });

  it('rolls to a new image with maxUnavailable 1, never more than one node without a ready pod; the real kubectl rollout status, history and undo', async () => {
    const all = [...NODES, 'late-node-0'];
    await createDaemonSet('roll', { image: 'agent:1', minReadySeconds: 1 });
    await waitOnNodes('roll', all);
    await waitRolledOut('roll', 4);
    const violations: string[] = [];
    let samples = 0;
    const inf = informerFor<Pod>(rest, 'pods', { namespace: NS, labelSelector: 'app=roll' });
    const check = (): void => {
      if (!inf.hasSynced()) return;
      samples++;
      const ready = new Set(live(inf.list()).filter(isPodReady).map((p) => p.spec?.nodeName));
      const missing = all.filter((n) => !ready.has(n));
      if (missing.length > 1) violations.push(`no ready pod on ${missing.join(',')}`);
    };
    inf.addEventHandler({ add: check, update: check, delete: check });
    void inf.run(stop.signal);
    await inf.waitForSync();

    await setImage('roll', 'agent:2');
    const out = await kubectl(cp, 'rollout', 'status', 'daemonset/roll', '--timeout=60s');
    assert.match(out, /daemon set "roll" successfully rolled out/);
    await waitOnNodes('roll', all, 'agent:2');
    assert.ok(samples > 8, `watched the rollout (${samples} samples)`);
    assert.deepEqual(violations, []);

    const history = await kubectl(cp, 'rollout', 'history', 'daemonset/roll');
    assert.match(history, /daemonset\.apps\/roll\s*\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const rev1 = await kubectl(cp, 'rollout', 'history', 'daemonset/roll', '--revision=1');
    assert.match(rev1, /Image:\s+agent:1/);

    assert.match(await kubectl(cp, 'rollout', 'undo', 'daemonset/roll'), /daemonset\.apps\/roll rolled back/);
    await waitOnNodes('roll', all, 'agent:1');
    const undone = await waitRolledOut('roll', 4);
    assert.equal(undone.spec?.template.spec?.containers[0].image, 'agent:1');
    // The old revision became the newest: 2 and 3 remain.
    await until(async () => /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/.test(await kubectl(cp, 'rollout', 'history', 'daemonset/roll')),
      () => 'history 2, 3 after the undo');
    assert.match(await kubectl(cp, 'rollout', 'undo', 'daemonset/roll', '--to-revision=3'), /skipped rollback \(current template already matches revision 3\)/);
  });

  it('rolls with maxSurge 1: a new pod beside the old one, the old one deleted once the new one is ready', async () => {
    const all = [...NODES, 'late-node-0'];
    await createDaemonSet('surge', { maxUnavailable: 0, maxSurge: 1 });
    await waitOnNodes('surge', all);
    await waitRolledOut('surge', 4);
    let maxLive = 0;
    const inf = informerFor<Pod>(rest, 'pods', { namespace: NS, labelSelector: 'app=surge' });
    const check = (): void => {
      if (inf.hasSynced()) maxLive = Math.max(maxLive, live(inf.list()).length);
    };
    inf.addEventHandler({ add: check, update: check, delete: check });
    void inf.run(stop.signal);
    await inf.waitForSync();
    await setImage('surge', 'agent:2');
    await waitOnNodes('surge', all, 'agent:2');
    await waitRolledOut('surge', 4);
    assert.ok(maxLive >= 5 && maxLive <= 5, `at most one surge pod at a time, and one was made (max ${maxLive} pods)`);
  });

  it('OnDelete: a new template replaces only the pods deleted by hand', async () => {
    const all = [...NODES, 'late-node-0'];
    await createDaemonSet('manual', { onDelete: true, image: 'agent:1' });
    const before = await waitOnNodes('manual', all);
    const ds = await setImage('manual', 'agent:2');
    let cur: DaemonSet | undefined;
    await until(async () => {
      cur = await daemonSets().get(NS, 'manual');
      return (cur.status?.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
    }, () => `generation ${ds.metadata.generation} observed (last: ${JSON.stringify(cur?.status)})`);
    assert.equal(cur?.status?.updatedNumberScheduled, 0);
    assert.deepEqual((await podsOf('manual')).map((p) => p.metadata.name).sort(), before.map((p) => p.metadata.name).sort());
    const victim = before.find((p) => p.spec?.nodeName === 'hollow-node-1') as Pod;
    await podsClient().delete(NS, victim.metadata.name ?? '');
    await until(async () => {
      const pods = await podsOf('manual');
      return pods.length === 4 && pods.filter((p) => p.spec?.containers[0].image === 'agent:2').map((p) => p.spec?.nodeName).join() === 'hollow-node-1'
        && pods.every(isPodReady);
    }, () => 'the deleted pod replaced with agent:2 and no other');
    await until(async () => (await daemonSets().get(NS, 'manual')).status?.updatedNumberScheduled === 1, () => 'updatedNumberScheduled 1');
    const err = await kubectl(cp, 'rollout', 'status', 'daemonset/manual').catch((e: Error) => e.message);
    assert.match(err, /rollout status is only available for RollingUpdate strategy type/);
  });

  it('tskubectl: rollout status, history (as the real kubectl prints it), undo, restart; describe daemonset', async () => {
    const all = [...NODES, 'late-node-0'];
    await createDaemonSet('ours', { image: 'agent:1' });
    assert.match(await tskubectl(cp, 'rollout', 'status', 'ds/ours', '--timeout=60s'), /daemon set "ours" successfully rolled out/);
    await setImage('ours', 'agent:2');
    assert.match(await tskubectl(cp, 'rollout', 'status', 'daemonset/ours', '--timeout=60s'), /daemon set "ours" successfully rolled out\n$/);
    await waitOnNodes('ours', all, 'agent:2');
    const history = await tskubectl(cp, 'rollout', 'history', 'daemonset/ours');
    assert.equal(history, await kubectl(cp, 'rollout', 'history', 'daemonset/ours'));
    assert.match(history, /^daemonset\.apps\/ours \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n/);
    const rev1 = await tskubectl(cp, 'rollout', 'history', 'daemonset/ours', '--revision=1');
    assert.equal(rev1, await kubectl(cp, 'rollout', 'history', 'daemonset/ours', '--revision=1'));
    assert.match(rev1, /Image:\s+agent:1/);
    assert.match(await tskubectlFails(cp, 'rollout', 'history', 'daemonset/ours', '--revision=9'), /unable to find the specified revision/);
    assert.match(await tskubectl(cp, 'rollout', 'undo', 'daemonset/ours'), /^daemonset\.apps\/ours rolled back\n$/);
    await waitOnNodes('ours', all, 'agent:1');
    await waitRolledOut('ours', 4);
    assert.match(await tskubectl(cp, 'rollout', 'undo', 'daemonset/ours', '--to-revision=3'), /skipped rollback \(current template already matches revision 3\)/);
    assert.match(await tskubectlFails(cp, 'rollout', 'undo', 'daemonset/ours', '--to-revision=7'), /unable to find specified revision 7 in history/);
    assert.match(await tskubectl(cp, 'rollout', 'restart', 'daemonset/ours'), /daemonset\.apps\/ours restarted/);
    const restarted = await daemonSets().get(NS, 'ours');
    assert.ok(restarted.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    await waitRolledOut('ours', 4);
    assert.match(await tskubectlFails(cp, 'rollout', 'pause', 'daemonset/ours'), /daemonsets\.apps "ours" pausing is not supported/);

    const described = await tskubectl(cp, 'describe', 'daemonset', 'ours');
    for (const re of [/^Name:\s+ours$/m, /^Selector:\s+app=ours$/m, /^Node-Selector:\s+<none>$/m, /^Desired Number of Nodes Scheduled: 4$/m,
      /^Current Number of Nodes Scheduled: 4$/m, /^Number of Nodes Scheduled with Up-to-date Pods: 4$/m, /^Number of Nodes Scheduled with Available Pods: 4$/m,
      /^Number of Nodes Misscheduled: 0$/m, /^Pods Status:\s+4 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m, /^Pod Template:$/m, /SuccessfulCreate\s+.*Created pod: ours-/]) {
      assert.match(described, re);
    }
    // The real kubectl describes it with the same lines.
    const real = await kubectl(cp, 'describe', 'daemonset', 'ours');
    const head = (t: string): string => t.split('\nPod Template:')[0];
    assert.equal(head(described), head(real));
  });

  it('replaces a failed daemon pod, with a FailedDaemonPod event', async () => {
    await createDaemonSet('crashy', { annotations: { 'test/phase': 'Failed' } });
    const seen = new Set<string>();
    let got: string[] = [];
    await until(async () => {
      for (const p of (await podsClient().list(NS, { labelSelector: 'app=crashy' })).items) seen.add(p.metadata.name ?? '');
      got = await events('crashy');
      return got.some((e) => /^FailedDaemonPod Found failed daemon pod default\/crashy-[a-z0-9]+ on node \S+, will try to kill it$/.test(e))
        && got.some((e) => e.startsWith('SuccessfulDelete Deleted pod: crashy-')) && seen.size > 4;
    }, () => `failed pods deleted and replaced (pods seen ${[...seen].join(',')}; events ${got.join('; ')})`);
    await daemonSets().delete(NS, 'crashy');
  });
});
