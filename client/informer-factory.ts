// SharedInformerFactory (client-go's informers.SharedInformerFactory): one Informer per
// resource per process, handed to every controller that reads that resource, so a
// process lists and watches each resource once however many controllers use it.
import { findResource, resolveResource, type ResourceInfo } from '../api/registry.js';
import type { KubeObject } from '../api/types/meta.js';
import type { Logger } from 'pino';
import { Informer, informerFor, type IndexFunc, type InformerOptions } from './informer.js';
import type { RestClient } from './rest-client.js';

export interface InformerFactoryOptions {
  /** Namespace every informer watches; '' (default) for all. */
  namespace?: string;
  log?: Logger;
  /** Options every informer gets (backoff, page size, watch timeouts). */
  informer?: Omit<InformerOptions<KubeObject>, 'namespace' | 'indexers' | 'log' | 'labelSelector' | 'fieldSelector'>;
}

/**
 * Controllers ask for informers in their constructors (`factory.informer<Pod>('pods')`)
 * and add the indices and handlers they need; main then calls start(signal) and
 * waitForSync() before running workers. An informer asked for after start() is
 * started at once.
 */
export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly running: Promise<void>[] = [];
  private signal?: AbortSignal;

  constructor(private readonly rest: RestClient, private readonly opts: InformerFactoryOptions = {}) {}

  /**
   * The one informer for a resource (plural such as 'pods', 'deployments.apps', or a
   * ResourceInfo), created on first use. indexers are added to it (a name already
   * added with another function is an error).
   */
  informer<T extends KubeObject>(resource: string | ResourceInfo, indexers?: Record<string, IndexFunc<T>>): Informer<T> {
    const ri = typeof resource === 'string' ? this.resolve(resource) : resource;
    const key = `${ri.group}/${ri.version}/${ri.plural}`;
    let inf = this.informers.get(key) as Informer<T> | undefined;
    if (!inf) {
      inf = informerFor<T>(this.rest, ri, {
        ...(this.opts.informer as InformerOptions<T>), namespace: this.opts.namespace ?? '',
        log: this.opts.log?.child({ informer: ri.plural }),
      });
      this.informers.set(key, inf as unknown as Informer<KubeObject>);
      if (this.signal) this.run(inf as unknown as Informer<KubeObject>);
    }
    if (indexers) inf.addIndexers(indexers);
    return inf;
  }

  /** Starts every informer asked for so far (and later ones as they are asked for). */
  start(signal: AbortSignal): void {
    if (this.signal) return;
    this.signal = signal;
    for (const inf of this.informers.values()) this.run(inf);
  }

  /** Resolves true once every started informer has synced; false if signal aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Resolves once every informer has stopped (after the start signal aborted). */
  async done(): Promise<void> {
    await Promise.allSettled(this.running);
  }

  /** The resources informers exist for, as `group/version/plural`. */
  resources(): string[] {
    return [...this.informers.keys()];
  }

  private run(inf: Informer<KubeObject>): void {
    this.running.push(inf.run(this.signal as AbortSignal));
  }

  private resolve(name: string): ResourceInfo {
    const ri = resolveResource(name) ?? findResource('', 'v1', name);
    if (!ri) throw new Error(`SharedInformerFactory: unknown resource "${name}"`);
    return ri;
  }
}
