// Which garbage-collection finalizers a DELETE leaves on an object (kube-apiserver's
// deletionFinalizersForGarbageCollection, with shouldOrphanDependents and
// shouldDeleteDependents): "orphan" and "foregroundDeletion" are first removed, then
// added back as the request's choice says: orphanDependents, else propagationPolicy,
// else a finalizer the object already carries, else the resource's default
// (ReplicationControllers orphan). Other finalizers are kept in their order.
import type { DeleteOptions } from '../../api/types/meta.js';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

function shouldOrphan(finalizers: readonly string[], opts: DeleteOptions, orphanByDefault: boolean): boolean {
  if (opts.orphanDependents !== undefined && opts.orphanDependents !== null) return opts.orphanDependents;
  if (opts.propagationPolicy === 'Orphan') return true;
  if (opts.propagationPolicy === 'Background' || opts.propagationPolicy === 'Foreground') return false;
  for (const f of finalizers) {
    if (f === ORPHAN_FINALIZER) return true;
    if (f === FOREGROUND_FINALIZER) return false;
  }
  return orphanByDefault;
}

function shouldDeleteInForeground(finalizers: readonly string[], opts: DeleteOptions): boolean {
  if (opts.orphanDependents !== undefined && opts.orphanDependents !== null) return false;
  if (opts.propagationPolicy === 'Foreground') return true;
  if (opts.propagationPolicy === 'Background' || opts.propagationPolicy === 'Orphan') return false;
  return finalizers.includes(FOREGROUND_FINALIZER);
}

/** The finalizers the object keeps after this DELETE. */
export function deletionFinalizers(finalizers: readonly string[] | undefined, opts: DeleteOptions, orphanByDefault: boolean): string[] {
  const current = finalizers ?? [];
  const next = current.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (shouldOrphan(current, opts, orphanByDefault)) next.push(ORPHAN_FINALIZER);
  if (shouldDeleteInForeground(current, opts)) next.push(FOREGROUND_FINALIZER);
  return next;
}
