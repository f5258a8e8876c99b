// PatchPodStatus (pkg/util/pod): the controllers that mark pods write only what they
// change into pods/status, as a strategic merge patch (conditions merge by type), so
// they never overwrite what the kubelet wrote meanwhile.
import type { Pod, PodStatus } from '../api/types/core.js';
import type { ResourceClient } from '../client/resource-client.js';

/** Patches the given status fields of pod (named by its cached copy). */
export function patchPodStatus(pods: ResourceClient<Pod>, pod: Pick<Pod, 'metadata'>, status: PodStatus): Promise<Pod> {
  return pods.patch(pod.metadata.namespace as string, pod.metadata.name as string, 'strategic',
    { metadata: { uid: pod.metadata.uid }, status }, { subresource: 'status' });
}
