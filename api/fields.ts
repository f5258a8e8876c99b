// Field selectors: `?fieldSelector=` and `kubectl --field-selector`. Parsing is a port of
// apimachinery's fields/selector.go (with its backslash escaping); the selectable fields of
// each kind and the field labels each kind accepts follow the apiserver's registry
// strategies (ToSelectableFields) and field label conversion functions.
import { badRequest } from './errors.js';
import { RESOURCES } from './registry.js';
import type { KubeObject } from './types/meta.js';

/** One term: `field=value` (also written `field==value`) or `field!=value`. */
export interface FieldRequirement {
  readonly field: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

/**
 * A parsed field selector, an AND of its requirements. The apiserver's list and watch
 * filters call `matches(fieldsOf(obj))`; a field missing from the set compares as "".
 * `empty()` is true when it selects everything. `toString()` re-escapes values.
 */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  matches(fields: Record<string, string>): boolean;
  empty(): boolean;
  toString(): string;
  /** The value the selector requires `field` to equal, if it has such a term. */
  requiresExactMatch(field: string): string | undefined;
}

/** Escapes `\`, `,` and `=` so a literal value survives parseFieldSelector (fields.EscapeValue). */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

class Selector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];

  constructor(requirements: FieldRequirement[]) {
    this.requirements = Object.freeze(requirements);
  }

  matches(fields: Record<string, string>): boolean {
    return this.requirements.every((r) => {
      const actual = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : '';
      return r.op === '=' ? actual === r.value : actual !== r.value;
    });
  }

  empty(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.op}${escapeFieldValue(r.value)}`).join(',');
  }

  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.op === '=')?.value;
  }
}

/** A selector built from requirements that are already valid (used after field label conversion). */
export function fieldSelectorFromRequirements(requirements: readonly FieldRequirement[]): FieldSelector {
  return new Selector([...requirements]);
}

// Splits on commas not escaped by a backslash; the backslashes stay for unescapeValue.
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

// The first operator in the term splits it: the field part has no escaping.
function splitTerm(term: string): { lhs: string; op: (typeof TERM_OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // Go prints the rune with %v, i.e. as its code point number.
    else if (c === ',' || c === '=') throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * Parses `a=b`, `a==b`, `a!=b`, comma-separated (AND), values escaped with `\` (`\,`, `\=`,
 * `\\`). The empty string selects everything. Throws a 400 BadRequest with apimachinery's
 * message on bad input. It does not check that the fields exist: see validateFieldSelector.
 */
export function parseFieldSelector(s: string): FieldSelector {
  // apimachinery sorts the raw terms, which makes toString() canonical.
  const parts = splitTerms(s).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (!term) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    requirements.push({ field: term.lhs, op: term.op === '!=' ? '!=' : '=', value: unescapeValue(term.rhs) });
  }
  return new Selector(requirements);
}

// ---- selectable fields per kind ----

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const bool = (v: unknown): string => (v === true ? 'true' : 'false');
const int = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? String(Math.trunc(v)) : '0');

function isNamespaced(kind: string): boolean {
  const ri = RESOURCES.find((r) => r.kind === kind);
  return ri ? ri.namespaced : true;
}

/**
 * The field set Kubernetes computes for an object when filtering lists and watches
 * (each registry's ToSelectableFields): metadata.name for all kinds, metadata.namespace for
 * namespaced kinds, plus the kind's own fields, as strings ("" when unset, booleans as
 * "true"/"false"). `kind` defaults to obj.kind.
 */
export function fieldsOf(object: KubeObject, kind: string = object.kind ?? ''): Record<string, string> {
  const meta = obj(object.metadata);
  const fields: Record<string, string> = { 'metadata.name': str(meta.name) };
  if (isNamespaced(kind)) fields['metadata.namespace'] = str(meta.namespace);
  const spec = obj(object.spec);
  const status = obj(object.status);
  switch (kind) {
    case 'Pod': {
      const podIPs = Array.isArray(status.podIPs) ? status.podIPs : [];
      // v1 podIP mirrors podIPs[0]; prefer the list as the registry does, fall back to podIP.
      const podIP = podIPs.length > 0 ? str(obj(podIPs[0]).ip) : str(status.podIP);
      Object.assign(fields, {
        'spec.nodeName': str(spec.nodeName),
        'spec.restartPolicy': str(spec.restartPolicy),
        'spec.schedulerName': str(spec.schedulerName),
        'spec.serviceAccountName': str(spec.serviceAccountName),
        'spec.hostNetwork': bool(spec.hostNetwork),
        'status.phase': str(status.phase),
        'status.podIP': podIP,
        'status.nominatedNodeName': str(status.nominatedNodeName),
      });
      break;
    }
    case 'Node':
      fields['spec.unschedulable'] = bool(spec.unschedulable);
      break;
    case 'Namespace':
      fields['status.phase'] = str(status.phase);
      // Kept by Kubernetes for backward compatibility.
      fields.name = str(meta.name);
      break;
    case 'Secret':
      fields.type = str(object.type);
      break;
    case 'Event': {
      const involved = obj(object.involvedObject);
      const source = obj(object.source);
      Object.assign(fields, {
        'involvedObject.kind': str(involved.kind),
        'involvedObject.namespace': str(involved.namespace),
        'involvedObject.name': str(involved.name),
        'involvedObject.uid': str(involved.uid),
        'involvedObject.apiVersion': str(involved.apiVersion),
        'involvedObject.resourceVersion': str(involved.resourceVersion),
        'involvedObject.fieldPath': str(involved.fieldPath),
        reason: str(object.reason),
        reportingComponent: str(object.reportingComponent),
        source: str(source.component) || str(object.reportingComponent),
        type: str(object.type),
      });
      break;
    }
    case 'ReplicaSet':
    case 'ReplicationController':
      fields['status.replicas'] = int(status.replicas);
      break;
    case 'Job':
      fields['status.successful'] = int(status.succeeded);
      break;
    case 'Service':
      fields['spec.clusterIP'] = str(spec.clusterIP);
      fields['spec.type'] = str(spec.type);
      break;
    default:
      break;
  }
  return fields;
}

// The field labels each kind's conversion function accepts; a label maps to the field it
// is matched against (Pod's legacy spec.host is spec.nodeName).
const FIELD_LABELS: Record<string, Record<string, string>> = {
  Pod: labelMap(['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName',
    'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs',
    'status.nominatedNodeName'], { 'spec.host': 'spec.nodeName' }),
  Node: labelMap(['metadata.name', 'spec.unschedulable']),
  Namespace: labelMap(['status.phase', 'metadata.name']),
  Secret: labelMap(['type', 'metadata.namespace', 'metadata.name']),
  Event: labelMap(['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
    'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason',
    'reportingComponent', 'source', 'type', 'metadata.namespace', 'metadata.name']),
  Service: labelMap(['metadata.namespace', 'metadata.name', 'spec.clusterIP', 'spec.type']),
  ReplicaSet: labelMap(['metadata.name', 'metadata.namespace', 'status.replicas']),
  ReplicationController: labelMap(['metadata.name', 'metadata.namespace', 'status.replicas']),
  Job: labelMap(['metadata.name', 'metadata.namespace', 'status.successful']),
};

function labelMap(labels: string[], aliases: Record<string, string> = {}): Record<string, string> {
  return { ...Object.fromEntries(labels.map((l) => [l, l])), ...aliases };
}

/**
 * Checks every field of `sel` against what `kind` supports and returns the selector with
 * legacy labels converted (Pod spec.host -> spec.nodeName), as the apiserver's field label
 * conversion does before filtering. Throws a 400 BadRequest with the apiserver's message:
 * "field label not supported: <name>" for kinds with their own conversion (Pod, Node,
 * Namespace, Secret, Event, Service, ReplicaSet, ReplicationController), and for other kinds the default one,
 * `"<name>" is not a known field selector: only "metadata.name", "metadata.namespace"`.
 */
export function convertFieldSelector(kind: string, sel: FieldSelector): FieldSelector {
  const labels = Object.prototype.hasOwnProperty.call(FIELD_LABELS, kind) ? FIELD_LABELS[kind] : undefined;
  const converted = sel.requirements.map((r): FieldRequirement => {
    if (labels) {
      if (!Object.prototype.hasOwnProperty.call(labels, r.field)) throw badRequest(`field label not supported: ${r.field}`);
      return { ...r, field: labels[r.field] };
    }
    if (r.field !== 'metadata.name' && r.field !== 'metadata.namespace') {
      throw badRequest(`${JSON.stringify(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
    }
    return r;
  });
  return new Selector(converted);
}

/** Throws a 400 BadRequest when `sel` uses a field `kind` cannot be selected by (see convertFieldSelector). */
export function validateFieldSelector(kind: string, sel: FieldSelector): void {
  convertFieldSelector(kind, sel);
}
