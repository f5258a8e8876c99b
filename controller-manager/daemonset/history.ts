// A DaemonSet's ControllerRevisions (Kubernetes' pkg/controller/daemon/update.go:
// constructHistory, snapshot, dedupCurHistories, cleanupHistory, Match, getPatch). The
// current revision is the one whose data restores the DaemonSet's template; its
// controller-revision-hash label (ComputeHash of the template and collisionCount) is the
// hash new pods carry. Old revisions are kept up to spec.revisionHistoryLimit, never
// one that live pods still run.
import { isAlreadyExists } from '../../api/errors.js';
import { daemonSetRevisionPatch } from '../../api/helpers/controller-revision.js';
import type { ControllerRevision, DaemonSet } from '../../api/types/apps.js';
import type { Pod } from '../../api/types/core.js';
import { computeHash } from '../deployment/hash.js';
import {
  CONTROLLER_REVISION_HASH_LABEL, ControllerRevisionRefManager, goJSON, maxRevision, sortControllerRevisions,
} from '../history/index.js';
import { newControllerRef } from '../../api/helpers/owner-refs.js';
import type { LabelSelectorMatcher } from '../../api/labels.js';
import type { DaemonSetClient } from './client.js';

export const CONTROLLER_KIND = { apiVersion: 'apps/v1', kind: 'DaemonSet' };

/** getPatch: see api/helpers/controller-revision.ts. */
export const daemonSetPatch = daemonSetRevisionPatch;

/** Match: the revision's data restores exactly ds's template. */
export function matchesRevision(ds: DaemonSet, revision: ControllerRevision): boolean {
  return goJSON(daemonSetPatch(ds)) === goJSON(revision.data ?? null);
}

/** The hash of ds's current template (ComputeHash with its collisionCount). */
export function templateHash(ds: DaemonSet): string {
  return computeHash(ds.spec?.template, ds.status?.collisionCount);
}

/** The revision snapshot() creates for ds (its name "<ds>-<hash>", the template labels plus the hash). */
export function newDaemonSetRevision(ds: DaemonSet, revision: number): ControllerRevision {
  const hash = templateHash(ds);
  const annotations = ds.metadata.annotations;
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata.name ?? ''}-${hash}`,
      namespace: ds.metadata.namespace,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(annotations && Object.keys(annotations).length ? { annotations: { ...annotations } } : {}),
      ownerReferences: [newControllerRef(ds, CONTROLLER_KIND.apiVersion, CONTROLLER_KIND.kind)],
    },
    // Stored with Go's key order, so clients comparing the bytes of data (kubectl
    // rollout undo) see what they compute from the DaemonSet.
    data: JSON.parse(goJSON(daemonSetPatch(ds))) as unknown,
    revision,
  };
}

export interface HistoryContext {
  client: DaemonSetClient;
  /** Every ControllerRevision of the namespace, from the cache. */
  revisionsInNamespace(namespace: string): ControllerRevision[];
  log: { info(obj: object, msg: string): void };
}

/** controlledHistories: the revisions ds owns, adopting orphans its selector matches and releasing owned ones it no longer does. */
export async function controlledHistories(hc: HistoryContext, ds: DaemonSet, selector: LabelSelectorMatcher): Promise<ControllerRevision[]> {
  const namespace = ds.metadata.namespace ?? '';
  const manager = new ControllerRevisionRefManager({
    client: hc.client.revisions, controller: ds, selector, kind: CONTROLLER_KIND,
    canAdopt: async () => {
      const fresh = await hc.client.getDaemonSet(namespace, ds.metadata.name ?? '');
      if (fresh.metadata.uid !== ds.metadata.uid) {
        throw new Error(`original DaemonSet ${namespace}/${ds.metadata.name ?? ''} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${ds.metadata.uid ?? ''}`);
      }
      if (fresh.metadata.deletionTimestamp) throw new Error(`${namespace}/${ds.metadata.name ?? ''} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    },
  });
  return manager.claimControllerRevisions(hc.revisionsInNamespace(namespace));
}

/**
 * snapshot: creates the current revision. An existing one of the same name with the
 * same data is it; with other data it is a hash collision: status.collisionCount goes up
 * (read fresh, so a stale count is not bumped twice) and the sync is retried, which then
 * hashes to another name.
 */
async function snapshot(hc: HistoryContext, ds: DaemonSet, revision: number): Promise<ControllerRevision> {
  const namespace = ds.metadata.namespace ?? '';
  const cr = newDaemonSetRevision(ds, revision);
  try {
    return await hc.client.revisions.create(namespace, cr);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await hc.client.revisions.get(namespace, cr.metadata.name ?? '');
    if (matchesRevision(ds, existing)) return existing;
    const fresh = await hc.client.getDaemonSet(namespace, ds.metadata.name ?? '');
    if ((fresh.status?.collisionCount ?? undefined) !== (ds.status?.collisionCount ?? undefined)) {
      throw new Error(`found a stale collision count (${ds.status?.collisionCount ?? 'nil'}, expected ${fresh.status?.collisionCount ?? 'nil'}) of DaemonSet ${JSON.stringify(ds.metadata.name)} while processing; will retry until it is updated`);
    }
    const count = (fresh.status?.collisionCount ?? 0) + 1;
    await hc.client.updateDaemonSetStatus(namespace, { ...fresh, status: { ...(fresh.status ?? { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }), collisionCount: count } });
    hc.log.info({ daemonSet: `${namespace}/${ds.metadata.name ?? ''}`, collisionCount: count }, 'found a hash collision for DaemonSet - bumping collisionCount to resolve it');
    throw err;
  }
}

/**
 * dedupCurHistories: of several revisions equal to the template, keeps the highest and
 * deletes the others, first relabelling the pods that carry their hashes.
 */
async function dedupCurrent(hc: HistoryContext, ds: DaemonSet, current: ControllerRevision[], pods: () => Pod[]): Promise<ControllerRevision> {
  if (current.length === 1) return current[0];
  let keep = current[0];
  for (const cr of current) if (cr.revision >= keep.revision) keep = cr;
  const keepHash = keep.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  const namespace = ds.metadata.namespace ?? '';
  for (const cr of current) {
    if (cr.metadata.name === keep.metadata.name) continue;
    for (const pod of pods()) {
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === keepHash) continue;
      await hc.client.patchPod(namespace, pod.metadata.name ?? '', { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keepHash } } });
    }
    await hc.client.revisions.delete(namespace, cr.metadata.name ?? '');
  }
  return keep;
}

/**
 * constructHistory: the current revision (created when missing, renumbered to the newest
 * when an old template came back, as a rollback does) and the old ones. Revisions
 * missing the hash label get it (their name).
 */
export async function constructHistory(
  hc: HistoryContext, ds: DaemonSet, selector: LabelSelectorMatcher, pods: () => Pod[],
): Promise<{ cur: ControllerRevision; old: ControllerRevision[] }> {
  const namespace = ds.metadata.namespace ?? '';
  const current: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (let history of await controlledHistories(hc, ds, selector)) {
    if (history.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === undefined) {
      const toUpdate = structuredClone(history);
      toUpdate.metadata.labels = { ...(toUpdate.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: toUpdate.metadata.name ?? '' };
      history = await hc.client.revisions.update(namespace, toUpdate);
    }
    if (matchesRevision(ds, history)) current.push(history);
    else old.push(history);
  }
  const currRevision = maxRevision(old) + 1;
  if (current.length === 0) return { cur: await snapshot(hc, ds, currRevision), old };
  let cur = await dedupCurrent(hc, ds, current, pods);
  if (cur.revision < currRevision) {
    cur = await hc.client.revisions.update(namespace, { ...structuredClone(cur), revision: currRevision });
  }
  return { cur, old };
}

/**
 * cleanupHistory: deletes the oldest revisions beyond spec.revisionHistoryLimit, except
 * those whose hash a live pod still carries.
 */
export async function cleanupHistory(hc: HistoryContext, ds: DaemonSet, old: ControllerRevision[], pods: Pod[]): Promise<void> {
  let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
  if (toKill <= 0) return;
  const liveHashes = new Set<string>();
  for (const pod of pods) {
    const hash = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
    if (hash) liveHashes.add(hash);
  }
  for (const history of sortControllerRevisions(old)) {
    if (toKill <= 0) break;
    if (liveHashes.has(history.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')) continue;
    await hc.client.revisions.delete(ds.metadata.namespace ?? '', history.metadata.name ?? '');
    toKill--;
  }
}
