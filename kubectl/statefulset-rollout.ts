// What `rollout status|history|undo` do for a StatefulSet (kubectl's
// polymorphichelpers: StatefulSetStatusViewer, StatefulSetHistoryViewer,
// StatefulSetRollbacker), word for word. A StatefulSet's history is its
// ControllerRevisions: each holds the template as a strategic merge patch
// ({"spec":{"template":{..., "$patch":"replace"}}}), numbered by revision.
import { formatLabelSelector, selectorFromLabelSelector } from '../api/labels.js';
import { isControlledBy } from '../api/helpers/owner-refs.js';
import { daemonSetRevisionPatch, goJSON } from '../api/helpers/controller-revision.js';
import type { ControllerRevision, DaemonSet, StatefulSet } from '../api/types/apps.js';
import type { PodTemplateSpec } from '../api/types/core.js';
import type { Cli } from './context.js';
import { CHANGE_CAUSE_ANNOTATION, historyTable } from './deployment-history.js';
import { errorText } from './error-text.js';
import { describePodTemplateText } from './pod-template-text.js';
import type { RolloutStatus } from './rollout-status.js';

/** StatefulSetStatusViewer.Status. Throws for a set that does not roll (OnDelete). */
export function statefulSetRolloutStatus(sts: StatefulSet): RolloutStatus {
  const spec = sts.spec;
  const st = sts.status ?? { replicas: 0 };
  if (spec?.updateStrategy?.type !== 'RollingUpdate') throw new Error('rollout status is only available for RollingUpdate strategy type');
  if (!st.observedGeneration || (sts.metadata.generation ?? 0) > st.observedGeneration) {
    return { message: 'Waiting for statefulset spec update to be observed...\n', done: false };
  }
  const replicas = spec.replicas;
  const ready = st.readyReplicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  if (replicas !== undefined && ready < replicas) return { message: `Waiting for ${replicas - ready} pods to be ready...\n`, done: false };
  if (spec.updateStrategy.rollingUpdate) {
    const partition = spec.updateStrategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...\n`, done: false };
    }
    return { message: `partitioned roll out complete: ${updated} new pods have been updated...\n`, done: true };
  }
  if (st.updateRevision !== st.currentRevision) {
    return { message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${st.updateRevision ?? ''}...\n`, done: false };
  }
  return { message: `statefulset rolling update complete ${st.currentReplicas ?? 0} pods at revision ${st.currentRevision ?? ''}...\n`, done: true };
}

/** statefulSetHistory: the set, and the revisions its selector matches that it controls. */
async function statefulSetHistory(cli: Cli, namespace: string, name: string): Promise<{ sts: StatefulSet; history: ControllerRevision[] }> {
  let sts: StatefulSet;
  try {
    sts = await cli.client<StatefulSet>(await cli.resource('statefulsets.apps')).get(namespace, name);
  } catch (err) {
    throw new Error(`failed to retrieve Statefulset ${name}: ${errorText(err)}`);
  }
  try {
    selectorFromLabelSelector(sts.spec?.selector);
    const selector = formatLabelSelector(sts.spec?.selector);
    const client = cli.client<ControllerRevision>(await cli.resource('controllerrevisions.apps'));
    const list = await client.listAll(namespace, selector === '<none>' ? {} : { labelSelector: selector });
    return { sts, history: list.items.filter((r) => isControlledBy(r, sts)) };
  } catch (err) {
    throw new Error(`unable to find history controlled by StatefulSet ${name}: ${errorText(err)}`);
  }
}

/** The template a revision restores (applyStatefulSetHistory). */
function revisionTemplate(revision: ControllerRevision): PodTemplateSpec {
  const data = revision.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const { $patch: _replace, ...template } = data?.spec?.template ?? {};
  return template as PodTemplateSpec;
}

/**
 * StatefulSetHistoryViewer.ViewHistory: the REVISION / CHANGE-CAUSE table (the cause
 * from each revision's annotations), or with revision > 0 that revision's template.
 */
export async function statefulSetHistoryText(cli: Cli, namespace: string, name: string, revision: number): Promise<string> {
  const { history } = await statefulSetHistory(cli, namespace, name);
  const byRevision = new Map<number, ControllerRevision>();
  for (const r of history) byRevision.set(r.revision, r);
  if (byRevision.size === 0) return 'No rollout history found.';
  if (revision > 0) {
    const r = byRevision.get(revision);
    if (!r) throw new Error('unable to find the specified revision');
    return describePodTemplateText(revisionTemplate(r));
  }
  const causes = new Map<number, PodTemplateSpec>();
  for (const [n, r] of byRevision) {
    const cause = r.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    causes.set(n, { metadata: { annotations: cause ? { [CHANGE_CAUSE_ANNOTATION]: cause } : {} } });
  }
  return historyTable(causes);
}


/**
 * StatefulSetRollbacker.Rollback: patches the set with the data of revision toRevision
 * (0: the one before the latest). Answers "rolled back" or the skipped message.
 */
export async function rollbackStatefulSet(cli: Cli, namespace: string, name: string, toRevision: number): Promise<string> {
  if (toRevision < 0) throw new Error(`unable to find specified revision ${toRevision} in history`);
  const { sts, history } = await statefulSetHistory(cli, namespace, name);
  if (toRevision === 0 && history.length <= 1) throw new Error('no last revision to roll back to');
  const sorted = [...history].sort((a, b) => a.revision - b.revision);
  const target = toRevision === 0 ? sorted[sorted.length - 2] : sorted.find((r) => r.revision === toRevision);
  if (!target) throw new Error(`unable to find specified revision ${toRevision} in history`);
  // statefulsetMatch: the patch of the current template, as Go writes it, against the revision's.
  const current = daemonSetRevisionPatch({ spec: { template: sts.spec?.template } } as unknown as DaemonSet);
  if (goJSON(current) === goJSON(target.data)) return `skipped rollback (current template already matches revision ${toRevision})`;
  try {
    await cli.client<StatefulSet>(await cli.resource('statefulsets.apps')).patch(namespace, name, 'strategic', target.data);
  } catch (err) {
    throw new Error(`failed restoring revision ${toRevision}: ${errorText(err)}`);
  }
  return 'rolled back';
}
