// A pod's service account end to end: the apiserver's ServiceAccount admission gives
// the pod its projected kube-api-access volume, the kubelet (running as the node's own
// identity, so the Node authorizer lets it read only what its pods use) fetches a
// bound token through TokenRequest and the root CA ConfigMap the controller manager
// publishes, and mounts them at /var/run/secrets/kubernetes.io/serviceaccount. The token
// read from inside the container lists pods only once RBAC allows it, and stops working
// once the pod is deleted. Real etcd, apiserver, controller manager, kubelet and Docker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { http } from '../harness/http.js';
import { as } from '../harness/identity.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor } from '../harness/processes.js';

const NS = 'sa-e2e';
const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('kubelet: service-account tokens in pods', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let cm: ControllerManagerHandle;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet, NS);
  const admin = (method: string, path: string, body?: unknown) => http(cp.url, method, path, body);

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane({ serviceAccountAdmission: true });
    cm = await startControllerManager(cp, ['--controllers', 'serviceaccount-controller,root-ca-certificate-publisher-controller,clusterrole-aggregation-controller']);
    kubelet = await startKubelet(cp, { name: 'sa-token-test', cidr: '10.218.0.0/16', nodeIdentity: true });
    assert.equal((await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })).status, 201);
    await waitFor(async () => (await admin('GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`)).status === 200
      && (await admin('GET', `/api/v1/namespaces/${NS}/configmaps/kube-root-ca.crt`)).status === 200, { timeoutMs: 20_000, what: 'the default service account and the root CA' });
  });

  after(async () => {
    try {
      await kubelet?.cleanup();
    } finally {
      await cm?.stop();
      await cp?.stop();
    }
  });

  it('the pod reads a bound token, the CA and its namespace; the token works only as RBAC allows, and only while the pod exists', async () => {
    const pod = await api.create('reader', {
      containers: [{
        name: 'main', image: LOCAL_BUSYBOX_IMAGE,
        command: ['sh', '-c', `cat ${MOUNT}/token; echo; cat ${MOUNT}/namespace; echo; head -1 ${MOUNT}/ca.crt; echo "host=$KUBERNETES_SERVICE_HOST port=$KUBERNETES_SERVICE_PORT"; echo END; sleep 3600`],
      }],
    });
    // Admission: the default service account and the projected volume, mounted read-only.
    assert.equal(pod.spec?.serviceAccountName, 'default');
    const volume = pod.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.ok(volume?.projected, JSON.stringify(pod.spec?.volumes));
    assert.deepEqual(pod.spec?.containers[0].volumeMounts, [{ name: volume.name, readOnly: true, mountPath: MOUNT }]);

    const text = await api.waitLog('reader', 'main', (t) => t.includes('END\n'));
    const [token, namespace, caLine, env] = text.split('\n');
    assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(namespace, NS);
    assert.equal(caLine, '-----BEGIN CERTIFICATE-----');
    assert.match(env, /^host=10\.96\.0\.1 port=443$/);

    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string; exp: number; iat: number; 'kubernetes.io': { pod: { name: string; uid: string }; node: { name: string } } };
    assert.equal(claims.sub, `system:serviceaccount:${NS}:default`);
    assert.equal(claims['kubernetes.io'].pod.uid, pod.metadata.uid);
    assert.equal(claims['kubernetes.io'].node.name, kubelet.nodeName);
    assert.equal(claims.exp - claims.iat, 3607);

    const sa = as(cp, { token });
    try {
      assert.equal((await sa('GET', `/api/v1/namespaces/${NS}/pods`)).status, 403);
      assert.equal((await admin('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'default-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: NS }],
      })).status, 201);
      await waitFor(async () => (await sa('GET', `/api/v1/namespaces/${NS}/pods`)).status === 200, { timeoutMs: 20_000, what: 'the token to list pods' });

      assert.ok([200, 202].includes((await admin('DELETE', `/api/v1/namespaces/${NS}/pods/reader?gracePeriodSeconds=0`)).status));
      await waitFor(async () => (await sa('GET', `/api/v1/namespaces/${NS}/pods`)).status === 401, { timeoutMs: 15_000, intervalMs: 500, what: 'the token to stop working' });
    } finally {
      await sa.close();
    }
  });

  it('automountServiceAccountToken: false leaves the pod without a token', async () => {
    const pod = await api.create('no-token', {
      automountServiceAccountToken: false,
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', `ls ${MOUNT} 2>&1; echo END; sleep 3600`] }],
    });
    assert.equal(pod.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')) ?? false, false);
    const text = await api.waitLog('no-token', 'main', (t) => t.includes('END\n'));
    assert.match(text, /No such file or directory/);
    const running = await api.wait('no-token', 'running', (p: Pod) => p.status?.phase === 'Running');
    assert.equal(running.status?.phase, 'Running');
  });
});
