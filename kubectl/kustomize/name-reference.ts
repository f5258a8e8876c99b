// Fixing back references after renames (kustomize's nameref filter): a Deployment that
// names ConfigMap "cfg" in envFrom names "p-cfg-7gdc49gk6d" once prefix and hash have
// renamed it. For every renamed object, the fields of other kinds that hold names of
// its kind (NAME_REFERENCE_CONFIG) are rewritten where they hold one of its earlier
// names; a Service's selector, which holds labels, is no reference and stays.
import { parse } from 'yaml';
import { KustomizeError } from './errors.js';
import { gvkOf, gvkSelected, visitPath, type FieldSpec } from './field-specs.js';
import { NAME_REFERENCE_CONFIG } from './name-reference-config.js';
import { isClusterScoped } from './transformers.js';
import { currentId, idString, isObj, namespaceOf, type Obj, type Resource } from './resource.js';

interface ReferenceRule {
  kind: string;
  group?: string;
  version?: string;
  fieldSpecs: FieldSpec[];
}

let rules: ReferenceRule[] | undefined;
function referenceRules(): ReferenceRule[] {
  rules ??= (parse(NAME_REFERENCE_CONFIG) as { nameReference: ReferenceRule[] }).nameReference;
  return rules;
}

/** Rewrites every reference to a renamed object in resources. */
export function fixNameReferences(resources: Resource[]): void {
  for (const rule of referenceRules()) {
    const referred = resources.filter((r) => r.previous.length > 0 && gvkSelected({ kind: rule.kind, group: rule.group?.split('/')[0], version: rule.version }, gvkOf(r.obj)));
    if (referred.length === 0) continue;
    for (const referrer of resources) {
      const gvk = gvkOf(referrer.obj);
      const seen = new Set<string>();
      for (const spec of rule.fieldSpecs) {
        if (!gvkSelected(spec, gvk) || seen.has(spec.path)) continue;
        seen.add(spec.path);
        visitPath(referrer.obj, spec.path, false, (parent, key) => {
          parent[key] = fixValue(parent[key], referrer, referred, rule.kind);
        });
      }
    }
  }
}

function fixValue(value: unknown, referrer: Resource, referred: Resource[], kind: string): unknown {
  if (typeof value === 'string') return newName(value, referrer, referred) ?? value;
  if (Array.isArray(value)) return value.map((v) => (isObj(v) ? fixObject(v, referrer, referred, kind) : fixValue(v, referrer, referred, kind)));
  if (isObj(value)) return fixObject(value, referrer, referred, kind);
  return value;
}

// A reference with its own namespace: RBAC subjects (kind, name, namespace) and webhook
// services (name, namespace) follow the object's name and namespace.
function fixObject(ref: Obj, referrer: Resource, referred: Resource[], kind: string): Obj {
  if (typeof ref.name !== 'string') return ref;
  if (ref.kind !== undefined && ref.kind !== kind) return ref;
  const namespace = typeof ref.namespace === 'string' ? ref.namespace : undefined;
  const target = select(ref.name, referrer, referred, namespace);
  if (!target) return ref;
  ref.name = String((target.obj.metadata as Obj).name);
  if (namespace !== undefined && namespaceOf(target.obj)) ref.namespace = namespaceOf(target.obj);
  return ref;
}

function newName(name: string, referrer: Resource, referred: Resource[]): string | undefined {
  const target = select(name, referrer, referred);
  return target ? String((target.obj.metadata as Obj).name) : undefined;
}

/**
 * The one object `name` refers to: one that had that name before a rename, in the
 * referrer's namespace (or the namespace the reference names) when both are namespaced.
 * Several with different new names are ambiguous, as in kustomize.
 */
function select(name: string, referrer: Resource, referred: Resource[], namespace?: string): Resource | undefined {
  let candidates = referred.filter((r) => r.previous.some((id) => id.name === name) && r !== referrer);
  if (namespace !== undefined) {
    candidates = candidates.filter((r) => r.previous.some((id) => id.name === name && (id.namespace || 'default') === (namespace || 'default')) || namespaceOf(r.obj) === namespace);
  } else if (!isClusterScoped(referrer.obj)) {
    const ns = namespaceOf(referrer.obj);
    candidates = candidates.filter((r) => isClusterScoped(r.obj) || (namespaceOf(r.obj) || 'default') === (ns || 'default'));
  }
  if (candidates.length === 0) return undefined;
  const names = new Set(candidates.map((r) => String((r.obj.metadata as Obj).name)));
  if (names.size > 1) {
    throw new KustomizeError(`found multiple possible referrals: ${candidates.map((r) => idString(currentId(r))).join(', ')}`);
  }
  return candidates[0];
}

