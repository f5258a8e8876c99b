// Port-forward end to end with @kubernetes/client-node (the WebSocket port-forward
// protocol): through the apiserver's pods/portforward to the kubelet and the pod's port,
// an HTTP request and its answer. Real apiserver, kubelet and Docker.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';

describe('port-forward through the apiserver', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet);

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'pf-test', cidr: '10.223.0.0/16' });
    await api.create('web', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'mkdir -p /www && echo hello-from-pod > /www/index.html && httpd -f -p 8080 -h /www'] }] });
    await api.wait('web', 'running', (p) => p.status?.phase === 'Running' && !!p.status.podIP);
  });
  after(async () => {
    try { await kubelet?.cleanup(); } finally { await cp?.stop(); }
  });

  it('kubectl port-forward (SPDY/3.1) carries 20 concurrent HTTP requests to the pod', async () => {
    const { spawn } = await import('node:child_process');
    const local = 18000 + Math.floor(Math.random() * 1000);
    const pf = spawn('kubectl', ['port-forward', 'pod/web', `${local}:8080`], { env: { ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir } });
    try {
      await new Promise<void>((resolve, reject) => {
        pf.stdout.on('data', (d: Buffer) => { if (d.toString().includes('Forwarding from')) resolve(); });
        pf.once('exit', (code) => reject(new Error(`kubectl port-forward exited with ${code}`)));
      });
      const answers = await Promise.all(Array.from({ length: 20 }, async () => {
        const res = await fetch(`http://127.0.0.1:${local}/`, { headers: { connection: 'close' } });
        return `${res.status} ${await res.text()}`;
      }));
      assert.deepEqual(new Set(answers), new Set(['200 hello-from-pod\n']));
    } finally {
      pf.kill();
    }
  });

  it('@kubernetes/client-node PortForward fetches from the pod', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    const pf = new k8s.PortForward(kc);
    const server = createServer((conn) => { void pf.portForward('default', 'web', [8080], conn, null, conn); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'hello-from-pod\n');
    } finally {
      server.close();
    }
  });
});
