// The taints the node lifecycle controller owns (pkg/controller/nodelifecycle and
// pkg/util/taints): the NoExecute taints that evict pods from a node that is not
// ready or unreachable, and the NoSchedule taints that mirror node conditions
// (TaintNodesByCondition). Pure functions over taint lists.
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, type Node, type Taint } from '../../api/types/core.js';
import { rfc3339 } from '../../api/helpers/time.js';

export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** UnreachableTaintTemplate: Ready is Unknown. */
export const UNREACHABLE_TAINT: Taint = { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' };
/** NotReadyTaintTemplate: Ready is False. */
export const NOT_READY_TAINT: Taint = { key: TAINT_NODE_NOT_READY, effect: 'NoExecute' };

/**
 * The NoExecute taint for a Ready status, and the one it replaces: the two mirror the
 * Ready condition, so they never coexist. undefined for Ready True (or anything else).
 */
export function evictionTaints(readyStatus: string): { taint: Taint; opposite: Taint } | undefined {
  if (readyStatus === 'False') return { taint: NOT_READY_TAINT, opposite: UNREACHABLE_TAINT };
  if (readyStatus === 'Unknown') return { taint: UNREACHABLE_TAINT, opposite: NOT_READY_TAINT };
  return undefined;
}

/** nodeConditionToTaintKeyStatusMap: which condition status taints a node with which key. */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_NODE_PID_PRESSURE },
};

/** taintKeyToNodeConditionMap's keys: the NoSchedule taints this controller may remove. */
const CONDITION_TAINT_KEYS = new Set(Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)));

/** Taint.MatchTaint: same key and effect (the value does not matter). */
export const matchTaint = (a: Pick<Taint, 'key' | 'effect'>, b: Pick<Taint, 'key' | 'effect'>): boolean => a.key === b.key && a.effect === b.effect;

export function taintExists(taints: readonly Taint[] | undefined, t: Pick<Taint, 'key' | 'effect'>): boolean {
  return (taints ?? []).some((x) => matchTaint(x, t));
}

/**
 * The NoSchedule taints a node should carry for its conditions and spec.unschedulable
 * (doNoScheduleTaintingPass), without timeAdded.
 */
export function desiredNoScheduleTaints(node: Node): Taint[] {
  const taints: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) taints.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) taints.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  return taints;
}

/** The node's NoSchedule taints this controller manages (condition taints and unschedulable). */
export function managedNoScheduleTaints(node: Node): Taint[] {
  return (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' && (t.key === TAINT_NODE_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)));
}

/** TaintSetDiff: what is in want and not in have, and what is in have and not in want (by key and effect). */
export function taintSetDiff(want: readonly Taint[], have: readonly Taint[]): { add: Taint[]; remove: Taint[] } {
  return {
    add: want.filter((t) => !taintExists(have, t)),
    remove: have.filter((t) => !taintExists(want, t)),
  };
}

/**
 * The taint list after adding `add` (stamped timeAdded = now) and removing every taint
 * matching one in `remove` (SwapNodeControllerTaint). A taint already present is kept
 * as it is, timeAdded included, so the time a NoExecute taint was added, which
 * tolerationSeconds count from, never moves. undefined when nothing changes.
 */
export function swapTaints(current: readonly Taint[] | undefined, add: readonly Taint[], remove: readonly Taint[], now: number): Taint[] | undefined {
  const have = current ?? [];
  const kept = have.filter((t) => !remove.some((r) => matchTaint(r, t)));
  const added = add.filter((t) => !taintExists(kept, t)).map((t) => ({ ...t, timeAdded: rfc3339(now) }));
  if (kept.length === have.length && added.length === 0) return undefined;
  return [...kept, ...added];
}
