// Validation of policy/v1 PodDisruptionBudgets and scheduling.k8s.io/v1 PriorityClasses,
// with Kubernetes' messages (pkg/apis/policy/validation, pkg/apis/scheduling/validation
// and their tests' cases).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDefaults } from '../../api/defaults.js';
import type { KubeObject, StatusCause } from '../../api/types/meta.js';
import type { PodDisruptionBudget } from '../../api/types/policy.js';
import type { PriorityClass } from '../../api/types/scheduling.js';
import { validateCreate, validateUpdate } from '../../api/validation/index.js';

const lines = (causes: StatusCause[]): string[] => causes.map((c) => `${c.field}: ${c.message}`);

const pdb = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget => ({
  apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec, ...(status ? { status } : {}),
});

const pc = (name: string, value: number, extra: Partial<PriorityClass> = {}): PriorityClass => {
  const obj: PriorityClass = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra };
  applyDefaults(obj as KubeObject);
  return obj;
};

describe('PodDisruptionBudget validation', () => {
  const sel = { matchLabels: { app: 'web' } };

  it('accepts integers and percentages up to 100% for minAvailable or maxUnavailable', () => {
    for (const spec of [{ minAvailable: 0 }, { minAvailable: 3 }, { minAvailable: '100%' }, { maxUnavailable: '0%' }, { maxUnavailable: 2 }, {}]) {
      assert.deepEqual(validateCreate(pdb({ selector: sel, ...spec })), [], JSON.stringify(spec));
    }
  });

  it('refuses negative numbers, bad percentages and percentages above 100%', () => {
    assert.deepEqual(lines(validateCreate(pdb({ selector: sel, minAvailable: -1 }))), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
    assert.deepEqual(lines(validateCreate(pdb({ selector: sel, maxUnavailable: '101%' }))), ['spec.maxUnavailable: Invalid value: 101%: must not be greater than 100%']);
    assert.deepEqual(lines(validateCreate(pdb({ selector: sel, minAvailable: '1.1%' }))), ["spec.minAvailable: Invalid value: 1.1%: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]);
  });

  it('refuses minAvailable and maxUnavailable together, with the spec as Go prints it', () => {
    assert.deepEqual(lines(validateCreate(pdb({ selector: sel, minAvailable: 1, maxUnavailable: 1 }))), [
      'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000000000), Selector:(*v1.LabelSelector)(0xc000000000), MaxUnavailable:(*intstr.IntOrString)(0xc000000000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set',
    ]);
  });

  it('checks the selector and unhealthyPodEvictionPolicy', () => {
    assert.deepEqual(lines(validateCreate(pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }))),
      ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]);
    assert.deepEqual(lines(validateCreate(pdb({ selector: sel, unhealthyPodEvictionPolicy: 'Sometimes' as never }))),
      ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"']);
    assert.deepEqual(validateCreate(pdb({ selector: sel, unhealthyPodEvictionPolicy: 'AlwaysAllow' })), []);
  });

  it('lets the spec change on update, under the same rules', () => {
    const old = { ...pdb({ selector: sel, minAvailable: 1 }), metadata: { name: 'web', namespace: 'default', resourceVersion: '1' } };
    assert.deepEqual(validateUpdate({ ...old, spec: { selector: sel, maxUnavailable: '50%' } }, old), []);
    assert.equal(validateUpdate({ ...old, spec: { selector: sel, maxUnavailable: -2 } }, old).length, 1);
  });

  it('checks the status: non-negative counts and metav1 conditions', () => {
    const old = pdb({ selector: sel, minAvailable: 1 }, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    const ok = pdb({ selector: sel, minAvailable: 1 }, {
      disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, observedGeneration: 1,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }],
    });
    assert.deepEqual(validateUpdate(ok, old, { subresource: 'status' }), []);
    const bad = pdb({ selector: sel, minAvailable: 1 }, {
      disruptionsAllowed: -1, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0,
      conditions: [{ type: 'DisruptionAllowed', status: 'Maybe' as never, reason: '', message: '', lastTransitionTime: '' }],
    });
    assert.deepEqual(lines(validateUpdate(bad, old, { subresource: 'status' })), [
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'status.conditions[0].lastTransitionTime: Required value: must be set',
      'status.conditions[0].reason: Required value: must be set',
      'status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
});

describe('PriorityClass validation', () => {
  it('accepts user classes up to 1e9 and the system classes as they are', () => {
    assert.deepEqual(validateCreate(pc('high', 1_000_000_000)), []);
    assert.deepEqual(validateCreate(pc('low', -5, { preemptionPolicy: 'Never' })), []);
    assert.deepEqual(validateCreate(pc('system-node-critical', 2_000_001_000)), []);
    assert.deepEqual(validateCreate(pc('system-cluster-critical', 2_000_000_000)), []);
  });

  it('refuses a larger value, reserved names used otherwise, and unknown preemption policies', () => {
    assert.deepEqual(lines(validateCreate(pc('huge', 1_000_000_001))), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
    assert.deepEqual(lines(validateCreate(pc('system-cluster-critical', 5))), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-cluster-critical PriorityClass must be 2000000000",
    ]);
    assert.deepEqual(lines(validateCreate(pc('system-node-critical', 2_000_001_000, { globalDefault: true }))), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-node-critical PriorityClass must be false",
    ]);
    assert.deepEqual(lines(validateCreate(pc('p', 1, { preemptionPolicy: 'Sometimes' }))),
      ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']);
  });

  it('keeps value and preemptionPolicy immutable', () => {
    const old = { ...pc('p', 10), metadata: { name: 'p', resourceVersion: '3' } };
    assert.deepEqual(validateUpdate({ ...old, description: 'new', globalDefault: true }, old), []);
    assert.deepEqual(lines(validateUpdate({ ...old, value: 11 }, old)), ['value: Forbidden: may not be changed in an update.']);
    assert.deepEqual(lines(validateUpdate({ ...old, preemptionPolicy: 'Never' }, old)), ['preemptionPolicy: Invalid value: "Never": field is immutable']);
  });
});
