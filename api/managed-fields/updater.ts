// Who owns what after a write: structured-merge-diff's merge.Updater. Update (create,
// update, non-apply patches) gives the writer what it changed and takes removed fields
// from everyone; Apply merges an applied configuration, prunes what the applier no
// longer applies (unless someone else owns it), and refuses to change fields other
// managers own unless forced.
import { FieldSet, type Path } from './fieldpath.js';
import { compare, ensureNamedFieldsAreMembers, jsonEqual, merge, removeItems, toFieldSet, type Comparison } from './typed.js';
import type { TypeRef } from './types.js';

/** What one manager owns, at which apiVersion, and whether by Apply. */
export interface VersionedSet { set: FieldSet; apiVersion: string; applied: boolean }

/** Manager identifier -> what it owns. */
export type Managers = Map<string, VersionedSet>;

/** One field another manager owns: thrown (in a list) by apply without force. */
export interface Conflict { manager: string; path: Path }

export class ConflictsError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super('conflicts');
    this.name = 'ConflictsError';
  }
}

export interface UpdaterOptions {
  type: TypeRef;
  /** Fields the operation does not track (status for the main resource, spec for status): each member with everything below. */
  ignored: FieldSet;
}

/** Drops the ignored fields from a fresh comparison (in place). */
function exclude(c: Comparison, ignored: FieldSet): Comparison {
  if (ignored.empty()) return c;
  c.added.recursiveDifferenceInPlace(ignored);
  c.modified.recursiveDifferenceInPlace(ignored);
  c.removed.recursiveDifferenceInPlace(ignored);
  return c;
}

export class Updater {
  constructor(private readonly o: UpdaterOptions) {}

  private update(live: unknown, next: unknown, managers: Managers, workflow: string, force: boolean): Comparison {
    const cmp = exclude(compare(live, next, this.o.type), this.o.ignored);
    let changed: FieldSet | undefined;
    const conflicts = new Map<string, FieldSet>();
    for (const [manager, vs] of managers) {
      if (manager === workflow) continue;
      changed ??= cmp.modified.union(cmp.added);
      const c = vs.set.intersection(changed);
      if (!c.empty()) conflicts.set(manager, c);
    }
    if (!force && conflicts.size) {
      const list: Conflict[] = [];
      for (const [manager, set] of conflicts) for (const path of set.paths()) list.push({ manager, path });
      throw new ConflictsError(list);
    }
    for (const [manager, c] of conflicts) {
      const vs = managers.get(manager) as VersionedSet;
      managers.set(manager, { ...vs, set: vs.set.difference(c) });
    }
    if (!cmp.removed.empty()) {
      for (const [manager, vs] of managers) {
        if (manager === workflow) continue;
        managers.set(manager, { ...vs, set: vs.set.difference(cmp.removed) });
      }
    }
    for (const [manager, vs] of managers) if (vs.set.empty()) managers.delete(manager);
    return cmp;
  }

  /** After a create, update or non-apply patch: manager now owns what it changed. managers is changed in place. */
  updateManagers(live: unknown, next: unknown, apiVersion: string, managers: Managers, manager: string): void {
    const cmp = this.update(live, next, managers, manager, true);
    const prev = managers.get(manager)?.set;
    const set = prev ? prev.difference(cmp.removed) : new FieldSet();
    // The comparison is not used again: its nodes move into the set.
    set.unionInPlace(cmp.modified, true).unionInPlace(cmp.added, true).recursiveDifferenceInPlace(this.o.ignored);
    if (set.empty()) managers.delete(manager);
    else managers.set(manager, { set, apiVersion, applied: false });
  }

  /**
   * Apply: the merged object (undefined when it equals live), managers changed in place;
   * throws ConflictsError when another manager owns a field the configuration changes
   * and force is off.
   */
  apply(live: unknown, config: unknown, apiVersion: string, managers: Managers, manager: string, force: boolean): unknown {
    let next = merge(live, config, this.o.type);
    const last = managers.get(manager);
    const set = toFieldSet(config, this.o.type).recursiveDifference(this.o.ignored);
    managers.set(manager, { set, apiVersion, applied: true });
    next = this.prune(next, managers, manager, last);
    this.update(live, next, managers, manager, force);
    return jsonEqual(live, next) ? undefined : next;
  }

  /** Removes what manager applied last time and not now, unless another manager owns it. */
  private prune(merged: unknown, managers: Managers, manager: string, last: VersionedSet | undefined): unknown {
    if (!last || last.set.empty()) return merged;
    const t = this.o.type;
    const named = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(s, t);
    let pruned = removeItems(merged, named(last.set), t);
    // Add back what anyone (the applier's new configuration included) owns.
    let managed = new FieldSet();
    for (const vs of managers.values()) managed = managed.union(vs.set);
    const mergedSet = named(toFieldSet(merged, t));
    pruned = removeItems(merged, mergedSet.difference(named(toFieldSet(pruned, t)).union(named(managed))), t);
    // Add back what the applier did not own before (unowned, or owned by updaters).
    const prunedSet = named(toFieldSet(pruned, t));
    return removeItems(merged, mergedSet.difference(prunedSet).intersection(named(last.set)), t);
  }
}
