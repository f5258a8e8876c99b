// Pods: status owned by the kubelet, graceful deletion, the binding subresource, and
// what pods/ephemeralcontainers may write.
import { isPodTerminal } from '../../api/helpers/pod.js';
import { podQOSClass } from '../../api/helpers/qos.js';
import { rfc3339Now } from '../../api/helpers/time.js';
import type { Pod, PodAffinityTerm } from '../../api/types/core.js';
import type { DeleteOptions, KubeObject, LabelSelector } from '../../api/types/meta.js';
import type { Strategy } from './strategy.js';

interface PodLike extends KubeObject {
  spec?: { nodeName?: string; terminationGracePeriodSeconds?: number };
  status?: { phase?: string; qosClass?: string; conditions?: { type: string; status: string; lastTransitionTime?: string; lastProbeTime?: string | null }[] };
}

export const podStrategy: Strategy = {
  hasStatus: true,
  allowCreateOnUpdate: false,
  returnDeletedObject: true,
  prepareForCreate(obj) {
    const pod = obj as PodLike;
    pod.status = { phase: 'Pending', qosClass: podQOSClass(obj as Pod) };
    applySchedulingGatedCondition(obj as Pod);
    mutatePodAffinity(obj as Pod);
  },
  partialWrites: { ephemeralcontainers: withEphemeralContainers },
  gracePeriod(obj, opts: DeleteOptions) {
    const pod = obj as PodLike;
    // A pod no kubelet runs, or one that already ended, goes at once (Kubernetes' CheckGracefulDelete).
    if (!pod.spec?.nodeName) return 0;
    if (isPodTerminal(obj as Pod)) return 0;
    const grace = opts.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  },
};

/** kube-apiserver's message on the PodScheduled condition of a pod created with scheduling gates. */
export const SCHEDULING_GATED_MESSAGE = 'Scheduling is blocked due to non-empty scheduling gates';

/**
 * A pod created with spec.schedulingGates starts with PodScheduled=False, reason
 * SchedulingGated (pod strategy's applySchedulingGatedCondition): `kubectl get pods`
 * shows SchedulingGated until the last gate is removed and the scheduler places it.
 */
function applySchedulingGatedCondition(pod: Pod): void {
  if (!pod.spec?.schedulingGates?.length) return;
  const status = (pod.status ??= {});
  if (status.conditions?.some((c) => c.type === 'PodScheduled')) return;
  (status.conditions ??= []).push({
    type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null, reason: 'SchedulingGated', message: SCHEDULING_GATED_MESSAGE,
  });
}

/**
 * Kubernetes' mutatePodAffinity (MatchLabelKeysInPodAffinity, on by default since 1.31): at
 * create, each pod (anti-)affinity term's matchLabelKeys become `key In (value)` and its
 * mismatchLabelKeys `key NotIn (value)` requirements of its labelSelector, with the values
 * taken from the pod's own labels (keys it lacks are skipped). A term without a
 * labelSelector selects nothing and is left alone. The scheduler then reads labelSelector
 * only.
 */
export function mutatePodAffinity(pod: Pod): void {
  const a = pod.spec?.affinity;
  if (!a) return;
  const labels = pod.metadata.labels ?? {};
  const isObject = (x: unknown): x is object => typeof x === 'object' && x !== null && !Array.isArray(x);
  // Runs before validation: malformed input is left for validation to reject.
  if (!isObject(a) || !isObject(labels)) return;
  const apply = (sel: LabelSelector, keys: unknown, operator: 'In' | 'NotIn'): void => {
    if (!Array.isArray(keys)) return;
    for (const key of keys) {
      const value: unknown = typeof key === 'string' && Object.hasOwn(labels, key) ? labels[key] : undefined;
      if (typeof value !== 'string') continue;
      (sel.matchExpressions ??= []).push({ key, operator, values: [value] });
    }
  };
  const mutate = (term: PodAffinityTerm | undefined): void => {
    if (!isObject(term) || !isObject(term.labelSelector)) return;
    if (term.labelSelector.matchExpressions !== undefined && !Array.isArray(term.labelSelector.matchExpressions)) return;
    apply(term.labelSelector, term.matchLabelKeys, 'In');
    apply(term.labelSelector, term.mismatchLabelKeys, 'NotIn');
  };
  const list = <T>(x: T[] | undefined): T[] => (Array.isArray(x) ? x : []);
  for (const pa of [a.podAffinity, a.podAntiAffinity]) {
    if (!isObject(pa)) continue;
    for (const t of list(pa.preferredDuringSchedulingIgnoredDuringExecution)) mutate(isObject(t) ? t.podAffinityTerm : undefined);
    for (const t of list(pa.requiredDuringSchedulingIgnoredDuringExecution)) mutate(t);
  }
}

/**
 * What a write through pods/<name>/ephemeralcontainers stores (Kubernetes'
 * dropNonEphemeralContainerUpdates): the stored pod with only its ephemeral containers
 * (and the resourceVersion precondition) taken from the request.
 */
export function withEphemeralContainers(obj: KubeObject, old: KubeObject): KubeObject {
  const next = old as Pod;
  const sent = (obj as Pod).spec?.ephemeralContainers;
  next.spec = { ...(next.spec as NonNullable<Pod['spec']>), ephemeralContainers: sent };
  if (sent === undefined) delete next.spec.ephemeralContainers;
  next.metadata.resourceVersion = obj.metadata.resourceVersion;
  if (next.metadata.resourceVersion === undefined) delete next.metadata.resourceVersion;
  next.apiVersion = obj.apiVersion ?? next.apiVersion;
  next.kind = obj.kind ?? next.kind;
  return next;
}

/** Applies a Binding to a pod (POST pods/<name>/binding): sets spec.nodeName once. */
export function bindPod(pod: KubeObject, nodeName: string): KubeObject {
  const p = pod as PodLike;
  p.spec = { ...(p.spec ?? {}), nodeName };
  const status = p.status ?? {};
  const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339Now() });
  p.status = { ...status, conditions };
  return p;
}
