// autoscaling/v1 <-> v2 HorizontalPodAutoscalers as Kubernetes converts them: the cpu
// utilization target and current value as v1 fields, every other metric, the current
// metrics, the conditions and the behavior in the autoscaling.alpha.kubernetes.io/*
// annotations, and the implicit 80% cpu target of a v1 HPA without one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hpaFromV1, hpaToV1 } from '../../api/conversion/autoscaling.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerV1 } from '../../api/types/autoscaling.js';

const V2: HorizontalPodAutoscaler = {
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default', annotations: { team: 'a' } },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5,
    metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '64Mi' } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } },
  },
  status: {
    currentReplicas: 2, desiredReplicas: 3, lastScaleTime: '2026-01-01T00:00:00Z',
    currentMetrics: [
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '32Mi' } } },
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75, averageValue: '75m' } } },
    ],
    conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SucceededRescale', message: 'm' }],
  },
};

describe('autoscaling/v1 conversion', () => {
  it('shows a v2 HPA as v1: the cpu target as a field, the rest in annotations, in Go\'s field order', () => {
    const v1 = hpaToV1(V2);
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.deepEqual(v1.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    assert.deepEqual(v1.status, { lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 75 });
    assert.deepEqual(v1.metadata.annotations, {
      team: 'a',
      'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"64Mi"}}]',
      'autoscaling.alpha.kubernetes.io/current-metrics': '[{"type":"Resource","resource":{"name":"memory","currentAverageValue":"32Mi"}},{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":75,"currentAverageValue":"75m"}}]',
      'autoscaling.alpha.kubernetes.io/behavior': '{"scaleDown":{"stabilizationWindowSeconds":60,"selectPolicy":"Max","policies":[{"type":"Pods","value":1,"periodSeconds":30}]}}',
      'autoscaling.alpha.kubernetes.io/conditions': '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"SucceededRescale","message":"m"}]',
    });
  });

  it('round-trips v2 -> v1 -> v2 (the cpu metric comes back after the others)', () => {
    const back = hpaFromV1(hpaToV1(V2));
    assert.deepEqual(back.metadata.annotations, { team: 'a' });
    assert.deepEqual(back.spec, V2.spec);
    assert.deepEqual(back.status, V2.status);
  });

  it('gives a v1 HPA without a target the implicit 80% cpu target, and its current cpu as a metric', () => {
    const v1: HorizontalPodAutoscalerV1 = {
      apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3 },
      status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 12 },
    };
    const v2 = hpaFromV1(v1);
    assert.deepEqual(v2.spec?.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    assert.deepEqual(v2.status?.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } }]);
    // Round-trip annotations a client sends are Kubernetes': a broken one is ignored.
    const odd = hpaFromV1({ ...v1, metadata: { name: 'x', annotations: { 'autoscaling.alpha.kubernetes.io/metrics': '{not json' } } });
    assert.equal(odd.metadata.annotations, undefined);
    assert.equal(odd.spec?.metrics?.length, 1);
  });
});
