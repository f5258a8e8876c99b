// Apply conflicts as kube-apiserver reports them (managedfields/internal/conflict.go):
// 409 Conflict, `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply"
// using apps/v1: .spec.replicas`, one FieldManagerConflict cause per field.
import { makeStatus, StatusError } from '../errors.js';

/** manager: the manager's identifier (JSON of manager, operation, apiVersion, subresource); path: as pathString prints it. */
export interface ApplyConflict { manager: string; path: string }

/** printManager: `"name"`, ` with subresource "status"`, ` using apps/v1` for updaters. */
export function printManager(id: string): string {
  let e: { manager?: string; operation?: string; apiVersion?: string; subresource?: string };
  try {
    e = JSON.parse(id) as typeof e;
  } catch {
    return JSON.stringify(id);
  }
  let s = JSON.stringify(e.manager ?? '');
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion ?? ''}`;
  return s;
}

export function conflictMessage(conflicts: readonly ApplyConflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${conflicts[0].path}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path]);
  const lines: string[] = [];
  for (const m of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${printManager(m)}:`);
    for (const p of byManager.get(m) as string[]) lines.push(`- ${p}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** NewApplyConflict: the 409 with its causes (details hold the causes only). */
export function conflictStatusError(conflicts: readonly ApplyConflict[]): StatusError {
  const sorted = [...conflicts].sort((a, b) => (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0));
  const causes = sorted.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: c.path }));
  return new StatusError(makeStatus(409, 'Conflict', conflictMessage(sorted), { causes }));
}
