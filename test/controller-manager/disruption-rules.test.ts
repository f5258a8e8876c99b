// The disruption controller's rules without I/O: expected pods and desired healthy
// counts (the cases of disruption_test.go: integer and percentage minAvailable,
// maxUnavailable, unmanaged pods, shared controllers), disrupted-pod bookkeeping, the
// DisruptionAllowed condition; then the controller itself over filled caches, with a
// recording client, and the eviction subresource's choice of budgets.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { budgetsFor, updateDisruptionAllowedCondition } from '../../api/helpers/poddisruptionbudget.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { Deployment, ReplicaSet, StatefulSet } from '../../api/types/apps.js';
import type { Pod, ReplicationController } from '../../api/types/core.js';
import type { OwnerReference } from '../../api/types/meta.js';
import type { PodDisruptionBudget } from '../../api/types/policy.js';
import { canIgnorePDB } from '../../apiserver/registry/eviction.js';
import {
  buildDisruptedPodMap, conditionsAreUpToDate, countHealthyPods, DELETION_TIMEOUT_MS, disruptionsAllowed, expectedPodCount,
  scaledValue, type ScaleFinder,
} from '../../controller-manager/disruption/compute.js';
import { DisruptionController, type DisruptionClient } from '../../controller-manager/disruption/controller.js';
import { filledInformer } from '../harness/filled-informer.js';
import { FakeClock } from '../../client/clock.js';

const NOW = Date.parse('2026-12-07T10:00:00Z');

const rsRef = (name: string, uid = `uid-${name}`): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid, controller: true });

function pod(name: string, o: { ready?: boolean; owner?: OwnerReference; deleting?: boolean; labels?: Record<string, string>; phase?: string } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `pod-${name}`, labels: o.labels ?? { app: 'web' },
      ...(o.owner ? { ownerReferences: [o.owner] } : {}), ...(o.deleting ? { deletionTimestamp: rfc3339(NOW) } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'x' }] },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

const pdb = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status'], generation = 1): PodDisruptionBudget => ({
  apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default', uid: 'pdb-uid', generation, resourceVersion: '5' },
  spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, ...(status ? { status } : {}),
});

/** A finder knowing the given controllers' scale by uid. */
const finder = (scales: Record<string, number>): ScaleFinder => async (p) => {
  const ref = p.metadata.ownerReferences?.find((r) => r.controller);
  return ref && scales[ref.uid] !== undefined ? { uid: ref.uid, scale: scales[ref.uid] } : undefined;
};

describe('disruption arithmetic', () => {
  it('scales percentages rounding up', () => {
    assert.equal(scaledValue('50%', 5), 3);
    assert.equal(scaledValue('34%', 3), 2);
    assert.equal(scaledValue('0%', 10), 0);
    assert.equal(scaledValue(2, 10), 2);
    assert.throws(() => scaledValue('5', 10), /invalid value for IntOrString: invalid type: string is not a percentage/);
  });

  it('an integer minAvailable counts the selected pods; no controllers needed', async () => {
    const pods = [pod('a'), pod('b'), pod('c')];
    assert.deepEqual(await expectedPodCount(pdb({ minAvailable: 2 }), pods, finder({})), { expectedCount: 3, desiredHealthy: 2, unmanagedPods: [] });
  });

  it('a percentage minAvailable or maxUnavailable is relative to the controllers\' scale, each controller counted once', async () => {
    const owner = rsRef('rs');
    const pods = [pod('a', { owner }), pod('b', { owner }), pod('c', { owner: rsRef('other') })];
    const scales = finder({ 'uid-rs': 4, 'uid-other': 2 });
    assert.deepEqual(await expectedPodCount(pdb({ minAvailable: '50%' }), pods, scales), { expectedCount: 6, desiredHealthy: 3, unmanagedPods: [] });
    assert.deepEqual(await expectedPodCount(pdb({ maxUnavailable: 1 }), pods, scales), { expectedCount: 6, desiredHealthy: 5, unmanagedPods: [] });
    assert.deepEqual(await expectedPodCount(pdb({ maxUnavailable: '100%' }), pods, scales), { expectedCount: 6, desiredHealthy: 0, unmanagedPods: [] });
  });

  it('reports unmanaged pods, and fails for a controller no finder knows', async () => {
    const pods = [pod('a', { owner: rsRef('rs') }), pod('lone')];
    assert.deepEqual(await expectedPodCount(pdb({ maxUnavailable: 1 }), pods, finder({ 'uid-rs': 3 })), { expectedCount: 3, desiredHealthy: 2, unmanagedPods: ['lone'] });
    await assert.rejects(expectedPodCount(pdb({ maxUnavailable: 1 }), pods, finder({})), /found no controllers for pod "a"/);
  });

  it('counts Ready pods not being deleted nor recently evicted', () => {
    const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true }), pod('d')];
    assert.equal(countHealthyPods(pods, {}, NOW), 2);
    assert.equal(countHealthyPods(pods, { d: rfc3339(NOW - 1000) }, NOW), 1);
    assert.equal(countHealthyPods(pods, { d: rfc3339(NOW - DELETION_TIMEOUT_MS - 1000) }, NOW), 2, 'an old eviction no longer counts');
  });

  it('keeps disrupted pods until deleted or timed out, and says when to look again', () => {
    const budget = pdb({ minAvailable: 1 }, {
      disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 1, expectedPods: 3,
      disruptedPods: { a: rfc3339(NOW - 30_000), b: rfc3339(NOW - DELETION_TIMEOUT_MS - 1), c: rfc3339(NOW), gone: rfc3339(NOW) },
    });
    const m = buildDisruptedPodMap([pod('a'), pod('b'), pod('c', { deleting: true })], budget, NOW);
    assert.deepEqual(m.disruptedPods, { a: rfc3339(NOW - 30_000) });
    assert.deepEqual(m.expired.map((p) => p.metadata.name), ['b']);
    assert.equal(m.recheckAt, NOW - 30_000 + DELETION_TIMEOUT_MS);
  });

  it('allows no disruption when too few are healthy or no pod is expected', () => {
    assert.equal(disruptionsAllowed(3, 2, 3), 1);
    assert.equal(disruptionsAllowed(1, 2, 3), 0);
    assert.equal(disruptionsAllowed(3, 0, 0), 0);
  });

  it('sets DisruptionAllowed as the disruptionsAllowed count says; the transition time moves with the status only', () => {
    const b = pdb({ minAvailable: 1 }, { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, observedGeneration: 1 });
    updateDisruptionAllowedCondition(b, NOW);
    assert.deepEqual(b.status?.conditions, [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: rfc3339(NOW) }]);
    assert.equal(conditionsAreUpToDate(b), true);
    updateDisruptionAllowedCondition(b, NOW + 5000);
    assert.equal(b.status?.conditions?.[0].lastTransitionTime, rfc3339(NOW));
    b.status!.disruptionsAllowed = 0;
    assert.equal(conditionsAreUpToDate(b), false);
    updateDisruptionAllowedCondition(b, NOW + 9000);
    assert.deepEqual(b.status?.conditions, [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: rfc3339(NOW + 9000) }]);
  });
});

describe('eviction: which pods skip budgets, which budgets apply', () => {
  it('ignores budgets for pending, terminal and deleting pods', () => {
    assert.equal(canIgnorePDB(pod('a', { phase: 'Pending' })), true);
    assert.equal(canIgnorePDB(pod('a', { phase: 'Succeeded' })), true);
    assert.equal(canIgnorePDB(pod('a', { deleting: true })), true);
    assert.equal(canIgnorePDB(pod('a')), false);
  });

  it('matches budgets of the pod\'s namespace whose selector is set, valid and matches', () => {
    const mk = (name: string, selector: unknown, namespace = 'default'): PodDisruptionBudget =>
      ({ ...pdb({}), metadata: { name, namespace }, spec: { selector: selector as never } });
    const budgets = [
      mk('match', { matchLabels: { app: 'web' } }), mk('other-ns', { matchLabels: { app: 'web' } }, 'kube-system'),
      mk('nil', undefined), mk('empty', {}), mk('invalid', { matchExpressions: [{ key: 'app', operator: 'Near' }] }),
      mk('miss', { matchLabels: { app: 'db' } }),
    ];
    assert.deepEqual(budgetsFor(pod('a'), budgets).map((b) => b.metadata.name), ['match']);
  });
});

describe('DisruptionController over filled caches', () => {
  const stop = new AbortController();
  after(() => stop.abort());

  async function controller(o: { pdbs: PodDisruptionBudget[]; pods: Pod[]; rs?: ReplicaSet[]; deployments?: Deployment[] }) {
    const written: PodDisruptionBudget[] = [];
    const events: string[] = [];
    const client: DisruptionClient = {
      updateStatus: async (p) => { written.push(p); return p; },
      getScale: async () => undefined,
      resetDisruptionTarget: async () => undefined,
    };
    const c = new DisruptionController({
      pdbs: await filledInformer(o.pdbs, stop.signal),
      pods: await filledInformer(o.pods, stop.signal),
      replicaSets: await filledInformer(o.rs ?? [], stop.signal),
      deployments: await filledInformer(o.deployments ?? [], stop.signal),
      replicationControllers: await filledInformer<ReplicationController>([], stop.signal),
      statefulSets: await filledInformer<StatefulSet>([], stop.signal),
      client,
      recorder: { event: (obj, type, reason, message) => { events.push(`${obj.metadata.name} ${type} ${reason} ${message}`); } },
      clock: new FakeClock(NOW),
      log: pino({ level: 'silent' }),
    });
    return { c, written, events };
  }

  const deploymentOwned = (): { rs: ReplicaSet; d: Deployment; owner: OwnerReference } => {
    const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'd-uid' }, spec: { replicas: 4, selector: {}, template: {} } as never };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: 'web-1', namespace: 'default', uid: 'rs-uid', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }] },
      spec: { replicas: 4, selector: {} } as never,
    };
    return { rs, d, owner: rsRef('web-1', 'rs-uid') };
  };

  it('writes the status through the Deployment that owns the pods\' ReplicaSet', async () => {
    const { rs, d, owner } = deploymentOwned();
    const { c, written } = await controller({ pdbs: [pdb({ maxUnavailable: '25%' })], pods: [pod('a', { owner }), pod('b', { owner }), pod('c', { owner, ready: false })], rs: [rs], deployments: [d] });
    await c.sync('default/web');
    assert.equal(written.length, 1);
    assert.deepEqual(written[0].status, {
      disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 3, expectedPods: 4, observedGeneration: 1,
      conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: rfc3339(NOW) }],
    });
  });

  it('skips the write when the status is already right', async () => {
    const { rs, d, owner } = deploymentOwned();
    const status = {
      disruptionsAllowed: 1, currentHealthy: 4, desiredHealthy: 3, expectedPods: 4, observedGeneration: 1,
      conditions: [{ type: 'DisruptionAllowed', status: 'True' as const, reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: rfc3339(NOW - 1000) }],
    };
    const pods = ['a', 'b', 'c', 'd'].map((n) => pod(n, { owner }));
    const { c, written } = await controller({ pdbs: [pdb({ maxUnavailable: 1 }, status)], pods, rs: [rs], deployments: [d] });
    await c.sync('default/web');
    assert.deepEqual(written, []);
  });

  it('fails safe with SyncFailed when the pods\' controller cannot be found', async () => {
    const { c, written, events } = await controller({ pdbs: [pdb({ maxUnavailable: 1 })], pods: [pod('a', { owner: rsRef('missing') })] });
    await c.sync('default/web');
    assert.equal(written.length, 1);
    assert.equal(written[0].status?.disruptionsAllowed, 0);
    assert.deepEqual(written[0].status?.conditions?.map((x) => [x.status, x.reason, x.message]), [['False', 'SyncFailed', 'found no controllers for pod "a"']]);
    assert.ok(events.includes('web Warning CalculateExpectedPodCountFailed Failed to calculate the number of expected pods: found no controllers for pod "a"'), events.join('\n'));
  });
});
