// The garbage collector's dependency graph (pkg/controller/garbagecollector/graph.go):
// one node per object uid, with the owners its ownerReferences name and the
// dependents that name it. A node is "virtual" while it stands for an owner that some
// dependent references but no informer has shown yet.
import type { OwnerReference } from '../../api/types/meta.js';

export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';

/** An object's coordinates: an owner reference's, plus the namespace the dynamic client needs. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** '' for cluster-scoped objects (and for virtual owners, the dependent's namespace until known). */
  namespace: string;
}

/** objectReference.String(), as logs and the OwnerRefInvalidNamespace event print it. */
export function refString(r: ObjectRef): string {
  return `[${r.apiVersion}/${r.kind}, namespace: ${r.namespace}, name: ${r.name}, uid: ${r.uid}]`;
}

export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && a.uid === b.uid && a.namespace === b.namespace;
}

/** The reference's coordinates (uid, name, kind, apiVersion) in namespace. */
export function refOfOwner(owner: Pick<OwnerReference, 'apiVersion' | 'kind' | 'name' | 'uid'>, namespace: string): ObjectRef {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, namespace };
}

/** ownerReferenceMatchesCoordinates: uid, name, kind and apiVersion all equal. */
export function matchesCoordinates(a: Pick<OwnerReference, 'apiVersion' | 'kind' | 'name' | 'uid'>, b: Pick<OwnerReference, 'apiVersion' | 'kind' | 'name' | 'uid'>): boolean {
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion;
}

export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  /** The object's ownerReferences as last observed (none for a virtual node). */
  owners: OwnerReference[];
  /** Being deleted with the foregroundDeletion finalizer: waits for its blocking dependents. */
  deletingDependents: boolean;
  /** Has a deletionTimestamp; a one-way trip. */
  beingDeleted: boolean;
  /** Known only from a dependent's reference, never observed by an informer. */
  virtual: boolean;

  constructor(public identity: ObjectRef, o: { owners?: OwnerReference[]; deletingDependents?: boolean; beingDeleted?: boolean; virtual?: boolean } = {}) {
    this.owners = o.owners ?? [];
    this.deletingDependents = o.deletingDependents ?? false;
    this.beingDeleted = o.beingDeleted ?? false;
    this.virtual = o.virtual ?? false;
  }

  isObserved(): boolean {
    return !this.virtual;
  }

  /** Dependents whose reference to this node has blockOwnerDeletion=true. */
  blockingDependents(): GraphNode[] {
    return [...this.dependents].filter((dep) => dep.owners.some((o) => o.uid === this.identity.uid && o.blockOwnerDeletion === true));
  }
}

/**
 * References the garbage collector has verified do not exist (absent_owner_cache.go):
 * an LRU of limited size, so a dependent of a long-gone owner is not looked up again.
 */
export class ReferenceCache {
  private readonly entries = new Map<string, true>();

  constructor(private readonly max = 500) {}

  private static key(r: ObjectRef): string {
    return JSON.stringify([r.apiVersion, r.kind, r.namespace, r.name, r.uid]);
  }

  add(r: ObjectRef): void {
    const k = ReferenceCache.key(r);
    this.entries.delete(k);
    this.entries.set(k, true);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  has(r: ObjectRef): boolean {
    const k = ReferenceCache.key(r);
    if (!this.entries.has(k)) return false;
    this.entries.delete(k);
    this.entries.set(k, true);
    return true;
  }
}
