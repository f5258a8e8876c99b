// Typed verbs for one API resource on top of RestClient: list/get/create/update/
// patch/delete/watch, status and other subresources. Paths come from the resource
// registry, so callers say `resourceClient(rest, 'pods')`, never build URLs.
import { groupVersion, resolveResource, type ResourceInfo } from '../api/registry.js';
import type { DeleteOptions, KubeObject, List, WatchEvent } from '../api/types/meta.js';
import type { Query, RestClient } from './rest-client.js';
import { readWatchEvents } from './watch.js';

export interface PathParts {
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The REST path of a resource collection, object or subresource. */
export function resourcePath(ri: ResourceInfo, p: PathParts = {}): string {
  let path = ri.group ? `/apis/${groupVersion(ri)}` : `/api/${ri.version}`;
  if (ri.namespaced && p.namespace) path += `/namespaces/${encodeURIComponent(p.namespace)}`;
  path += `/${ri.plural}`;
  if (p.name !== undefined) path += `/${encodeURIComponent(p.name)}`;
  if (p.subresource) path += `/${p.subresource}`;
  return path;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  timeoutSeconds?: number;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

export type PatchType = 'strategic' | 'merge' | 'json';
export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

/** The media type of a server-side apply patch. */
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
}

/** Verbs on one resource. `namespace` is ignored for cluster-scoped resources; '' lists all namespaces. */
export class ResourceClient<T extends KubeObject = KubeObject> {
  constructor(readonly rest: RestClient, readonly info: ResourceInfo) {}

  path(p: PathParts = {}): string {
    return resourcePath(this.info, p);
  }

  list(namespace = '', opts: ListOptions = {}, signal?: AbortSignal): Promise<List<T>> {
    return this.rest.request<List<T>>({ path: this.path({ namespace }), query: { ...opts }, signal });
  }

  /** Lists every page (limit/continue) into one list; the resourceVersion is the first page's. */
  async listAll(namespace = '', opts: ListOptions = {}, signal?: AbortSignal): Promise<List<T>> {
    const first = await this.list(namespace, opts, signal);
    let cont = first.metadata?.continue;
    while (cont) {
      const page = await this.list(namespace, { ...opts, continue: cont }, signal);
      first.items.push(...page.items);
      cont = page.metadata?.continue;
    }
    if (first.metadata) delete first.metadata.continue;
    return first;
  }

  get(namespace: string, name: string, signal?: AbortSignal): Promise<T> {
    return this.rest.request<T>({ path: this.path({ namespace, name }), signal });
  }

  create(namespace: string, obj: T | KubeObject, o: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>({ method: 'POST', path: this.path({ namespace }), query: writeQuery(o), body: obj, signal: o.signal });
  }

  update(namespace: string, obj: T, o: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>({ method: 'PUT', path: this.path({ namespace, name: obj.metadata.name }), query: writeQuery(o), body: obj, signal: o.signal });
  }

  updateStatus(namespace: string, obj: T, o: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>({ method: 'PUT', path: this.path({ namespace, name: obj.metadata.name, subresource: 'status' }), query: writeQuery(o), body: obj, signal: o.signal });
  }

  patch(namespace: string, name: string, type: PatchType, patch: unknown, o: WriteOptions & { subresource?: string } = {}): Promise<T> {
    return this.rest.request<T>({
      method: 'PATCH', path: this.path({ namespace, name, subresource: o.subresource }), query: writeQuery(o),
      body: typeof patch === 'string' ? patch : JSON.stringify(patch), contentType: PATCH_CONTENT_TYPES[type], signal: o.signal,
    });
  }

  /**
   * Server-side apply (application/apply-patch+yaml; JSON is YAML): obj is the applied
   * configuration; the object is created when absent. fieldManager is required; force
   * takes fields other managers own instead of failing with a 409 conflict.
   */
  apply(namespace: string, name: string, obj: unknown, o: WriteOptions & { fieldManager: string; force?: boolean; subresource?: string }): Promise<T> {
    return this.rest.request<T>({
      method: 'PATCH', path: this.path({ namespace, name, subresource: o.subresource }),
      query: { ...writeQuery(o), force: o.force ? 'true' : undefined },
      body: JSON.stringify(obj), contentType: APPLY_PATCH_CONTENT_TYPE, signal: o.signal,
    });
  }

  /** Deletes one object; answers the object (graceful/finalizers) or a Status. */
  delete(namespace: string, name: string, opts: DeleteOptions = {}, o: WriteOptions = {}): Promise<T | KubeObject> {
    return this.rest.request<T>({
      method: 'DELETE', path: this.path({ namespace, name }),
      body: deleteBody(opts, o), signal: o.signal,
    });
  }

  deleteCollection(namespace: string, list: ListOptions = {}, opts: DeleteOptions = {}, o: WriteOptions = {}): Promise<List<T>> {
    return this.rest.request<List<T>>({
      method: 'DELETE', path: this.path({ namespace }), query: { ...list },
      body: deleteBody(opts, o), signal: o.signal,
    });
  }

  /** POST to a subresource (pods/binding, pods/eviction). */
  createSubresource<R = KubeObject>(namespace: string, name: string, subresource: string, body: unknown, o: WriteOptions = {}): Promise<R> {
    return this.rest.request<R>({ method: 'POST', path: this.path({ namespace, name, subresource }), query: writeQuery(o), body, signal: o.signal });
  }

  getSubresource<R = KubeObject>(namespace: string, name: string, subresource: string, signal?: AbortSignal): Promise<R> {
    return this.rest.request<R>({ path: this.path({ namespace, name, subresource }), signal });
  }

  updateSubresource<R = KubeObject>(namespace: string, name: string, subresource: string, body: unknown, o: WriteOptions = {}): Promise<R> {
    return this.rest.request<R>({ method: 'PUT', path: this.path({ namespace, name, subresource }), query: writeQuery(o), body, signal: o.signal });
  }

  /**
   * Opens a watch and yields its events; throws StatusError on an ERROR event (410 =
   * relist). Abort `signal` to stop. The stream also ends when the server times it out.
   */
  async *watch(namespace: string, opts: WatchOptions = {}, signal?: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    const res = await this.rest.stream({ path: this.path({ namespace }), query: { ...opts, watch: true } as Query, signal });
    yield* readWatchEvents<T>(res.body);
  }
}

/** DeleteOptions go in the body, dryRun included, as client-go sends them (the query is read only without a body). */
function deleteBody(opts: DeleteOptions, o: WriteOptions): DeleteOptions & { kind: string; apiVersion: string } {
  return { kind: 'DeleteOptions', apiVersion: 'v1', ...opts, ...(o.dryRun ? { dryRun: ['All'] } : {}) };
}

function writeQuery(o: WriteOptions): Query {
  return { dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager };
}

/** A ResourceClient by what a person or a component names it: 'pods', 'deploy', 'leases'. */
export function resourceClient<T extends KubeObject = KubeObject>(rest: RestClient, resource: string | ResourceInfo): ResourceClient<T> {
  const info = typeof resource === 'string' ? resolveResource(resource) : resource;
  if (!info) throw new Error(`unknown resource "${String(resource)}"`);
  return new ResourceClient<T>(rest, info);
}
