// The kubelet with the real kubectl: `kubectl logs` (and -f, and ours) returns a
// container's output through the apiserver's pods/log proxy; a hostPort reaches the
// pod from the node; five running pods survive a kubelet restart untouched.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../../api/types/core.js';
import { LABEL_NODE, LABEL_POD_UID } from '../../kubelet/pod-worker.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { freePort } from '../harness/free-port.js';
import { http } from '../harness/http.js';
import { kubectl, kubectlEnv } from '../harness/kubectl.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor } from '../harness/processes.js';
import { openWatch } from '../harness/watch-reader.js';
import { tskubectl } from '../harness/tskubectl.js';

let cp: ControlPlane;
let kubelet: KubeletHandle;

async function runPod(name: string, spec: Omit<NonNullable<Pod['spec']>, 'nodeName'>): Promise<Pod> {
  const res = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: kubelet.nodeName, terminationGracePeriodSeconds: 1, ...spec },
  });
  assert.equal(res.status, 201, res.text);
  let pod: Pod | undefined;
  await waitFor(async () => {
    pod = (await http(cp.url, 'GET', `/api/v1/namespaces/default/pods/${name}`)).json as Pod;
    return pod.status?.phase === 'Running';
  }, { timeoutMs: 20_000, intervalMs: 100, what: `${name} Running (kubelet log: ${kubelet.logFile})` });
  return pod!;
}

describe('kubelet with kubectl', () => {
  before(async () => {
    await ensureLocalImages({ log: () => undefined });
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'logs-test', cidr: '10.214.0.0/16' });
  });
  after(async () => {
    await kubelet?.cleanup();
    await cp?.stop();
  });

  it('a new pod shows Pending with ContainerCreating before Running, as with a real kubelet', async () => {
    const list = (await http(cp.url, 'GET', '/api/v1/namespaces/default/pods')).json as { metadata: { resourceVersion: string } };
    const w = await openWatch(cp.url, `/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name=early&resourceVersion=${list.metadata.resourceVersion}`);
    try {
      await runPod('early', { containers: [{ name: 'c', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] });
      await waitFor(() => w.events.some((e) => e.object.status?.phase === 'Running'), { timeoutMs: 10_000, what: 'the Running event' });
      const firstStatus = w.events.map((e) => e.object as Pod).find((p) => p.status?.containerStatuses);
      assert.equal(firstStatus?.status?.phase, 'Pending');
      assert.equal(firstStatus?.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
    } finally {
      w.close();
    }
  });

  it('kubectl logs (real and ours) returns the output; -f streams new lines', async () => {
    await runPod('talker', {
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', 'echo first line; echo second line; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done'] }],
    });
    await waitFor(async () => (await kubectl(cp, 'logs', 'talker')).includes('tick 1'), { timeoutMs: 10_000, what: 'output' });
    const out = await kubectl(cp, 'logs', 'talker', '--tail=-1');
    assert.match(out, /^first line\nsecond line\ntick 1\n/);
    assert.match(await tskubectl(cp, 'logs', 'talker'), /^first line\nsecond line\n/);
    assert.equal((await kubectl(cp, 'logs', 'talker', '--tail=1')).split('\n').filter(Boolean).length, 1);
    // -f: lines keep arriving after the command started.
    const child = spawn('kubectl', ['logs', '-f', 'talker', '--tail=1'], { env: kubectlEnv(cp) });
    let streamed = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { streamed += d; });
    try {
      const firstTick = async (): Promise<number> => Number(/tick (\d+)/.exec(streamed)?.[1] ?? 0);
      await waitFor(async () => (await firstTick()) > 0, { timeoutMs: 10_000, what: 'the first streamed line' });
      const start = await firstTick();
      await waitFor(() => streamed.includes(`tick ${start + 3}`), { timeoutMs: 10_000, what: 'three more streamed lines' });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('a hostPort reaches the pod from the node', async () => {
    const hostPort = await freePort();
    await runPod('web', { containers: [{ name: 'web', image: LOCAL_TESTSERVER_IMAGE, ports: [{ containerPort: 8080, hostPort }] }] });
    let body = '';
    await waitFor(async () => {
      body = await fetch(`http://127.0.0.1:${hostPort}/echo?msg=through-hostport`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text()).catch(() => '');
      return body !== '';
    }, { timeoutMs: 15_000, what: 'the hostPort to answer' });
    assert.equal(body, 'through-hostport');
  });

  it('a kubelet restart adopts five running pods: same containers, no restarts', async () => {
    const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const pods = await Promise.all(names.map((n) => runPod(`adopt-${n}`, { containers: [{ name: 'c', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }] })));
    const idsOf = async (pod: Pod): Promise<string[]> =>
      (await kubelet.runtime.list({ labels: { [LABEL_POD_UID]: pod.metadata.uid!, [LABEL_NODE]: kubelet.nodeName } })).map((c) => c.id).sort();
    const before = await Promise.all(pods.map(idsOf));
    await kubelet.restart();
    // The new process has synced every pod once it logged adopting each.
    await waitFor(async () => {
      const log = await readFile(kubelet.logFile, 'utf8');
      return log.split('"kubelet started"').pop()!.split('"adopted pod containers"').length - 1 >= names.length;
    }, { timeoutMs: 15_000, what: 'the kubelet to adopt the five pods' });
    await kubectl(cp, 'get', 'pods');
    const after = await Promise.all(pods.map(idsOf));
    assert.deepEqual(after, before, 'the same containers');
    for (const p of pods) {
      const cur = (await http(cp.url, 'GET', `/api/v1/namespaces/default/pods/${p.metadata.name}`)).json as Pod;
      assert.equal(cur.status?.containerStatuses?.[0]?.restartCount, 0);
      assert.equal(cur.status?.containerStatuses?.[0]?.containerID, p.status?.containerStatuses?.[0]?.containerID);
    }
  });
});
