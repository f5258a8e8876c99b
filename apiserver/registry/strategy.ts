// A Strategy holds what differs between resources: status handling, defaults
// beyond the shared ones, allocation, graceful deletion. The generic registry
// (generic.ts) calls these hooks; a resource without a file gets defaultStrategy.
import type { DeleteOptions, KubeObject, StatusCause } from '../../api/types/meta.js';

export interface Strategy {
  /** Objects of this resource carry a status the main resource may not change. */
  hasStatus: boolean;
  /** PUT on a missing object creates it (endpoints, leases, events). */
  allowCreateOnUpdate: boolean;
  /** DELETE answers with the deleted object (else a Success Status). */
  returnDeletedObject: boolean;
  /** Resets what a create may not set (status, nodeName-derived fields...). */
  prepareForCreate?(obj: KubeObject): void;
  /** Carries fields over from old on a main-resource update (status is handled generically). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /**
   * Subresources that write one part of the object, by name (pods/ephemeralcontainers):
   * each returns what to store, old (a copy) with that part taken from obj.
   */
  partialWrites?: Record<string, (obj: KubeObject, old: KubeObject) => KubeObject>;
  /** Carries or sets fields on a status-subresource update (a PersistentVolume's lastPhaseTransitionTime). */
  prepareForStatusUpdate?(obj: KubeObject, old: KubeObject): void;
  /**
   * True when an update changes what metadata.generation counts; without this hook,
   * a change of spec. (EndpointSlices have no spec: everything but metadata, and labels.)
   */
  generationChanged?(obj: KubeObject, old: KubeObject): boolean;
  /**
   * A DELETE that names no propagation policy orphans dependents (adds the "orphan"
   * finalizer), as core/v1 ReplicationControllers do for backward compatibility.
   */
  orphanByDefault?: boolean;
  /**
   * The fields of a body the resource does not know, for ?fieldValidation (custom
   * resources: what their schema prunes); without it, api/schemas' unknownFields.
   */
  unknownFields?(obj: KubeObject): string[];
  /** Replaces api/defaults for the resource (custom resources: their schema's defaults). */
  applyDefaults?(obj: KubeObject): void;
  /**
   * Replaces api/validation for the resource (custom resources: metadata and their
   * schema); subresource as in validateUpdate.
   */
  validateObject?(obj: KubeObject, old: KubeObject | undefined, subresource: string | undefined): StatusCause[];
  /** Resource-specific validation on top of api/validation. */
  validate?(obj: KubeObject, old?: KubeObject): StatusCause[];
  /** Before a create is written (allocates ClusterIPs, nodePorts); undo with release. */
  beforeCreate?(obj: KubeObject): Promise<void>;
  /** Before an update is written (allocates what the change needs). */
  beforeUpdate?(obj: KubeObject, old: KubeObject): Promise<void>;
  /**
   * After an update was written: frees what the old object held and the new one does
   * not. Like revertUpdate and release, it never throws: what it cannot free it logs,
   * with the error's stack, and leaves to the allocation repair loop.
   */
  afterUpdate?(obj: KubeObject, old: KubeObject): Promise<void>;
  /**
   * After beforeUpdate, when the write failed: frees exactly what beforeUpdate allocated
   * for obj. Not "what obj holds and old does not": a lost compare-and-swap means old was
   * replaced, and its values may have been freed and allocated again by this attempt.
   */
  revertUpdate?(obj: KubeObject, old: KubeObject): Promise<void>;
  /** Frees what obj held; called after delete and when a create fails after beforeCreate. */
  release?(obj: KubeObject): Promise<void>;
  /**
   * Grace period in seconds for a DELETE, or undefined when the resource is deleted at
   * once. 0 also means "at once".
   */
  gracePeriod?(obj: KubeObject, opts: DeleteOptions): number | undefined;
  /** Marks obj as terminating on DELETE (namespaces: status.phase Terminating). */
  onDelete?(obj: KubeObject): void;
  /** True while something besides metadata.finalizers holds deletion (namespace spec.finalizers). */
  deletionHeld?(obj: KubeObject): boolean;
}

export const defaultStrategy: Strategy = {
  hasStatus: false,
  allowCreateOnUpdate: false,
  returnDeletedObject: false,
};
