// describe deployment, replicaset and daemonset (kubectl's describeDeployment,
// describeReplicaSet and describeDaemonSet).
import type { DaemonSet, Deployment, ReplicaSet } from '../../../api/types/apps.js';
import type { Event } from '../../../api/types/core.js';
import type { LabelSelector } from '../../../api/types/meta.js';
import { describePodTemplate } from './pod.js';
import {
  describeEvents, LEVEL_0, LEVEL_1, printAnnotationsMultiline, printController, printLabelsMultiline, rfc1123z, tabbedString,
} from './writer.js';

/** labels.Selector.String() of a LabelSelector; "<none>" when it selects nothing in particular. */
export function selectorString(sel: LabelSelector | undefined | null, emptyText = '<none>'): string {
  if (!sel) return emptyText;
  const parts: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    const text = e.operator === 'In' ? `${e.key} in (${vals})` : e.operator === 'NotIn' ? `${e.key} notin (${vals})`
      : e.operator === 'Exists' ? e.key : `!${e.key}`;
    parts.push({ key: e.key, text });
  }
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parts.map((p) => p.text).join(',') || emptyText;
}

/** "web-abc (2/2 replicas created)" for each replica set, "<none>" when none. */
function replicaSetsByLabels(rss: ReplicaSet[]): string {
  const list = rss.map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`);
  return list.length ? list.join(', ') : '<none>';
}

export interface DeploymentExtras {
  events?: Event[];
  /** The deployment's replica sets (controlled by it); undefined when they could not be listed. */
  replicaSets?: { old: ReplicaSet[]; new?: ReplicaSet };
}

export function describeDeployment(d: Deployment, x: DeploymentExtras, now: Date): string {
  return tabbedString((w) => {
    const spec = d.spec ?? ({} as NonNullable<Deployment['spec']>);
    const status = d.status ?? {};
    w.write(LEVEL_0, `Name:\t${d.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${d.metadata.namespace ?? ''}\n`);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(d.metadata.creationTimestamp)}\n`);
    printLabelsMultiline(w, 'Labels', d.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', d.metadata.annotations);
    w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector, '')}\n`);
    w.write(LEVEL_0, `Replicas:\t${spec.replicas ?? 1} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ${status.availableReplicas ?? 0} available | ${status.unavailableReplicas ?? 0} unavailable\n`);
    w.write(LEVEL_0, `StrategyType:\t${spec.strategy?.type ?? ''}\n`);
    w.write(LEVEL_0, `MinReadySeconds:\t${spec.minReadySeconds ?? 0}\n`);
    const ru = spec.strategy?.rollingUpdate;
    if (ru) w.write(LEVEL_0, `RollingUpdateStrategy:\t${String(ru.maxUnavailable ?? '')} max unavailable, ${String(ru.maxSurge ?? '')} max surge\n`);
    describePodTemplate(spec.template, w);
    if (status.conditions?.length) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
      w.write(LEVEL_1, '----\t------\t------\n');
      for (const c of status.conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
    }
    if (x.replicaSets && (x.replicaSets.old.length > 0 || x.replicaSets.new)) {
      w.write(LEVEL_0, `OldReplicaSets:\t${replicaSetsByLabels(x.replicaSets.old)}\n`);
      w.write(LEVEL_0, `NewReplicaSet:\t${replicaSetsByLabels(x.replicaSets.new ? [x.replicaSets.new] : [])}\n`);
    }
    describeEvents(x.events, w, now);
  });
}

export interface PodCounts { running: number; waiting: number; succeeded: number; failed: number }

export function describeReplicaSet(rs: ReplicaSet, events: Event[] | undefined, pods: PodCounts | Error, now: Date): string {
  return tabbedString((w) => {
    const spec = rs.spec ?? ({} as NonNullable<ReplicaSet['spec']>);
    w.write(LEVEL_0, `Name:\t${rs.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${rs.metadata.namespace ?? ''}\n`);
    w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector)}\n`);
    printLabelsMultiline(w, 'Labels', rs.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', rs.metadata.annotations);
    const controlledBy = printController(rs);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    w.write(LEVEL_0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${spec.replicas ?? 1} desired\n`);
    w.write(LEVEL_0, 'Pods Status:\t');
    if (pods instanceof Error) w.write(LEVEL_0, `error in fetching pods: ${pods.message}\n`);
    else w.write(LEVEL_0, `${pods.running} Running / ${pods.waiting} Waiting / ${pods.succeeded} Succeeded / ${pods.failed} Failed\n`);
    describePodTemplate(spec.template, w);
    if (rs.status?.conditions?.length) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
      w.write(LEVEL_1, '----\t------\t------\n');
      for (const c of rs.status.conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
    }
    describeEvents(events, w, now);
  });
}

/** describeDaemonSet: selectors, the status counts in kubectl's words, pods by phase, the template, events. */
export function describeDaemonSet(ds: DaemonSet, events: Event[] | undefined, pods: PodCounts | Error, now: Date): string {
  return tabbedString((w) => {
    const spec = ds.spec ?? ({} as NonNullable<DaemonSet['spec']>);
    const st = ds.status;
    // kubectl prints no Namespace line for a DaemonSet.
    w.write(LEVEL_0, `Name:\t${ds.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector, '')}\n`);
    const nodeSelector = Object.entries(spec.template?.spec?.nodeSelector ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',');
    w.write(LEVEL_0, `Node-Selector:\t${nodeSelector || '<none>'}\n`);
    printLabelsMultiline(w, 'Labels', ds.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', ds.metadata.annotations);
    w.write(LEVEL_0, `Desired Number of Nodes Scheduled: ${st?.desiredNumberScheduled ?? 0}\n`);
    w.write(LEVEL_0, `Current Number of Nodes Scheduled: ${st?.currentNumberScheduled ?? 0}\n`);
    w.write(LEVEL_0, `Number of Nodes Scheduled with Up-to-date Pods: ${st?.updatedNumberScheduled ?? 0}\n`);
    w.write(LEVEL_0, `Number of Nodes Scheduled with Available Pods: ${st?.numberAvailable ?? 0}\n`);
    w.write(LEVEL_0, `Number of Nodes Misscheduled: ${st?.numberMisscheduled ?? 0}\n`);
    w.write(LEVEL_0, 'Pods Status:\t');
    if (pods instanceof Error) w.write(LEVEL_0, `error in fetching pods: ${pods.message}\n`);
    else w.write(LEVEL_0, `${pods.running} Running / ${pods.waiting} Waiting / ${pods.succeeded} Succeeded / ${pods.failed} Failed\n`);
    describePodTemplate(spec.template, w);
    describeEvents(events, w, now);
  });
}
