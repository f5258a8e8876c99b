// SchedulingGates (kube-scheduler plugins/schedulinggates): a PreEnqueue plugin that keeps
// a pod with spec.schedulingGates out of the active queue until every gate is removed.
import type { Pod } from '../../api/types/core.js';
import { SUCCESS, unresolvable, type PreEnqueuePlugin, type Status } from '../framework.js';

export const NAME = 'SchedulingGates';

/** kube-scheduler's status: "waiting for scheduling gates: [a b]" (Go's %v of the names). */
export function preEnqueue(pod: Pod): Status {
  const gates = pod.spec?.schedulingGates;
  if (!gates?.length) return SUCCESS;
  return unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
}

export const plugin: PreEnqueuePlugin = { name: NAME, preEnqueue };
