// Which pods a controller deletes first when it scales down (Kubernetes'
// controller.ActivePodsWithRanks and ActivePods in pkg/controller/controller_utils.go,
// and getPodsRankedByRelatedPodsOnSameNode in pkg/controller/replicaset). The least
// valuable pods sort first:
//
//   1. not yet scheduled before scheduled;
//   2. Pending (or no phase) before Unknown before Running;
//   3. not ready before ready;
//   4. lower controller.kubernetes.io/pod-deletion-cost first (PodDeletionCost, on by default);
//   5. higher rank first: pods sharing their node with more related pods are deleted first;
//   6. both ready: ready for a shorter time first;
//   7. more container restarts first;
//   8. newer first.
//
// In 6 and 8 times are compared on a log2 scale of their age (LogarithmicScaleDown, GA
// and always on since Kubernetes 1.31): pods whose ages fall in the same power-of-two
// bucket count as equally old and are ordered by uid, a pseudo-random but stable pick,
// so scale-downs do not always hit the very newest pods. Worked example, now = 100 s:
// pods created 10 s and 12 s ago are both in bucket floor(log2(10e9 ns)) = 33 and
// floor(log2(12e9)) = 33, so their uids decide; one created 20 s ago is in bucket 34
// and goes after both.
import { isPodActive, isPodReady, podCondition } from './pod.js';
import { parseTime } from './time.js';
import type { Pod } from '../types/core.js';

/** The annotation that lets users say which pods to delete first (lower first). */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

// A phase missing from Go's map reads as 0, so a pod with no phase ranks as Pending.
const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const phaseOrdinal = (pod: Pod): number => PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * GetDeletionCostFromPodAnnotations: the annotation as an int32; 0 when absent or
 * invalid (a leading "+" or leading zeros are invalid, as is anything out of range).
 */
export function podDeletionCost(pod: Pod): number {
  const value = pod.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  // validFirstDigit, then strconv.ParseInt(value, 10, 32) (which takes "-007").
  if (value === undefined || !/^(-\d+|0|[1-9]\d*)$/.test(value)) return 0;
  const n = Number(value);
  return n < INT32_MIN || n > INT32_MAX ? 0 : n;
}

/** ms of a timestamp; 0 stands for Go's zero time (absent or unparsable). */
function timeOf(s: string | null | undefined): number {
  const t = parseTime(s);
  return Number.isNaN(t) ? 0 : t;
}

/** When the pod became Ready (0 when it is not ready). */
function podReadyTime(pod: Pod): number {
  return isPodReady(pod) ? timeOf(podCondition(pod, 'Ready')?.lastTransitionTime) : 0;
}

function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

/** afterOrZero: t1 is later than t2, a zero time counting as the latest of all. */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

/** The difference of the log2 buckets of the ages (in ns, as Go's Duration) of t1 and t2 at now; -1 for a time not in the past. */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const bucket = (t: number): number => {
    const ns = (now - t) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return bucket(t1) - bucket(t2);
}

/** Compares two times of rule 6 or 8: the later first, on a log scale when now is known. */
function laterFirst(a: Pod, b: Pod, t1: number, t2: number, now: number | undefined): boolean {
  if (now === undefined || t1 === 0 || t2 === 0) return afterOrZero(t1, t2);
  const diff = logarithmicRankDiff(t1, t2, now);
  if (diff === 0) return (a.metadata.uid ?? '') < (b.metadata.uid ?? '');
  return diff < 0;
}

/** ActivePodsWithRanks.Less: a should be deleted before b. */
function rankedLess(a: Pod, b: Pod, rankA: number, rankB: number, now: number | undefined): boolean {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '';
  if (phaseOrdinal(a) !== phaseOrdinal(b)) return phaseOrdinal(a) < phaseOrdinal(b);
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return !readyA;
  const costA = podDeletionCost(a);
  const costB = podDeletionCost(b);
  if (costA !== costB) return costA < costB;
  if (rankA !== rankB) return rankA > rankB;
  if (readyA && readyB) {
    const t1 = podReadyTime(a);
    const t2 = podReadyTime(b);
    if (t1 !== t2) return laterFirst(a, b, t1, t2, now);
  }
  const restartsA = maxContainerRestarts(a);
  const restartsB = maxContainerRestarts(b);
  if (restartsA !== restartsB) return restartsA > restartsB;
  const c1 = timeOf(a.metadata.creationTimestamp);
  const c2 = timeOf(b.metadata.creationTimestamp);
  if (c1 !== c2) return laterFirst(a, b, c1, c2, now);
  return false;
}

/** ActivePods.Less (no deletion cost, no ranks, plain time order): a should go before b. */
function activeLess(a: Pod, b: Pod): boolean {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '';
  if (phaseOrdinal(a) !== phaseOrdinal(b)) return phaseOrdinal(a) < phaseOrdinal(b);
  const readyA = isPodReady(a);
  if (readyA !== isPodReady(b)) return !readyA;
  if (readyA) {
    const t1 = podReadyTime(a);
    const t2 = podReadyTime(b);
    if (t1 !== t2) return afterOrZero(t1, t2);
  }
  const restartsA = maxContainerRestarts(a);
  const restartsB = maxContainerRestarts(b);
  if (restartsA !== restartsB) return restartsA > restartsB;
  const c1 = timeOf(a.metadata.creationTimestamp);
  const c2 = timeOf(b.metadata.creationTimestamp);
  return c1 !== c2 && afterOrZero(c1, c2);
}

const comparator = <T>(less: (a: T, b: T) => boolean) => (a: T, b: T): number => (less(a, b) ? -1 : less(b, a) ? 1 : 0);

/** Sort comparator of controller.ActivePods: the pods to delete first sort first. */
export const compareActivePods: (a: Pod, b: Pod) => number = comparator(activeLess);

/**
 * getPodsRankedByRelatedPodsOnSameNode: each pod's rank is the number of active
 * related pods (relatedPods, usually a superset of pods) on its node.
 */
export function ranksByRelatedPodsOnSameNode(pods: readonly Pod[], relatedPods: readonly Pod[]): number[] {
  const onNode = new Map<string, number>();
  for (const p of relatedPods) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return pods.map((p) => onNode.get(p.spec?.nodeName ?? '') ?? 0);
}

/**
 * pods sorted by ActivePodsWithRanks (a new array): the ones to delete first come
 * first. ranks[i] belongs to pods[i]; now (ms) turns on the logarithmic time
 * comparison, undefined compares plain times.
 */
export function sortPodsForDeletion(pods: readonly Pod[], ranks: readonly number[], now?: number): Pod[] {
  const ranked = pods.map((pod, i) => ({ pod, rank: ranks[i] ?? 0 }));
  ranked.sort(comparator((a, b) => rankedLess(a.pod, b.pod, a.rank, b.rank, now)));
  return ranked.map((r) => r.pod);
}
