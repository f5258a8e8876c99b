// The kubelet's PLEG: container changes are noticed by relisting Docker every second,
// not only through Docker's event stream, so a container that dies while the stream
// is down (dockerd restarted, stream not connected) still gets its pod synced:
// restarted under Always, reported Failed under Never. Real etcd, apiserver, kubelet
// process and Docker; the dockerd that is killed is a test dockerd of its own
// (startDockerd), never the machine's, whose containers other tests use.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { after, before, describe, it, test } from 'node:test';
import type { ContainerStatus, Pod } from '../../api/types/core.js';
import { changedPods, type Relist } from '../../kubelet/pleg.js';
import { LABEL_POD_UID, LABEL_TYPE, TYPE_SANDBOX } from '../../kubelet/pod-worker.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE, LOCAL_PAUSE_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { podApi, startDockerd, startKubelet, type DockerdHandle, type KubeletHandle, type PodApi, type TestPodSpec } from '../harness/kubelet.js';
import { waitFor } from '../harness/processes.js';

const run = promisify(execFile);

const main = (p: Pod): ContainerStatus | undefined => p.status?.containerStatuses?.find((s) => s.name === 'main');
const runningAndReady = (p: Pod): boolean => p.status?.phase === 'Running' && main(p)?.state?.running !== undefined
  && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const sleeper = (restartPolicy: string): TestPodSpec => ({
  restartPolicy, containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'] }],
});

/** Creates a sleeping pod under Always and one under Never; resolves once both run and are Ready. */
async function startBoth(api: PodApi): Promise<{ always: Pod; never: Pod }> {
  await api.create('always', sleeper('Always'));
  await api.create('never', sleeper('Never'));
  return { always: await api.wait('always', 'Running and Ready', runningAndReady), never: await api.wait('never', 'Running and Ready', runningAndReady) };
}

/** After the containers died (SIGKILL): the Always pod restarted, Running and Ready; the Never pod Failed with 137. */
async function expectRecovered(api: PodApi, always: Pod): Promise<void> {
  const restarted = await api.wait('always', 'restarted, Running and Ready', (p) => main(p)?.restartCount === 1 && runningAndReady(p));
  assert.notEqual(main(restarted)?.containerID, main(always)?.containerID);
  assert.equal(main(restarted)?.lastState?.terminated?.exitCode, 137);
  const failed = await api.wait('never', 'Failed', (p) => p.status?.phase === 'Failed');
  assert.equal(main(failed)?.state?.terminated?.exitCode, 137);
  assert.equal(main(failed)?.state?.terminated?.reason, 'Error');
  assert.equal(main(failed)?.restartCount, 0);
}

test('changedPods: pods with a container that appeared, vanished or changed state', () => {
  const relist = (rows: [string, string, string][]): Relist => new Map(rows.map(([id, podUid, state]) => [id, { podUid, state: state as 'running' }]));
  const prev = relist([['a', 'p1', 'running'], ['b', 'p2', 'running'], ['d', 'p4', 'exited']]);
  const next = relist([['a', 'p1', 'exited'], ['c', 'p3', 'created'], ['d', 'p4', 'exited']]);
  assert.deepEqual([...changedPods(prev, next)].sort(), ['p1', 'p2', 'p3']);
  assert.deepEqual([...changedPods(next, next)], []);
  assert.deepEqual([...changedPods(new Map(), next)].sort(), ['p1', 'p3', 'p4']);
});

describe('PLEG: a container killed while the kubelet follows no Docker events', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet);

  before(async () => {
    await ensureLocalImages();
    cp = await startControlPlane();
    // --no-docker-events: the relist alone must notice the kill; a short sync frequency
    // for the periodic resync test.
    kubelet = await startKubelet(cp, { name: 'pleg-test', cidr: '10.215.0.0/16', args: ['--no-docker-events', '--sync-frequency', '2s'] });
  });

  after(async () => {
    try {
      await kubelet?.cleanup();
    } finally {
      await cp?.stop();
    }
  });

  it('restarts the Always pod\'s container and reports the Never pod Failed with exit code 137', async () => {
    const { always, never } = await startBoth(api);
    const log = await readFile(kubelet.logFile, 'utf8');
    assert.match(log, /"Docker events not followed \(--no-docker-events\)/);
    for (const p of [always, never]) await run('docker', ['kill', main(p)!.containerID!.replace('docker://', '')]);
    await expectRecovered(api, always);
  });

  it('resyncs every pod each --sync-frequency: a changed configMap reaches the running container\'s volume', async () => {
    await api.put('configmaps', { metadata: { name: 'settings' }, data: { greeting: 'hello' } });
    await api.create('reader', {
      volumes: [{ name: 'cfg', configMap: { name: 'settings' } }],
      containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sleep', '3600'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
    });
    const p = await api.wait('reader', 'Running', runningAndReady);
    const id = main(p)!.containerID!.replace('docker://', '');
    const greeting = async (): Promise<string> => (await kubelet.runtime.exec(id, ['cat', '/cfg/greeting'], { timeoutMs: 2000 })).stdout;
    assert.equal(await greeting(), 'hello');
    // Nothing about the pod or its containers changes: only the periodic sync rewrites the volume.
    await api.put('configmaps', { metadata: { name: 'settings' }, data: { greeting: 'goodbye' } });
    await waitFor(async () => (await greeting()) === 'goodbye', { timeoutMs: 15_000, intervalMs: 200, what: 'the new greeting in the container' });
    assert.equal(main((await api.get('reader'))!)?.restartCount, 0);
  });
});

describe('PLEG: dockerd killed with -9 and started again', { timeout: 180_000 }, () => {
  let cp: ControlPlane;
  let dockerd: DockerdHandle;
  let kubelet: KubeletHandle;
  const api = podApi(() => cp, () => kubelet);

  before(async () => {
    await ensureLocalImages();
    dockerd = await startDockerd({ images: [LOCAL_BUSYBOX_IMAGE, LOCAL_PAUSE_IMAGE] });
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'dockerd-restart-test', cidr: '10.216.0.0/16', dockerSocket: dockerd.socket });
  });

  after(async () => {
    // Whatever happened, the test dockerd is started again if down, emptied and removed.
    try {
      if (dockerd && !dockerd.running) await dockerd.start();
      await kubelet?.cleanup();
    } finally {
      await cp?.stop();
      await dockerd?.cleanup();
    }
  });

  it('the Always pod\'s container is restarted and the Never pod reports the truth', async () => {
    const { always, never } = await startBoth(api);
    const sandboxesOf = async (p: Pod): Promise<string[]> =>
      (await dockerd.runtime.list({ labels: { [LABEL_POD_UID]: p.metadata.uid!, [LABEL_TYPE]: TYPE_SANDBOX } })).map((c) => c.id);
    const neverSandboxes = await sandboxesOf(never);
    const alwaysPids = await Promise.all((await dockerd.runtime.list({ labels: { [LABEL_POD_UID]: always.metadata.uid! } }))
      .map(async (c) => (await dockerd.runtime.inspect(c.id))!.pid));
    await dockerd.kill9();
    // The Always pod's processes (sandbox and container) die while dockerd is down:
    // the dockerd that starts next finds them exited and reports no event for them.
    for (const pid of alwaysPids) process.kill(pid, 'SIGKILL');
    await waitFor(() => alwaysPids.every((pid) => !existsSync(`/proc/${pid}`)), { timeoutMs: 10_000, what: 'the Always pod\'s processes to be gone' });
    // The Never pod's are still running: on start dockerd stops the containers it left
    // (SIGTERM, which sleep as PID 1 ignores, then SIGKILL after 10 s).
    await dockerd.start();
    await expectRecovered(api, always);
    // Nothing may start again under Never: its dead sandbox is not replaced by a new one.
    assert.deepEqual(await sandboxesOf(never), neverSandboxes);
    // The kubelet said Docker was unreachable, once, not once per relist or reconnect.
    const log = await readFile(kubelet.logFile, 'utf8');
    assert.equal(log.split('"Docker is unreachable').length - 1, 1, 'one "Docker is unreachable" line');
    assert.match(log, /"Docker is reachable again"/);
    assert.equal(log.split('"Docker events stream broke').length - 1, 1, 'one "Docker events stream broke" line');
    assert.match(log, /"Docker events stream reconnected"/);
  });
});
