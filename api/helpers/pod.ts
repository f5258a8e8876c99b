// Pod state as Kubernetes' pkg/api/v1/pod/util.go and pkg/controller/controller_utils.go
// read it: one copy for controllers, the kubelet, the scheduler and kubectl.
import type { Pod, PodCondition } from '../types/core.js';
import { parseTime } from './time.js';

/** The pod's condition of the given type, if it has one. */
export function podCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** IsPodTerminal: Succeeded or Failed; its containers will not run again. */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * IsPodActive (controller_utils.go): not terminal and not being deleted. Controllers
 * count only active pods towards their replicas.
 */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;
}

/**
 * IsPodAvailable: Ready for at least minReadySeconds at time now (ms since the epoch).
 * With minReadySeconds 0 a Ready pod is available at once.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = parseTime(ready.lastTransitionTime);
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now;
}

/**
 * When a Ready pod becomes available (ms since the epoch): the Ready transition plus
 * minReadySeconds; undefined when not Ready. Controllers requeue at that time.
 */
export function podAvailableAt(pod: Pod, minReadySeconds: number): number | undefined {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return undefined;
  const since = parseTime(ready.lastTransitionTime);
  return (Number.isNaN(since) ? 0 : since) + Math.max(0, minReadySeconds) * 1000;
}
