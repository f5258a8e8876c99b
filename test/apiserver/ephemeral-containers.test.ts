// pods/ephemeralcontainers: GET, PUT and PATCH (strategic merge, as kubectl debug sends
// it) change only spec.ephemeralContainers, with Kubernetes' validation and wording:
// added containers may not be removed or changed, no ports/probes/resources/lifecycle,
// names unique among all containers, targetContainerName an existing one; nothing else
// of the pod changes through it, and the main resource cannot add them. Discovery lists
// the subresource as kube-apiserver does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

let cp: ControlPlane;
const api = (method: string, path: string, body?: unknown, ct?: string) => http(cp.url, method, path, body, ct);
const PODS = '/api/v1/namespaces/default/pods';
const SMP = 'application/strategic-merge-patch+json';

before(async () => {
  cp = await startControlPlane();
  const created = await api('POST', PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } },
    spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'main', image: 'busybox' }] },
  });
  assert.equal(created.status, 201, created.text);
});
after(async () => { await cp?.stop(); });

const causes = (res: { json: { details?: { causes?: { field?: string; message?: string }[] } } }): string[] =>
  (res.json.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

test('discovery lists pods/ephemeralcontainers (kind Pod: get, patch, update)', async () => {
  const res = await api('GET', '/api/v1');
  const r = (res.json.resources as { name: string; kind: string; verbs: string[] }[]).find((x) => x.name === 'pods/ephemeralcontainers');
  assert.deepEqual(r && { kind: r.kind, verbs: r.verbs }, { kind: 'Pod', verbs: ['get', 'patch', 'update'] });
});

test('a strategic merge patch adds an ephemeral container, defaulted; only it changes', async () => {
  const res = await api('PATCH', `${PODS}/p/ephemeralcontainers`, {
    metadata: { labels: { a: 'changed' } },
    spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox', stdin: true, tty: true, targetContainerName: 'main' }], activeDeadlineSeconds: 5 },
  }, SMP);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.spec.ephemeralContainers, [{
    name: 'debugger', image: 'busybox', stdin: true, tty: true, targetContainerName: 'main',
    imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
  }]);
  assert.deepEqual(res.json.metadata.labels, { a: 'b' });
  assert.equal(res.json.spec.activeDeadlineSeconds, undefined);
  const got = await api('GET', `${PODS}/p/ephemeralcontainers`);
  assert.equal(got.status, 200);
  assert.equal(got.json.kind, 'Pod');
  assert.equal(got.json.spec.ephemeralContainers.length, 1);
});

test('existing ephemeral containers may not be removed or changed', async () => {
  const pod = (await api('GET', `${PODS}/p`)).json;
  let res = await api('PUT', `${PODS}/p/ephemeralcontainers`, { ...pod, spec: { ...pod.spec, ephemeralContainers: [] } });
  assert.equal(res.status, 422, res.text);
  assert.equal(res.json.reason, 'Invalid');
  assert.deepEqual(causes(res), ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be removed\n']);
  const changed = { ...pod.spec.ephemeralContainers[0], image: 'alpine' };
  res = await api('PUT', `${PODS}/p/ephemeralcontainers`, { ...pod, spec: { ...pod.spec, ephemeralContainers: [changed] } });
  assert.equal(res.status, 422, res.text);
  assert.match(causes(res)[0]!, /^spec\.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be changed\n/);
  assert.match(res.json.message, /^Pod "p" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be changed/);
});

test('fields that make a container part of the workload, duplicate names and unknown targets are refused', async () => {
  const res = await api('PATCH', `${PODS}/p/ephemeralcontainers`, {
    spec: {
      ephemeralContainers: [{
        name: 'main', image: 'busybox', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } },
        readinessProbe: { exec: { command: ['true'] } }, lifecycle: { preStop: { exec: { command: ['true'] } } },
        volumeMounts: [], targetContainerName: 'nope',
      }],
    },
  }, SMP);
  assert.equal(res.status, 422, res.text);
  assert.deepEqual(causes(res), [
    'spec.ephemeralContainers[0].name: Duplicate value: "main"',
    'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"',
    'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container',
  ]);
  const init = await api('PATCH', `${PODS}/p/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'init', image: 'busybox' }] } }, SMP);
  assert.deepEqual(causes(init), ['spec.ephemeralContainers[0].name: Duplicate value: "init"']);
  const del = await api('DELETE', `${PODS}/p/ephemeralcontainers`);
  assert.equal(del.status, 405, del.text);
});

test('the pod itself cannot add ephemeral containers, nor be created with them', async () => {
  const pod = (await api('GET', `${PODS}/p`)).json;
  const more = [...pod.spec.ephemeralContainers, { name: 'sneaky', image: 'busybox', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' }];
  const res = await api('PUT', `${PODS}/p`, { ...pod, spec: { ...pod.spec, ephemeralContainers: more } });
  assert.equal(res.status, 422, res.text);
  assert.match(res.json.message, /pod updates may not change fields other than/);
  const created = await api('POST', PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' },
    spec: { containers: [{ name: 'main', image: 'busybox' }], ephemeralContainers: [{ name: 'e', image: 'busybox' }] },
  });
  assert.equal(created.status, 422, created.text);
  assert.deepEqual(causes(created), ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
});
