// The kubelet's exec endpoint over WebSocket, as the apiserver will reach it: a client
// certificate the kubelet authorizes (nodes/proxy), the channel protocol negotiated,
// stdin in, output and the exit Status out. Real apiserver, kubelet and Docker.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { decodeFrame, encodeFrame, closeFrame, CHANNEL_PROTOCOLS, STDIN } from '../../api/streaming.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { certificate } from '../harness/identity.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor } from '../harness/processes.js';

const execFileP = promisify(execFile);
/** A process's resident memory in bytes. */
const rss = async (pid: number): Promise<number> => Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

describe('kubelet: exec over WebSocket', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  let port = 0;
  const api = podApi(() => cp, () => kubelet);

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'exec-ws-test', cidr: '10.232.0.0/16' });
    await api.create('shell', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
    await api.wait('shell', 'running', (p) => p.status?.phase === 'Running');
    const node = (await http(cp.url, 'GET', `/api/v1/nodes/${kubelet.nodeName}`)).json;
    port = node.status.daemonEndpoints.kubeletEndpoint.Port;
  });
  after(async () => {
    try { await kubelet?.cleanup(); } finally { await cp?.stop(); }
  });

  const exec = async (protocolName: string, command: string[], stdin?: string, cred?: { cert: string; key: string }): Promise<{ out: string; err: string; status: string; code?: number }> => {
    const c = cred ?? await certificate(cp, 'kube-apiserver-kubelet-client', ['kubeadm:cluster-admins']);
    const q = new URLSearchParams([...command.map((x) => ['command', x]), ['stdout', '1'], ['stderr', '1'], ...(stdin !== undefined ? [['stdin', '1']] : [])]);
    const protocol = CHANNEL_PROTOCOLS.find((p) => p.name === protocolName)!;
    const ws = new WebSocket(`wss://127.0.0.1:${port}/exec/default/shell/main?${q}`, [protocolName], { cert: c.cert, key: c.key, rejectUnauthorized: false });
    const result = { out: '', err: '', status: '' } as { out: string; err: string; status: string; code?: number };
    ws.on('unexpected-response', (_req, res) => { result.code = res.statusCode; ws.terminate(); });
    ws.on('open', () => {
      if (stdin !== undefined) {
        ws.send(encodeFrame(protocol, STDIN, Buffer.from(stdin)));
        ws.send(closeFrame(protocol, STDIN));
      }
    });
    ws.on('message', (data: Buffer) => {
      const f = decodeFrame(protocol, data);
      if (f.channel === 1) result.out += f.payload.toString();
      if (f.channel === 2) result.err += f.payload.toString();
      if (f.channel === 3) result.status += f.payload.toString();
    });
    await new Promise((r) => { ws.on('close', r); ws.on('error', r); });
    return result;
  };

  it('runs a command: stdin in, stdout and stderr out, the exit Status on the error channel', async () => {
    const r = await exec('v5.channel.k8s.io', ['sh', '-c', 'read x; echo got:$x; echo oops >&2; exit 3'], 'hello\n');
    assert.equal(r.out, 'got:hello\n');
    assert.equal(r.err, 'oops\n');
    assert.match(r.status, /"reason":"NonZeroExitCode".*"message":"3"/);
    const ok = await exec('v4.channel.k8s.io', ['echo', 'hi']);
    assert.equal(ok.out, 'hi\n');
    assert.equal(ok.status, '{"metadata":{},"status":"Success"}');
  });

  it('refuses a user without nodes/proxy, and an unknown container', async () => {
    const nobody = await certificate(cp, 'nobody');
    assert.equal((await exec('v4.channel.k8s.io', ['true'], undefined, nobody)).code, 403);
    const c = await certificate(cp, 'kube-apiserver-kubelet-client', ['kubeadm:cluster-admins']);
    const ws = new WebSocket(`wss://127.0.0.1:${port}/exec/default/shell/nope?command=true&stdout=1`, ['v4.channel.k8s.io'], { cert: c.cert, key: c.key, rejectUnauthorized: false });
    ws.on('error', () => undefined);
    const answer = await new Promise<string>((r) => {
      ws.on('unexpected-response', (_q, res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => r(`${res.statusCode} ${body}`));
      });
      ws.on('open', () => r('101'));
    });
    ws.terminate();
    // As the kubelet's streaming server answers it.
    assert.equal(answer, '500 container not found ("nope")');
  });

  /** An exec WebSocket to the shell pod, open. */
  const open = async (command: string[]): Promise<WebSocket> => {
    const c = await certificate(cp, 'kube-apiserver-kubelet-client', ['kubeadm:cluster-admins']);
    const q = new URLSearchParams([...command.map((x) => ['command', x]), ['stdout', '1']]);
    const ws = new WebSocket(`wss://127.0.0.1:${port}/exec/default/shell/main?${q}`, ['v5.channel.k8s.io'], { cert: c.cert, key: c.key, rejectUnauthorized: false });
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    return ws;
  };
  const containerId = async (): Promise<string> => {
    const pod = await api.get('shell');
    return pod!.status!.containerStatuses![0].containerID!.replace(/^docker:\/\//, '');
  };

  it('a client that leaves ends its command: the exec process is killed', async () => {
    const ws = await open(['sh', '-c', 'sleep 313']);
    const ps = async (): Promise<string> => (await execFileP('docker', ['exec', await containerId(), 'ps', '-o', 'args'])).stdout;
    await waitFor(async () => (await ps()).includes('sleep 313'), { timeoutMs: 10_000, intervalMs: 100, what: 'the command to run' });
    ws.terminate();
    await waitFor(async () => !(await ps()).includes('sleep 313'), { timeoutMs: 10_000, intervalMs: 100, what: 'the exec process to be killed' });
  });

  it('a client that stops reading pauses the command\'s output instead of growing the kubelet\'s memory', async () => {
    const before = await rss(kubelet.proc.pid);
    const ws = await open(['cat', '/dev/zero']);
    ws.pause();
    try {
      // Unbounded, cat would have pushed gigabytes by now.
      await new Promise((r) => setTimeout(r, 3000));
      const grown = (await rss(kubelet.proc.pid)) - before;
      assert.ok(grown < 64 * 1024 * 1024, `the kubelet grew by ${Math.round(grown / 1048576)} MiB`);
    } finally {
      ws.terminate();
    }
  });
});
