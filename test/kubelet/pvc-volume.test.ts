// persistentVolumeClaim volumes end to end with a real kubelet and Docker: the default
// local-path class, the scheduler's VolumeBinding, the provisioner's helper pods on the
// node (tskube.local/busybox), the PV binder, and the kubelet mounting the claim's
// hostPath volume. A pod writes a file into its claim; after it is deleted a new pod
// with the same claim reads it back; deleting the claim (reclaim policy Delete) removes
// the volume and its directory from the node.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const NS = 'default';
const TIMEOUT = 60_000;
let cp: ControlPlane;
let kubelet: KubeletHandle;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
let rest: RestClient;
let root: string;

const claims = () => resourceClient<PersistentVolumeClaim>(rest, 'persistentvolumeclaims');
const volumes = () => resourceClient<PersistentVolume>(rest, 'persistentvolumes');
const pods = () => resourceClient<Pod>(rest, 'pods');

const podWith = (name: string, script: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
  spec: {
    restartPolicy: 'Never', terminationGracePeriodSeconds: 0,
    containers: [{ name: 'main', image: LOCAL_BUSYBOX_IMAGE, command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'notes' } }],
  },
});

async function finished(name: string): Promise<Pod> {
  let pod: Pod | undefined;
  await waitFor(async () => {
    pod = await pods().get(NS, name);
    return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  }, { timeoutMs: TIMEOUT, what: `pod ${name} finished (last: ${JSON.stringify(pod?.status?.conditions)} ${JSON.stringify(pod?.status?.containerStatuses?.[0]?.state)})` });
  return pod!;
}

async function gone(name: string): Promise<void> {
  await pods().delete(NS, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
  await waitFor(async () => (await pods().get(NS, name).catch(() => undefined)) === undefined, { timeoutMs: TIMEOUT, what: `pod ${name} gone` });
}

describe('a pod\'s data outlives it in a PersistentVolumeClaim', { timeout: 240_000 }, () => {
  before(async () => {
    await ensureLocalImages();
    root = await mkdtemp(join(tmpdir(), 'tskube-pv-e2e-'));
    cp = await startControlPlane();
    rest = adminClient(cp);
    kubelet = await startKubelet(cp, { name: 'pv-e2e', cidr: '10.249.0.0/16' });
    scheduler = startScheduler(cp);
    cm = await startControllerManager(cp, [
      '--controllers', 'persistentvolume-binder-controller,persistentvolumeclaim-protection-controller,persistentvolume-protection-controller,local-path-provisioner',
      '--local-path-root', root, '--local-path-helper-image', LOCAL_BUSYBOX_IMAGE,
    ]);
  });

  after(async () => {
    await cm?.stop();
    await scheduler?.stop();
    await kubelet?.cleanup();
    await rest?.close();
    await cp?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('a pod writes a file into its claim; a new pod with the same claim reads it back; the claim\'s deletion removes the directory', async () => {
    await waitFor(async () => (await resourceClient(rest, 'storageclasses').get('', 'local-path').catch(() => undefined)) !== undefined,
      { timeoutMs: TIMEOUT, what: 'the local-path class' });
    await claims().create(NS, {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'notes', namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } },
    });
    await pods().create(NS, podWith('writer', 'echo "kept across pods" > /data/note'));
    const writer = await finished('writer');
    assert.equal(writer.status?.phase, 'Succeeded', JSON.stringify(writer.status?.containerStatuses));
    assert.equal(writer.spec?.nodeName, kubelet.nodeName);

    const pvc = await claims().get(NS, 'notes');
    assert.equal(pvc.status?.phase, 'Bound');
    const pv = await volumes().get('', pvc.spec!.volumeName!);
    const dir = pv.spec!.hostPath!.path;
    assert.equal(dir, join(root, `${pv.metadata.name}_${NS}_notes`));
    // The helper pod made it world-writable, as k3s' setup script does.
    assert.equal((await stat(dir)).mode & 0o777, 0o777);
    assert.equal(await readFile(join(dir, 'note'), 'utf8'), 'kept across pods\n');

    await gone('writer');
    await pods().create(NS, podWith('reader', 'test "$(cat /data/note)" = "kept across pods"'));
    const reader = await finished('reader');
    assert.equal(reader.status?.phase, 'Succeeded', 'the reader found the note');
    await gone('reader');

    await claims().delete(NS, 'notes');
    await waitFor(async () => (await volumes().get('', pv.metadata.name!).catch(() => undefined)) === undefined, { timeoutMs: TIMEOUT, what: 'the volume deleted' });
    await assert.rejects(stat(dir), /ENOENT/, 'the helper pod removed the directory on the node');
    assert.deepEqual((await pods().list('kube-system')).items.map((p) => p.metadata.name), [], 'no helper pod left');
  });
});
