// The strategy of CustomResourceDefinitions (apiextensions-apiserver pkg/registry/
// customresourcedefinition): status belongs to the apiserver's own controllers
// (naming, establishing, finalizer in controller.ts); the storage version is recorded
// in status.storedVersions on every write; the first DELETE adds the cleanup finalizer
// and the Terminating condition, so the CRD stays until its objects are gone.
import { rfc3339Now } from '../../api/helpers/time.js';
import {
  CRD_CLEANUP_FINALIZER, type CustomResourceDefinition, type CustomResourceDefinitionCondition, type CustomResourceDefinitionStatus,
} from '../../api/types/apiextensions.js';
import type { KubeObject } from '../../api/types/meta.js';
import { defaultStrategy, type Strategy } from '../registry/strategy.js';

/** Sets (or replaces) a condition, keeping lastTransitionTime when the status does not change (SetCRDCondition). */
export function setCondition(status: CustomResourceDefinitionStatus, cond: CustomResourceDefinitionCondition, now = rfc3339Now()): void {
  const conditions = status.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === cond.type);
  const prev = i >= 0 ? conditions[i] : undefined;
  const next = { ...cond, lastTransitionTime: prev && prev.status === cond.status ? prev.lastTransitionTime : now };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  status.conditions = conditions;
}

/** The condition of a type, if set. */
export function findCondition(crd: CustomResourceDefinition, type: string): CustomResourceDefinitionCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

export const isConditionTrue = (crd: CustomResourceDefinition, type: string): boolean => findCondition(crd, type)?.status === 'True';

/** Adds the storage version to status.storedVersions when it is not there yet. */
function recordStorageVersion(crd: CustomResourceDefinition): void {
  const storage = Array.isArray(crd.spec?.versions) ? crd.spec.versions.find((v) => v?.storage === true) : undefined;
  if (!storage) return;
  const status = crd.status ?? (crd.status = {});
  const stored = status.storedVersions ?? [];
  if (!stored.includes(storage.name)) status.storedVersions = [...stored, storage.name];
}

export const customResourceDefinitionStrategy: Strategy = {
  ...defaultStrategy,
  hasStatus: true,
  returnDeletedObject: true,
  prepareForCreate(obj: KubeObject) {
    const crd = obj as CustomResourceDefinition;
    // A new CRD's status is the apiserver's: empty accepted names (always serialized, as Go's struct), then the storage version.
    crd.status = { acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
    recordStorageVersion(crd);
    if (!crd.status.storedVersions?.length) delete crd.status.storedVersions;
  },
  prepareForUpdate(obj: KubeObject) {
    recordStorageVersion(obj as CustomResourceDefinition);
  },
  onDelete(obj: KubeObject) {
    const crd = obj as CustomResourceDefinition;
    if (crd.metadata.deletionTimestamp) return;
    if (!crd.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER)) crd.metadata.finalizers = [...(crd.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER];
    setCondition(crd.status ?? (crd.status = {}), {
      type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending',
      message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
    });
  },
};
