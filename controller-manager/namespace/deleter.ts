// NamespacedResourcesDeleter (pkg/controller/namespace/deletion): empties a namespace
// that is being deleted, then takes the "kubernetes" token out of its spec.finalizers
// through namespaces/<name>/finalize (the apiserver then removes the namespace). Every
// namespaced resource discovery lists with the delete verb is emptied, with
// deletecollection, or list and delete one by one where deletecollection is not
// served; what remains is counted into the namespace's status conditions.
import type { Logger } from 'pino';
import { isConflict, isNotFound, StatusError } from '../../api/errors.js';
import { parseTime, rfc3339 } from '../../api/helpers/time.js';
import { findResource, type ResourceInfo } from '../../api/registry.js';
import type { Namespace, Pod } from '../../api/types/core.js';
import type { DeleteOptions, KubeObject } from '../../api/types/meta.js';
import type { Clock } from '../../client/clock.js';
import { discover, parseGroupVersion, resourceInfoOf, supportsAllVerbs, type Discovery } from '../../client/discovery.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { NamespaceConditionUpdater } from './conditions.js';

/**
 * What the deleter asks of the apiserver (uncached reads and writes); restDeleterClient
 * is the real one, unit tests pass a fake that records the calls. Errors are the
 * apiserver's StatusErrors.
 */
export interface NamespaceDeleterClient {
  getNamespace(name: string): Promise<Namespace>;
  updateNamespaceStatus(ns: Namespace): Promise<Namespace>;
  /** PUT namespaces/<name>/finalize with ns (its resourceVersion is a precondition). */
  finalizeNamespace(ns: Namespace): Promise<Namespace>;
  deleteCollection(ri: ResourceInfo, namespace: string, opts: DeleteOptions): Promise<void>;
  list(ri: ResourceInfo, namespace: string): Promise<KubeObject[]>;
  delete(ri: ResourceInfo, namespace: string, name: string, opts: DeleteOptions): Promise<void>;
  discover(): Promise<Discovery>;
}

export function restDeleterClient(rest: RestClient): NamespaceDeleterClient {
  const namespaces = resourceClient<Namespace>(rest, 'namespaces');
  return {
    getNamespace: (name) => namespaces.get('', name),
    updateNamespaceStatus: (ns) => namespaces.updateStatus('', ns),
    finalizeNamespace: (ns) => namespaces.updateSubresource<Namespace>('', ns.metadata.name as string, 'finalize', ns),
    deleteCollection: async (ri, namespace, opts) => { await resourceClient(rest, ri).deleteCollection(namespace, {}, opts); },
    list: async (ri, namespace) => (await resourceClient(rest, ri).listAll(namespace)).items,
    delete: async (ri, namespace, name, opts) => { await resourceClient(rest, ri).delete(namespace, name, opts); },
    discover: () => discover(rest),
  };
}

/**
 * Content is still going away; try again in about estimate/2 seconds (the namespace
 * controller requeues after estimate/2+1 s).
 */
export class ResourcesRemainingError extends Error {
  override name = 'ResourcesRemainingError';
  constructor(readonly estimate: number) {
    super(`some content remains in the namespace, estimate ${estimate} seconds before it is removed`);
  }
}

/** How long to assume finalizers on remaining items take (finalizerEstimateSeconds). */
export const FINALIZER_ESTIMATE_SECONDS = 15;

/** What one resource's pass left behind (gvrDeletionMetadata). */
export interface ResourceDeletionResult {
  /** Seconds to wait before looking again; 0 says nothing about what remains. */
  estimate: number;
  remaining: number;
  finalizers: Map<string, number>;
  err?: unknown;
}

/** schema.GroupVersionResource's String(): "/v1, Resource=pods", "apps/v1, Resource=deployments". */
export const gvrString = (ri: ResourceInfo): string => `${ri.group}/${ri.version}, Resource=${ri.plural}`;

/** utilerrors.NewAggregate's message: one error's own, several in brackets. */
export class Aggregate extends Error {
  override name = 'Aggregate';
  constructor(readonly errors: unknown[]) {
    const msgs = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    super(msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`);
  }
}

const isMethodNotSupported = (err: unknown): boolean => err instanceof StatusError && err.reason === 'MethodNotAllowed';
const BACKGROUND: DeleteOptions = { propagationPolicy: 'Background' };
const PODS = findResource('', 'v1', 'pods') as ResourceInfo;

export class NamespacedResourcesDeleter {
  /** `${verb} ${gvr}` the server answered 405 or 404 to: not tried again. */
  private readonly notSupported = new Set<string>();

  constructor(
    private readonly client: NamespaceDeleterClient,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly log?: Pick<Logger, 'error'>,
    /** The spec.finalizers token this deleter owns. */
    private readonly finalizerToken = 'kubernetes',
  ) {}

  /**
   * Deletes everything in namespace nsName once it has a deletionTimestamp, then
   * removes the finalizer token. Resolves when there is nothing (more) to do; throws
   * ResourcesRemainingError when content is still going away, or the errors met.
   * Reads the namespace uncached: several writers change a terminating namespace.
   */
  async delete(nsName: string): Promise<void> {
    let ns: Namespace;
    try {
      ns = await this.client.getNamespace(nsName);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata.deletionTimestamp) return;
    try {
      ns = await this.retryOnConflict(ns, (n) => this.ensureTerminating(n));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata.deletionTimestamp) return;
    if (!ns.spec?.finalizers?.length) return;
    const estimate = await this.deleteAllContent(ns);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);
    try {
      await this.retryOnConflict(ns, (n) => this.finalize(n));
    } catch (err) {
      // Another deleter sharing the token may have finished first.
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Runs fn, and on a conflict again on a fresh read, as long as the namespace keeps its uid. */
  private async retryOnConflict(ns: Namespace, fn: (ns: Namespace) => Promise<Namespace>): Promise<Namespace> {
    let latest = ns;
    for (;;) {
      try {
        return await fn(latest);
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      const prev = latest;
      latest = await this.client.getNamespace(prev.metadata.name as string);
      if (prev.metadata.uid !== latest.metadata.uid) throw new Error('namespace uid has changed across retries');
    }
  }

  private async ensureTerminating(ns: Namespace): Promise<Namespace> {
    if (!ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return ns;
    const next = structuredClone(ns);
    next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    return this.client.updateNamespaceStatus(next);
  }

  private async finalize(ns: Namespace): Promise<Namespace> {
    const finalizers = [...new Set((ns.spec?.finalizers ?? []).filter((f) => f !== this.finalizerToken))].sort();
    try {
      return await this.client.finalizeNamespace({ ...structuredClone(ns), spec: { ...(ns.spec ?? {}), finalizers } });
    } catch (err) {
      if (isNotFound(err)) return ns;
      throw err;
    }
  }

  /**
   * Deletes the content of every deletable namespaced resource and writes the
   * conditions; resolves the estimate in seconds (0: nothing left to wait for), throws
   * the errors met (after every resource was tried).
   */
  private async deleteAllContent(ns: Namespace): Promise<number> {
    const namespace = ns.metadata.name as string;
    const deletedAt = parseTime(ns.metadata.deletionTimestamp);
    const errs: unknown[] = [];
    const updater = new NamespaceConditionUpdater();
    let discovery: Discovery | undefined;
    try {
      discovery = await this.client.discover();
      if (discovery.error) {
        // Not fatal: the groups that answered are still emptied.
        errs.push(discovery.error);
        updater.processDiscoverResourcesErr(discovery.error);
      }
    } catch (err) {
      errs.push(err);
      updater.processDiscoverResourcesErr(err);
    }
    const resources = this.deletableResources(discovery, errs, updater);
    const byResource = new Map<string, number>();
    const byFinalizer = new Map<string, number>();
    let estimate = 0;
    for (const { info, verbs } of resources) {
      const r = await this.deleteAllContentFor(info, verbs, namespace, deletedAt);
      if (r.err !== undefined) {
        errs.push(r.err);
        updater.processDeleteContentErr(r.err);
      }
      estimate = Math.max(estimate, r.estimate);
      if (r.remaining > 0) {
        byResource.set(`${info.plural}.${info.group}`, r.remaining);
        for (const [f, n] of r.finalizers) if (n > 0) byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + n);
      }
    }
    updater.processContentTotals({ remainingByResource: byResource, remainingByFinalizer: byFinalizer });
    // Always written when changed: a condition that failed before and is fine now must say so.
    const status = (ns.status ??= {});
    if (updater.update(status, rfc3339(this.clock.now()))) {
      // A status that could not be written is logged; it does not hold up the deletion.
      const updated = await this.client.updateNamespaceStatus(ns).catch((err: unknown) => {
        this.log?.error({ err, namespace }, "couldn't update status condition for namespace");
        return undefined;
      });
      if (updated?.metadata.resourceVersion) ns.metadata.resourceVersion = updated.metadata.resourceVersion;
    }
    if (errs.length) throw new Aggregate(errs);
    return estimate;
  }

  /**
   * The preferred namespaced resources with the delete verb (discovery.FilteredBy +
   * GroupVersionResources: one group version that does not parse leaves none).
   */
  private deletableResources(d: Discovery | undefined, errs: unknown[], updater: NamespaceConditionUpdater): { info: ResourceInfo; verbs: string[] }[] {
    const out: { info: ResourceInfo; verbs: string[] }[] = [];
    try {
      for (const list of d?.preferred ?? []) {
        const deletable = list.resources.filter((r) => r.namespaced && supportsAllVerbs(r, ['delete']));
        if (!deletable.length) continue;
        parseGroupVersion(list.groupVersion);
        for (const r of deletable) out.push({ info: resourceInfoOf(list, r), verbs: r.verbs });
      }
    } catch (err) {
      errs.push(err);
      updater.processGroupVersionErr(err);
      return [];
    }
    return out;
  }

  /** One resource: estimate, delete, then count what remains (deleteAllContentForGroupVersionResource). */
  async deleteAllContentFor(ri: ResourceInfo, verbs: readonly string[], namespace: string, deletedAt: number): Promise<ResourceDeletionResult> {
    const none = new Map<string, number>();
    let estimate: number;
    try {
      estimate = await this.estimateGracefulTermination(ri, namespace, deletedAt);
    } catch (err) {
      return { estimate: 0, remaining: 0, finalizers: none, err };
    }
    let items: KubeObject[] | undefined;
    try {
      if (!(await this.deleteCollection(ri, verbs, namespace))) await this.deleteEachItem(ri, verbs, namespace);
      items = await this.listCollection(ri, verbs, namespace);
    } catch (err) {
      return { estimate, remaining: 0, finalizers: none, err };
    }
    if (items === undefined) return { estimate, remaining: 0, finalizers: none };
    if (!items.length) return { estimate: 0, remaining: 0, finalizers: none };
    const finalizers = new Map<string, number>();
    for (const item of items) for (const f of item.metadata?.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
    if (estimate !== 0) return { estimate, remaining: items.length, finalizers };
    // Finalizers are a normal reason to wait: give their controllers (the garbage collector) time.
    if (finalizers.size) return { estimate: FINALIZER_ESTIMATE_SECONDS, remaining: items.length, finalizers };
    return {
      estimate, remaining: items.length, finalizers: none,
      err: new Error(`unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(ri)}`),
    };
  }

  /** False when deletecollection is not served for ri (by discovery, or a 405/404 answer). */
  private async deleteCollection(ri: ResourceInfo, verbs: readonly string[], namespace: string): Promise<boolean> {
    const key = `deletecollection ${gvrString(ri)}`;
    if (!verbs.includes('deletecollection') || this.notSupported.has(key)) return false;
    try {
      // Background, never orphan: the namespace is emptied whatever owns what.
      await this.client.deleteCollection(ri, namespace, BACKGROUND);
      return true;
    } catch (err) {
      if (isMethodNotSupported(err) || isNotFound(err)) {
        this.notSupported.add(key);
        return false;
      }
      throw err;
    }
  }

  /** The items of ri in namespace; undefined when list is not served. */
  private async listCollection(ri: ResourceInfo, verbs: readonly string[], namespace: string): Promise<KubeObject[] | undefined> {
    const key = `list ${gvrString(ri)}`;
    if (!verbs.includes('list') || this.notSupported.has(key)) return undefined;
    try {
      return await this.client.list(ri, namespace);
    } catch (err) {
      if (isMethodNotSupported(err) || isNotFound(err)) {
        this.notSupported.add(key);
        return undefined;
      }
      throw err;
    }
  }

  private async deleteEachItem(ri: ResourceInfo, verbs: readonly string[], namespace: string): Promise<void> {
    const items = await this.listCollection(ri, verbs, namespace);
    for (const item of items ?? []) {
      try {
        await this.client.delete(ri, namespace, item.metadata.name as string, BACKGROUND);
      } catch (err) {
        if (!isNotFound(err) && !isMethodNotSupported(err)) throw err;
      }
    }
  }

  /**
   * Seconds graceful deletion of ri's items may still take: for pods the longest
   * terminationGracePeriodSeconds of those not yet terminal, 0 once that much time has
   * passed since the namespace was deleted; 0 for every other resource.
   */
  private async estimateGracefulTermination(ri: ResourceInfo, namespace: string, deletedAt: number): Promise<number> {
    let estimate = 0;
    if (ri.group === '' && ri.plural === 'pods') {
      for (const pod of (await this.client.list(PODS, namespace)) as Pod[]) {
        const phase = pod.status?.phase;
        if (phase === 'Succeeded' || phase === 'Failed') continue;
        const grace = pod.spec?.terminationGracePeriodSeconds;
        if (typeof grace === 'number' && grace > estimate) estimate = grace;
      }
    }
    const elapsedMs = this.clock.now() - deletedAt;
    return Number.isFinite(elapsedMs) && elapsedMs >= estimate * 1000 ? 0 : estimate;
  }
}
