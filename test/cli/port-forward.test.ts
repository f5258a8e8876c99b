// tskubectl port-forward end to end: real control plane, kubelet and Docker containers
// serving HTTP (busybox httpd). Two ports at once with 20 concurrent connections
// through one, ":REMOTE" picking a free local port, a service's port turned into the
// pod's (named) target port, 5 MiB through one connection unchanged, kubectl's lines on
// stdout, an error from the node for a closed port, and a clean stop on SIGINT.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { freePort } from '../harness/free-port.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { tskubectlRun, tskubectlStart } from '../harness/tskubectl.js';

const BIG = 5 << 20;

describe('tskubectl port-forward', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet);

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'cli-pf', cidr: '10.242.0.0/16' });
    await api.create('web', {
      containers: [
        {
          name: 'a', image: LOCAL_BUSYBOX_IMAGE, ports: [{ name: 'http', containerPort: 8080 }],
          command: ['sh', '-c', `mkdir -p /www && echo hello-a > /www/index.html && head -c ${BIG} /dev/urandom > /www/big.bin && exec httpd -f -p 8080 -h /www`],
        },
        { name: 'b', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'mkdir -p /www2 && echo hello-b > /www2/index.html && exec httpd -f -p 9090 -h /www2'] },
      ],
    }, { labels: { app: 'web' } });
    await api.put('services', { metadata: { name: 'web-svc' }, spec: { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });
    await api.wait('web', 'running', (p) => p.status?.phase === 'Running' && !!p.status.podIP && (p.status.containerStatuses ?? []).every((c) => c.ready));
  });
  after(async () => {
    try { await kubelet?.cleanup(); } finally { await cp?.stop(); }
  });

  const get = async (port: number, path = '/'): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
    return `${res.status} ${await res.text()}`;
  };

  it('forwards two ports at once, 20 concurrent connections through one, and stops on SIGINT', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const pf = tskubectlStart(cp, ['port-forward', 'pod/web', `${p1}:8080`, `${p2}:9090`]);
    try {
      await pf.waitForStdout(new RegExp(`Forwarding from 127\\.0\\.0\\.1:${p2} -> 9090\n`));
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(p1)));
      assert.deepEqual(answers, Array(20).fill('200 hello-a\n'));
      assert.equal(await get(p2), '200 hello-b\n');
    } finally {
      const r = await pf.stop('SIGINT');
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n').filter(Boolean);
      assert.deepEqual(lines.filter((l) => l.startsWith('Forwarding')), [
        `Forwarding from 127.0.0.1:${p1} -> 8080`, `Forwarding from [::1]:${p1} -> 8080`,
        `Forwarding from 127.0.0.1:${p2} -> 9090`, `Forwarding from [::1]:${p2} -> 9090`,
      ]);
      assert.equal(lines.filter((l) => l === `Handling connection for ${p1}`).length, 20);
      assert.equal(lines.filter((l) => l === `Handling connection for ${p2}`).length, 1);
      assert.equal(r.stderr, '');
    }
  });

  it(':REMOTE picks a free local port; a service port goes to its named target port; 5 MiB arrive unchanged', async () => {
    const pf = tskubectlStart(cp, ['port-forward', '--address', '127.0.0.1', 'svc/web-svc', ':80']);
    try {
      const out = await pf.waitForStdout(/Forwarding from 127\.0\.0\.1:\d+ -> 8080\n/);
      const local = Number(/127\.0\.0\.1:(\d+) ->/.exec(out)![1]);
      assert.ok(local > 0);
      assert.doesNotMatch(out, /::1/);
      assert.equal(await get(local), '200 hello-a\n');
      const res = await fetch(`http://127.0.0.1:${local}/big.bin`, { headers: { connection: 'close' } });
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(body.length, BIG);
      const inPod = await tskubectlRun(cp, ['exec', 'web', '-c', 'a', '--', 'sha256sum', '/www/big.bin']);
      assert.equal(inPod.stdout.split(' ')[0], createHash('sha256').update(body).digest('hex'));
    } finally {
      assert.equal((await pf.stop('SIGTERM')).code, 0);
    }
  });

  it('a port nothing listens on in the pod: the node\'s error on stderr, the connection closed', async () => {
    const port = await freePort();
    const pf = tskubectlStart(cp, ['port-forward', 'web', `${port}:7777`]);
    try {
      await pf.waitForStdout(/Forwarding from \[::1\]/);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
      const deadline = Date.now() + 10_000;
      while (!pf.stderr().includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(pf.stderr(), new RegExp(`^error: an error occurred forwarding ${port} -> 7777: error forwarding port 7777 to pod.*ECONNREFUSED`));
    } finally {
      await pf.stop();
    }
  });

  it('kubectl\'s errors: no ports, a named port the pod lacks, a bad address', async () => {
    let r = await tskubectlRun(cp, ['port-forward', 'web']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: "error: TYPE/NAME and list of ports are required for port-forward\nSee 'tskubectl port-forward -h' for help and examples\n" });
    r = await tskubectlRun(cp, ['port-forward', 'web', 'nope']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: "error: Pod 'web' does not have a named port 'nope'\n" });
    r = await tskubectlRun(cp, ['port-forward', 'web', '8080', '--address', 'foo']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: foo is not a valid IP\n' });
  });
});
