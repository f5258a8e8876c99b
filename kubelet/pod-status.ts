// Pure functions from what the kubelet observed (container statuses) to the pod's
// phase and conditions, as the kubelet's getPhase and status generation do. The pod
// worker builds ContainerStatuses; this module decides what they mean.
import type { ContainerStatus, Pod, PodCondition, PodStatus } from '../api/types/core.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** kubelet getPhase: the phase that the containers' states imply. */
export function podPhase(pod: Pod, initStatuses: ContainerStatus[], statuses: ContainerStatus[]): PodPhase {
  const spec = pod.spec!;
  const restartPolicy = spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of spec.initContainers ?? []) {
    const st = initStatuses.find((s) => s.name === c.name);
    if (!st?.state) {
      pendingInit++;
      continue;
    }
    if (st.state.running) pendingInit++;
    else if (st.state.terminated) {
      if (st.state.terminated.exitCode !== 0) failedInit++;
    } else if (st.state.waiting) {
      if (st.lastState?.terminated) {
        if (st.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.containers) {
    const st = statuses.find((s) => s.name === c.name);
    if (!st?.state) {
      unknown++;
      continue;
    }
    if (st.state.running) running++;
    else if (st.state.terminated) {
      stopped++;
      if (st.state.terminated.exitCode === 0) succeeded++;
    } else if (st.state.waiting) {
      if (st.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

const names = (list: string[]): string => `[${list.join(' ')}]`;

/**
 * The kubelet-owned conditions, in the kubelet's order: PodReadyToStartContainers,
 * Initialized, Ready, ContainersReady (then PodScheduled, the scheduler's, kept as
 * is). lastTransitionTime is carried over from `previous` when the status is the same.
 * Reasons and messages are the kubelet's (GeneratePodInitializedCondition,
 * GenerateContainersReadyCondition, GeneratePodReadyCondition).
 */
export function podConditions(pod: Pod, phase: PodPhase, initStatuses: ContainerStatus[], statuses: ContainerStatus[],
  sandboxReady: boolean, now: string, previous: PodCondition[] = []): PodCondition[] {
  const spec = pod.spec!;
  const cond = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const prev = previous.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    const c: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime ?? now : now };
    if (reason) c.reason = reason;
    if (message) c.message = message;
    return c;
  };

  // Initialized
  let initialized: PodCondition;
  const inits = spec.initContainers ?? [];
  const unknownInit: string[] = [];
  const incompleteInit: string[] = [];
  for (const c of inits) {
    const st = initStatuses.find((s) => s.name === c.name);
    if (!st) unknownInit.push(c.name);
    else if (!st.state?.terminated || st.state.terminated.exitCode !== 0) incompleteInit.push(c.name);
  }
  const anyStarted = statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if (inits.length === 0) initialized = cond('Initialized', true);
  else if (phase === 'Succeeded' && unknownInit.length === 0) initialized = cond('Initialized', true, 'PodCompleted');
  else if (anyStarted) initialized = cond('Initialized', true);
  else {
    const msgs = [
      ...(unknownInit.length ? [`containers with unknown status: ${names(unknownInit)}`] : []),
      ...(incompleteInit.length ? [`containers with incomplete status: ${names(incompleteInit)}`] : []),
    ];
    initialized = msgs.length ? cond('Initialized', false, 'ContainersNotInitialized', msgs.join(', ')) : cond('Initialized', true);
  }

  // ContainersReady, and Ready which follows it (no readiness gates here)
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of spec.containers) {
    const st = statuses.find((s) => s.name === c.name);
    if (!st) unknown.push(c.name);
    else if (!st.ready) unready.push(c.name);
  }
  let containersReady: PodCondition;
  if (phase === 'Succeeded' && unknown.length === 0) containersReady = cond('ContainersReady', false, 'PodCompleted');
  else if (phase === 'Failed') containersReady = cond('ContainersReady', false, 'PodFailed');
  else {
    const msgs = [
      ...(unknown.length ? [`containers with unknown status: ${names(unknown)}`] : []),
      ...(unready.length ? [`containers with unready status: ${names(unready)}`] : []),
    ];
    containersReady = msgs.length ? cond('ContainersReady', false, 'ContainersNotReady', msgs.join(', ')) : cond('ContainersReady', true);
  }
  const ready = cond('Ready', containersReady.status === 'True', containersReady.reason, containersReady.message);

  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const conditions: PodCondition[] = [cond('PodReadyToStartContainers', sandboxReady && !terminal), initialized, ready, containersReady];
  const scheduled = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
  conditions.push(scheduled ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
  return conditions;
}

/** True when two statuses differ in anything a status write would change. */
export function statusChanged(a: PodStatus | undefined, b: PodStatus): boolean {
  return JSON.stringify(normalize(a)) !== JSON.stringify(normalize(b));
}

function normalize(s: PodStatus | undefined): unknown {
  if (!s) return undefined;
  const sortByName = <T extends { name?: string; type?: string }>(l: T[] | undefined): T[] | undefined =>
    l ? [...l].sort((x, y) => String(x.name ?? x.type).localeCompare(String(y.name ?? y.type))) : undefined;
  return sortKeys({ ...s, conditions: sortByName(s.conditions), containerStatuses: sortByName(s.containerStatuses), initContainerStatuses: sortByName(s.initContainerStatuses) });
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}
