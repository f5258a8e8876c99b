// describe poddisruptionbudget and priorityclass (kubectl describe.go:
// describePodDisruptionBudgetV1, describePriorityClassV1), line for line.
import { formatLabelSelector } from '../../../api/labels.js';
import type { Event } from '../../../api/types/core.js';
import type { PodDisruptionBudget } from '../../../api/types/policy.js';
import type { PriorityClass } from '../../../api/types/scheduling.js';
import { formatLabels } from '../table.js';
import { describeEvents, LEVEL_0, LEVEL_2, tabbedString } from './writer.js';

export function describePodDisruptionBudget(pdb: PodDisruptionBudget, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    const spec = pdb.spec ?? {};
    const status = pdb.status;
    w.write(LEVEL_0, `Name:\t${pdb.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${pdb.metadata.namespace ?? ''}\n`);
    if (spec.minAvailable !== undefined) w.write(LEVEL_0, `Min available:\t${spec.minAvailable}\n`);
    else if (spec.maxUnavailable !== undefined) w.write(LEVEL_0, `Max unavailable:\t${spec.maxUnavailable}\n`);
    w.write(LEVEL_0, `Selector:\t${spec.selector ? formatLabelSelector(spec.selector) : '<unset>'}\n`);
    w.write(LEVEL_0, 'Status:\n');
    w.write(LEVEL_2, `Allowed disruptions:\t${status?.disruptionsAllowed ?? 0}\n`);
    w.write(LEVEL_2, `Current:\t${status?.currentHealthy ?? 0}\n`);
    w.write(LEVEL_2, `Desired:\t${status?.desiredHealthy ?? 0}\n`);
    w.write(LEVEL_2, `Total:\t${status?.expectedPods ?? 0}\n`);
    if (events) describeEvents(events, w, now);
  });
}

export function describePriorityClass(pc: PriorityClass, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${pc.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Value:\t${pc.value}\n`);
    w.write(LEVEL_0, `GlobalDefault:\t${pc.globalDefault ?? false}\n`);
    w.write(LEVEL_0, `PreemptionPolicy:\t${pc.preemptionPolicy ?? ''}\n`);
    w.write(LEVEL_0, `Description:\t${pc.description ?? ''}\n`);
    w.write(LEVEL_0, `Annotations:\t${formatLabels(pc.metadata.annotations)}\n`);
    if (events) describeEvents(events, w, now);
  });
}
