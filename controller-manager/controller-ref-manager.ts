// ControllerRef management (Kubernetes' pkg/controller/controller_ref_manager.go): which
// objects (pods of a ReplicaSet, ReplicaSets of a Deployment) a controller owns. A
// controller claims what its selector matches: it keeps those whose controllerRef
// names it, adopts matching orphans (a patch adding its controllerRef, only after an
// uncached read shows it is not being deleted), releases owned ones that no longer
// match (a patch removing its reference), and leaves alone those owned by another
// controller or being deleted.
import { isInvalid, isNotFound } from '../api/errors.js';
import { controllerRef } from '../api/helpers/owner-refs.js';
import type { LabelSelectorMatcher } from '../api/labels.js';
import type { Pod } from '../api/types/core.js';
import type { KubeObject, ObjectMeta } from '../api/types/meta.js';
import type { PodControl } from './pod-control.js';

/** The index of a controller's cache by its objects' controller uid (Kubernetes' controllerUIDIndex). */
export const CONTROLLER_UID_INDEX = 'controllerUID';

/** Files an object under the uid of its controller, if it has one. One function, so every user of a shared cache adds the same index. */
export function controllerUIDIndexFunc(obj: KubeObject): string[] {
  const ref = controllerRef(obj);
  return ref ? [ref.uid] : [];
}

/** The kind a controller's references name: `{ apiVersion: 'apps/v1', kind: 'ReplicaSet' }`. */
export interface ControllerKind {
  apiVersion: string;
  kind: string;
}

/**
 * RecheckDeletionTimestamp: a canAdopt check that reads the controller fresh (not from
 * a cache) and refuses adoption if it is being deleted, so a controller never adopts
 * pods just as the garbage collector is about to orphan or delete them (#42639).
 * getObject should also fail when the object found is not the same one (uid changed).
 */
export function recheckDeletionTimestamp(getObject: () => Promise<Pick<KubeObject, 'metadata'>>): () => Promise<void> {
  return async () => {
    let obj: Pick<KubeObject, 'metadata'>;
    try {
      obj = await getObject();
    } catch (err) {
      throw new Error(`can't recheck DeletionTimestamp: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (obj.metadata.deletionTimestamp) {
      throw new Error(`${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''} has just been deleted at ${obj.metadata.deletionTimestamp}`);
    }
  };
}

/** The strategic merge patch that makes controller the pod's controller (ownerRefControllerPatch); the uid fails it for a recreated pod. */
export function ownerRefControllerPatch(controller: Pick<KubeObject, 'metadata'>, kind: ControllerKind, uid: string, finalizers: string[] = []): unknown {
  return {
    metadata: {
      ownerReferences: [{
        apiVersion: kind.apiVersion, kind: kind.kind, name: controller.metadata.name, uid: controller.metadata.uid,
        controller: true, blockOwnerDeletion: true,
      }],
      uid,
      ...(finalizers.length ? { finalizers } : {}),
    },
  };
}

/** GenerateDeleteOwnerRefStrategicMergeBytes: removes the references to ownerUIDs (and finalizers) from the dependent with that uid. */
export function deleteOwnerRefPatch(dependentUID: string, ownerUIDs: string[], finalizers: string[] = []): unknown {
  return {
    metadata: {
      uid: dependentUID,
      ownerReferences: ownerUIDs.map((uid) => ({ $patch: 'delete', uid })),
      ...(finalizers.length ? { '$deleteFromPrimitiveList/finalizers': finalizers } : {}),
    },
  };
}

/** Several errors as one, worded as apimachinery's utilerrors.NewAggregate: "msg" or "[msg1, msg2]". */
export class AggregateErrors extends Error {
  constructor(readonly errors: unknown[]) {
    const msgs = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    super(msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`);
    this.name = 'AggregateErrors';
  }
}

export interface ControllerRefManagerOptions {
  /** The controller (its metadata: name, namespace, uid, deletionTimestamp). */
  controller: { metadata: ObjectMeta };
  selector: LabelSelectorMatcher;
  /** The kind the controller's references name. */
  kind: ControllerKind;
  /** Kind of the objects claimed, for messages: 'Pod', 'ReplicaSet'. */
  objectKind: string;
  /** A strategic merge patch of one claimed object (PodControl.patchPod, PatchReplicaSet). */
  patch(namespace: string, name: string, patch: unknown): Promise<unknown>;
  /** Asked once, before the first adoption; rejects when adopting is not safe. */
  canAdopt?: () => Promise<void>;
  /** Finalizers added on adoption and removed on release (Jobs use one). */
  finalizers?: string[];
}

/**
 * BaseControllerRefManager: claims objects of one kind (pods, ReplicaSets) for one
 * controller during one sync. Built per sync from what the controller read; claim()
 * is then called once.
 */
export class ControllerRefManager<T extends KubeObject> {
  private canAdoptResult?: Promise<void>;

  constructor(protected readonly o: ControllerRefManagerOptions) {}

  /**
   * The objects (of those given) this controller owns after claiming: owned and
   * matching, or orphans just adopted. Adoptions and releases that fail are collected
   * and thrown together (AggregateErrors) after every object was tried; one gone
   * meanwhile is simply not claimed. filters narrow what "matches" beyond the selector.
   */
  async claim(objs: readonly T[], ...filters: ((obj: T) => boolean)[]): Promise<T[]> {
    const match = (obj: T): boolean => this.o.selector.matches(obj.metadata.labels) && filters.every((f) => f(obj));
    const claimed: T[] = [];
    const errors: unknown[] = [];
    // One at a time, as Kubernetes does: a selector that suddenly matches hundreds of
    // orphans must not turn into hundreds of concurrent patches.
    for (const obj of objs) {
      try {
        if (await this.claimObject(obj, match)) claimed.push(obj);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateErrors(errors);
    return claimed;
  }

  /** ClaimObject: true when the controller owns obj afterwards. */
  private async claimObject(obj: T, match: (obj: T) => boolean): Promise<boolean> {
    const { controller } = this.o;
    const ref = controllerRef(obj);
    if (ref) {
      if (ref.uid !== controller.metadata.uid) return false; // owned by someone else
      if (match(obj)) return true;
      // Ours but no longer matching: release it, unless we are being deleted.
      if (controller.metadata.deletionTimestamp) return false;
      await this.release(obj);
      return false;
    }
    // An orphan: adopt it if it matches and neither it nor we are being deleted.
    if (controller.metadata.deletionTimestamp || !match(obj)) return false;
    if (obj.metadata.deletionTimestamp) return false;
    if (controller.metadata.namespace && controller.metadata.namespace !== obj.metadata.namespace) return false;
    try {
      await this.adopt(obj);
    } catch (err) {
      if (isNotFound(err)) return false; // gone meanwhile
      throw err;
    }
    return true;
  }

  /** Adopts obj (after canAdopt); the apiserver refuses the patch if another reference already says controller. */
  async adopt(obj: T): Promise<void> {
    const { namespace, name, uid } = obj.metadata;
    try {
      this.canAdoptResult ??= this.o.canAdopt ? this.o.canAdopt() : Promise.resolve();
      await this.canAdoptResult;
    } catch (err) {
      throw new Error(`can't adopt ${this.o.objectKind} ${namespace ?? ''}/${name ?? ''} (${uid ?? ''}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    await this.o.patch(namespace ?? '', name ?? '', ownerRefControllerPatch(this.o.controller, this.o.kind, uid ?? '', this.o.finalizers));
  }

  /**
   * Releases obj. One gone, or answered Invalid (no such reference, or an object
   * recreated under the same name: the uid in the patch differs), needs no release.
   */
  async release(obj: T): Promise<void> {
    const { namespace, name, uid } = obj.metadata;
    try {
      await this.o.patch(namespace ?? '', name ?? '', deleteOwnerRefPatch(uid ?? '', [this.o.controller.metadata.uid ?? ''], this.o.finalizers));
    } catch (err) {
      if (isNotFound(err) || isInvalid(err)) return;
      throw err;
    }
  }
}

export interface PodControllerRefManagerOptions extends Omit<ControllerRefManagerOptions, 'objectKind' | 'patch'> {
  podControl: PodControl;
}

/** PodControllerRefManager: a ControllerRefManager of pods, patching through PodControl. */
export class PodControllerRefManager extends ControllerRefManager<Pod> {
  constructor(o: PodControllerRefManagerOptions) {
    super({ ...o, objectKind: 'Pod', patch: (namespace, name, patch) => o.podControl.patchPod(namespace, name, patch) });
  }

  /** ClaimPods: see claim(). */
  claimPods(pods: readonly Pod[], ...filters: ((pod: Pod) => boolean)[]): Promise<Pod[]> {
    return this.claim(pods, ...filters);
  }
}
