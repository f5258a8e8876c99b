// kubectl exec, attach and cp end to end through our stack: the real kubectl upgrades
// to WebSocket (v5.channel.k8s.io) at the apiserver, which authorizes it as create on
// pods/exec and joins it to the kubelet's exec. Output, stdin, the exit code as
// kubectl's own, a terminal (under tmux) and its resize, 5 MiB copied both ways,
// @kubernetes/client-node's Exec, the errors (a missing container, a Pending pod, a
// container not started, a user without the right) and the idle timeout.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { certificate, kubeconfigFor } from '../harness/identity.js';
import { http } from '../harness/http.js';
import { podApi, startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor } from '../harness/processes.js';

const execFileP = promisify(execFile);
/** The kubelet's --streaming-connection-idle-timeout here: short, so the test of it is. */
const IDLE_TIMEOUT_S = 4;

describe('kubectl exec through the apiserver', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet);
  const env = (kubeconfig = cp.kubeconfig): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: kubeconfig, HOME: cp.dir });
  /** Runs kubectl (not blocking this process: its connections to the apiserver stay served). */
  const kubectl = (kubeconfig: string, args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn('kubectl', args, { env: env(kubeconfig), timeout: 60_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(input);
    });

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'exec-kubectl-test', cidr: '10.233.0.0/16', args: ['--streaming-connection-idle-timeout', `${IDLE_TIMEOUT_S}s`] });
    await api.create('shell', { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
    await api.wait('shell', 'running', (p) => p.status?.phase === 'Running');
  });
  after(async () => {
    try { await kubelet?.cleanup(); } finally { await cp?.stop(); }
  });

  it('runs a command, reads stdin, and exits with the command\'s code', async () => {
    let r = await kubectl(cp.kubeconfig, ['exec', 'shell', '--', 'sh', '-c', 'echo hello; exit 3']);
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.stderr, 'command terminated with exit code 3\n');
    assert.equal(r.status, 3);
    r = await kubectl(cp.kubeconfig, ['exec', '-i', 'shell', '--', 'sh', '-c', 'read x; echo got:$x'], 'piped\n');
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
    const r = await kubectl(viewer.kubeconfig, ['exec', 'shell', '--', 'true']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /pods "shell" is forbidden: User "nobody" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);
  });

  it('exec -it under a terminal (tmux): the shell sees it, a resize reaches it, its exit code is kubectl\'s', async () => {
    const server = `tskube-exec-${process.pid}`;
    const tmux = (...args: string[]) => execFileP('tmux', ['-L', server, '-f', '/dev/null', ...args], { env: env() });
    const screen = async (): Promise<string> => (await tmux('capture-pane', '-p', '-t', 'x')).stdout;
    const waitScreen = (re: RegExp, what: string) => waitFor(async () => re.test(await screen()), { timeoutMs: 20_000, intervalMs: 100, what })
      .catch(async (err: Error) => { throw new Error(`${err.message}; the screen:\n${await screen()}`); });
    try {
      await tmux('new-session', '-d', '-s', 'x', '-x', '100', '-y', '30', 'kubectl exec -it shell -- sh; echo "kubectl exited $?"; sleep 60');
      await waitScreen(/^\/ # ?$/m, 'the shell\'s prompt');
      await tmux('send-keys', '-t', 'x', 'tty; stty size', 'Enter');
      await waitScreen(/^\/dev\/pts\/\d+\n30 100$/m, 'a terminal of 30 rows and 100 columns');
      await tmux('resize-window', '-t', 'x', '-x', '120', '-y', '40');
      // The resize travels kubectl -> apiserver -> kubelet -> Docker while the shell may
      // already run the next command: ask again until the new size is what it sees.
      await waitFor(async () => {
        await tmux('send-keys', '-t', 'x', 'stty size', 'Enter');
        await new Promise((r) => setTimeout(r, 300));
        return /^40 120$/m.test(await screen());
      }, { timeoutMs: 20_000, intervalMs: 0, what: 'the terminal resized to 40 rows and 120 columns' })
        .catch(async (err: Error) => { throw new Error(`${err.message}; the screen:\n${await screen()}`); });
      await tmux('send-keys', '-t', 'x', 'exit 4', 'Enter');
      await waitScreen(/^kubectl exited 4$/m, 'kubectl to exit with the shell\'s code');
    } finally {
      await tmux('kill-server').catch(() => undefined);
    }
  });

  it('kubectl cp copies 5 MiB into the pod and back unchanged', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const src = join(cp.dir, 'big.bin');
    const back = join(cp.dir, 'big-back.bin');
    await writeFile(src, data);
    let r = await kubectl(cp.kubeconfig, ['cp', src, 'shell:/tmp/big.bin']);
    assert.equal(r.status, 0, r.stderr);
    r = await kubectl(cp.kubeconfig, ['exec', 'shell', '--', 'sha256sum', '/tmp/big.bin']);
    const sum = createHash('sha256').update(data).digest('hex');
    assert.equal(r.stdout, `${sum}  /tmp/big.bin\n`);
    r = await kubectl(cp.kubeconfig, ['cp', 'shell:/tmp/big.bin', back]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(createHash('sha256').update(await readFile(back)).digest('hex'), sum);
  });

  it('@kubernetes/client-node Exec: output and the exit Status', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => { text += d.toString(); });
    const status = await new Promise<k8s.V1Status>((resolve, reject) => {
      new k8s.Exec(kc).exec('default', 'shell', 'main', ['sh', '-c', 'echo from-client-node; exit 2'], out, null, null, false, resolve).catch(reject);
    });
    assert.equal(text, 'from-client-node\n');
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details?.causes, [{ reason: 'ExitCode', message: '2' }]);
  });

  it('errors: a container the pod lacks, a pod not scheduled, a container not started', async () => {
    let r = await kubectl(cp.kubeconfig, ['exec', 'shell', '-c', 'nope', '--', 'true']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'Error from server (BadRequest): container nope is not valid for pod shell\n');
    const pending = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unscheduled' }, spec: { containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE }] },
    });
    assert.equal(pending.status, 201);
    r = await kubectl(cp.kubeconfig, ['exec', 'unscheduled', '--', 'true']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'Error from server (BadRequest): pod unscheduled does not have a host assigned\n');
    await api.create('initializing', {
      initContainers: [{ name: 'wait', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }],
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }],
    });
    await api.wait('initializing', 'initializing', (p) => p.status?.initContainerStatuses?.[0]?.state?.running !== undefined);
    r = await kubectl(cp.kubeconfig, ['exec', 'initializing', '-c', 'main', '--', 'true']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'error: unable to upgrade connection: container not found ("main")\n');
  });

  it(`an exec quiet for --streaming-connection-idle-timeout (${IDLE_TIMEOUT_S}s here) is closed`, async () => {
    const started = Date.now();
    const r = await kubectl(cp.kubeconfig, ['exec', 'shell', '--', 'sh', '-c', 'sleep 30; echo too-late']);
    const took = Date.now() - started;
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, '');
    assert.ok(took >= IDLE_TIMEOUT_S * 1000 && took < 20_000, `kubectl ended after ${took} ms`);
  });

  it('bad upgrade requests get a Status, never a 500: a malformed path, an unknown one, no credentials', async () => {
    const { request } = await import('node:https');
    const { request: plainRequest } = await import('node:http');
    const upgrade = (base: string, path: string): Promise<string> => new Promise((resolve, reject) => {
      const u = new URL(base);
      const send = u.protocol === 'https:' ? request : plainRequest;
      const req = send({
        host: u.hostname, port: u.port, path, method: 'GET', ca: cp.ca,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' },
      });
      req.on('upgrade', (_res, socket) => { socket.destroy(); resolve('101'); });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => resolve(`${res.statusCode} ${(JSON.parse(body) as { message: string }).message}`));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(await upgrade(cp.url, '/api/v1/namespaces/default/pods/%zz/exec?command=true'), '400 invalid URL escape in the request path "/api/v1/namespaces/default/pods/%zz/exec"');
    // The plain-HTTP port serves streams too (as its other requests, unauthenticated).
    assert.equal(await upgrade(cp.url, '/api/v1/namespaces/default/pods/shell/exec?command=true&stdout=true'), '101');
    assert.equal(await upgrade(cp.url, '/api/v1/namespaces/default/pods/shell/nope'), '404 the server could not find the requested resource');
    assert.equal(await upgrade(cp.url, '/api/v1/namespaces/default/pods/missing/exec?command=true&stdout=true'), '404 pods "missing" not found');
    assert.equal(await upgrade(cp.secureUrl, '/api/v1/namespaces/default/pods/shell/exec?command=true&stdout=true'), '401 Unauthorized');
  });

  it('kubectl attach follows a running container\'s output until it ends', async () => {
    await api.create('ticker', {
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'sleep 1; for i in 1 2 3 4 5; do echo tick$i; sleep 1; done'] }],
    });
    await api.wait('ticker', 'running', (p) => p.status?.phase === 'Running');
    const r = await kubectl(cp.kubeconfig, ['attach', 'ticker', '-c', 'main']);
    assert.match(r.stdout, /tick5\n$/);
    assert.equal(r.status, 0, r.stderr);
  });
});
