// The ServiceAccount admission plugin with the real apiserver: a pod created without a
// service account gets "default" in serviceAccountName and in the deprecated
// serviceAccount v1 mirrors, so a later update (a label, as `kubectl label` sends it)
// does not read as a change of the pod's spec.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane({ serviceAccountAdmission: true });
  const sa = await http(cp.url, 'POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  assert.equal(sa.status, 201, sa.text);
});
after(async () => { await cp?.stop(); });

it('a pod given the default service account can be labelled and replaced', async () => {
  const created = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  assert.equal(created.status, 201, created.text);
  const spec = (created.json as { spec: { serviceAccountName?: string; serviceAccount?: string } }).spec;
  assert.deepEqual([spec.serviceAccountName, spec.serviceAccount], ['default', 'default']);
  const labelled = await http(cp.url, 'PATCH', '/api/v1/namespaces/default/pods/p', { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
  assert.equal(labelled.status, 200, labelled.text);
  const replaced = await http(cp.url, 'PUT', '/api/v1/namespaces/default/pods/p', labelled.json);
  assert.equal(replaced.status, 200, replaced.text);
});
