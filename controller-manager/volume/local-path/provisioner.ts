// The local-path provisioner (k3s' rancher/local-path-provisioner, which k3s ships with
// its `local-path` StorageClass): an external provisioner for claims annotated
// volume.kubernetes.io/storage-provisioner=rancher.io/local-path. Its class is
// WaitForFirstConsumer, so a claim is provisioned once the scheduler has put
// volume.kubernetes.io/selected-node on it:
//   1. a helper pod on that node (hostPath of the root mounted) creates the directory
//      <root>/<pv>_<namespace>_<claim> (mode 0777), as k3s' setup script does;
//   2. once it succeeded, the provisioner creates the PersistentVolume pvc-<claim uid>:
//      hostPath of that directory, node affinity to the node, the class' reclaim policy,
//      pre-bound to the claim (the PV binder finishes the binding).
// A Released volume of this provisioner under reclaimPolicy Delete is torn down the same
// way: a helper pod removes the directory on its node, then the volume is deleted.
// It runs inside the controller manager (one process less than k3s' Deployment; the
// same API contract), and at start creates the `local-path` class, marked default,
// unless one of that name exists (k3s' manifests do that).
import { posix } from 'node:path';
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound } from '../../../api/errors.js';
import {
  ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, claimClass,
} from '../../../api/helpers/storage.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../../api/types/core.js';
import { IS_DEFAULT_CLASS_ANNOTATION, type StorageClass } from '../../../api/types/storage.js';
import type { Clock } from '../../../client/clock.js';
import type { EventRecorder } from '../../../client/event-recorder.js';
import { keyOf, type Informer } from '../../../client/informer.js';
import type { WorkQueue } from '../../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../../controller.js';
import type { ControllerMetrics } from '../../metrics.js';

export const NAME = 'local-path-provisioner';
export const PROVISIONER = 'rancher.io/local-path';
export const DEFAULT_ROOT = '/var/lib/tskube/local-path-provisioner';
export const DEFAULT_HELPER_IMAGE = 'tskube.local/busybox:1.35';
export const DEFAULT_CLASS_NAME = 'local-path';
/** On a helper pod: the queue key of the claim or volume it works for. */
export const ANN_HELPER_FOR = 'local-path-provisioner.tskube.local/for';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export interface LocalPathOptions {
  /** Where volumes live on every node (k3s' nodePathMap DEFAULT_PATH_FOR_NON_LISTED_NODES). */
  root: string;
  helperImage: string;
  /** Namespace of the helper pods. */
  helperNamespace: string;
  /** The class created at start ("" for none). */
  className: string;
}

export interface LocalPathClient {
  createVolume(pv: PersistentVolume): Promise<PersistentVolume>;
  deleteVolume(name: string): Promise<void>;
  createPod(pod: Pod): Promise<Pod>;
  deletePod(namespace: string, name: string): Promise<void>;
  getStorageClass(name: string): Promise<StorageClass | undefined>;
  createStorageClass(sc: StorageClass): Promise<StorageClass>;
}

export interface LocalPathDeps {
  claims: Pick<Informer<PersistentVolumeClaim>, 'get' | 'list' | 'addEventHandler'>;
  volumes: Pick<Informer<PersistentVolume>, 'getByKey' | 'list' | 'addEventHandler'>;
  classes: Pick<Informer<StorageClass>, 'getByKey' | 'addEventHandler'>;
  pods: Pick<Informer<Pod>, 'get' | 'addEventHandler'>;
  client: LocalPathClient;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  options: LocalPathOptions;
}

/** The `local-path` StorageClass as k3s ships it. */
export function localPathStorageClass(name: string): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name, annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** The directory of a claim's volume on its node: <root>/<pv>_<namespace>_<claim>. */
export function volumePath(root: string, pvName: string, pvc: PersistentVolumeClaim): string {
  return posix.join(root, `${pvName}_${pvc.metadata.namespace}_${pvc.metadata.name}`);
}

/** The volume the provisioner makes for a claim on a node. */
export function provisionedVolume(pvc: PersistentVolumeClaim, sc: StorageClass, node: string, path: string): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: `pvc-${pvc.metadata.uid}`, annotations: { [ANN_DYNAMICALLY_PROVISIONED]: PROVISIONER, 'local.path.provisioner/selected-node': node } },
    spec: {
      capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '0' },
      accessModes: pvc.spec?.accessModes ?? [],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion },
      hostPath: { path, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [node] }] }] } },
    },
  };
}

/** The node a provisioned volume lives on (its node affinity). */
export function volumeNode(pv: PersistentVolume): string | undefined {
  for (const t of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of t.matchExpressions ?? []) if (e.key === HOSTNAME_LABEL && e.operator === 'In' && e.values?.length === 1) return e.values[0];
  }
  return pv.metadata.annotations?.['local.path.provisioner/selected-node'];
}

/**
 * A helper pod (k3s' createHelperPod): on `node`, with the parent directory of `path`
 * mounted at the same place, running `script` with VOL_DIR set; never restarted,
 * tolerating every taint.
 */
export function helperPod(action: 'create' | 'delete', pvName: string, node: string, path: string, o: LocalPathOptions, forKey: string): Pod {
  const parent = posix.dirname(path);
  const script = action === 'create' ? 'mkdir -m 0777 -p "$VOL_DIR"' : 'rm -rf "$VOL_DIR"';
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `helper-pod-${action}-${pvName}`, namespace: o.helperNamespace, annotations: { [ANN_HELPER_FOR]: forKey } },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      containers: [{
        name: 'helper-pod', image: o.helperImage, imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', '-c', script],
        env: [{ name: 'VOL_DIR', value: path }, { name: 'VOL_MODE', value: 'Filesystem' }],
        volumeMounts: [{ name: 'data', mountPath: parent }],
      }],
      volumes: [{ name: 'data', hostPath: { path: parent, type: 'DirectoryOrCreate' } }],
    },
  };
}

export class LocalPathProvisioner implements Controller {
  readonly name = NAME;
  readonly queue: WorkQueue;

  constructor(private readonly d: LocalPathDeps) {
    this.queue = controllerQueue({ name: NAME, clock: d.clock, metrics: d.metrics });
    const claim = (pvc: PersistentVolumeClaim): void => {
      if (pvc.metadata.annotations?.[ANN_STORAGE_PROVISIONER] === PROVISIONER && !pvc.spec?.volumeName) this.queue.add(`claim:${keyOf(pvc)}`);
    };
    d.claims.addEventHandler({ add: claim, update: (_, pvc) => claim(pvc) });
    const volume = (pv: PersistentVolume): void => {
      if (pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] === PROVISIONER) this.queue.add(`volume:${keyOf(pv)}`);
    };
    d.volumes.addEventHandler({ add: volume, update: (_, pv) => volume(pv), delete: volume });
    const pod = (p: Pod): void => {
      const forKey = p.metadata.annotations?.[ANN_HELPER_FOR];
      if (forKey && p.metadata.namespace === d.options.helperNamespace) this.queue.add(forKey);
    };
    d.pods.addEventHandler({ add: pod, update: (_, p) => pod(p), delete: pod });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.d.log.info({ controller: NAME, root: this.d.options.root }, 'starting controller');
    await this.ensureStorageClass();
    await runQueue(this.queue, (key) => this.sync(key), signal, { name: NAME, workers: 2, log: this.d.log, clock: this.d.clock, metrics: this.d.metrics });
    this.d.log.info({ controller: NAME }, 'shutting down controller');
  }

  /** Creates the class unless one of its name exists; a user's change to it is kept. */
  async ensureStorageClass(): Promise<void> {
    const name = this.d.options.className;
    if (!name) return;
    try {
      if (await this.d.client.getStorageClass(name)) return;
      await this.d.client.createStorageClass(localPathStorageClass(name));
      this.d.log.info({ storageClass: name }, 'created the default StorageClass');
    } catch (err) {
      if (!isAlreadyExists(err)) this.d.log.error({ err, storageClass: name }, 'creating the StorageClass failed');
    }
  }

  async sync(key: string): Promise<void> {
    const [kind, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    try {
      if (kind === 'claim') await this.syncClaim(rest);
      else if (kind === 'volume') await this.syncVolume(rest);
    } catch (err) {
      if (isConflict(err)) return;
      throw err;
    }
  }

  private async syncClaim(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const pvc = this.d.claims.get(namespace, name);
    if (!pvc || pvc.metadata.deletionTimestamp) return;
    if (pvc.metadata.annotations?.[ANN_STORAGE_PROVISIONER] !== PROVISIONER) return;
    const pvName = `pvc-${pvc.metadata.uid}`;
    const podName = `helper-pod-create-${pvName}`;
    if (pvc.spec?.volumeName || this.d.volumes.getByKey(pvName)) {
      // Provisioned. The cache of volumes may have lagged the helper's deletion, which
      // then started another helper: it goes too.
      if (this.d.pods.get(this.d.options.helperNamespace, podName)) await this.deleteHelper(podName);
      return;
    }
    const sc = this.d.classes.getByKey(claimClass(pvc));
    if (!sc || sc.provisioner !== PROVISIONER) return;
    const node = pvc.metadata.annotations?.[ANN_SELECTED_NODE];
    if (!node) {
      if (sc.volumeBindingMode !== 'WaitForFirstConsumer') {
        this.d.recorder.event(pvc, 'Warning', 'ProvisioningFailed', 'failed to provision volume with StorageClass "' + sc.metadata.name + '": configuration error, no node was specified');
      }
      return;
    }
    const path = volumePath(this.d.options.root, pvName, pvc);
    const helper = this.d.pods.get(this.d.options.helperNamespace, podName);
    if (!helper) {
      this.d.recorder.event(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
      await this.createHelper(helperPod('create', pvName, node, path, this.d.options, `claim:${key}`));
      return;
    }
    const phase = helper.status?.phase;
    if (phase === 'Failed') {
      this.d.recorder.event(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": create process failed`);
      await this.deleteHelper(podName);
      throw new Error(`helper pod ${podName} failed`);
    }
    if (phase !== 'Succeeded') return;
    try {
      await this.d.client.createVolume(provisionedVolume(pvc, sc, node, path));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    this.d.recorder.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
    this.d.log.info({ claim: key, volume: pvName, node, path }, 'provisioned volume');
    await this.deleteHelper(podName);
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.d.volumes.getByKey(name);
    const podName = `helper-pod-delete-${name}`;
    if (!pv) {
      // Deleted. A helper started while the cache still held the volume goes too.
      if (this.d.pods.get(this.d.options.helperNamespace, podName)) await this.deleteHelper(podName);
      return;
    }
    if (pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] !== PROVISIONER) return;
    // Being deleted (by us, held by the pv-protection finalizer, or by a user): no new helper.
    if (pv.metadata.deletionTimestamp) return;
    if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    const node = volumeNode(pv);
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!node || !path) {
      this.d.log.warn({ volume: name }, 'cannot tell the node or path of a released volume: deleting only the object');
    } else {
      const helper = this.d.pods.get(this.d.options.helperNamespace, podName);
      if (!helper) {
        await this.createHelper(helperPod('delete', name, node, path, this.d.options, `volume:${name}`));
        return;
      }
      if (helper.status?.phase === 'Failed') {
        this.d.recorder.event(pv, 'Warning', 'VolumeFailedDelete', 'failed to delete volume: delete process failed');
        await this.deleteHelper(podName);
        throw new Error(`helper pod ${podName} failed`);
      }
      if (helper.status?.phase !== 'Succeeded') return;
    }
    try {
      await this.d.client.deleteVolume(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.d.log.info({ volume: name, node, path }, 'deleted volume');
    if (node && path) await this.deleteHelper(podName);
  }

  private async createHelper(pod: Pod): Promise<void> {
    try {
      await this.d.client.createPod(pod);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  private async deleteHelper(name: string): Promise<void> {
    try {
      await this.d.client.deletePod(this.d.options.helperNamespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
