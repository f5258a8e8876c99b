// The DaemonSet controller's pure rules (Kubernetes' pkg/controller/daemon/util and the
// helpers of daemon_controller.go): which nodes should run a daemon pod, decided with the
// scheduler's own predicates (node name, node selector and required node affinity,
// taints against the pod's tolerations); the tolerations every daemon pod gets; the
// node affinity that pins a pod to its node; whether a pod is of the current template;
// surge and unavailable counts; and the backoff before a failed pod is replaced.
import { findUntoleratedTaint } from '../../api/helpers/taints.js';
import type { DaemonSet } from '../../api/types/apps.js';
import type { Affinity, Node, Pod, PodSpec, PodTemplateSpec, Toleration } from '../../api/types/core.js';
import { compileRequired, matchesRequired } from '../../scheduler/plugins/node-affinity.js';
import { scaledValueFromIntOrPercent } from '../deployment/util.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/index.js';

/** The label daemon pods carry their DaemonSet's templateGeneration in (extensions.DaemonSetTemplateGenerationKey). */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** The annotation apps/v1 DaemonSets carry templateGeneration in. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/**
 * The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations): it survives a
 * node going not-ready or unreachable (no taint-based eviction), and is placed despite
 * the node-condition taints; network-unavailable only for hostNetwork pods, which do not
 * need the pod network.
 */
export function daemonPodTolerations(spec: Pick<PodSpec, 'hostNetwork'>): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

/** Toleration.MatchToleration: the same key, operator, value and effect (tolerationSeconds aside). */
const sameToleration = (a: Toleration, b: Toleration): boolean =>
  (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');

/** AddOrUpdateTolerationInPodSpec: replaces a matching toleration, else appends it. */
export function addOrUpdateToleration(spec: PodSpec, toleration: Toleration): void {
  const list = spec.tolerations ?? [];
  const i = list.findIndex((t) => sameToleration(t, toleration));
  if (i >= 0) list[i] = { ...toleration };
  else list.push({ ...toleration });
  spec.tolerations = list;
}

/** AddOrUpdateDaemonPodTolerations, in place. */
export function addDaemonPodTolerations(spec: PodSpec): void {
  for (const t of daemonPodTolerations(spec)) addOrUpdateToleration(spec, t);
}

/** NewPod: the pod the DaemonSet would run on nodeName, as the predicates see it. */
export function newDaemonPod(ds: DaemonSet, nodeName: string): Pod {
  const template = ds.spec?.template;
  const spec = structuredClone(template?.spec ?? { containers: [] });
  spec.nodeName = nodeName;
  addDaemonPodTolerations(spec);
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...structuredClone(template?.metadata ?? {}), namespace: ds.metadata.namespace }, spec };
}

/** Whether a node should run the DaemonSet's pod, and whether a pod already there may keep running. */
export interface NodeVerdict {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
}

/**
 * NodeShouldRunDaemonPod: a node runs the pod when the template's nodeName (if any)
 * names it, its node selector and required node affinity match (the scheduler's
 * NodeAffinity rules) and it has no NoSchedule or NoExecute taint the pod does not
 * tolerate (the scheduler's TaintToleration rule, with the daemon tolerations added). A
 * pod already there keeps running despite an untolerated NoSchedule taint: only a
 * NoExecute taint evicts.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeVerdict {
  const name = node.metadata.name ?? '';
  const templateNode = ds.spec?.template?.spec?.nodeName;
  if (templateNode && templateNode !== name) return { shouldRun: false, shouldContinueRunning: false };
  const pod = newDaemonPod(ds, name);
  if (!matchesRequired(compileRequired(pod), node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints;
  if (findUntoleratedTaint(taints, pod.spec?.tolerations)) {
    return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(taints, pod.spec?.tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the pod's required node affinity becomes
 * exactly "metadata.name In [nodeName]", so the scheduler can place it nowhere else
 * (preferred terms and pod (anti-)affinity are kept).
 */
export function replaceNodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const out: Affinity = structuredClone(affinity ?? {});
  out.nodeAffinity = {
    ...(out.nodeAffinity ?? {}),
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
    },
  };
  return out;
}

/**
 * GetTargetNodeName: the node a daemon pod is for: spec.nodeName once bound, before
 * that the one its required node affinity pins it to. Undefined when neither says.
 */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const req of term.matchFields ?? []) {
      if (req.key === 'metadata.name' && req.operator === 'In' && req.values?.length === 1) return req.values[0];
    }
  }
  return undefined;
}

/** The DaemonSet's templateGeneration (its annotation), undefined when missing or not a number. */
export function templateGeneration(ds: DaemonSet): number | undefined {
  const v = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/**
 * IsPodUpdated: the pod was made from the current template: its revision hash label is
 * the current one, or (pods of old controllers) its template generation is.
 */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  const templateMatches = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}

/**
 * CreatePodTemplate: the template pods are made from: the daemon tolerations added, the
 * template generation and revision hash labels set.
 */
export function daemonPodTemplate(template: PodTemplateSpec | undefined, generation: number | undefined, hash: string): PodTemplateSpec {
  const t = structuredClone(template ?? {});
  t.spec ??= { containers: [] };
  addDaemonPodTolerations(t.spec);
  t.metadata ??= {};
  const labels = { ...(t.metadata.labels ?? {}) };
  if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(generation);
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  t.metadata.labels = labels;
  return t;
}

/** The rolling update's maxSurge, 0 unless the strategy is RollingUpdate (SurgeCount): a percentage of desired rounded up. */
export function surgeCount(ds: DaemonSet, desired: number): number {
  const s = ds.spec?.updateStrategy;
  if (s?.type !== 'RollingUpdate' || !s.rollingUpdate) return 0;
  return scaledValueFromIntOrPercent(s.rollingUpdate.maxSurge ?? 0, desired, true);
}

/** The rolling update's maxUnavailable, 0 unless the strategy is RollingUpdate (UnavailableCount): rounded up. */
export function unavailableCount(ds: DaemonSet, desired: number): number {
  const s = ds.spec?.updateStrategy;
  if (s?.type !== 'RollingUpdate' || !s.rollingUpdate) return 0;
  return scaledValueFromIntOrPercent(s.rollingUpdate.maxUnavailable ?? 0, desired, true);
}

/** AllowsSurge: a RollingUpdate whose maxSurge is not 0 (old and new pods may share a node). */
export function allowsSurge(ds: DaemonSet): boolean {
  const s = ds.spec?.updateStrategy;
  if (s?.type !== 'RollingUpdate' || !s.rollingUpdate) return false;
  try {
    return scaledValueFromIntOrPercent(s.rollingUpdate.maxSurge ?? 0, 1, true) !== 0;
  } catch {
    return false;
  }
}

/**
 * podByCreationTimestampAndPhase: scheduled pods first, then older first, then by name.
 * The first pod of a node is the one status counts and the one kept among duplicates.
 */
export function comparePodsByCreation(a: Pod, b: Pod): number {
  const sa = !!a.spec?.nodeName;
  const sb = !!b.spec?.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * The backoff before a failed daemon pod on a node is deleted again (flowcontrol.Backoff
 * with 1 s initial and 15 min max, keyed "<ds uid>/<node>"): a kubelet that keeps
 * rejecting the pod must not turn into a create/delete hot loop. An entry not touched
 * for twice the maximum starts over.
 */
export class FailedPodsBackoff {
  private readonly entries = new Map<string, { delayMs: number; lastUpdate: number }>();

  constructor(readonly initialMs = 1000, readonly maxMs = 15 * 60_000) {}

  /** The current delay of key (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Next: starts the delay at initialMs, or doubles it up to maxMs. */
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    if (!e || now - e.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
      return;
    }
    e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
    e.lastUpdate = now;
  }

  /** IsInBackOffSinceUpdate: less than the current delay has passed since the last next(). */
  isInBackOffSinceUpdate(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return !!e && now - e.lastUpdate < e.delayMs;
  }

  /** GC: forgets entries not touched for twice the maximum. */
  gc(now: number): void {
    for (const [k, e] of this.entries) if (now - e.lastUpdate > 2 * this.maxMs) this.entries.delete(k);
  }
}

/** failedPodsBackoffKey: per DaemonSet and node. */
export const failedPodsBackoffKey = (ds: DaemonSet, node: string): string => `${ds.metadata.uid ?? ''}/${node}`;
