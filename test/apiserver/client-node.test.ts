// The official JavaScript client, @kubernetes/client-node, unchanged, against our apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
let core: k8s.CoreV1Api;
let kc: k8s.KubeConfig;

before(async () => {
  cp = await startControlPlane();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(async () => { await cp?.stop(); });

test('client-node: create, list, patch, delete', async () => {
  const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-js' }, data: { a: '1' } } });
  assert.equal(created.metadata?.name, 'from-js');
  const list = await core.listNamespacedConfigMap({ namespace: 'default' });
  assert.ok(list.items.some((c) => c.metadata?.name === 'from-js'));
  const patched = await core.patchNamespacedConfigMap({ namespace: 'default', name: 'from-js', body: { data: { b: '2' } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  assert.deepEqual(patched.data, { a: '1', b: '2' });
  await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'from-js' });
  await assert.rejects(core.readNamespacedConfigMap({ namespace: 'default', name: 'from-js' }), (err: { code?: number }) => err.code === 404);
});

test('client-node: a pod round trip with its typed model', async () => {
  const pod = await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'js-pod' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  assert.equal(pod.spec?.restartPolicy, 'Always');
  assert.equal(pod.status?.phase, 'Pending');
});

test('client-node Informer: list then watch', async () => {
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
  const added: string[] = [];
  const deleted: string[] = [];
  informer.on('add', (o: k8s.V1ConfigMap) => added.push(o.metadata?.name ?? ''));
  informer.on('delete', (o: k8s.V1ConfigMap) => deleted.push(o.metadata?.name ?? ''));
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before-start' } } });
  await informer.start();
  try {
    await waitFor(() => added.includes('before-start'), { what: 'the informer list' });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after-start' } } });
    await waitFor(() => added.includes('after-start'), { what: 'the informer watch ADDED' });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'after-start' });
    await waitFor(() => deleted.includes('after-start'), { what: 'the informer watch DELETED' });
    assert.ok(informer.list('default').some((c) => c.metadata?.name === 'before-start'));
  } finally {
    await informer.stop();
  }
});
