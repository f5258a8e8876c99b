// The garbage collector (pkg/controller/garbagecollector/garbagecollector.go): the
// GraphBuilder keeps the dependency graph of every deletable resource discovery lists;
// workers take uids off two queues. attemptToDelete deletes a dependent whose owners
// are all gone (each verified by an uncached GET: a 404 or another uid means gone),
// drops the dead owners from a dependent that still has a live one, deletes the
// dependents of an owner in foreground deletion and then lifts its foregroundDeletion
// finalizer. attemptToOrphan removes an owner carrying the orphan finalizer from its
// dependents' ownerReferences, then the finalizer. Discovery is read again every sync
// period, so new kinds (custom resources) are monitored without a restart.
import type { Logger } from 'pino';
import { isConflict, isNotFound, StatusError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/registry.js';
import type { KubeObject, OwnerReference } from '../../api/types/meta.js';
import type { Clock, TimerHandle } from '../../client/clock.js';
import { GroupDiscoveryFailedError, parseGroupVersion, resourceInfoOf, supportsAllVerbs, type Discovery } from '../../client/discovery.js';
import type { Informer } from '../../client/informer.js';
import type { WorkQueue } from '../../client/work-queue.js';
import { runQueue, type Controller } from '../controller.js';
import type { ControllerMetrics } from '../metrics.js';
import { FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS, refOfOwner, refString, type GraphNode, type ObjectRef } from './graph.js';
import { isIgnoredResource, resourceKey, type GraphBuilder } from './graph-builder.js';
import {
  deleteOwnerRefPatch, finalizersPatch, unblockOwnerRefsPatch, type GcClient, type RestMapper,
} from './operations.js';

export const NAME = 'garbage-collector-controller';

/** How often discovery is read again (kube-controller-manager's fixed 30 s), and the initial sync wait. */
export const DEFAULT_SYNC_PERIOD_MS = 30_000;

/** retry.DefaultBackoff's steps for finalizer removal on conflicts. */
const UPDATE_MAX_RETRIES = 4;

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

/** An item's owner references sorted by what their owners are now (classifyReferences). */
export interface ClassifiedReferences {
  /** The owner exists and is not waiting for its dependents. */
  solid: OwnerReference[];
  /** The owner does not exist. */
  dangling: OwnerReference[];
  /** The owner exists, is being deleted and carries foregroundDeletion. */
  waiting: OwnerReference[];
}

/** What attemptToDeleteItem does with an item that has owner references. */
export type DeleteDecision =
  | { action: 'none' }
  | { action: 'removeOwnerRefs'; ownerUids: string[] }
  | { action: 'delete'; policy: Propagation; unblockFirst: boolean };

/**
 * The decision of attemptToDeleteItem, pure:
 * - a solid owner keeps the item; dangling and waiting references are removed from it
 *   (a waiting owner would otherwise wait on it forever);
 * - an owner waiting for dependents and an item with dependents of its own: delete it in
 *   foreground too, first making its references non-blocking when one of its dependents
 *   is itself deleting dependents (a possible cycle);
 * - otherwise no owner is left: delete it, honouring an orphan or foregroundDeletion
 *   finalizer it already has, else in background.
 */
export function decideDeletion(latest: KubeObject, refs: ClassifiedReferences, item: { dependents: number; someDependentDeletingDependents: boolean }): DeleteDecision {
  if (refs.solid.length) {
    if (!refs.dangling.length && !refs.waiting.length) return { action: 'none' };
    return { action: 'removeOwnerRefs', ownerUids: [...refs.dangling, ...refs.waiting].map((r) => r.uid) };
  }
  if (refs.waiting.length && item.dependents > 0) return { action: 'delete', policy: 'Foreground', unblockFirst: item.someDependentDeletingDependents };
  const finalizers = latest.metadata.finalizers ?? [];
  const policy: Propagation = finalizers.includes(FINALIZER_ORPHAN_DEPENDENTS) ? 'Orphan'
    : finalizers.includes(FINALIZER_DELETE_DEPENDENTS) ? 'Foreground' : 'Background';
  return { action: 'delete', policy, unblockFirst: false };
}

/**
 * The resources the collector monitors (GetDeletableResources): preferred resources
 * with delete, list and watch. Throws for a group version that does not parse.
 */
export function deletableResources(d: Discovery): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const list of d.preferred) {
    const usable = list.resources.filter((r) => !r.name.includes('/') && supportsAllVerbs(r, ['delete', 'list', 'watch']));
    if (!usable.length) continue;
    parseGroupVersion(list.groupVersion);
    for (const r of usable) out.push(resourceInfoOf(list, r));
  }
  return out;
}

/** The item is a virtual node the apiserver does not have; not requeued. */
class ItemAbsent extends Error {}
/** A cluster-scoped item names a namespaced owner: invalid, not retried (namespacedOwnerOfClusterScopedObjectErr). */
class NamespacedOwnerOfClusterScopedObject extends Error {
  constructor() { super('cluster-scoped objects cannot refer to namespaced owners'); }
}
/** Requeued with backoff until an informer has shown the item (issue 56121). */
class NotYetObserved extends Error {}

export interface GarbageCollectorOptions {
  builder: GraphBuilder;
  attemptToDelete: WorkQueue;
  attemptToOrphan: WorkQueue;
  client: GcClient;
  mapper: RestMapper;
  discover: () => Promise<Discovery>;
  /** The shared informer for a resource (ctx.informers.informer). */
  informerFor: (ri: ResourceInfo) => Informer<KubeObject>;
  clock: Clock;
  log: Logger;
  metrics?: ControllerMetrics;
  /** --concurrent-gc-syncs: workers on each queue. */
  workers: number;
  syncPeriodMs?: number;
}

export class GarbageCollector implements Controller {
  readonly name = NAME;
  private readonly log: Logger;
  private readonly syncPeriodMs: number;
  /** What the last successful sync monitors, by group/version/plural. */
  private current = new Map<string, ResourceInfo>();

  constructor(private readonly o: GarbageCollectorOptions) {
    this.log = o.log;
    this.syncPeriodMs = o.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
  }

  async run(signal: AbortSignal): Promise<void> {
    this.log.info('starting controller');
    let timer: TimerHandle | undefined;
    const loop = async (): Promise<void> => {
      await this.sync(signal).catch((err: unknown) => this.log.error({ err }, 'garbage collector sync failed'));
      if (!signal.aborted) timer = this.o.clock.setTimeout(() => void loop(), this.syncPeriodMs);
    };
    const onAbort = (): void => { if (timer) this.o.clock.clearTimeout(timer); };
    signal.addEventListener('abort', onAbort, { once: true });
    // The first sync waits (up to a period) for the monitors; workers start either way.
    await loop();
    if (this.o.builder.isSynced()) this.log.info('garbage collector: all resource monitors have synced');
    else this.log.info('garbage collector: not all resource monitors could be synced, proceeding anyways');
    const run = (queue: WorkQueue, name: string, fn: (uid: string) => Promise<void>): Promise<void> =>
      runQueue(queue, fn, signal, { name, workers: this.o.workers, log: this.log, clock: this.o.clock, metrics: this.o.metrics });
    try {
      await Promise.all([
        run(this.o.attemptToDelete, 'garbage_collector_attempt_to_delete', (uid) => this.attemptToDeleteWorker(uid)),
        run(this.o.attemptToOrphan, 'garbage_collector_attempt_to_orphan', (uid) => this.attemptToOrphanWorker(uid)),
      ]);
    } finally {
      onAbort();
      this.o.builder.stopMonitors();
      this.log.info('shutting down controller');
    }
  }

  /**
   * One discovery pass (Sync): when the deletable resources changed, reset the mapper,
   * monitor exactly them and wait (up to a period) for their informers to sync. A
   * partial discovery failure keeps the synced monitors of the failed groups.
   */
  async sync(signal?: AbortSignal): Promise<void> {
    const d = await this.o.discover();
    if (d.error) this.log.info({ err: d.error }, 'failed to discover some groups');
    const found = deletableResources(d).filter((ri) => !isIgnoredResource(ri));
    if (!found.length) {
      this.log.info('no resources reported by discovery, skipping garbage collector sync');
      return;
    }
    const next = new Map(found.map((ri) => [resourceKey(ri), ri]));
    if (d.error instanceof GroupDiscoveryFailedError) {
      for (const [key, ri] of this.current) {
        const gv = ri.group ? `${ri.group}/${ri.version}` : ri.version;
        if (d.error.groups.has(gv) && !next.has(key)) next.set(key, ri);
      }
    }
    if (next.size === this.current.size && [...next.keys()].every((k) => this.current.has(k))) return;
    const added = [...next.keys()].filter((k) => !this.current.has(k));
    const removed = [...this.current.keys()].filter((k) => !next.has(k));
    this.log.info({ added, removed }, 'syncing garbage collector with updated resources from discovery');
    this.o.mapper.reset(d.lists);
    const res = this.o.builder.syncMonitors([...next.values()], this.o.informerFor);
    for (const err of res.errors) this.log.error({ err }, 'failed to sync resource monitors');
    this.current = next;
    await this.waitForMonitors(signal);
  }

  private async waitForMonitors(signal?: AbortSignal): Promise<void> {
    if (this.o.builder.isSynced()) return;
    const ac = new AbortController();
    const timer = this.o.clock.setTimeout(() => ac.abort(), this.syncPeriodMs);
    const stop = AbortSignal.any(signal ? [signal, ac.signal] : [ac.signal]);
    try {
      await this.o.builder.waitForSync(stop);
    } finally {
      this.o.clock.clearTimeout(timer);
    }
    if (!this.o.builder.isSynced() && !signal?.aborted) this.log.error('timed out waiting for dependency graph builder sync during GC sync');
  }

  /** processAttemptToDeleteWorker for one uid: done (forget), or throws to retry with backoff. */
  async attemptToDeleteWorker(uid: string): Promise<void> {
    const item = this.o.builder.uidToNode.get(uid);
    // Not in the graph any more (a virtual node resolved meanwhile): nothing to do.
    if (!item) return;
    try {
      await this.attemptToDeleteItem(item);
    } catch (err) {
      if (err instanceof ItemAbsent || err instanceof NamespacedOwnerOfClusterScopedObject) return;
      throw err;
    }
    // A virtual node must stay queued until observed, or a node added and removed while
    // a watch was re-established could stay in the graph forever.
    if (!item.isObserved() && this.o.builder.uidToNode.get(uid) === item) {
      throw new NotYetObserved(`item ${refString(item.identity)} hasn't been observed via informer yet`);
    }
  }

  /**
   * attemptToDeleteItem: reads the live object and acts on its owners. Throws ItemAbsent
   * after turning an absent item into a virtual delete event.
   */
  async attemptToDeleteItem(item: GraphNode): Promise<void> {
    // Being deleted is a one-way trip: wait for the final deletion, then handle its dependents.
    if (item.beingDeleted && !item.deletingDependents) return;
    const latest = await this.getObject(item.identity).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!latest || latest.metadata?.uid !== item.identity.uid) {
      this.log.debug({ item: refString(item.identity) }, 'item not found, generating a virtual delete event');
      this.o.builder.enqueueVirtualDeleteEvent(item.identity);
      throw new ItemAbsent();
    }
    if (item.deletingDependents) return this.processDeletingDependentsItem(item);
    const owners = latest.metadata.ownerReferences ?? [];
    if (!owners.length) return;
    const refs = await this.classifyReferences(item, owners);
    const deps = [...item.dependents];
    const decision = decideDeletion(latest, refs, { dependents: deps.length, someDependentDeletingDependents: deps.some((d) => d.deletingDependents) });
    this.log.debug({ item: refString(item.identity), decision }, 'classified item references');
    switch (decision.action) {
      case 'none':
        return;
      case 'removeOwnerRefs':
        await this.patchOwnerRefs(item, decision.ownerUids);
        return;
      case 'delete':
        if (decision.unblockFirst) await this.unblockOwnerReferences(item);
        this.log.info({ item: refString(item.identity), propagationPolicy: decision.policy }, 'deleting item');
        try {
          await this.deleteObject(item.identity, latest.metadata.resourceVersion, owners, decision.policy);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          this.o.builder.enqueueVirtualDeleteEvent(item.identity);
          throw new ItemAbsent();
        }
    }
  }

  /** An owner in foreground deletion: its blocking dependents are deleted first, then its finalizer lifted. */
  private async processDeletingDependentsItem(item: GraphNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (!blocking.length) {
      this.log.info({ item: refString(item.identity) }, 'remove DeleteDependents finalizer for item');
      await this.removeFinalizer(item, FINALIZER_DELETE_DEPENDENTS);
      return;
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.o.attemptToDelete.add(dep.identity.uid);
  }

  /** classifyReferences: asks the apiserver about each owner. */
  async classifyReferences(item: GraphNode, owners: readonly OwnerReference[]): Promise<ClassifiedReferences> {
    const out: ClassifiedReferences = { solid: [], dangling: [], waiting: [] };
    for (const ref of owners) {
      const owner = await this.liveOwner(ref, item);
      if (!owner) out.dangling.push(ref);
      else if (owner.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FINALIZER_DELETE_DEPENDENTS)) out.waiting.push(ref);
      else out.solid.push(ref);
    }
    return out;
  }

  /**
   * isDangling: the owner a reference names, or undefined when it does not exist (an
   * uncached GET answers 404, or an object of another uid). A namespaced owner is looked
   * up in the item's namespace, so one in another namespace counts as absent.
   */
  private async liveOwner(ref: OwnerReference, item: GraphNode): Promise<KubeObject | undefined> {
    const key = refOfOwner(ref, '');
    if (this.o.builder.absentOwnerCache.has(key)) return undefined;
    key.namespace = item.identity.namespace;
    if (this.o.builder.absentOwnerCache.has(key)) return undefined;
    const ri = this.o.mapper.resourceFor(ref.apiVersion, ref.kind);
    if (!ri.namespaced) key.namespace = '';
    if (!item.identity.namespace && ri.namespaced) {
      this.log.info({ item: refString(item.identity), owner: ref }, 'item is cluster-scoped, but refers to a namespaced owner');
      throw new NamespacedOwnerOfClusterScopedObject();
    }
    let owner: KubeObject;
    try {
      owner = await this.o.client.get(ri, ri.namespaced ? item.identity.namespace : '', ref.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.o.builder.absentOwnerCache.add(key);
      return undefined;
    }
    if (owner.metadata?.uid !== ref.uid) {
      this.o.builder.absentOwnerCache.add(key);
      return undefined;
    }
    return owner;
  }

  /** attemptToOrphanWorker: the owner leaves its dependents' ownerReferences, then loses the orphan finalizer. */
  async attemptToOrphanWorker(uid: string): Promise<void> {
    const owner = this.o.builder.uidToNode.get(uid);
    if (!owner) return;
    await this.orphanDependents(owner.identity, [...owner.dependents]);
    await this.removeFinalizer(owner, FINALIZER_ORPHAN_DEPENDENTS);
  }

  private async orphanDependents(owner: ObjectRef, dependents: readonly GraphNode[]): Promise<void> {
    const errors: string[] = [];
    await Promise.all(dependents.map(async (dep) => {
      try {
        await this.patchOwnerRefs(dep, [owner.uid]);
      } catch (err) {
        if (!isNotFound(err)) errors.push(`orphaning ${refString(dep.identity)} failed, ${err instanceof Error ? err.message : String(err)}`);
      }
    }));
    if (errors.length) {
      throw new Error(`failed to orphan dependents of owner ${refString(owner)}, got errors: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`);
    }
  }

  private resourceOf(ref: ObjectRef): { ri: ResourceInfo; namespace: string } {
    const ri = this.o.mapper.resourceFor(ref.apiVersion, ref.kind);
    return { ri, namespace: ri.namespaced ? ref.namespace : '' };
  }

  private async getObject(ref: ObjectRef): Promise<KubeObject> {
    const { ri, namespace } = this.resourceOf(ref);
    return this.o.client.get(ri, namespace, ref.name);
  }

  /**
   * Deletes with the uid and the resourceVersion read as preconditions; a conflict from
   * a change that left the ownerReferences alone is retried without the resourceVersion.
   */
  private async deleteObject(ref: ObjectRef, resourceVersion: string | undefined, owners: readonly OwnerReference[], policy: Propagation): Promise<void> {
    const { ri, namespace } = this.resourceOf(ref);
    const preconditions = { uid: ref.uid, ...(resourceVersion ? { resourceVersion } : {}) };
    try {
      await this.o.client.delete(ri, namespace, ref.name, { preconditions, propagationPolicy: policy });
    } catch (err) {
      if (!isConflict(err) || !resourceVersion) throw err;
      let live: KubeObject;
      try {
        live = await this.o.client.get(ri, namespace, ref.name);
      } catch (getErr) {
        if (isNotFound(getErr)) return;
        throw err;
      }
      if (live.metadata.uid === ref.uid && live.metadata.resourceVersion !== resourceVersion
        && JSON.stringify(live.metadata.ownerReferences ?? []) === JSON.stringify(owners)) {
        await this.o.client.delete(ri, namespace, ref.name, { preconditions: { uid: ref.uid }, propagationPolicy: policy });
        return;
      }
      throw err;
    }
  }

  /** Removes the references to ownerUids: a strategic merge patch, a JSON merge patch where that is not served. */
  private async patchOwnerRefs(item: GraphNode, ownerUids: readonly string[]): Promise<void> {
    await this.patch(item, deleteOwnerRefPatch(item.identity.uid, ownerUids), (live) => ({
      metadata: { resourceVersion: live.metadata.resourceVersion, ownerReferences: (live.metadata.ownerReferences ?? []).filter((r) => !ownerUids.includes(r.uid)) },
    }));
  }

  private async unblockOwnerReferences(item: GraphNode): Promise<void> {
    this.log.info({ item: refString(item.identity) }, "some of the item's owners and its dependent have FinalizerDeletingDependents; making its ownerReferences non-blocking before deleting it in foreground");
    await this.patch(item, unblockOwnerRefsPatch(item.identity.uid, item.owners), (live) => ({
      metadata: { resourceVersion: live.metadata.resourceVersion, ownerReferences: item.owners.map((o) => ({ ...o, blockOwnerDeletion: false })) },
    }));
  }

  private async patch(item: GraphNode, smp: unknown, mergePatch: (live: KubeObject) => unknown): Promise<void> {
    const { ri, namespace } = this.resourceOf(item.identity);
    try {
      await this.o.client.patch(ri, namespace, item.identity.name, 'strategic', smp);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 415)) throw err;
      // Strategic merge patch is not served for this kind (custom resources).
      const live = await this.o.client.get(ri, namespace, item.identity.name);
      await this.o.client.patch(ri, namespace, item.identity.name, 'merge', mergePatch(live));
    }
  }

  /** Takes finalizer off owner with a merge patch guarded by the resourceVersion, retrying conflicts on a fresh read. */
  private async removeFinalizer(owner: GraphNode, finalizer: string): Promise<void> {
    const { ri, namespace } = this.resourceOf(owner.identity);
    for (let attempt = 0; attempt < UPDATE_MAX_RETRIES; attempt++) {
      let live: KubeObject;
      try {
        live = await this.o.client.get(ri, namespace, owner.identity.name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw new Error(`cannot finalize owner ${refString(owner.identity)}, because cannot get it: ${err instanceof Error ? err.message : String(err)}. The garbage collector will retry later.`, { cause: err });
      }
      const finalizers = live.metadata.finalizers ?? [];
      if (live.metadata.uid !== owner.identity.uid || !finalizers.includes(finalizer)) return;
      try {
        await this.o.client.patch(ri, namespace, owner.identity.name, 'merge', finalizersPatch(live.metadata.resourceVersion, finalizers.filter((f) => f !== finalizer)));
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`updateMaxRetries(${UPDATE_MAX_RETRIES}) has reached. The garbage collector will retry later for owner ${refString(owner.identity)}.`);
  }
}
