// ReplicaSetControllerRefManager (Kubernetes' pkg/controller/controller_ref_manager.go):
// which ReplicaSets a Deployment owns. It keeps those whose controllerRef names it and
// that its selector still matches, adopts matching orphans (after an uncached read shows
// the Deployment is not being deleted), releases owned ones that stopped matching, and
// leaves alone those owned by another controller or being deleted. The patches and the
// deletion recheck are the pod manager's (controller-ref-manager.ts).
import { isInvalid, isNotFound } from '../../api/errors.js';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import type { LabelSelectorMatcher } from '../../api/labels.js';
import type { ReplicaSet } from '../../api/types/apps.js';
import type { ObjectMeta } from '../../api/types/meta.js';
import { AggregateErrors, deleteOwnerRefPatch, ownerRefControllerPatch, type ControllerKind } from '../controller-ref-manager.js';

export interface ReplicaSetControllerRefManagerOptions {
  /** The strategic merge patch of a ReplicaSet (RSControlInterface.PatchReplicaSet). */
  patchReplicaSet(namespace: string, name: string, patch: unknown): Promise<unknown>;
  /** The controller (its name, namespace, uid, deletionTimestamp). */
  controller: { metadata: ObjectMeta };
  selector: LabelSelectorMatcher;
  kind: ControllerKind;
  /** Asked once, before the first adoption; rejects when adopting is not safe. */
  canAdopt?: () => Promise<void>;
}

/** Claims ReplicaSets for one Deployment during one sync. */
export class ReplicaSetControllerRefManager {
  private canAdoptResult?: Promise<void>;

  constructor(private readonly o: ReplicaSetControllerRefManagerOptions) {}

  /**
   * ClaimReplicaSets: the ReplicaSets (of those given) the controller owns afterwards.
   * Failed adoptions and releases are thrown together after every one was tried; one
   * gone meanwhile is simply not claimed.
   */
  async claimReplicaSets(sets: readonly ReplicaSet[]): Promise<ReplicaSet[]> {
    const claimed: ReplicaSet[] = [];
    const errors: unknown[] = [];
    for (const rs of sets) {
      try {
        if (await this.claim(rs)) claimed.push(rs);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateErrors(errors);
    return claimed;
  }

  private async claim(rs: ReplicaSet): Promise<boolean> {
    const { controller, selector } = this.o;
    const matches = selector.matches(rs.metadata.labels);
    const ref = controllerRef(rs);
    if (ref) {
      if (ref.uid !== controller.metadata.uid) return false;
      if (matches) return true;
      // Ours but no longer matching: release it, unless we are being deleted.
      if (controller.metadata.deletionTimestamp) return false;
      await this.release(rs);
      return false;
    }
    // An orphan: adopt it if it matches and neither it nor we are being deleted.
    if (controller.metadata.deletionTimestamp || !matches || rs.metadata.deletionTimestamp) return false;
    if (controller.metadata.namespace && controller.metadata.namespace !== rs.metadata.namespace) return false;
    try {
      await this.adopt(rs);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    return true;
  }

  /** AdoptReplicaSet: the apiserver refuses the patch if another reference already says controller. */
  private async adopt(rs: ReplicaSet): Promise<void> {
    const { namespace, name, uid } = rs.metadata;
    try {
      this.canAdoptResult ??= this.o.canAdopt ? this.o.canAdopt() : Promise.resolve();
      await this.canAdoptResult;
    } catch (err) {
      throw new Error(`can't adopt ReplicaSet ${namespace}/${name} (${uid}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    await this.o.patchReplicaSet(namespace ?? '', name ?? '', ownerRefControllerPatch(this.o.controller, this.o.kind, uid ?? ''));
  }

  /** ReleaseReplicaSet: one gone or answered Invalid (recreated under the same name) needs no release. */
  private async release(rs: ReplicaSet): Promise<void> {
    const { namespace, name, uid } = rs.metadata;
    try {
      await this.o.patchReplicaSet(namespace ?? '', name ?? '', deleteOwnerRefPatch(uid ?? '', [this.o.controller.metadata.uid ?? '']));
    } catch (err) {
      if (isNotFound(err) || isInvalid(err)) return;
      throw err;
    }
  }
}
