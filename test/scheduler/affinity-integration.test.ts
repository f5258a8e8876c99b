// Inter-pod affinity end to end: real etcd and apiserver, the scheduler and a
// kube-controller-manager (ReplicaSet and Deployment controllers) as processes, a hollow
// kubelet of 4 nodes. A Deployment of 5 replicas with required anti-affinity on the
// hostname leaves exactly one Pending with kube-scheduler's message; a freed node takes
// it. A pod whose required affinity matches no pod waits until a matching pod is bound
// (the AssignedPodAdd event moves it) and then follows it; namespaceSelector reads the
// namespaces' labels; the apiserver merges matchLabelKeys/mismatchLabelKeys at create and
// validates them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment } from '../../api/types/apps.js';
import type { Affinity, Event, Namespace, Pod } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startHollowCluster, type HollowCluster } from '../harness/hollow-cluster.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const NS = 'default';
const TIMEOUT = 30_000;
const NODES = ['ipa-0', 'ipa-1', 'ipa-2', 'ipa-3'];
const HOSTNAME = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

let cluster: HollowCluster;
let rest: RestClient;
let scheduler: ChildHandle;

const pods = () => resourceClient<Pod>(rest, 'pods');
const deployments = () => resourceClient<Deployment>(rest, 'deployments');

const scheduledCondition = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');
const isUnschedulable = (p: Pod): boolean => !p.spec?.nodeName && scheduledCondition(p)?.reason === 'Unschedulable';

async function until(check: () => Promise<boolean>, what: () => string): Promise<void> {
  try {
    await waitFor(check, { timeoutMs: TIMEOUT, what: 'the condition' });
  } catch (err) {
    throw new Error(`timed out after ${TIMEOUT}ms waiting for ${what()} (scheduler log: ${scheduler.logFile})`, { cause: err });
  }
}

function podSpec(o: { name: string; labels?: Record<string, string>; affinity?: Affinity; nodeName?: string; namespace?: string }): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: o.name, namespace: o.namespace ?? NS, labels: o.labels },
    spec: { containers: [{ name: 'c', image: 'busybox:1' }], affinity: o.affinity, nodeName: o.nodeName, terminationGracePeriodSeconds: 0 },
  };
}

async function waitBound(name: string, namespace = NS): Promise<string> {
  let node = '';
  await until(async () => {
    node = (await pods().get(namespace, name)).spec?.nodeName ?? '';
    return node !== '';
  }, () => `${namespace}/${name} to be bound`);
  return node;
}

async function waitUnschedulable(name: string): Promise<string> {
  let pod: Pod | undefined;
  await until(async () => {
    pod = await pods().get(NS, name);
    return isUnschedulable(pod);
  }, () => `${name} to be Unschedulable (last: ${JSON.stringify(pod?.status)})`);
  return scheduledCondition(pod!)?.message ?? '';
}

const required = (kind: 'podAffinity' | 'podAntiAffinity', matchLabels: Record<string, string>, topologyKey: string, extra: object = {}): Affinity =>
  ({ [kind]: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels }, topologyKey, ...extra }] } });

before(async () => {
  cluster = await startHollowCluster({
    kubelet: { nodes: NODES, labels: (_, i) => ({ [ZONE]: i < 2 ? 'zone-a' : 'zone-b' }) },
    controllers: ['replicaset-controller', 'deployment-controller'],
  });
  ({ rest, scheduler } = cluster);
});

after(async () => {
  await cluster?.stop();
});

describe('inter-pod affinity (real apiserver, scheduler, controller-manager, hollow nodes)', { timeout: 180_000 }, () => {
  it('a Deployment of 5 with required anti-affinity on the hostname across 4 nodes leaves one Pending; a freed node takes it', async () => {
    await deployments().create(NS, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'spread', namespace: NS },
      spec: {
        replicas: 5,
        selector: { matchLabels: { app: 'spread' } },
        template: {
          metadata: { labels: { app: 'spread' } },
          spec: { containers: [{ name: 'c', image: 'busybox:1' }], terminationGracePeriodSeconds: 0, affinity: required('podAntiAffinity', { app: 'spread' }, HOSTNAME) },
        },
      },
    });
    let state: Pod[] = [];
    const live = (): Pod[] => state.filter((p) => !p.metadata.deletionTimestamp);
    const bound = (): Pod[] => live().filter((p) => p.spec?.nodeName);
    const pending = (): Pod[] => live().filter(isUnschedulable);
    await until(async () => {
      state = (await pods().list(NS, { labelSelector: 'app=spread' })).items;
      return live().length === 5 && bound().length === 4 && pending().length === 1;
    }, () => `4 of 5 spread pods bound, one Unschedulable (last: ${JSON.stringify(live().map((p) => [p.metadata.name, p.spec?.nodeName, scheduledCondition(p)?.message]))})`);
    assert.deepEqual(bound().map((p) => p.spec?.nodeName).sort(), NODES, 'one replica per node');
    const want = "0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.";
    const waiting = pending()[0];
    assert.equal(scheduledCondition(waiting)?.message, want);
    await until(async () => {
      const events = await resourceClient<Event>(rest, 'events').list(NS, { fieldSelector: `involvedObject.name=${waiting.metadata.name},reason=FailedScheduling` });
      return events.items.some((e) => e.message === want);
    }, () => `a FailedScheduling event "${want}"`);

    // A replica deleted frees its node: one pod (the waiting one or the ReplicaSet's
    // replacement) takes it on that event, and again exactly one waits.
    const victim = bound()[0];
    await pods().delete(NS, victim.metadata.name!, { gracePeriodSeconds: 0 });
    await until(async () => {
      state = (await pods().list(NS, { labelSelector: 'app=spread' })).items;
      const nodes = bound().map((p) => p.spec?.nodeName).sort();
      return live().length === 5 && bound().length === 4 && pending().length === 1 && JSON.stringify(nodes) === JSON.stringify(NODES)
        && !live().some((p) => p.metadata.name === victim.metadata.name);
    }, () => `the freed node ${victim.spec?.nodeName} taken again (last: ${JSON.stringify(live().map((p) => [p.metadata.name, p.spec?.nodeName]))})`);
    // Scaled to 0 (no garbage collector runs here to delete the ReplicaSet's pods).
    await deployments().patch(NS, 'spread', 'merge', { spec: { replicas: 0 } });
    await until(async () => (await pods().list(NS, { labelSelector: 'app=spread' })).items.length === 0, () => 'the spread pods gone');
    await deployments().delete(NS, 'spread');
  });

  it('a pod whose required affinity matches no pod waits, then follows the first matching pod bound into its zone', async () => {
    await pods().create(NS, podSpec({ name: 'web', labels: { app: 'web' }, affinity: required('podAffinity', { app: 'db' }, ZONE) }));
    assert.equal(await waitUnschedulable('web'),
      "0/4 nodes are available: 4 node(s) didn't match pod affinity rules. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.");
    // A db pod bound to ipa-3 (zone-b): the waiting pod is moved by that event and goes to zone-b.
    await pods().create(NS, podSpec({ name: 'db', labels: { app: 'db' }, nodeName: 'ipa-3' }));
    assert.ok(['ipa-2', 'ipa-3'].includes(await waitBound('web')));
    // The first pod of a series with affinity to itself may go anywhere.
    await pods().create(NS, podSpec({ name: 'first', labels: { app: 'series' }, affinity: required('podAffinity', { app: 'series' }, ZONE) }));
    const first = await waitBound('first');
    await pods().create(NS, podSpec({ name: 'second', labels: { app: 'series' }, affinity: required('podAffinity', { app: 'series' }, ZONE) }));
    const zoneOf = (n: string): string => (NODES.indexOf(n) < 2 ? 'zone-a' : 'zone-b');
    assert.equal(zoneOf(await waitBound('second')), zoneOf(first));
    for (const name of ['web', 'db', 'first', 'second']) await pods().delete(NS, name, { gracePeriodSeconds: 0 });
  });

  it('namespaceSelector in anti-affinity selects pods by their namespace labels', async () => {
    const namespaces = resourceClient<Namespace>(rest, 'namespaces');
    await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ipa-team1', labels: { team: 'one' } } });
    // One "batch" pod per node in the labelled namespace, except ipa-2.
    for (const n of ['ipa-0', 'ipa-1', 'ipa-3']) await pods().create('ipa-team1', podSpec({ name: `batch-${n}`, namespace: 'ipa-team1', labels: { role: 'batch' }, nodeName: n }));
    const away = required('podAntiAffinity', { role: 'batch' }, HOSTNAME, { namespaceSelector: { matchLabels: { team: 'one' } } });
    for (let i = 0; i < 3; i++) {
      await pods().create(NS, podSpec({ name: `quiet-${i}`, affinity: away }));
      assert.equal(await waitBound(`quiet-${i}`), 'ipa-2', `quiet-${i}`);
    }
    for (let i = 0; i < 3; i++) await pods().delete(NS, `quiet-${i}`, { gracePeriodSeconds: 0 });
    await namespaces.delete('', 'ipa-team1');
  });

  it('the apiserver merges matchLabelKeys and mismatchLabelKeys into labelSelector at create', async () => {
    const created = await pods().create(NS, podSpec({
      name: 'mlk', labels: { app: 'mlk', track: 'canary', tier: 'web' },
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{
            labelSelector: { matchLabels: { app: 'mlk' } }, topologyKey: HOSTNAME, matchLabelKeys: ['track', 'absent'], mismatchLabelKeys: ['tier'],
          }],
        },
      },
    }));
    const term = created.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0];
    assert.deepEqual(term?.labelSelector, {
      matchLabels: { app: 'mlk' },
      matchExpressions: [{ key: 'track', operator: 'In', values: ['canary'] }, { key: 'tier', operator: 'NotIn', values: ['web'] }],
    });
    assert.deepEqual(term?.matchLabelKeys, ['track', 'absent']);
    // A key in both lists is refused as Kubernetes words it: merged first (k In, then k NotIn),
    // so the second requirement on k also counts as "in both matchLabelKeys and labelSelector".
    await assert.rejects(pods().create(NS, podSpec({
      name: 'mlk-bad', labels: { k: 'v' },
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {}, topologyKey: HOSTNAME, matchLabelKeys: ['k'], mismatchLabelKeys: ['k'] }] } },
    })), (err: Error & { status?: { code?: number; message?: string } }) => {
      assert.equal(err.status?.code, 422);
      const term = 'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]';
      assert.equal(err.status?.message, `Pod "mlk-bad" is invalid: [${term}[0]: Invalid value: "k": exists in both matchLabelKeys and labelSelector, `
        + `${term}.matchLabelKeys[0]: Invalid value: "k": exists in both matchLabelKeys and mismatchLabelKeys]`);
      return true;
    });
    await waitBound('mlk');
    await pods().delete(NS, 'mlk', { gracePeriodSeconds: 0 });
  });
});
