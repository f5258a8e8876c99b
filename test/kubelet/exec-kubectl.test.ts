// kubectl exec end to end through our stack: the real kubectl upgrades to WebSocket
// (v5.channel.k8s.io) at the apiserver, which authorizes it as create on pods/exec and
// joins it to the kubelet's exec. Output, stdin, the exit code as kubectl's own, and a
// user without the right.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { certificate, kubeconfigFor } from '../harness/identity.js';
import { http } from '../harness/http.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';

describe('kubectl exec through the apiserver', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet);
  const kubectl = (kubeconfig: string, args: string[], input?: string) =>
    spawnSync('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: cp.dir }, encoding: 'utf8', input, timeout: 60_000 });

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'exec-kubectl-test', cidr: '10.221.0.0/16' });
    await api.create('shell', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
    await api.wait('shell', 'running', (p) => p.status?.phase === 'Running');
  });
  after(async () => {
    try { await kubelet?.cleanup(); } finally { await cp?.stop(); }
  });

  it('runs a command, reads stdin, and exits with the command\'s code', () => {
    let r = kubectl(cp.kubeconfig, ['exec', 'shell', '--', 'sh', '-c', 'echo hello; exit 3']);
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.stderr, 'command terminated with exit code 3\n');
    assert.equal(r.status, 3);
    r = kubectl(cp.kubeconfig, ['exec', '-i', 'shell', '--', 'sh', '-c', 'read x; echo got:$x'], 'piped\n');
    assert.equal(r.stdout, 'got:piped\n');
    assert.equal(r.status, 0);
  });

  it('a user who may read pods but not create pods/exec is refused', async () => {
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/default';
    assert.equal((await http(cp.url, 'POST', `${rbac}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] })).status, 201);
    assert.equal((await http(cp.url, 'POST', `${rbac}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'nobody-reads' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'nobody' }],
    })).status, 201);
    const viewer = await kubeconfigFor(cp, 'nobody.kubeconfig', await certificate(cp, 'nobody'));
    const r = kubectl(viewer.kubeconfig, ['exec', 'shell', '--', 'true']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /pods "shell" is forbidden: User "nobody" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);
  });

  it('kubectl attach follows a running container\'s output until it ends', async () => {
    await api.create('ticker', {
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'sleep 1; for i in 1 2 3 4 5; do echo tick$i; sleep 1; done'] }],
    });
    await api.wait('ticker', 'running', (p) => p.status?.phase === 'Running');
    const r = kubectl(cp.kubeconfig, ['attach', 'ticker', '-c', 'main']);
    assert.match(r.stdout, /tick5\n$/);
    assert.equal(r.status, 0, r.stderr);
  });
});
