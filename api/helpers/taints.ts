// Taints and tolerations (core/v1 helper: Toleration.ToleratesTaint,
// FindMatchingUntoleratedTaint): one copy for the scheduler, the taint-eviction
// controller and anything else that asks whether a pod tolerates a node.
import type { Taint, Toleration } from '../types/core.js';

/**
 * Whether one toleration tolerates one taint (core/v1 Toleration.ToleratesTaint): an empty
 * effect matches every effect, an empty key every key; operator Exists ignores the value,
 * Equal (or empty) requires it to be equal.
 */
export function toleratesTaint(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/**
 * The first taint with one of effects (NoSchedule and NoExecute unless told) not
 * tolerated (v1helper.FindMatchingUntoleratedTaint with an effect filter).
 */
export function findUntoleratedTaint(
  taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, effects: readonly string[] = ['NoSchedule', 'NoExecute'],
): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) {
    if (!effects.includes(taint.effect)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

