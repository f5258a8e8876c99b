// `taint` arguments and their effect on a node's taints: kubectl's pkg/cmd/taint
// (utils.go) as pure functions, messages included.
import type { Taint } from '../api/types/core.js';
import { labelKeyErrors, labelValueErrors } from '../api/labels.js';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** key=value:Effect, key:Effect, key (for removal). */
export function parseTaint(spec: string): Taint {
  const parts = spec.split(':');
  let key: string;
  let value = '';
  let effect = '';
  if (parts.length === 1) {
    key = parts[0]!;
  } else if (parts.length === 2) {
    effect = parts[1]!;
    if (!EFFECTS.includes(effect)) throw new Error(`invalid taint effect: ${effect}, unsupported taint effect`);
    const kv = parts[0]!.split('=');
    if (kv.length > 2) throw new Error(`invalid taint spec: ${spec}`);
    key = kv[0]!;
    if (kv.length === 2) {
      value = kv[1]!;
      const errs = labelValueErrors(value);
      if (errs.length) throw new Error(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
    }
  } else {
    throw new Error(`invalid taint spec: ${spec}`);
  }
  const errs = labelKeyErrors(key);
  if (errs.length) throw new Error(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
  return value ? { key, value, effect } : { key, effect };
}

/** Splits `taint` arguments into taints to add and taints to remove (those ending in "-"). */
export function parseTaints(specs: string[]): { add: Taint[]; remove: Taint[] } {
  const add: Taint[] = [];
  const remove: Taint[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const t = parseTaint(spec.slice(0, -1));
      remove.push({ key: t.key, effect: t.effect });
      continue;
    }
    const t = parseTaint(spec);
    if (!t.effect) throw new Error(`invalid taint spec: ${spec}`);
    const id = `${t.effect}\u0000${t.key}`;
    if (seen.has(id)) throw new Error(`duplicated taints with the same key and effect: ${goTaint(t)}`);
    seen.add(id);
    add.push(t);
  }
  return { add, remove };
}

/** Go's %v of a v1.Taint struct. */
function goTaint(t: Taint): string {
  return `{${t.key} ${t.value ?? ''} ${t.effect} <nil>}`;
}

/** Taint.ToString(): key=value:effect, with the empty parts left out. */
export function taintString(t: Taint): string {
  let s = t.key;
  if (t.value) s += `=${t.value}`;
  if (t.effect) s += `:${t.effect}`;
  return s;
}

/** The taints to add and remove that name the same taint (kubectl refuses both at once). */
export function conflictingTaints(add: Taint[], remove: Taint[]): string[] {
  const out: string[] = [];
  for (const a of add) {
    for (const r of remove) {
      if (a.key !== r.key) continue;
      if (!r.effect || a.effect === r.effect) out.push(`${r.key}=${r.effect}`);
    }
  }
  return out;
}

/** Keys of taints to add that the node already has with the same effect ("a,b"). */
export function alreadyPresent(old: Taint[], add: Taint[]): string {
  const keys: string[] = [];
  for (const t of add) for (const o of old) if (t.key === o.key && t.effect === o.effect) keys.push(t.key);
  return keys.join(',');
}

const matches = (a: Taint, b: Taint): boolean => a.key === b.key && a.effect === b.effect;

/**
 * The node's new taints and the word kubectl prints ("tainted", "untainted",
 * "modified"); throws kubectl's error when a taint to remove is not there.
 */
export function reorganizeTaints(old: Taint[], overwrite: boolean, add: Taint[], remove: Taint[]): { taints: Taint[]; operation: string } {
  let taints = [...add];
  for (const o of old) if (!taints.some((t) => matches(t, o))) taints.push(o);
  const added = old.length !== taints.length;
  const errors: string[] = [];
  let removed = false;
  for (const r of remove) {
    const before = taints.length;
    taints = taints.filter((t) => (r.effect ? !matches(r, t) : t.key !== r.key));
    removed = taints.length !== before;
    if (!removed) errors.push(`taint ${JSON.stringify(taintString(r))} not found`);
  }
  if (errors.length) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
  const operation = (added && removed) || overwrite ? 'modified' : added ? 'tainted' : 'untainted';
  return { taints, operation };
}
