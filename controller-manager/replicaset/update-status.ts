// Writing a ReplicaSet's status (replica_set_utils.go's updateReplicaSetStatus): only
// when it changed, through the status subresource, with the current generation as
// observedGeneration; a failed write is retried once on a fresh read of the object
// (a 409 from a stale resourceVersion is the usual cause), and a second failure is
// returned so the key is retried with backoff.
import type { ReplicaSet, ReplicaSetStatus } from '../../api/types/apps.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { ResourceClient } from '../../client/resource-client.js';
import type { ReplicaSetKind } from './kinds.js';
import { statusUnchanged } from './status.js';

/** Writes after the first failed one (statusUpdateRetries). */
export const STATUS_UPDATE_RETRIES = 1;

/** The verbs the status writer uses: a fresh GET and PUT .../status. */
export type ReplicaSetStatusClient<T extends KubeObject> = Pick<ResourceClient<T>, 'get' | 'updateStatus'>;

/**
 * Writes status into obj (rs is obj read as a ReplicaSet) unless nothing changed;
 * resolves with the object as now stored, read as a ReplicaSet (rs itself when no
 * write was needed).
 */
export async function updateReplicaSetStatus<T extends KubeObject>(
  client: ReplicaSetStatusClient<T>, kind: ReplicaSetKind<T>, obj: T, rs: ReplicaSet, status: ReplicaSetStatus,
): Promise<ReplicaSet> {
  if (statusUnchanged(rs, status)) return rs;
  // The generation acted on, so a retry never claims to have seen a newer spec.
  const next: ReplicaSetStatus = { ...status };
  if (rs.metadata.generation) next.observedGeneration = rs.metadata.generation;
  else delete next.observedGeneration;
  const namespace = rs.metadata.namespace ?? '';
  let current = obj;
  for (let attempt = 0; ; attempt++) {
    try {
      return kind.toReplicaSet(await client.updateStatus(namespace, kind.withStatus(current, next)));
    } catch (err) {
      if (attempt >= STATUS_UPDATE_RETRIES) throw err;
    }
    // A failed GET is returned instead: without the object, status.replicas cannot be trusted.
    current = await client.get(namespace, rs.metadata.name ?? '');
  }
}
