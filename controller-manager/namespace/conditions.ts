// The namespace status conditions the namespace deleter maintains while a namespace
// terminates (pkg/controller/namespace/deletion/status_condition_utils.go): each of
// the five types is True with a failure reason, or False with its "ok" reason and
// message. Pure: the deleter gathers what happened, then applies it to a status.
import type { NamespaceCondition, NamespaceStatus } from '../../api/types/core.js';

export const NAMESPACE_DELETION_DISCOVERY_FAILURE = 'NamespaceDeletionDiscoveryFailure';
export const NAMESPACE_DELETION_GV_PARSING_FAILURE = 'NamespaceDeletionGroupVersionParsingFailure';
export const NAMESPACE_DELETION_CONTENT_FAILURE = 'NamespaceDeletionContentFailure';
export const NAMESPACE_CONTENT_REMAINING = 'NamespaceContentRemaining';
export const NAMESPACE_FINALIZERS_REMAINING = 'NamespaceFinalizersRemaining';

/** The types in the order they are kept in status.conditions. */
export const CONDITION_TYPES = [
  NAMESPACE_DELETION_DISCOVERY_FAILURE, NAMESPACE_DELETION_GV_PARSING_FAILURE, NAMESPACE_DELETION_CONTENT_FAILURE,
  NAMESPACE_CONTENT_REMAINING, NAMESPACE_FINALIZERS_REMAINING,
] as const;

const OK: Record<string, { reason: string; message: string }> = {
  [NAMESPACE_DELETION_DISCOVERY_FAILURE]: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  [NAMESPACE_DELETION_GV_PARSING_FAILURE]: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  [NAMESPACE_DELETION_CONTENT_FAILURE]: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  [NAMESPACE_CONTENT_REMAINING]: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  [NAMESPACE_FINALIZERS_REMAINING]: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

/** What is left in a namespace: instances per resource ("pods." / "deployments.apps") and per finalizer. */
export interface ContentTotals {
  /** Keyed `${resource}.${group}`, as the condition message prints it. */
  remainingByResource: Map<string, number>;
  remainingByFinalizer: Map<string, number>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Collects one pass of the deleter (namespaceConditionUpdater): discovery and parsing
 * errors, content deletion errors, the content totals. update(status, now) then writes
 * the conditions.
 */
export class NamespaceConditionUpdater {
  private readonly failures: NamespaceCondition[] = [];
  private readonly deleteContentErrors: unknown[] = [];

  /** Discovery failed, wholly or for some groups (the error's message says which). */
  processDiscoverResourcesErr(err: unknown): void {
    this.failures.push({ type: NAMESPACE_DELETION_DISCOVERY_FAILURE, status: 'True', reason: 'DiscoveryFailed', message: discoveryMessage(err) });
  }

  processGroupVersionErr(err: unknown): void {
    this.failures.push({ type: NAMESPACE_DELETION_GV_PARSING_FAILURE, status: 'True', reason: 'GroupVersionParsingFailed', message: message(err) });
  }

  processDeleteContentErr(err: unknown): void {
    this.deleteContentErrors.push(err);
  }

  processContentTotals(t: ContentTotals): void {
    const remaining = [...t.remainingByResource].filter(([, n]) => n > 0).map(([r, n]) => `${r} has ${n} resource instances`).sort();
    if (t.remainingByResource.size) {
      this.failures.push({
        type: NAMESPACE_CONTENT_REMAINING, status: 'True', reason: 'SomeResourcesRemain',
        message: `Some resources are remaining: ${remaining.join(', ')}`,
      });
    }
    const byFinalizer = [...t.remainingByFinalizer].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
    if (t.remainingByFinalizer.size) {
      this.failures.push({
        type: NAMESPACE_FINALIZERS_REMAINING, status: 'True', reason: 'SomeFinalizersRemain',
        message: `Some content in the namespace has finalizers remaining: ${byFinalizer.join(', ')}`,
      });
    }
  }

  /** Applies the conditions to status (changing it); true when anything changed. */
  update(status: NamespaceStatus, now: string): boolean {
    const wanted = [...this.failures];
    if (!wanted.some((c) => c.type === NAMESPACE_DELETION_CONTENT_FAILURE) && this.deleteContentErrors.length) {
      const msgs = this.deleteContentErrors.map(message).sort();
      wanted.push({
        type: NAMESPACE_DELETION_CONTENT_FAILURE, status: 'True', reason: 'ContentDeletionFailed',
        message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
      });
    }
    return updateConditions(status, wanted, now);
  }
}

/** ProcessDiscoverResourcesErr's message: the failing groups are counted for a partial failure. */
function discoveryMessage(err: unknown): string {
  const groups = (err as { groups?: unknown }).groups;
  if (groups instanceof Map) return `Discovery failed for some groups, ${groups.size} failing: ${message(err)}`;
  return message(err);
}

/**
 * Sets each condition type to its wanted value, or to its "ok" value when none is
 * wanted; lastTransitionTime moves only when the status flips.
 */
export function updateConditions(status: NamespaceStatus, wanted: readonly NamespaceCondition[], now: string): boolean {
  let changed = false;
  status.conditions ??= [];
  for (const type of CONDITION_TYPES) {
    const want = wanted.find((c) => c.type === type) ?? { type, status: 'False', ...OK[type] };
    const old = status.conditions.find((c) => c.type === type);
    if (!old) {
      status.conditions.push({ type, status: want.status, lastTransitionTime: now, reason: want.reason, message: want.message });
      changed = true;
    } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
      if (old.status !== want.status) old.lastTransitionTime = now;
      old.status = want.status;
      old.reason = want.reason;
      old.message = want.message;
      changed = true;
    }
  }
  return changed;
}
