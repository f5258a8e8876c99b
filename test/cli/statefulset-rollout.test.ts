// What `rollout status` says about a StatefulSet at one moment: kubectl's
// StatefulSetStatusViewer, case by case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatefulSet, StatefulSetStatus } from '../../api/types/apps.js';
import { statefulSetRolloutStatus } from '../../kubectl/statefulset-rollout.js';

function sts(status: Partial<StatefulSetStatus>, o: { generation?: number; partition?: number | null; type?: string } = {}): StatefulSet {
  const rollingUpdate = o.partition === null ? undefined : { partition: o.partition ?? 0 };
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', generation: o.generation ?? 2 },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'web' } }, template: {},
      updateStrategy: { type: o.type ?? 'RollingUpdate', ...(rollingUpdate ? { rollingUpdate } : {}) },
    },
    status: { replicas: 3, observedGeneration: 2, ...status },
  };
}

describe('statefulSetRolloutStatus (kubectl\'s StatefulSetStatusViewer)', () => {
  it('refuses OnDelete', () => {
    assert.throws(() => statefulSetRolloutStatus(sts({}, { type: 'OnDelete' })), /^Error: rollout status is only available for RollingUpdate strategy type$/);
  });
  it('waits for the generation to be observed, then for ready pods', () => {
    assert.deepEqual(statefulSetRolloutStatus(sts({ observedGeneration: 1 })), { message: 'Waiting for statefulset spec update to be observed...\n', done: false });
    assert.deepEqual(statefulSetRolloutStatus(sts({ observedGeneration: 0 }, { generation: 0 })), { message: 'Waiting for statefulset spec update to be observed...\n', done: false });
    assert.deepEqual(statefulSetRolloutStatus(sts({ readyReplicas: 1 })), { message: 'Waiting for 2 pods to be ready...\n', done: false });
  });
  it('with a partition: waits for replicas - partition updated pods', () => {
    assert.deepEqual(statefulSetRolloutStatus(sts({ readyReplicas: 3, updatedReplicas: 1 }, { partition: 1 })),
      { message: 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...\n', done: false });
    assert.deepEqual(statefulSetRolloutStatus(sts({ readyReplicas: 3, updatedReplicas: 2 }, { partition: 1 })),
      { message: 'partitioned roll out complete: 2 new pods have been updated...\n', done: true });
  });
  it('without rollingUpdate: compares the current and update revisions', () => {
    assert.deepEqual(statefulSetRolloutStatus(sts({ readyReplicas: 3, updatedReplicas: 1, currentRevision: 'web-a', updateRevision: 'web-b' }, { partition: null })),
      { message: 'waiting for statefulset rolling update to complete 1 pods at revision web-b...\n', done: false });
    assert.deepEqual(statefulSetRolloutStatus(sts({ readyReplicas: 3, currentReplicas: 3, currentRevision: 'web-b', updateRevision: 'web-b' }, { partition: null })),
      { message: 'statefulset rolling update complete 3 pods at revision web-b...\n', done: true });
  });
});
