// GraphBuilder (pkg/controller/garbagecollector/graph_builder.go): monitors (shared
// informers) over every deletable resource feed object events into the dependency
// graph; the changes that may make something collectable put uids on the
// attemptToDelete queue, owners starting orphan deletion on attemptToOrphan.
//
// Kubernetes funnels informer events through a graphChanges queue into one goroutine.
// Here handlers run on the one JavaScript thread and process(event) is synchronous and
// short (a node's owners and dependents), so events are applied in the handler, in the
// order informers deliver them; virtual delete events from the workers likewise.
import type { Logger } from 'pino';
import { groupVersion, type ResourceInfo } from '../../api/registry.js';
import type { KubeObject, ObjectMeta, OwnerReference } from '../../api/types/meta.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import {
  FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS, GraphNode, matchesCoordinates, ReferenceCache, refOfOwner,
  refString, sameRef, type ObjectRef,
} from './graph.js';

export type GraphEventType = 'add' | 'update' | 'delete';

/** An object event with the apiVersion/kind of the monitor it came from. */
export interface GraphEvent {
  type: GraphEventType;
  obj: KubeObject;
  /** The previous state, for updates. */
  oldObj?: KubeObject;
  apiVersion: string;
  kind: string;
  /** Made by the collector after the apiserver said the object does not exist, not by an informer. */
  virtual?: boolean;
}

export interface GraphBuilderOptions {
  attemptToDelete: WorkQueue;
  attemptToOrphan: WorkQueue;
  /** The garbage-collector-controller's recorder (OwnerRefInvalidNamespace warnings). */
  recorder: Pick<EventRecorder, 'event'>;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  absentOwnerCache?: ReferenceCache;
}

interface Monitor {
  info: ResourceInfo;
  informer: Informer<KubeObject>;
  removeHandler: () => void;
}

/** Resources the garbage collector never watches (DefaultIgnoredResources): events. */
export function isIgnoredResource(ri: Pick<ResourceInfo, 'group' | 'plural'>): boolean {
  return ri.plural === 'events' && (ri.group === '' || ri.group === 'events.k8s.io');
}

export const resourceKey = (ri: Pick<ResourceInfo, 'group' | 'version' | 'plural'>): string => `${ri.group}/${ri.version}/${ri.plural}`;

const beingDeleted = (m: ObjectMeta | undefined): boolean => !!m?.deletionTimestamp;
const hasFinalizer = (m: ObjectMeta | undefined, f: string): boolean => !!m?.finalizers?.includes(f);

/** deletionStartsWithFinalizer: newMeta is being deleted with f, and oldObj was not. */
function deletionStartsWithFinalizer(oldObj: KubeObject | undefined, newMeta: ObjectMeta, f: string): boolean {
  if (!beingDeleted(newMeta) || !hasFinalizer(newMeta, f)) return false;
  if (!oldObj) return true;
  return !beingDeleted(oldObj.metadata) || !hasFinalizer(oldObj.metadata, f);
}

const refFields = (r: OwnerReference): string => JSON.stringify([r.apiVersion, r.kind, r.name, r.uid, r.controller ?? null, r.blockOwnerDeletion ?? null]);

/** referencesDiffs: owner references added, removed and changed (same uid, other fields) between two lists. */
export function referencesDiffs(old: readonly OwnerReference[], next: readonly OwnerReference[]): { added: OwnerReference[]; removed: OwnerReference[]; changed: { oldRef: OwnerReference; newRef: OwnerReference }[] } {
  const oldByUid = new Map(old.map((r) => [r.uid, r]));
  const added: OwnerReference[] = [];
  const changed: { oldRef: OwnerReference; newRef: OwnerReference }[] = [];
  for (const r of next) {
    const o = oldByUid.get(r.uid);
    if (!o) {
      added.push(r);
      continue;
    }
    if (refFields(o) !== refFields(r)) changed.push({ oldRef: o, newRef: r });
    oldByUid.delete(r.uid);
  }
  return { added, removed: [...oldByUid.values()], changed };
}

/**
 * partitionDependents: dependents whose reference to owner's uid matches its
 * coordinates (and namespace, for a namespaced owner), and those with one that does
 * not. A dependent with several references to the uid can be in both.
 */
export function partitionDependents(dependents: readonly GraphNode[], owner: ObjectRef): { matching: GraphNode[]; nonmatching: GraphNode[] } {
  const matching: GraphNode[] = [];
  const nonmatching: GraphNode[] = [];
  for (const dep of dependents) {
    let match = false;
    let mismatch = false;
    if (owner.namespace && owner.namespace !== dep.identity.namespace) mismatch = true;
    else {
      for (const ref of dep.owners) {
        if (ref.uid !== owner.uid) continue;
        if (matchesCoordinates(ref, owner)) match = true;
        else mismatch = true;
      }
    }
    if (match) matching.push(dep);
    if (mismatch) nonmatching.push(dep);
  }
  return { matching, nonmatching };
}

/** referenceLessThan: kind, apiVersion, namespace, name, uid. */
function refLess(a: ObjectRef, b: ObjectRef): boolean {
  for (const k of ['kind', 'apiVersion', 'namespace', 'name', 'uid'] as const) if (a[k] !== b[k]) return a[k] < b[k];
  return false;
}

/**
 * getAlternateOwnerIdentity: another identity dependents give the verified-absent
 * uid (other coordinates or namespace); the first after `absent` in refLess order,
 * else the first; undefined when there is none.
 */
export function alternateOwnerIdentity(deps: readonly GraphNode[], absent: ObjectRef): ObjectRef | undefined {
  const clusterScoped = absent.namespace === '';
  const seen = [absent];
  let first: ObjectRef | undefined;
  let firstFollowing: ObjectRef | undefined;
  for (const dep of deps) {
    for (const ref of dep.owners) {
      if (ref.uid !== absent.uid) continue;
      if (matchesCoordinates(ref, absent) && (clusterScoped || absent.namespace === dep.identity.namespace)) continue;
      const alt = refOfOwner(ref, dep.identity.namespace);
      // The apiVersion/kind is known cluster-scoped from the absent identity.
      if (clusterScoped && alt.apiVersion === absent.apiVersion && alt.kind === absent.kind) alt.namespace = '';
      if (seen.some((s) => sameRef(s, alt))) continue;
      seen.push(alt);
      if (!first || refLess(alt, first)) first = alt;
      if (refLess(absent, alt) && (!firstFollowing || refLess(alt, firstFollowing))) firstFollowing = alt;
    }
  }
  return firstFollowing ?? first;
}

export class GraphBuilder {
  /** Read by the collector's workers, written only by process(). */
  readonly uidToNode = new Map<string, GraphNode>();
  readonly absentOwnerCache: ReferenceCache;
  private readonly monitors = new Map<string, Monitor>();

  constructor(private readonly o: GraphBuilderOptions) {
    this.absentOwnerCache = o.absentOwnerCache ?? new ReferenceCache(500);
  }

  /**
   * Watches exactly the given resources (syncMonitors): a handler on each one's shared
   * informer, handlers of resources no longer listed removed. Returns the errors of
   * resources that could not be monitored; the others are monitored regardless.
   */
  syncMonitors(resources: readonly ResourceInfo[], informerFor: (ri: ResourceInfo) => Informer<KubeObject>): { added: number; removed: number; errors: unknown[] } {
    const wanted = new Map(resources.filter((ri) => !isIgnoredResource(ri)).map((ri) => [resourceKey(ri), ri]));
    const errors: unknown[] = [];
    let added = 0;
    let removed = 0;
    for (const [key, m] of this.monitors) {
      if (wanted.has(key)) continue;
      m.removeHandler();
      this.monitors.delete(key);
      removed++;
    }
    for (const [key, ri] of wanted) {
      if (this.monitors.has(key)) continue;
      try {
        const informer = informerFor(ri);
        const apiVersion = groupVersion(ri);
        const removeHandler = informer.addEventHandler({
          add: (obj) => this.process({ type: 'add', obj, apiVersion, kind: ri.kind }),
          update: (oldObj, obj) => this.process({ type: 'update', obj, oldObj, apiVersion, kind: ri.kind }),
          delete: (obj) => this.process({ type: 'delete', obj, apiVersion, kind: ri.kind }),
        });
        this.monitors.set(key, { info: ri, informer, removeHandler });
        added++;
      } catch (err) {
        errors.push(new Error(`couldn't start monitor for resource "${key}": ${err instanceof Error ? err.message : String(err)}`));
      }
    }
    return { added, removed, errors };
  }

  /** True when there are monitors and every one's informer has synced. */
  isSynced(): boolean {
    return this.monitors.size > 0 && [...this.monitors.values()].every((m) => m.informer.hasSynced());
  }

  /** Resolves true once every monitor's informer has synced; false if signal aborts first. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    // One informer at a time: a listener on signal each, never dozens at once.
    for (const m of [...this.monitors.values()]) if (!(await m.informer.waitForSync(signal))) return false;
    return this.monitors.size > 0;
  }

  /** The resources monitored, as group/version/plural. */
  monitored(): string[] {
    return [...this.monitors.keys()];
  }

  /** Stops listening to every informer (the term ends). */
  stopMonitors(): void {
    for (const m of this.monitors.values()) m.removeHandler();
    this.monitors.clear();
  }

  /** The apiserver says ref does not exist: remove its (virtual) node as if an informer had seen it deleted. */
  enqueueVirtualDeleteEvent(ref: ObjectRef): void {
    this.process({
      type: 'delete', virtual: true, apiVersion: ref.apiVersion, kind: ref.kind,
      obj: { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { namespace: ref.namespace || undefined, uid: ref.uid, name: ref.name } },
    });
  }

  /** Applies one event to the graph and queues what it may have made collectable (processGraphChanges). */
  process(ev: GraphEvent): void {
    const meta = ev.obj?.metadata;
    if (!meta || typeof meta.uid !== 'string' || !meta.uid) {
      this.o.log.warn({ apiVersion: ev.apiVersion, kind: ev.kind, name: meta?.name }, 'graph builder: object without a uid ignored');
      return;
    }
    const uid = meta.uid;
    const existing = this.uidToNode.get(uid);
    if (existing && !ev.virtual && existing.virtual) {
      // First informer sighting of a node only known from references.
      const observed = identityFromEvent(ev, meta);
      if (!sameRef(observed, existing.identity)) {
        // Dependents that named it otherwise may hold a dangling reference: verify them.
        const { nonmatching } = partitionDependents([...existing.dependents], observed);
        for (const dep of nonmatching) {
          if (observed.namespace && dep.identity.namespace !== observed.namespace) {
            this.o.log.info({ item: refString(dep.identity), owner: refString(observed) }, 'item references an owner but does not match namespaces');
            this.reportInvalidNamespaceOwnerRef(dep, observed.uid);
          }
          this.o.attemptToDelete.add(dep.identity.uid);
        }
        this.o.log.debug({ virtual: refString(existing.identity), observed: refString(observed) }, 'replacing virtual item with observed item');
        existing.identity = observed;
      }
      existing.virtual = false;
    }
    if (ev.type === 'add' || ev.type === 'update') {
      if (!existing) {
        const node = new GraphNode(identityFromEvent(ev, meta), {
          owners: ownersOf(meta),
          deletingDependents: beingDeleted(meta) && hasFinalizer(meta, FINALIZER_DELETE_DEPENDENTS),
          beingDeleted: beingDeleted(meta),
        });
        this.uidToNode.set(uid, node);
        this.addDependentToOwners(node, node.owners);
        // One event may stand for a create and a deletion start together.
        this.processTransitions(ev.oldObj, meta, node);
        return;
      }
      if (!ev.virtual && (existing.identity.apiVersion !== ev.apiVersion || existing.identity.kind !== ev.kind)) {
        existing.identity = { ...existing.identity, apiVersion: ev.apiVersion, kind: ev.kind };
      }
      const owners = ownersOf(meta);
      const { added, removed, changed } = referencesDiffs(existing.owners, owners);
      if (added.length || removed.length || changed.length) {
        // Owners waiting for this dependent may be free now.
        this.addUnblockedOwnersToDeleteQueue(removed, changed);
        existing.owners = owners;
        this.addDependentToOwners(existing, added);
        for (const r of removed) this.uidToNode.get(r.uid)?.dependents.delete(existing);
      }
      if (beingDeleted(meta)) existing.beingDeleted = true;
      this.processTransitions(ev.oldObj, meta, existing);
      return;
    }
    // delete
    if (!existing) return;
    let removeExisting = true;
    if (ev.virtual) {
      const deleted = identityFromEvent(ev, meta);
      if (existing.virtual) {
        // A virtual node's coordinates are a guess: keep it while dependents name it otherwise.
        const { matching, nonmatching } = partitionDependents([...existing.dependents], deleted);
        if (nonmatching.length) {
          removeExisting = false;
          if (matching.length) {
            this.absentOwnerCache.add(deleted);
            for (const dep of matching) this.o.attemptToDelete.add(dep.identity.uid);
          }
          if (sameRef(existing.identity, deleted)) {
            const replacement = alternateOwnerIdentity(nonmatching, deleted);
            if (replacement) {
              existing.identity = replacement;
              this.o.attemptToDelete.addRateLimited(uid);
            }
          }
        }
      } else if (!sameRef(existing.identity, deleted)) {
        // An observed node is not removed on a virtual event for other coordinates.
        removeExisting = false;
        const { matching } = partitionDependents([...existing.dependents], deleted);
        if (matching.length) {
          this.absentOwnerCache.add(deleted);
          for (const dep of matching) this.o.attemptToDelete.add(dep.identity.uid);
        }
      }
    }
    if (!removeExisting) return;
    this.uidToNode.delete(uid);
    for (const r of existing.owners) this.uidToNode.get(r.uid)?.dependents.delete(existing);
    if (existing.dependents.size) this.absentOwnerCache.add(identityFromEvent(ev, meta));
    for (const dep of existing.dependents) this.o.attemptToDelete.add(dep.identity.uid);
    for (const r of existing.owners) {
      const owner = this.uidToNode.get(r.uid);
      // An owner waiting for its dependents may be done now.
      if (owner?.deletingDependents) this.o.attemptToDelete.add(owner.identity.uid);
    }
  }

  /**
   * Adds n to each owner's dependents; an owner not in the graph gets a virtual node,
   * queued so the collector asks the apiserver whether it exists. A reference whose
   * observed owner lives in another namespace (or has other coordinates) queues n to
   * verify it.
   */
  private addDependentToOwners(n: GraphNode, owners: readonly OwnerReference[]): void {
    let potentiallyInvalid = false;
    for (const ref of owners) {
      let owner = this.uidToNode.get(ref.uid);
      if (!owner) {
        owner = new GraphNode(refOfOwner(ref, n.identity.namespace), { virtual: true });
        this.o.log.debug({ identity: refString(owner.identity) }, 'add virtual item');
        this.uidToNode.set(ref.uid, owner);
        owner.dependents.add(n);
        this.o.attemptToDelete.add(ref.uid);
        continue;
      }
      owner.dependents.add(n);
      if (potentiallyInvalid) continue;
      const ownerNamespaced = owner.identity.namespace !== '';
      if (ownerNamespaced && owner.identity.namespace !== n.identity.namespace) {
        if (owner.isObserved()) {
          this.o.log.info({ item: refString(n.identity), owner: refString(owner.identity) }, 'item references an owner but does not match namespaces');
          this.reportInvalidNamespaceOwnerRef(n, ref.uid);
        }
        potentiallyInvalid = true;
      } else if (!matchesCoordinates(ref, owner.identity)) {
        potentiallyInvalid = true;
      } else if (!ownerNamespaced && owner.identity.namespace !== n.identity.namespace && !owner.isObserved()) {
        // A virtual cluster-scoped guess may really be a namespaced owner named from a cluster-scoped child.
        potentiallyInvalid = true;
      }
    }
    if (potentiallyInvalid) this.o.attemptToDelete.add(n.identity.uid);
  }

  /** The OwnerRefInvalidNamespace warning on the dependent, as the graph builder's recorder writes it. */
  private reportInvalidNamespaceOwnerRef(n: GraphNode, ownerUid: string): void {
    const ref = n.owners.find((o) => o.uid === ownerUid);
    if (!ref) return;
    const invalid = refOfOwner(ref, n.identity.namespace);
    this.o.recorder.event(
      { kind: n.identity.kind, apiVersion: n.identity.apiVersion, namespace: n.identity.namespace, name: n.identity.name, uid: n.identity.uid },
      'Warning', 'OwnerRefInvalidNamespace', `ownerRef ${refString(invalid)} does not exist in namespace ${JSON.stringify(n.identity.namespace)}`,
    );
  }

  /** A blocking reference removed or made non-blocking: its owner may finish foreground deletion. */
  private addUnblockedOwnersToDeleteQueue(removed: readonly OwnerReference[], changed: readonly { oldRef: OwnerReference; newRef: OwnerReference }[]): void {
    for (const r of removed) {
      if (r.blockOwnerDeletion === true && this.uidToNode.has(r.uid)) this.o.attemptToDelete.add(r.uid);
    }
    for (const c of changed) {
      if (c.oldRef.blockOwnerDeletion === true && c.newRef.blockOwnerDeletion !== true && this.uidToNode.has(c.newRef.uid)) {
        this.o.attemptToDelete.add(c.newRef.uid);
      }
    }
  }

  /** Deletion starting with the orphan finalizer queues an orphaning; with foregroundDeletion, the dependents' deletion. */
  private processTransitions(oldObj: KubeObject | undefined, meta: ObjectMeta, n: GraphNode): void {
    if (deletionStartsWithFinalizer(oldObj, meta, FINALIZER_ORPHAN_DEPENDENTS)) {
      this.o.log.debug({ item: refString(n.identity) }, 'add item to attemptToOrphan');
      this.o.attemptToOrphan.add(n.identity.uid);
      return;
    }
    if (deletionStartsWithFinalizer(oldObj, meta, FINALIZER_DELETE_DEPENDENTS)) {
      this.o.log.debug({ item: refString(n.identity) }, "add item to attemptToDelete, because it's waiting for its dependents to be deleted");
      n.deletingDependents = true;
      for (const dep of n.dependents) this.o.attemptToDelete.add(dep.identity.uid);
      this.o.attemptToDelete.add(n.identity.uid);
    }
  }
}

function identityFromEvent(ev: GraphEvent, meta: ObjectMeta): ObjectRef {
  return { apiVersion: ev.apiVersion, kind: ev.kind, uid: meta.uid as string, name: meta.name ?? '', namespace: meta.namespace ?? '' };
}

/** The well-formed ownerReferences of an object (bad input never crashes the builder). */
function ownersOf(meta: ObjectMeta): OwnerReference[] {
  const refs = Array.isArray(meta.ownerReferences) ? meta.ownerReferences : [];
  return refs.filter((r) => r && typeof r === 'object' && typeof r.uid === 'string' && r.uid !== '');
}
