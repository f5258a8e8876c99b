// Port-forward end to end, through the apiserver's pods/portforward to the kubelet and
// the pod's ports: the real kubectl with each of its protocols (SPDY/3.1 tunnelled in
// WebSocket, kubectl 1.31+'s default; the SPDY/3.1 upgrade, its fallback), two ports
// at once and 20 concurrent connections; @kubernetes/client-node's PortForward (the
// WebSocket channel protocol); a port nothing listens on. Real apiserver, kubelet and Docker.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { freePort } from '../harness/free-port.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';

describe('port-forward through the apiserver', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet);

  /** kubectl port-forward, once it says it forwards; its stderr so far is in .stderr(). */
  async function portForward(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcessWithoutNullStreams; stderr: () => string }> {
    const child = spawn('kubectl', ['port-forward', ...args], { env: { ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir, ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // One line per port and address family.
        if ((out.match(/Forwarding from 127\.0\.0\.1/g) ?? []).length === args.filter((a) => /^\d+:\d+$/.test(a)).length) resolve();
      });
      child.once('exit', (code) => reject(new Error(`kubectl port-forward exited with ${code}: ${stderr}`)));
    });
    return { child, stderr: () => stderr };
  }
  const get = async (port: number): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
    return `${res.status} ${await res.text()}`;
  };

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'pf-test', cidr: '10.223.0.0/16' });
    await api.create('web', {
      containers: [
        { name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'mkdir -p /www && echo hello-from-pod > /www/index.html && httpd -f -p 8080 -h /www'] },
        { name: 'other', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'mkdir -p /w2 && echo second-port > /w2/index.html && httpd -f -p 8081 -h /w2'] },
      ],
    });
    await api.wait('web', 'running', (p) => p.status?.phase === 'Running' && !!p.status.podIP);
  });
  after(async () => {
    try { await kubelet?.cleanup(); } finally { await cp?.stop(); }
  });

  it('kubectl port-forward (SPDY/3.1 in WebSocket): two ports at once, 20 concurrent connections', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const pf = await portForward(['pod/web', `${a}:8080`, `${b}:8081`, '-v=6']);
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(a)));
      assert.deepEqual(new Set(answers), new Set(['200 hello-from-pod\n']));
      assert.equal(await get(b), '200 second-port\n');
      // kubectl took the WebSocket tunnel: it did not fall back to the SPDY upgrade.
      assert.doesNotMatch(pf.stderr(), /falling back|fallback/i);
    } finally {
      pf.child.kill();
    }
  });

  it('kubectl port-forward over the SPDY/3.1 upgrade (its fallback)', async () => {
    const a = await freePort();
    const pf = await portForward(['pod/web', `${a}:8080`], { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => get(a)));
      assert.deepEqual(new Set(answers), new Set(['200 hello-from-pod\n']));
    } finally {
      pf.child.kill();
    }
  });

  it('a port nothing listens on: the connection fails with the reason, and kubectl gives up', async () => {
    const a = await freePort();
    const pf = await portForward(['pod/web', `${a}:9`]);
    try {
      await assert.rejects(get(a));
      // As with Kubernetes: kubectl reports the kubelet's error and ends the forward.
      const code = await new Promise((r) => pf.child.once('exit', r));
      assert.equal(code, 1);
      assert.match(pf.stderr(), /an error occurred forwarding \d+ -> 9: error forwarding port 9 to pod: connect ECONNREFUSED [\d.]+:9/);
      assert.match(pf.stderr(), /error: lost connection to pod/);
    } finally {
      pf.child.kill();
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
      assert.equal(await get(port), '200 hello-from-pod\n');
    } finally {
      server.close();
    }
  });
});
