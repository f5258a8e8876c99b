// The PodSecurity admission plugin: the decisions of admission/pod-security/ applied to
// the apiserver's writes. Pods are refused in violation of their namespace's enforce
// level; pods and workload templates get warnings for the warn level; namespace label
// changes are checked and answered with warnings about existing pods.
import type { KubeObject } from '../../api/types/meta.js';
import type { WatchCache } from '../watch-cache.js';
import { admitPod, admitPodController, checkNamespaceLabels, type PodLike } from './pod-security/admission.js';
import type { AdmissionPlugin } from './chain.js';

const WORKLOADS = new Set(['apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', '/replicationcontrollers', 'batch/jobs', 'batch/cronjobs', '/podtemplates']);

export interface PodSecurityCaches {
  namespaces: WatchCache;
  pods: WatchCache;
}

export function podSecurityAdmission(caches: PodSecurityCaches): AdmissionPlugin {
  const labelsOf = (ns: string): Record<string, string> | undefined =>
    caches.namespaces.snapshotOne(`/registry/namespaces/${ns}`)?.metadata.labels;
  return {
    name: 'PodSecurity',
    validate(a) {
      if (a.operation === 'DELETE') return;
      const obj = a.object as KubeObject;
      const username = a.user?.name;
      const key = `${a.resource.group}/${a.resource.plural}`;
      if (key === '/pods') {
        const d = admitPod(labelsOf(a.namespace ?? ''), obj as PodLike, {
          username, namespace: a.namespace, subresource: a.subresource, oldPod: a.oldObject as PodLike | undefined,
        });
        if (!d.allowed && d.error) throw d.error;
        for (const w of d.warnings) a.warn(w);
      } else if (WORKLOADS.has(key)) {
        const d = admitPodController(labelsOf(a.namespace ?? ''), obj as Parameters<typeof admitPodController>[1], { username, namespace: a.namespace, subresource: a.subresource });
        for (const w of d.warnings) a.warn(w);
      } else if (key === '/namespaces' && !a.subresource) {
        const name = a.name;
        const d = checkNamespaceLabels(
          { name, labels: obj.metadata.labels, oldLabels: a.oldObject?.metadata.labels, operation: a.operation },
          () => caches.pods.snapshot(`/registry/pods/${name}/`).items as PodLike[],
          { username, namespace: name },
        );
        if (!d.allowed && d.error) throw d.error;
        for (const w of d.warnings) a.warn(w);
      }
    },
  };
}
