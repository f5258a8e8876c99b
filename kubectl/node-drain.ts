// Which of a node's pods `drain` may delete, and what it says about the others: the
// filters of kubectl's pkg/drain (filters.go), as pure functions. A pod passes the
// filters in order; the first that refuses it decides, otherwise the last verdict
// (possibly a warning) stands.
import { controllerRef } from '../api/helpers/owner-refs.js';
import { isPodTerminal } from '../api/helpers/pod.js';
import type { Pod } from '../api/types/core.js';

export const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
export const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods';
export const LOCAL_STORAGE_FATAL = 'Pods with local storage (use --delete-emptydir-data to override)';
export const LOCAL_STORAGE_WARNING = 'deleting Pods with local storage';
export const UNMANAGED_FATAL = 'cannot delete Pods that declare no controller (use --force to override)';
export const UNMANAGED_WARNING = 'deleting Pods that declare no controller';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export type Verdict =
  | { reason: 'Okay'; delete: true }
  | { reason: 'Skip'; delete: false }
  | { reason: 'Warning'; delete: boolean; message: string }
  | { reason: 'Error'; delete: false; message: string };

export interface DrainFlags {
  force: boolean;
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
  /** >0: pods deleted longer ago than this many seconds are not waited for. */
  skipWaitForDeleteTimeoutSeconds: number;
}

/**
 * What is known about the DaemonSet a pod names as its controller: 'exists', or the
 * error met reading it (kubectl reads it; a missing one only passes with --force).
 */
export type DaemonSetLookup = (namespace: string, name: string) => 'exists' | { notFound: boolean; message: string };

const OKAY: Verdict = { reason: 'Okay', delete: true };

export function shouldSkipPod(p: Pod, skipSeconds: number, now = Date.now()): boolean {
  const ts = p.metadata.deletionTimestamp;
  return skipSeconds > 0 && !!ts && Math.floor((now - Date.parse(ts)) / 1000) > skipSeconds;
}

export function podVerdict(p: Pod, flags: DrainFlags, daemonSet: DaemonSetLookup, now = Date.now()): Verdict {
  const filters: ((p: Pod) => Verdict)[] = [
    (pod) => (shouldSkipPod(pod, flags.skipWaitForDeleteTimeoutSeconds, now) ? { reason: 'Skip', delete: false } : OKAY),
    (pod) => {
      const ref = controllerRef(pod);
      if (!ref || ref.kind !== 'DaemonSet' || isPodTerminal(pod)) return OKAY;
      const found = daemonSet(pod.metadata.namespace ?? '', ref.name);
      if (found !== 'exists') {
        if (found.notFound && flags.force) return { reason: 'Warning', delete: true, message: found.message };
        return { reason: 'Error', delete: false, message: found.message };
      }
      if (!flags.ignoreDaemonSets) return { reason: 'Error', delete: false, message: DAEMONSET_FATAL };
      return { reason: 'Warning', delete: false, message: DAEMONSET_WARNING };
    },
    (pod) => (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined ? { reason: 'Skip', delete: false } : OKAY),
    (pod) => {
      if (!(pod.spec?.volumes ?? []).some((v) => v.emptyDir) || isPodTerminal(pod)) return OKAY;
      if (!flags.deleteEmptyDirData) return { reason: 'Error', delete: false, message: LOCAL_STORAGE_FATAL };
      return { reason: 'Warning', delete: true, message: LOCAL_STORAGE_WARNING };
    },
    (pod) => {
      if (isPodTerminal(pod) || controllerRef(pod)) return OKAY;
      if (flags.force) return { reason: 'Warning', delete: true, message: UNMANAGED_WARNING };
      return { reason: 'Error', delete: false, message: UNMANAGED_FATAL };
    },
  ];
  let verdict: Verdict = OKAY;
  for (const f of filters) {
    verdict = f(p);
    if (!verdict.delete) break;
  }
  return verdict;
}

export interface PodDeleteList {
  /** The pods to delete, in list order. */
  pods: Pod[];
  /** kubectl's warning line (without "Warning: "), or '' when there is none. */
  warnings: string;
  /** One message per kind of refusal: "cannot delete <why>: ns/a, ns/b". */
  errors: string[];
}

/** Groups the verdicts of pods as kubectl's PodDeleteList does (messages in first-seen order). */
export function podDeleteList(pods: Pod[], verdicts: Verdict[]): PodDeleteList {
  const warned = new Map<string, string[]>();
  const failed = new Map<string, string[]>();
  const out: Pod[] = [];
  pods.forEach((p, i) => {
    const v = verdicts[i]!;
    const id = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
    if (v.delete) out.push(p);
    if (v.reason === 'Warning') warned.set(v.message, [...(warned.get(v.message) ?? []), id]);
    if (v.reason === 'Error') {
      const msg = v.message || 'unexpected error';
      failed.set(msg, [...(failed.get(msg) ?? []), id]);
    }
  });
  return {
    pods: out,
    warnings: [...warned].map(([m, ids]) => `${m}: ${ids.join(', ')}`).join('; '),
    errors: [...failed].map(([m, ids]) => `cannot delete ${m}: ${ids.join(', ')}`),
  };
}

/** Go's utilerrors aggregate text: one message as is, several as "[a, b]". */
export function aggregateText(messages: string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}
