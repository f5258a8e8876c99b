// Waiting on one pod's phase, as kubectl run and debug do (run.go's waitForPod and its
// exit conditions, debug.go's waitForContainer): a list and watch of the pod by name
// until the condition holds, kubectl's errors for a deleted pod and a timeout.
import { notFound } from '../api/errors.js';
import { isPodReady } from '../api/helpers/pod.js';
import { resolveResource } from '../api/registry.js';
import type { Pod } from '../api/types/core.js';
import type { Cli } from './context.js';
import { CliError } from './errors.js';
import { timeoutSignal, untilWithSync, WaitTimeout, type ObjectEventType } from './watch-until.js';

/** true: the wait is over with this pod. A thrown error ends it with that error. */
export type PodCondition = (type: ObjectEventType, pod: Pod) => boolean;

/** Watches the pod until condition holds (timeoutMs <= 0: no limit); resolves with the pod it held for. */
export async function waitForPod(cli: Cli, namespace: string, name: string, timeoutMs: number, condition: PodCondition): Promise<Pod> {
  let found: Pod | undefined;
  try {
    await untilWithSync<Pod>({ client: cli.client<Pod>(resolveResource('pods')!), namespace, name, signal: timeoutSignal(timeoutMs) }, (type, pod) => {
      if (!condition(type, pod)) return false;
      found = pod;
      return true;
    });
  } catch (err) {
    if (err instanceof WaitTimeout) throw new CliError('error: timed out waiting for the condition');
    throw err;
  }
  return found!;
}

/** A pod deleted while waited on: kubectl's NotFound with no name. */
function deleted(type: ObjectEventType): void {
  if (type === 'DELETED') throw notFound({ group: '', resource: 'pods' }, '');
}

const completed = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** run's podRunningAndReady: Running and Ready, or completed (the caller tells them apart). */
export const podRunningAndReady: PodCondition = (type, pod) => {
  deleted(type);
  return completed(pod) || (pod.status?.phase === 'Running' && isPodReady(pod));
};

/** run's podCompleted: Succeeded or Failed. */
export const podCompleted: PodCondition = (type, pod) => {
  deleted(type);
  return completed(pod);
};

/** run's podSucceeded (--restart=OnFailure, where a failed container is run again): only success. */
export const podSucceeded: PodCondition = (type, pod) => {
  deleted(type);
  return pod.status?.phase === 'Succeeded';
};
