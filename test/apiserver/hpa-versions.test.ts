// HorizontalPodAutoscalers in two versions over one storage: what is written through
// autoscaling/v1 reads back through autoscaling/v2 and the other way round, with
// Kubernetes' conversion (cpu target and utilization as v1 fields, the rest in the
// autoscaling.alpha.kubernetes.io/* annotations), through create, merge and strategic
// merge patches, the status subresource, list, Table and a foreground delete (the
// object held by its finalizer stays in the stored version).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

let cp: ControlPlane;
before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

const V1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
const V2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';

test('autoscaling/v1 and v2 HorizontalPodAutoscalers share one storage', async () => {
  const created = await http(cp.url, 'POST', V1, {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'a' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'x', apiVersion: 'apps/v1' }, maxReplicas: 3, targetCPUUtilizationPercentage: 40 },
  });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual([created.json.apiVersion, created.json.spec, created.json.status], ['autoscaling/v1',
    { scaleTargetRef: { kind: 'Deployment', name: 'x', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 40 },
    { currentReplicas: 0, desiredReplicas: 0 }]);

  const patched = await http(cp.url, 'PATCH', `${V1}/a`, { spec: { targetCPUUtilizationPercentage: 70 } }, 'application/merge-patch+json');
  assert.equal(patched.status, 200, patched.text);
  const v2 = (await http(cp.url, 'GET', `${V2}/a`)).json;
  assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);

  // A strategic merge patch that changes nothing writes nothing.
  const noop = await http(cp.url, 'PATCH', `${V1}/a`, { spec: { maxReplicas: 3 } }, 'application/strategic-merge-patch+json');
  assert.equal(noop.status, 200, noop.text);
  assert.equal(noop.json.metadata.resourceVersion, patched.json.metadata.resourceVersion);

  // Validation runs on the stored form, with Kubernetes' messages.
  const bad = await http(cp.url, 'PATCH', `${V1}/a`, { spec: { maxReplicas: 0 } }, 'application/merge-patch+json');
  assert.equal(bad.status, 422);
  assert.match(bad.json.message, /spec\.maxReplicas: Invalid value: 0: must be greater than 0/);

  // A v2 metric beyond cpu shows in v1's annotation, and survives a v1 update.
  const v2Put = await http(cp.url, 'PUT', `${V2}/a`, {
    ...v2, spec: { ...v2.spec, metrics: [...v2.spec.metrics, { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '64Mi' } } }] },
  });
  assert.equal(v2Put.status, 200, v2Put.text);
  const v1 = (await http(cp.url, 'GET', `${V1}/a`)).json;
  assert.equal(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'], '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"64Mi"}}]');
  const v1Put = await http(cp.url, 'PUT', `${V1}/a`, { ...v1, spec: { ...v1.spec, maxReplicas: 4 } });
  assert.equal(v1Put.status, 200, v1Put.text);
  assert.deepEqual((await http(cp.url, 'GET', `${V2}/a`)).json.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name), ['memory', 'cpu']);

  // The status subresource through v1 (current metrics pair with the spec's by index, as kubectl prints them).
  const status = await http(cp.url, 'PUT', `${V1}/a/status`, { ...v1Put.json, status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 55 } });
  assert.equal(status.status, 200, status.text);
  assert.deepEqual((await http(cp.url, 'GET', `${V2}/a`)).json.status,
    { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 55 } } }] });

  const list = (await http(cp.url, 'GET', V1)).json;
  assert.deepEqual([list.kind, list.apiVersion, list.items.map((i: { apiVersion: string }) => i.apiVersion)], ['HorizontalPodAutoscalerList', 'autoscaling/v1', ['autoscaling/v1']]);
  const table = (await http(cp.url, 'GET', V1, undefined, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json;
  assert.deepEqual(table.rows[0].cells.slice(0, 6), ['a', 'Deployment/x', 'memory: 0/64Mi, cpu: <unknown>/70%', '1', 4, 2]);

  const deleted = await http(cp.url, 'DELETE', `${V1}/a`, { propagationPolicy: 'Foreground' });
  assert.equal(deleted.status, 202, deleted.text);
  assert.equal(deleted.json.apiVersion, 'autoscaling/v1');
  const held = (await http(cp.url, 'GET', `${V2}/a`)).json;
  assert.deepEqual([held.metadata.finalizers, held.spec.maxReplicas, held.spec.metrics.length], [['foregroundDeletion'], 4, 2]);
  assert.ok(held.metadata.deletionTimestamp);
});
