// A StatefulSet's volumes end to end: a real kubelet on Docker, the scheduler (its
// VolumeBinding plugin), the StatefulSet controller, the PV binder, the local-path
// provisioner (helper pods of tskube.local/busybox on the node) and the garbage
// collector, driven with the real kubectl. A set of 3 with a volumeClaimTemplate comes
// up in order, each pod with its own claim bound on first use to a local-path volume on
// the node; each pod writes its hostname into its volume once. A deleted pod comes back
// under the same name with the same claim and contents; after a scale down and up the
// pod reuses its retained claim; with whenDeleted: Delete, deleting the set deletes its
// claims, and (reclaim policy Delete) their volumes and directories.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../api/types/core.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { http } from '../harness/http.js';
import { kubectl } from '../harness/kubectl.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const NS = 'stsvol';
/** This file's pod network (unique in test/). */
const POD_CIDR = '10.254.0.0/16';
const TIMEOUT = 90_000;
const PODS = ['web-0', 'web-1', 'web-2'];

let cp: ControlPlane;
let kubelet: KubeletHandle;
let scheduler: ChildHandle;
let cm: ControllerManagerHandle;
let root: string;

const api = async (method: string, path: string, body?: unknown): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
  const res = await http(cp.url, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.json;
};
const maybe = async <T>(path: string): Promise<T | undefined> => {
  const res = await http(cp.url, 'GET', path);
  if (res.status === 404) return undefined;
  if (res.status >= 300) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
  return res.json as T;
};
const claim = (name: string) => maybe<PersistentVolumeClaim>(`/api/v1/namespaces/${NS}/persistentvolumeclaims/${name}`);
const volume = (name: string) => maybe<PersistentVolume>(`/api/v1/persistentvolumes/${name}`);
const pod = (name: string) => maybe<Pod>(`/api/v1/namespaces/${NS}/pods/${name}`);
const ready = (p: Pod | undefined): boolean =>
  !!p && !p.metadata.deletionTimestamp && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** What the pod's container finds in /data/id, through the real kubectl exec. */
const idIn = async (name: string): Promise<string> => (await kubectl(cp, 'exec', name, '-n', NS, '--', 'cat', '/data/id')).trim();

async function readyPod(name: string, notUid?: string): Promise<Pod> {
  let p: Pod | undefined;
  await waitFor(async () => {
    p = await pod(name);
    return ready(p) && p!.metadata.uid !== notUid;
  }, { timeoutMs: TIMEOUT, intervalMs: 250, what: `${name} ready (last: ${JSON.stringify(p?.status?.conditions)})` });
  return p!;
}

/** The claim, Bound to a local-path volume on this node under the root, and that volume. */
async function boundClaim(name: string): Promise<{ pvc: PersistentVolumeClaim; pv: PersistentVolume; dir: string }> {
  let pvc: PersistentVolumeClaim | undefined;
  await waitFor(async () => (pvc = await claim(name))?.status?.phase === 'Bound', { timeoutMs: TIMEOUT, what: `${name} Bound` });
  assert.equal(pvc!.spec?.storageClassName, 'local-path', 'the default class');
  const pv = (await volume(pvc!.spec!.volumeName!))!;
  assert.equal(pv.status?.phase, 'Bound');
  assert.equal(pv.spec?.claimRef?.name, name);
  assert.equal(pv.spec?.claimRef?.uid, pvc!.metadata.uid);
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.flatMap((t) => t.matchExpressions ?? []),
    [{ key: 'kubernetes.io/hostname', operator: 'In', values: [kubelet.nodeName] }]);
  const dir = pv.spec!.hostPath!.path;
  assert.equal(dir, join(root, `${pv.metadata.name}_${NS}_${name}`));
  return { pvc: pvc!, pv, dir };
}

const claimOf = (p: Pod): string | undefined => p.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName;

describe('a StatefulSet\'s volumeClaimTemplates with a real kubelet, local-path volumes and kubectl', { timeout: 300_000 }, () => {
  before(async () => {
    await ensureLocalImages({ log: () => undefined });
    root = await mkdtemp(join(tmpdir(), 'tskube-stsvol-'));
    cp = await startControlPlane();
    kubelet = await startKubelet(cp, { name: 'stsvol', cidr: POD_CIDR, args: ['--log-level', 'info'] });
    scheduler = startScheduler(cp, [], 'stsvol');
    cm = await startControllerManager(cp, [
      '--controllers', 'statefulset-controller,garbagecollector,persistentvolume-binder-controller,persistentvolumeclaim-protection-controller,persistentvolume-protection-controller,local-path-provisioner',
      '--local-path-root', root, '--local-path-helper-image', LOCAL_BUSYBOX_IMAGE,
    ], 'stsvol');
    await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await waitFor(async () => (await maybe('/apis/storage.k8s.io/v1/storageclasses/local-path')) !== undefined, { timeoutMs: TIMEOUT, what: 'the local-path class' });
  });

  after(async () => {
    const failures: unknown[] = [];
    const step = async (f: () => Promise<unknown> | undefined): Promise<void> => {
      try {
        await f();
      } catch (err) {
        failures.push(err);
      }
    };
    await step(() => cm?.stop());
    await step(() => scheduler?.stop());
    await step(() => kubelet?.cleanup());
    await step(() => cp?.stop());
    await step(() => (root ? rm(root, { recursive: true, force: true }) : undefined));
    if (failures.length === 1) throw failures[0];
    if (failures.length) throw new AggregateError(failures, failures.map((f) => (f as Error).message).join('; '));
  });

  const dirs = new Map<string, string>();
  const claimUids = new Map<string, string>();

  it('comes up in order, each pod with its own claim bound on first use to a local-path volume on the node', async () => {
    await api('POST', `/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'none', port: 80, protocol: 'TCP' }] },
    });
    await api('POST', `/apis/apps/v1/namespaces/${NS}/statefulsets`, {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 3, serviceName: 'web', selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [{
              name: 'main', image: LOCAL_BUSYBOX_IMAGE, imagePullPolicy: 'Never',
              command: ['sh', '-c', '[ -f /data/id ] || hostname > /data/id; sleep 100000'],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            }],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
        }],
      },
    });
    const out = await kubectl(cp, 'rollout', 'status', 'statefulset/web', '-n', NS, '--timeout=120s');
    assert.match(out, /partitioned roll out complete: 3 new pods have been updated\.\.\./);
    const all = await Promise.all(PODS.map(async (n) => (await pod(n))!));
    assert.ok(all.every(ready));
    // Ordered: each pod was created no earlier than its predecessor became Ready.
    for (let i = 1; i < all.length; i++) {
      const readyAt = all[i - 1].status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '';
      assert.ok((all[i].metadata.creationTimestamp ?? '') >= readyAt, `${PODS[i]} created at ${all[i].metadata.creationTimestamp}, ${PODS[i - 1]} ready at ${readyAt}`);
    }
    for (const p of all) {
      const name = p.metadata.name!;
      assert.equal(p.spec?.nodeName, kubelet.nodeName);
      assert.equal(claimOf(p), `data-${name}`);
      const { pvc, dir } = await boundClaim(`data-${name}`);
      dirs.set(name, dir);
      claimUids.set(name, pvc.metadata.uid!);
      assert.equal(await readFile(join(dir, 'id'), 'utf8'), `${name}\n`, 'the file is in the volume\'s directory on the node');
      assert.equal(await idIn(name), name);
    }
    assert.equal(new Set(dirs.values()).size, PODS.length, 'a volume each');
  });

  it('a pod deleted with kubectl comes back under the same name, with the same claim and contents', async () => {
    const before = (await pod('web-1'))!;
    await kubectl(cp, 'delete', 'pod', 'web-1', '-n', NS);
    const again = await readyPod('web-1', before.metadata.uid);
    assert.equal(claimOf(again), 'data-web-1');
    const { pvc, dir } = await boundClaim('data-web-1');
    assert.equal(pvc.metadata.uid, claimUids.get('web-1'), 'the same claim, not a new one');
    assert.equal(dir, dirs.get('web-1'));
    assert.equal(await idIn('web-1'), 'web-1');
  });

  it('scaled to 1 and back to 3, web-1 and web-2 reuse their retained claims and contents', async () => {
    const uids = new Map(await Promise.all(PODS.map(async (n) => [n, (await pod(n))!.metadata.uid!] as const)));
    await kubectl(cp, 'scale', 'statefulset', 'web', '-n', NS, '--replicas=1');
    await waitFor(async () => (await pod('web-1')) === undefined && (await pod('web-2')) === undefined, { timeoutMs: TIMEOUT, what: 'web-1 and web-2 gone' });
    // whenScaled: Retain (the default) keeps the claims, still bound.
    for (const n of ['web-1', 'web-2']) assert.equal((await boundClaim(`data-${n}`)).pvc.metadata.uid, claimUids.get(n));
    await kubectl(cp, 'scale', 'statefulset', 'web', '-n', NS, '--replicas=3');
    await kubectl(cp, 'rollout', 'status', 'statefulset/web', '-n', NS, '--timeout=120s');
    assert.equal((await pod('web-0'))!.metadata.uid, uids.get('web-0'), 'web-0 untouched');
    for (const n of ['web-1', 'web-2']) {
      const again = await readyPod(n, uids.get(n));
      assert.equal(claimOf(again), `data-${n}`);
      const { pvc, dir } = await boundClaim(`data-${n}`);
      assert.equal(pvc.metadata.uid, claimUids.get(n));
      assert.equal(dir, dirs.get(n));
    }
    for (const n of PODS) assert.equal(await idIn(n), n);
  });

  it('with whenDeleted: Delete, deleting the set deletes its claims, their volumes and directories', async () => {
    const pvs = await Promise.all(PODS.map(async (n) => (await claim(`data-${n}`))!.spec!.volumeName!));
    await kubectl(cp, 'patch', 'statefulset', 'web', '-n', NS, '--type=merge', '-p', '{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete"}}}');
    // The controller makes the set the owner of its claims.
    const set = await api('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets/web`) as { metadata: { uid: string } };
    await waitFor(async () => {
      for (const n of PODS) {
        const c = await claim(`data-${n}`);
        if (!c?.metadata.ownerReferences?.some((r) => r.kind === 'StatefulSet' && r.name === 'web' && r.uid === set.metadata.uid)) return false;
      }
      return true;
    }, { timeoutMs: TIMEOUT, what: 'the set owning its claims' });
    await kubectl(cp, 'delete', 'statefulset', 'web', '-n', NS);
    const none = async (get: (n: string) => Promise<unknown>, names: string[]): Promise<boolean> =>
      (await Promise.all(names.map(get))).every((x) => x === undefined);
    await waitFor(() => none(pod, PODS), { timeoutMs: TIMEOUT, what: 'the pods gone' });
    await waitFor(() => none(claim, PODS.map((n) => `data-${n}`)), { timeoutMs: TIMEOUT, what: 'the claims gone' });
    await waitFor(() => none(volume, pvs), { timeoutMs: TIMEOUT, what: 'the volumes gone' });
    for (const n of PODS) await assert.rejects(stat(dirs.get(n)!), /ENOENT/, `the helper pod removed ${n}'s directory`);
    let left: Pod[] = [];
    try {
      await waitFor(async () => (left = ((await api('GET', '/api/v1/namespaces/kube-system/pods')) as { items: Pod[] }).items).length === 0,
        { timeoutMs: 30_000, what: 'no helper pod left' });
    } catch (err) {
      throw new Error(`helper pods left: ${left.map((p) => `${p.metadata.name} ${p.status?.phase} created ${p.metadata.creationTimestamp}`).join(', ')}`, { cause: err });
    }
  });
});
