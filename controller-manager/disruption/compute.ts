// The disruption controller's arithmetic (pkg/controller/disruption/disruption.go),
// pure: how many pods a budget expects, how many must be healthy, which evictions it
// still waits for, and the status that follows.
import { isPodReady } from '../../api/helpers/pod.js';
import { parseTime } from '../../api/helpers/time.js';
import type { IntOrString, Pod } from '../../api/types/core.js';
import type { LabelSelector } from '../../api/types/meta.js';
import {
  DISRUPTION_ALLOWED_CONDITION, INSUFFICIENT_PODS_REASON, type PodDisruptionBudget, type PodDisruptionBudgetStatus,
  SUFFICIENT_PODS_REASON,
} from '../../api/types/policy.js';

/** DeletionTimeout: how long an eviction's entry in status.disruptedPods waits for the pod to be deleted. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/**
 * intstr.GetScaledValueFromIntOrPercent with roundUp: an integer as is, "p%" as
 * ceil(p * total / 100). Throws for a string that is not a percentage.
 * Example: "50%" of 5 -> 3; "34%" of 3 -> 2; 2 -> 2.
 */
export function scaledValue(v: IntOrString, total: number): number {
  if (typeof v === 'number') return v;
  if (!v.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) throw new Error(`invalid value for IntOrString: invalid value "${v}": strconv.Atoi: parsing "${digits}": invalid syntax`);
  return Math.ceil((Number(digits) * total) / 100);
}

/** The scale of a pod's controller: its uid (shared controllers count once) and desired replicas. */
export interface ControllerScale {
  uid: string;
  scale: number;
}

/**
 * Finds the controller of a pod and its scale: undefined when this finder does not know
 * the controller (the next one is tried); throws when it cannot tell.
 */
export type ScaleFinder = (pod: Pod) => Promise<ControllerScale | undefined>;

export interface ExpectedCount {
  expectedCount: number;
  desiredHealthy: number;
  /** Selected pods without a controller (an event says the status may be off). */
  unmanagedPods: string[];
}

/**
 * getExpectedScale: the sum of the scales of the pods' controllers, each counted once.
 * Pods without a controllerRef are unmanaged and add nothing; a controllerRef no finder
 * resolves is an error ("found no controllers for pod").
 */
export async function expectedScale(pods: readonly Pod[], finder: ScaleFinder): Promise<{ expectedCount: number; unmanagedPods: string[] }> {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true);
    if (!ref) {
      unmanagedPods.push(pod.metadata.name as string);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = await finder(pod);
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(found.uid, found.scale);
  }
  let expectedCount = 0;
  for (const n of scales.values()) expectedCount += n;
  return { expectedCount, unmanagedPods };
}

/**
 * getExpectedPodCount. maxUnavailable (integer or percentage) and a percentage
 * minAvailable are relative to the controllers' scale; an integer minAvailable is
 * relative to the pods selected.
 * Example: 3 replicas, maxUnavailable 1 -> expected 3, desiredHealthy 2;
 * minAvailable "50%" of 3 -> desiredHealthy 2; minAvailable 2 with 4 pods -> expected 4.
 */
export async function expectedPodCount(pdb: PodDisruptionBudget, pods: readonly Pod[], finder: ScaleFinder): Promise<ExpectedCount> {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const { expectedCount, unmanagedPods } = await expectedScale(pods, finder);
    const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable), unmanagedPods };
  }
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanagedPods: [] };
    const { expectedCount, unmanagedPods } = await expectedScale(pods, finder);
    return { expectedCount, desiredHealthy: scaledValue(spec.minAvailable, expectedCount), unmanagedPods };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

export interface DisruptedPodMap {
  /** The entries still waited for. */
  disruptedPods: Record<string, string>;
  /** When the earliest of them expires (ms), to look again then. */
  recheckAt?: number;
  /** Pods an eviction let go that were not deleted in time (a NotDeleted event each). */
  expired: Pod[];
}

/**
 * buildDisruptedPodMap: keeps status.disruptedPods entries of selected pods not yet
 * being deleted whose DeletionTimeout has not passed.
 */
export function buildDisruptedPodMap(pods: readonly Pod[], pdb: PodDisruptionBudget, now: number): DisruptedPodMap {
  const recorded = pdb.status?.disruptedPods;
  const out: DisruptedPodMap = { disruptedPods: {}, expired: [] };
  if (!recorded) return out;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const name = pod.metadata.name as string;
    const at = recorded[name];
    if (at === undefined) continue;
    const expectedDeletion = parseTime(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) {
      out.expired.push(pod);
    } else {
      if (out.recheckAt === undefined || expectedDeletion < out.recheckAt) out.recheckAt = expectedDeletion;
      out.disruptedPods[name] = at;
    }
  }
  return out;
}

/** countHealthyPods: Ready pods neither being deleted nor recently evicted. */
export function countHealthyPods(pods: readonly Pod[], disruptedPods: Record<string, string>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disruptedPods[pod.metadata.name as string];
    if (at !== undefined && parseTime(at) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/**
 * disruptionsAllowed = currentHealthy - desiredHealthy, and 0 when negative or when no
 * pod is expected (a budget whose pods are still coming is safe until counted).
 */
export function disruptionsAllowed(currentHealthy: number, desiredHealthy: number, expectedCount: number): number {
  const allowed = currentHealthy - desiredHealthy;
  return expectedCount <= 0 || allowed <= 0 ? 0 : allowed;
}

/** pdbhelper.ConditionsAreUpToDate: DisruptionAllowed agrees with disruptionsAllowed for this generation. */
export function conditionsAreUpToDate(pdb: PodDisruptionBudget): boolean {
  const status = pdb.status;
  const cond = status?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (!cond || !status) return false;
  if ((status.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  if (status.disruptionsAllowed > 0) return cond.status === 'True' && cond.reason === SUFFICIENT_PODS_REASON;
  return cond.status === 'False' && cond.reason === INSUFFICIENT_PODS_REASON;
}

/** True when the status already says what was computed (updatePdbStatus then skips the write). */
export function statusUpToDate(pdb: PodDisruptionBudget, next: Omit<PodDisruptionBudgetStatus, 'conditions' | 'observedGeneration'>): boolean {
  const s = pdb.status;
  if (!s) return false;
  const same = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean => {
    const ak = Object.keys(a ?? {});
    const bk = Object.keys(b ?? {});
    return ak.length === bk.length && ak.every((k) => b?.[k] === a?.[k]);
  };
  return s.currentHealthy === next.currentHealthy && s.desiredHealthy === next.desiredHealthy && s.expectedPods === next.expectedPods
    && s.disruptionsAllowed === next.disruptionsAllowed && same(s.disruptedPods, next.disruptedPods)
    && (s.observedGeneration ?? 0) === (pdb.metadata.generation ?? 0) && conditionsAreUpToDate(pdb);
}

/** Go's String() of a *metav1.LabelSelector (gogo-protobuf), as the UnmanagedPods event prints it. */
export function labelSelectorString(sel: LabelSelector | undefined): string {
  if (!sel) return 'nil';
  const labels = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}: ${sel.matchLabels?.[k]},`).join('');
  const exprs = (sel.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}
