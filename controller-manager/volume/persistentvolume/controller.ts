// The persistent volume binder (Kubernetes' PersistentVolumeController): binds claims
// to volumes, asks external provisioners for new volumes, keeps both sides' status, and
// releases volumes whose claims are gone (reclaim: Retain leaves them Released, Delete
// is the provisioner's for the volumes it made). Two queues as in Kubernetes: claims
// ("namespace/name") and volumes ("name"); the decisions are binder.ts'.
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../../../api/errors.js';
import {
  ANN_BETA_STORAGE_PROVISIONER, ANN_BOUND_BY_CONTROLLER, ANN_DYNAMICALLY_PROVISIONED, ANN_STORAGE_PROVISIONER,
} from '../../../api/helpers/storage.js';
import type { Node, PersistentVolume, PersistentVolumeClaim } from '../../../api/types/core.js';
import type { StorageClass } from '../../../api/types/storage.js';
import type { Clock } from '../../../client/clock.js';
import type { EventRecorder } from '../../../client/event-recorder.js';
import { keyOf, splitKey, type Informer } from '../../../client/informer.js';
import type { WorkQueue } from '../../../client/work-queue.js';
import { controllerQueue, runQueue, type Controller } from '../../controller.js';
import type { ControllerMetrics } from '../../metrics.js';
import {
  type BinderView, boundClaimStatus, claimBoundTo, decideClaim, decideVolume, volumeBoundTo,
} from './binder.js';

export const NAME = 'persistentvolume-binder-controller';

/** The controller's writes (tests pass a recording fake). */
export interface PVControllerClient {
  updateVolume(pv: PersistentVolume): Promise<PersistentVolume>;
  updateVolumeStatus(pv: PersistentVolume): Promise<PersistentVolume>;
  updateClaim(pvc: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
  updateClaimStatus(pvc: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
}

type Cache<T extends PersistentVolume | PersistentVolumeClaim | StorageClass | Node> = Pick<Informer<T>, 'get' | 'getByKey' | 'list' | 'addEventHandler'>;

export interface PVControllerOptions {
  volumes: Cache<PersistentVolume>;
  claims: Cache<PersistentVolumeClaim>;
  classes: Cache<StorageClass>;
  nodes: Cache<Node>;
  client: PVControllerClient;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
}

const PROVISIONING_MESSAGE = (p: string): string =>
  `Waiting for a volume to be created either by the external provisioner '${p}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`;

export class PersistentVolumeController implements Controller {
  readonly name = NAME;
  readonly claimQueue: WorkQueue;
  readonly volumeQueue: WorkQueue;
  readonly view: BinderView;

  constructor(private readonly o: PVControllerOptions) {
    this.claimQueue = controllerQueue({ name: 'claims', clock: o.clock, metrics: o.metrics });
    this.volumeQueue = controllerQueue({ name: 'volumes', clock: o.clock, metrics: o.metrics });
    this.view = {
      volume: (name) => o.volumes.getByKey(name),
      volumes: () => o.volumes.list(),
      claim: (ns, name) => o.claims.get(ns, name),
      storageClass: (name) => o.classes.getByKey(name),
      node: (name) => o.nodes.getByKey(name),
    };
    const claim = (pvc: PersistentVolumeClaim): void => this.claimQueue.add(keyOf(pvc));
    o.claims.addEventHandler({
      add: claim,
      update: (_, pvc) => claim(pvc),
      // A claim gone releases its volume.
      delete: (pvc) => { if (pvc.spec?.volumeName) this.volumeQueue.add(pvc.spec.volumeName); },
    });
    const volume = (pv: PersistentVolume): void => {
      this.volumeQueue.add(keyOf(pv));
      const ref = pv.spec?.claimRef;
      if (ref?.name) this.claimQueue.add(`${ref.namespace ?? ''}/${ref.name}`);
    };
    o.volumes.addEventHandler({ add: volume, update: (_, pv) => volume(pv), delete: volume });
    // A class appearing may let pending claims provision.
    o.classes.addEventHandler({ add: () => { for (const pvc of o.claims.list()) if (!pvc.spec?.volumeName) claim(pvc); } });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.o.log.info({ controller: NAME }, 'starting controller');
    const opts = { workers: 1, log: this.o.log, clock: this.o.clock, metrics: this.o.metrics };
    await Promise.all([
      runQueue(this.claimQueue, (key) => this.syncClaim(key), signal, { ...opts, name: `${NAME}-claims` }),
      runQueue(this.volumeQueue, (key) => this.syncVolume(key), signal, { ...opts, name: `${NAME}-volumes` }),
    ]);
    this.o.log.info({ controller: NAME }, 'shutting down controller');
  }

  async syncClaim(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pvc = this.o.claims.get(namespace, name);
    if (!pvc) return;
    const action = decideClaim(pvc, this.view);
    const log = this.o.log.child({ claim: key });
    try {
      switch (action.type) {
        case 'none': return;
        case 'pending':
          if (action.reason) this.o.recorder.event(pvc, action.eventType ?? 'Normal', action.reason, action.message ?? '');
          await this.claimPhase(pvc, 'Pending');
          return;
        case 'provision': {
          const a = pvc.metadata.annotations ?? {};
          if (a[ANN_STORAGE_PROVISIONER] === action.provisioner && a[ANN_BETA_STORAGE_PROVISIONER] === action.provisioner) {
            this.o.recorder.event(pvc, 'Normal', 'ExternalProvisioning', PROVISIONING_MESSAGE(action.provisioner));
            await this.claimPhase(pvc, 'Pending');
            return;
          }
          const next = structuredClone(pvc);
          next.metadata.annotations = { ...a, [ANN_STORAGE_PROVISIONER]: action.provisioner, [ANN_BETA_STORAGE_PROVISIONER]: action.provisioner };
          await this.o.client.updateClaim(next);
          this.o.recorder.event(pvc, 'Normal', 'ExternalProvisioning', PROVISIONING_MESSAGE(action.provisioner));
          log.info({ provisioner: action.provisioner }, 'asked the external provisioner for a volume');
          return;
        }
        case 'bind': await this.bind(action.volume, pvc, log); return;
        case 'bound': {
          const status = boundClaimStatus(pvc, action.volume);
          if (pvc.status?.phase !== 'Bound' || JSON.stringify(status) !== JSON.stringify(pvc.status)) {
            await this.o.client.updateClaimStatus({ ...structuredClone(pvc), status });
          }
          return;
        }
        case 'lost':
          if (pvc.status?.phase !== 'Lost') {
            this.o.recorder.event(pvc, 'Warning', 'ClaimLost', action.message);
            await this.claimPhase(pvc, 'Lost');
          }
          return;
      }
    } catch (err) {
      // A stale cache: the update event that follows brings the next sync.
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
  }

  /** bind(): the volume's claimRef, its phase, the claim's volumeName, then its status: each step only if needed. */
  private async bind(pv: PersistentVolume, pvc: PersistentVolumeClaim, log: Logger): Promise<void> {
    let volume = pv;
    const withRef = volumeBoundTo(volume, pvc);
    if (withRef) volume = await this.o.client.updateVolume(withRef);
    if (volume.status?.phase !== 'Bound') {
      volume = await this.o.client.updateVolumeStatus({ ...structuredClone(volume), status: { ...volume.status, phase: 'Bound', message: undefined, reason: undefined } });
    }
    let claim = pvc;
    const withName = claimBoundTo(claim, volume);
    if (withName) claim = await this.o.client.updateClaim(withName);
    const status = boundClaimStatus(claim, volume);
    if (JSON.stringify(status) !== JSON.stringify(claim.status)) await this.o.client.updateClaimStatus({ ...structuredClone(claim), status });
    log.info({ volume: volume.metadata.name }, 'bound claim to volume');
  }

  private async claimPhase(pvc: PersistentVolumeClaim, phase: 'Pending' | 'Lost'): Promise<void> {
    if (pvc.status?.phase === phase) return;
    await this.o.client.updateClaimStatus({ ...structuredClone(pvc), status: { ...pvc.status, phase } });
  }

  async syncVolume(key: string): Promise<void> {
    const pv = this.o.volumes.getByKey(key);
    if (!pv) return;
    const action = decideVolume(pv, this.view);
    try {
      switch (action.type) {
        case 'none': return;
        case 'enqueueClaim': this.claimQueue.add(`${action.namespace}/${action.name}`); return;
        case 'phase':
          await this.o.client.updateVolumeStatus({ ...structuredClone(pv), status: { ...pv.status, phase: action.phase, reason: action.reason, message: action.message } });
          return;
        case 'unbind': {
          const next = structuredClone(pv);
          delete next.spec!.claimRef;
          const annotations = { ...next.metadata.annotations };
          delete annotations[ANN_BOUND_BY_CONTROLLER];
          next.metadata.annotations = annotations;
          const updated = await this.o.client.updateVolume(next);
          await this.o.client.updateVolumeStatus({ ...updated, status: { ...updated.status, phase: 'Available' } });
          return;
        }
        case 'reclaim': await this.reclaim(pv, action.policy); return;
      }
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
  }

  /** reclaimVolume: Retain keeps the data (the volume stays Released); Delete is the provisioner's. */
  private async reclaim(pv: PersistentVolume, policy: string): Promise<void> {
    const log = this.o.log.child({ volume: pv.metadata.name });
    if (policy === 'Retain') {
      log.debug('volume is released and its reclaim policy is Retain: nothing to do');
      return;
    }
    if (policy === 'Delete' && pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED]) {
      // The external provisioner that made it deletes the storage, then the volume.
      log.debug({ provisioner: pv.metadata.annotations[ANN_DYNAMICALLY_PROVISIONED] }, 'volume is released: waiting for its provisioner to delete it');
      return;
    }
    const message = policy === 'Delete'
      ? `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`
      : `No recycler plugin found for the volume!`;
    const reason = policy === 'Delete' ? 'VolumeFailedDelete' : 'VolumeFailedRecycle';
    this.o.recorder.event(pv, 'Warning', reason, message);
    await this.o.client.updateVolumeStatus({ ...structuredClone(pv), status: { ...pv.status, phase: 'Failed', reason, message } });
  }
}
