// autoscaling/v2 HorizontalPodAutoscaler defaults and validation with Kubernetes'
// messages (SetDefaults_HorizontalPodAutoscaler, pkg/apis/autoscaling/validation).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDefaults } from '../../api/defaults.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec } from '../../api/types/autoscaling.js';
import { validateCreate, validateUpdate } from '../../api/validation/index.js';

const hpa = (spec: Partial<HorizontalPodAutoscalerSpec> | Record<string, unknown>): HorizontalPodAutoscaler => {
  const obj: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec } as HorizontalPodAutoscalerSpec,
  };
  applyDefaults(obj);
  return obj;
};
const causes = (obj: HorizontalPodAutoscaler): [string, string][] => validateCreate(obj).map((c) => [c.field ?? '', c.message ?? '']);

describe('HorizontalPodAutoscaler defaults', () => {
  it('minReplicas 1, cpu 80% when no metric; no behavior unless one is given', () => {
    const h = hpa({});
    assert.equal(h.spec?.minReplicas, 1);
    assert.deepEqual(h.spec?.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    assert.equal(h.spec?.behavior, undefined);
  });

  it('completes a given behavior rule by rule; scale-down stabilization stays for the controller', () => {
    const h = hpa({ behavior: { scaleUp: { stabilizationWindowSeconds: 30 } } });
    assert.deepEqual(h.spec?.behavior, {
      scaleUp: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });
});

describe('HorizontalPodAutoscaler validation', () => {
  it('accepts what kubectl autoscale creates', () => {
    assert.deepEqual(causes(hpa({ minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] })), []);
  });

  it('replica bounds and the target reference', () => {
    assert.deepEqual(causes(hpa({ minReplicas: 0, maxReplicas: 0, scaleTargetRef: { kind: '', name: 'a/b' } })), [
      ['spec.minReplicas', 'Invalid value: 0: must be greater than or equal to 1'],
      ['spec.maxReplicas', 'Invalid value: 0: must be greater than 0'],
      ['spec.scaleTargetRef.kind', 'Required value'],
      ['spec.scaleTargetRef.name', 'Invalid value: "a/b": may not contain \'/\''],
    ]);
    assert.deepEqual(causes(hpa({ minReplicas: 3, maxReplicas: 2 })), [['spec.maxReplicas', 'Invalid value: 2: must be greater than or equal to `minReplicas`']]);
  });

  it('metric sources: a known type, its source, only that source, a sane target', () => {
    assert.deepEqual(causes(hpa({ metrics: [{ type: 'Bogus' }] })), [
      ['spec.metrics[0].type', 'Unsupported value: "Bogus": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"'],
    ]);
    assert.deepEqual(causes(hpa({ metrics: [{ type: 'Resource' }] })), [['spec.metrics[0].resource', 'Required value: must populate information for the given metric source']]);
    // With two sources only the first present (object, external, pods, resource...) is checked, as in Kubernetes.
    assert.deepEqual(causes(hpa({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } }, pods: { metric: { name: 'x' }, target: { type: 'AverageValue', averageValue: '1' } } }] })), [
      ['spec.metrics[0].pods', 'Forbidden: must populate the given metric source only'],
    ]);
    assert.deepEqual(causes(hpa({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0, averageValue: '1' } } }] })), [
      ['spec.metrics[0].resource.target.averageUtilization', 'Invalid value: 0: must be greater than 0'],
      ['spec.metrics[0].resource.target.averageValue', 'Forbidden: may not set both a target raw value and a target utilization'],
    ]);
    assert.deepEqual(causes(hpa({ metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '-1' } } }] })), [
      ['spec.metrics[0].resource.target.averageValue', 'Invalid value: -1: must be positive'],
    ]);
  });

  it('behavior: windows, select policies and policies', () => {
    assert.deepEqual(causes(hpa({ behavior: { scaleUp: { stabilizationWindowSeconds: 4000, selectPolicy: 'Most', policies: [{ type: 'Pods', value: 0, periodSeconds: 2000 }] }, scaleDown: { policies: [] } } })), [
      ['spec.behavior.scaleUp.stabilizationWindowSeconds', 'Invalid value: 4000: must be less than or equal to 3600'],
      ['spec.behavior.scaleUp.selectPolicy', 'Unsupported value: "Most": supported values: "Disabled", "Max", "Min"'],
      ['spec.behavior.scaleUp.policies[0].value', 'Invalid value: 0: must be greater than zero'],
      ['spec.behavior.scaleUp.policies[0].periodSeconds', 'Invalid value: 2000: must be less than or equal to 1800'],
    ]);
  });

  it('status updates: counts not negative (with Kubernetes\' own field path)', () => {
    const old = hpa({});
    const next = { ...structuredClone(old), status: { currentReplicas: -1, desiredReplicas: -2 } };
    assert.deepEqual(validateUpdate(next, old, { subresource: 'status' }).map((c) => [c.field, c.message]), [
      ['status.currentReplicas', 'Invalid value: -1: must be greater than or equal to 0'],
      ['status.desiredReplicasa', 'Invalid value: -2: must be greater than or equal to 0'],
    ]);
  });
});
