// What the garbage collector does to objects of any kind (operations.go, patch.go):
// apiVersion/kind mapped to a resource by discovery (the RESTMapper), then uncached
// GETs, DELETEs with preconditions and PATCHes of ownerReferences and finalizers.
import type { ResourceInfo } from '../../api/registry.js';
import type { APIResourceList, DeleteOptions, KubeObject } from '../../api/types/meta.js';
import { resourceInfoOf } from '../../client/discovery.js';
import { resourceClient, type PatchType } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';

/**
 * Requests on one object of a resource; restGcClient is the real one, unit tests pass a
 * fake recording the calls. Errors are the apiserver's StatusErrors.
 */
export interface GcClient {
  get(ri: ResourceInfo, namespace: string, name: string): Promise<KubeObject>;
  delete(ri: ResourceInfo, namespace: string, name: string, opts: DeleteOptions): Promise<void>;
  patch(ri: ResourceInfo, namespace: string, name: string, type: PatchType, patch: unknown): Promise<KubeObject>;
}

export function restGcClient(rest: RestClient): GcClient {
  return {
    get: (ri, namespace, name) => resourceClient(rest, ri).get(namespace, name),
    delete: async (ri, namespace, name, opts) => { await resourceClient(rest, ri).delete(namespace, name, opts); },
    patch: (ri, namespace, name, type, patch) => resourceClient(rest, ri).patch(namespace, name, type, patch),
  };
}

/** A reference names a kind discovery does not know (yet): retried, as a restMappingError. */
export class RestMappingError extends Error {
  override name = 'RestMappingError';
  constructor(kind: string, apiVersion: string) {
    super(`unable to get REST mapping for ${kind}.${apiVersion}.`);
  }
}

/**
 * apiVersion + kind → resource, from every group version discovery listed (not only
 * preferred ones: a reference names the version it was written with). reset() takes a
 * fresh discovery, as the collector's periodic sync resets its mapper.
 */
export class RestMapper {
  private byKind = new Map<string, ResourceInfo>();

  constructor(lists: readonly APIResourceList[] = []) {
    this.reset(lists);
  }

  reset(lists: readonly APIResourceList[]): void {
    const next = new Map<string, ResourceInfo>();
    for (const list of lists) {
      for (const r of list.resources ?? []) {
        if (r.name.includes('/')) continue;
        const key = `${list.groupVersion}|${r.kind}`;
        try {
          if (!next.has(key)) next.set(key, resourceInfoOf(list, r));
        } catch {
          // A group version that does not parse maps nothing.
        }
      }
    }
    this.byKind = next;
  }

  /** The resource of apiVersion/kind; throws RestMappingError when unknown. */
  resourceFor(apiVersion: string, kind: string): ResourceInfo {
    const ri = this.byKind.get(`${apiVersion}|${kind}`);
    if (!ri) throw new RestMappingError(kind, apiVersion);
    return ri;
  }
}

/** deleteOwnerRefStrategicMergePatch: removes the references to ownerUids; the dependent's uid guards the object. */
export function deleteOwnerRefPatch(dependentUid: string, ownerUids: readonly string[]): unknown {
  return { metadata: { ownerReferences: ownerUids.map((uid) => ({ $patch: 'delete', uid })), uid: dependentUid } };
}

/** unblockOwnerReferencesStrategicMergePatch: every blocking reference of the node set to blockOwnerDeletion=false. */
export function unblockOwnerRefsPatch(uid: string, owners: readonly { uid: string; blockOwnerDeletion?: boolean; apiVersion: string; kind: string; name: string; controller?: boolean }[]): unknown {
  const refs = owners.filter((o) => o.blockOwnerDeletion === true).map((o) => ({ ...o, blockOwnerDeletion: false }));
  return { metadata: { ownerReferences: refs, uid } };
}

/** objectForFinalizersPatch: a JSON merge patch of the finalizers, guarded by the resourceVersion. */
export function finalizersPatch(resourceVersion: string | undefined, finalizers: readonly string[]): unknown {
  return { metadata: { resourceVersion: resourceVersion ?? '', finalizers: finalizers.length ? finalizers : null } };
}
