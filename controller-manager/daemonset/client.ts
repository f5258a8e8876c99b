// What the DaemonSet controller writes through, and reads uncached: DaemonSets (the
// fresh read before adopting, status), ControllerRevisions and pod labels (client-go's
// AppsV1 and CoreV1 clients). Tests hand in a recording fake.
import type { ControllerRevision, DaemonSet } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import { resourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import type { ControllerRevisionClient } from '../history/index.js';

export interface DaemonSetClient {
  getDaemonSet(namespace: string, name: string): Promise<DaemonSet>;
  updateDaemonSetStatus(namespace: string, ds: DaemonSet): Promise<DaemonSet>;
  revisions: ControllerRevisionClient;
  /** A strategic merge patch of a pod (relabelling pods of a deduplicated revision). */
  patchPod(namespace: string, name: string, patch: unknown): Promise<unknown>;
}

/** The controller's client through the apiserver. */
export function restDaemonSetClient(rest: RestClient): DaemonSetClient {
  const dss = resourceClient<DaemonSet>(rest, 'daemonsets');
  const crs = resourceClient<ControllerRevision>(rest, 'controllerrevisions');
  const pods = resourceClient<Pod>(rest, 'pods');
  return {
    getDaemonSet: (ns, name) => dss.get(ns, name),
    updateDaemonSetStatus: (ns, ds) => dss.updateStatus(ns, ds),
    revisions: {
      create: (ns, cr) => crs.create(ns, cr),
      get: (ns, name) => crs.get(ns, name),
      update: (ns, cr) => crs.update(ns, cr),
      delete: async (ns, name) => {
        await crs.delete(ns, name);
      },
      patch: (ns, name, patch) => crs.patch(ns, name, 'strategic', patch),
    },
    patchPod: (ns, name, patch) => pods.patch(ns, name, 'strategic', patch),
  };
}
