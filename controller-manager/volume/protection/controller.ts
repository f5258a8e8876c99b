// The PVC and PV protection controllers (pkg/controller/volume/pvcprotection and
// pvprotection): the StorageObjectInUseProtection admission plugin gives every new
// claim the kubernetes.io/pvc-protection finalizer and every new volume the
// kubernetes.io/pv-protection finalizer. When such an object is being deleted, the
// controller removes its finalizer once nothing uses it: a claim no scheduled, running
// pod names in its volumes (checked against the cache, then a live list, as Kubernetes
// does, so a pod the cache has not seen yet keeps the claim); a volume not Bound.
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../../../api/errors.js';
import { isPodTerminal } from '../../../api/helpers/pod.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../../api/helpers/storage.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../../../api/types/core.js';
import type { Clock } from '../../../client/clock.js';
import { keyOf, splitKey, type Informer } from '../../../client/informer.js';
import type { WorkQueue } from '../../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../../controller.js';
import type { ControllerMetrics } from '../../metrics.js';

export const PVC_PROTECTION_NAME = 'persistentvolumeclaim-protection-controller';
export const PV_PROTECTION_NAME = 'persistentvolume-protection-controller';

/** Whether the pod holds the claim: scheduled, not finished, and naming it in a volume (podUsesPVC). */
export function podUsesClaim(pod: Pod, namespace: string, claimName: string): boolean {
  if (pod.metadata.namespace !== namespace || !pod.spec?.nodeName || isPodTerminal(pod)) return false;
  return (pod.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claimName);
}

/** The object without the finalizer, or undefined when it does not carry it. */
export function withoutFinalizer<T extends PersistentVolume | PersistentVolumeClaim>(obj: T, finalizer: string): T | undefined {
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) return undefined;
  const next = structuredClone(obj);
  next.metadata.finalizers = finalizers.filter((f) => f !== finalizer);
  return next;
}

export interface PVCProtectionOptions {
  claims: Pick<Informer<PersistentVolumeClaim>, 'get' | 'addEventHandler'>;
  pods: Pick<Informer<Pod>, 'listByNamespace' | 'addEventHandler'>;
  client: {
    updateClaim(pvc: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
    /** Live list of the namespace's pods (the uncached check). */
    listPods(namespace: string): Promise<Pod[]>;
  };
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

export class PVCProtectionController implements Controller {
  readonly name = PVC_PROTECTION_NAME;
  readonly queue: WorkQueue;

  constructor(private readonly o: PVCProtectionOptions) {
    this.queue = controllerQueue({ name: PVC_PROTECTION_NAME, clock: o.clock, metrics: o.metrics });
    const claim = (pvc: PersistentVolumeClaim): void => {
      if (pvc.metadata.deletionTimestamp && pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) this.queue.add(keyOf(pvc));
    };
    o.claims.addEventHandler({ add: claim, update: (_, pvc) => claim(pvc) });
    // A pod that finished or went away may free its claims.
    const pod = (p: Pod): void => {
      for (const v of p.spec?.volumes ?? []) if (v.persistentVolumeClaim) this.queue.add(`${p.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
    };
    o.pods.addEventHandler({ add: pod, update: (_, p) => pod(p), delete: pod });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: PVC_PROTECTION_NAME }, 'starting controller');
    await runQueue(this.queue, (key) => this.sync(key), signal, { name: PVC_PROTECTION_NAME, workers: 1, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics });
    this.o.log.info({ controller: PVC_PROTECTION_NAME }, 'shutting down controller');
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pvc = this.o.claims.get(namespace, name);
    if (!pvc?.metadata.deletionTimestamp) return;
    const next = withoutFinalizer(pvc, PVC_PROTECTION_FINALIZER);
    if (!next) return;
    if (this.o.pods.listByNamespace(namespace).some((p) => podUsesClaim(p, namespace, name))) return;
    // The cache may lag a pod just created: ask the server before letting go.
    if ((await this.o.client.listPods(namespace)).some((p) => podUsesClaim(p, namespace, name))) return;
    try {
      await this.o.client.updateClaim(next);
      this.o.log.info({ claim: key }, 'removed the pvc-protection finalizer');
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
  }
}

export interface PVProtectionOptions {
  volumes: Pick<Informer<PersistentVolume>, 'getByKey' | 'addEventHandler'>;
  client: { updateVolume(pv: PersistentVolume): Promise<PersistentVolume> };
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

export class PVProtectionController implements Controller {
  readonly name = PV_PROTECTION_NAME;
  readonly queue: WorkQueue;

  constructor(private readonly o: PVProtectionOptions) {
    this.queue = controllerQueue({ name: PV_PROTECTION_NAME, clock: o.clock, metrics: o.metrics });
    const volume = (pv: PersistentVolume): void => {
      if (pv.metadata.deletionTimestamp && pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) this.queue.add(keyOf(pv));
    };
    o.volumes.addEventHandler({ add: volume, update: (_, pv) => volume(pv) });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: PV_PROTECTION_NAME }, 'starting controller');
    await runQueue(this.queue, (key) => this.sync(key), signal, { name: PV_PROTECTION_NAME, workers: 1, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics });
    this.o.log.info({ controller: PV_PROTECTION_NAME }, 'shutting down controller');
  }

  async sync(key: string): Promise<void> {
    const pv = this.o.volumes.getByKey(key);
    // A Bound volume is in use (isBeingUsed).
    if (!pv?.metadata.deletionTimestamp || pv.status?.phase === 'Bound') return;
    const next = withoutFinalizer(pv, PV_PROTECTION_FINALIZER);
    if (!next) return;
    try {
      await this.o.client.updateVolume(next);
      this.o.log.info({ volume: key }, 'removed the pv-protection finalizer');
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
  }
}
