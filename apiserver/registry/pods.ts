// Pods: status owned by the kubelet, graceful deletion, and the binding subresource.
import type { DeleteOptions, KubeObject } from '../../api/types/meta.js';
import type { Strategy } from './strategy.js';

interface PodLike extends KubeObject {
  spec?: { nodeName?: string; terminationGracePeriodSeconds?: number; containers?: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[] };
  status?: { phase?: string; qosClass?: string; conditions?: { type: string; status: string; lastTransitionTime?: string; lastProbeTime?: string | null }[] };
}

export const podStrategy: Strategy = {
  hasStatus: true,
  allowCreateOnUpdate: false,
  returnDeletedObject: true,
  prepareForCreate(obj) {
    const pod = obj as PodLike;
    pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
  },
  gracePeriod(obj, opts: DeleteOptions) {
    const pod = obj as PodLike;
    // A pod no kubelet runs, or one that already ended, goes at once (Kubernetes' CheckGracefulDelete).
    if (!pod.spec?.nodeName) return 0;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 0;
    const grace = opts.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  },
};

/** Guaranteed when every container's requests equal its limits; BestEffort with none. */
export function qosClass(pod: PodLike): string {
  const containers = pod.spec?.containers ?? [];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (!lim[r] || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Applies a Binding to a pod (POST pods/<name>/binding): sets spec.nodeName once. */
export function bindPod(pod: KubeObject, nodeName: string): KubeObject {
  const p = pod as PodLike;
  p.spec = { ...(p.spec ?? {}), nodeName };
  const status = p.status ?? {};
  const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
  p.status = { ...status, conditions };
  return p;
}
