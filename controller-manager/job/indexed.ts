// Indexed Jobs (indexed_job_utils.go): sets of completion indexes as sorted intervals,
// their text form in status.completedIndexes and failedIndexes ("1,3-5,7"), the index
// of a pod, which indexes still need a pod, and what a pod of an index gets (the
// completion-index annotation and label, JOB_COMPLETION_INDEX, hostname <job>-<index>).
import type { Job } from '../../api/types/batch.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_COMPLETION_INDEX_ENV, JOB_COMPLETION_INDEX_LABEL } from '../../api/types/batch.js';
import type { Container, Pod, PodTemplateSpec } from '../../api/types/core.js';

/** A pod with no (valid) completion index. */
export const UNKNOWN_COMPLETION_INDEX = -1;

/** An inclusive interval of indexes. */
export interface IndexInterval { first: number; last: number }

/**
 * An ordered set of indexes kept as non-overlapping, non-adjacent intervals (Kubernetes'
 * orderedIntervals). Example: {0,1,2,5,7,8} is [0-2],[5],[7-8] and prints "0-2,5,7,8".
 */
export class OrderedIntervals {
  constructor(readonly intervals: readonly IndexInterval[] = []) {}

  /** Indexes from a sorted (possibly repeating) list. */
  static fromSorted(indexes: readonly number[]): OrderedIntervals {
    return new OrderedIntervals().withOrderedIndexes(indexes);
  }

  /** How many indexes the set holds. */
  total(): number {
    return this.intervals.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
  }

  has(ix: number): boolean {
    // Binary search: the intervals are sorted.
    let lo = 0;
    let hi = this.intervals.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const iv = this.intervals[mid];
      if (ix < iv.first) hi = mid - 1;
      else if (ix > iv.last) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** This set plus the sorted indexes given, merged (withOrderedIndexes). */
  withOrderedIndexes(sorted: readonly number[]): OrderedIntervals {
    const single = sorted.map((ix) => ({ first: ix, last: ix }));
    return this.merge(new OrderedIntervals(single));
  }

  /** The union of two sets, adjacent intervals joined. */
  merge(other: OrderedIntervals): OrderedIntervals {
    const all = [...this.intervals, ...other.intervals].sort((a, b) => a.first - b.first);
    const out: IndexInterval[] = [];
    for (const iv of all) {
      const last = out[out.length - 1];
      if (last && iv.first <= last.last + 1) last.last = Math.max(last.last, iv.last);
      else out.push({ ...iv });
    }
    return new OrderedIntervals(out);
  }

  /** Every index, in order. */
  *indexes(): Generator<number> {
    for (const iv of this.intervals) for (let i = iv.first; i <= iv.last; i++) yield i;
  }

  /**
   * The text form: intervals of three or more as "a-b", shorter ones as single
   * indexes ("0-2,5,7,8"), as Kubernetes writes completedIndexes.
   */
  toString(): string {
    const parts: string[] = [];
    for (const iv of this.intervals) {
      if (iv.first === iv.last) parts.push(String(iv.first));
      else if (iv.last === iv.first + 1) parts.push(String(iv.first), String(iv.last));
      else parts.push(`${iv.first}-${iv.last}`);
    }
    return parts.join(',');
  }
}

/**
 * parseIndexesFromString: the set "1,3-5,7" describes, keeping only indexes below
 * completions; a malformed part ends the parse (what came before is kept), as
 * Kubernetes logs and ignores bad input in a status it wrote itself.
 */
export function parseIndexes(text: string | undefined, completions: number): OrderedIntervals {
  const out: IndexInterval[] = [];
  if (!text) return new OrderedIntervals(out);
  for (const part of text.split(',')) {
    const limits = part.split('-');
    const first = Number(limits[0]);
    if (limits.length > 2 || !/^\d+$/.test(limits[0])) break;
    if (first >= completions) break;
    let last = first;
    if (limits.length === 2) {
      if (!/^\d+$/.test(limits[1])) break;
      last = Math.min(Number(limits[1]), completions - 1);
    }
    if (last < first) break;
    out.push({ first, last });
  }
  return new OrderedIntervals([]).merge(new OrderedIntervals(out));
}

/** The completion index a pod's annotation gives, or UNKNOWN_COMPLETION_INDEX. */
export function completionIndex(pod: Pick<Pod, 'metadata'>): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return UNKNOWN_COMPLETION_INDEX;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : UNKNOWN_COMPLETION_INDEX;
}

export const isIndexedJob = (job: Job): boolean => job.spec?.completionMode === 'Indexed';

/** A valid index of the Job (known and below completions). */
export const validIndex = (ix: number, completions: number): boolean => ix !== UNKNOWN_COMPLETION_INDEX && ix < completions;

/**
 * calculateSucceededIndexes: the indexes the Job counted before (status.completedIndexes)
 * and those plus the indexes of succeeded pods that still hold the tracking finalizer.
 */
export function calculateSucceededIndexes(job: Job, pods: readonly Pod[], hasFinalizer: (p: Pod) => boolean): { prev: OrderedIntervals; all: OrderedIntervals } {
  const completions = job.spec?.completions ?? 0;
  const prev = parseIndexes(job.status?.completedIndexes, completions);
  const fresh = new Set<number>();
  for (const p of pods) {
    const ix = completionIndex(p);
    if (p.status?.phase === 'Succeeded' && hasFinalizer(p) && validIndex(ix, completions)) fresh.add(ix);
  }
  return { prev, all: prev.withOrderedIndexes([...fresh].sort((a, b) => a - b)) };
}

/**
 * firstPendingIndexes: the first count indexes below completions that have neither
 * succeeded nor an active pod (nor, with backoffLimitPerIndex, failed).
 * Example: completions 5, succeeded {0}, active pod of index 2 → count 2 gives [1, 3].
 */
export function firstPendingIndexes(activePods: readonly Pod[], succeeded: OrderedIntervals, failed: OrderedIntervals | undefined, count: number, completions: number): number[] {
  if (count <= 0) return [];
  const busy = new Set<number>();
  for (const p of activePods) {
    const ix = completionIndex(p);
    if (validIndex(ix, completions)) busy.add(ix);
  }
  const out: number[] = [];
  for (let ix = 0; ix < completions && out.length < count; ix++) {
    if (succeeded.has(ix) || failed?.has(ix) || busy.has(ix)) continue;
    out.push(ix);
  }
  return out;
}

/**
 * appendDuplicatedIndexPodsForRemoval: active pods of an index that already has one
 * (the extra ones), of an index at or above completions, or with no index; the rest
 * are kept.
 */
export function duplicatedIndexPods(pods: readonly Pod[], completions: number): { remove: Pod[]; keep: Pod[] } {
  const remove: Pod[] = [];
  const keep: Pod[] = [];
  const seen = new Set<number>();
  const sorted = [...pods].sort((a, b) => completionIndex(a) - completionIndex(b));
  for (const p of sorted) {
    const ix = completionIndex(p);
    if (!validIndex(ix, completions) || seen.has(ix)) remove.push(p);
    else {
      seen.add(ix);
      keep.push(p);
    }
  }
  return { remove, keep };
}

/** addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the annotation, in every container and init container. */
export function addCompletionIndexEnv(template: PodTemplateSpec): void {
  const add = (c: Container): void => {
    if ((c.env ?? []).some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return;
    c.env = [...(c.env ?? []), {
      name: JOB_COMPLETION_INDEX_ENV,
      valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } },
    }];
  };
  for (const c of template.spec?.initContainers ?? []) add(c);
  for (const c of template.spec?.containers ?? []) add(c);
}

/**
 * What the pod of an index gets: the completion-index annotation and label, hostname
 * <job>-<index> (the user's subdomain, if any, makes it resolvable through a headless
 * service), and the generateName <job>-<index>-.
 */
export function templateForIndex(template: PodTemplateSpec, jobName: string, ix: number): { template: PodTemplateSpec; generateName: string } {
  const t = structuredClone(template);
  t.metadata = { ...(t.metadata ?? {}) };
  t.metadata.annotations = { ...(t.metadata.annotations ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(ix) };
  t.metadata.labels = { ...(t.metadata.labels ?? {}), [JOB_COMPLETION_INDEX_LABEL]: String(ix) };
  if (t.spec) t.spec.hostname = `${jobName}-${ix}`;
  return { template: t, generateName: `${jobName}-${ix}-` };
}
