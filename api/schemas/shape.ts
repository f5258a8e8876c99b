// The shape check: reads a decoded body against the schema of its kind the way Go's
// typed decoding reads it into the API structs, before any defaulting, strategy or
// allocation code sees it. A value of the wrong type is kube-apiserver's error in its
// words (`json: cannot unmarshal object into Go struct field PodSpec.spec.containers of
// type []v1.Container`); what decoding normalizes is normalized the same way: a null
// field is the zero value (dropped), a null list item or map value is its type's zero
// value, a lone UTF-16 surrogate is U+FFFD, times are written back in UTC, base64 is
// canonical. Fields the schema does not know are left alone (fieldValidation reports
// them).
import { badRequest, goQuote, invalid, StatusError } from '../errors.js';
import { ERR_FORMAT_WRONG, parseQuantityExact } from '../quantity.js';
import { goBase64Error, goFormat, parseGoTime } from './go-values.js';
import { definitionName, DEFINITIONS } from './index.js';
import { INT_OR_STRING, M, QUANTITY, RAW_EXTENSION } from './meta.js';
import { refName, type JSONSchemaProps } from './schema.js';

/**
 * How the value reached the API struct, which decides the words of an error:
 * 'json' is encoding/json (bodies of create and update, JSON and merge patches),
 * 'unstructured' is runtime.DefaultUnstructuredConverter (strategic merge patches).
 */
export type DecodeMode = 'json' | 'unstructured';

/**
 * How deep objects and arrays may nest in a body or a patched object. Go's decoder
 * allows 10,000 levels; V8's stack (about 1 MB) does not: structuredClone, JSON.stringify
 * and the recursive code that reads objects overflow it between 1,500 and 2,000 levels
 * when a request is being handled. No real object comes near either limit; a body past
 * ours gets the error Go gives past its own.
 */
export const MAX_NESTING_DEPTH = 1000;

/** How deep v nests (a scalar is 0, [] and {} are 1), counted without recursion. */
export function nestingDepth(v: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop() as [unknown, number];
    if (x === null || typeof x !== 'object') continue;
    if (d > max) max = d;
    for (const child of Object.values(x)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}

export interface GroupVersionKind { group: string; version: string; kind: string }

const TIME = `${M}Time`;
const MICRO_TIME = `${M}MicroTime`;
const ANY_JSON = new Set([RAW_EXTENSION, `${M}FieldsV1`, `${M}Patch`]);

/**
 * Go types that are named types in Kubernetes' API packages, where the schema only says
 * "string" or "map": an error names the Go type, as Go's decoder does
 * (`... of type v1.RestartPolicy`). Keyed by Go struct name and JSON field.
 */
const NAMED_TYPES: Record<string, string> = {
  'PodSpec.restartPolicy': 'v1.RestartPolicy', 'PodSpec.dnsPolicy': 'v1.DNSPolicy',
  'PodSpec.preemptionPolicy': 'v1.PreemptionPolicy', 'PodSpec.overhead': 'v1.ResourceList',
  'Container.imagePullPolicy': 'v1.PullPolicy', 'Container.terminationMessagePolicy': 'v1.TerminationMessagePolicy',
  'Container.restartPolicy': 'v1.ContainerRestartPolicy',
  'EphemeralContainer.imagePullPolicy': 'v1.PullPolicy', 'EphemeralContainer.terminationMessagePolicy': 'v1.TerminationMessagePolicy',
  'ContainerPort.protocol': 'v1.Protocol', 'ServicePort.protocol': 'v1.Protocol', 'EndpointPort.protocol': 'v1.Protocol',
  'PortStatus.protocol': 'v1.Protocol',
  'ResourceRequirements.limits': 'v1.ResourceList', 'ResourceRequirements.requests': 'v1.ResourceList',
  'ContainerStatus.allocatedResources': 'v1.ResourceList',
  'NodeStatus.capacity': 'v1.ResourceList', 'NodeStatus.allocatable': 'v1.ResourceList', 'NodeStatus.phase': 'v1.NodePhase',
  'ServiceSpec.type': 'v1.ServiceType', 'ServiceSpec.sessionAffinity': 'v1.ServiceAffinity',
  'ServiceSpec.externalTrafficPolicy': 'v1.ServiceExternalTrafficPolicy', 'ServiceSpec.internalTrafficPolicy': 'v1.ServiceInternalTrafficPolicy',
  'ServiceSpec.ipFamilies': '[]v1.IPFamily', 'ServiceSpec.ipFamilyPolicy': 'v1.IPFamilyPolicy',
  'LoadBalancerIngress.ipMode': 'v1.LoadBalancerIPMode',
  'PodStatus.phase': 'v1.PodPhase', 'PodStatus.qosClass': 'v1.PodQOSClass',
  'PodCondition.type': 'v1.PodConditionType', 'PodCondition.status': 'v1.ConditionStatus',
  'NodeCondition.type': 'v1.NodeConditionType', 'NodeCondition.status': 'v1.ConditionStatus',
  'NodeAddress.type': 'v1.NodeAddressType',
  'NamespaceSpec.finalizers': '[]v1.FinalizerName', 'NamespaceStatus.phase': 'v1.NamespacePhase',
  'NamespaceCondition.type': 'v1.NamespaceConditionType', 'NamespaceCondition.status': 'v1.ConditionStatus',
  'Taint.effect': 'v1.TaintEffect', 'Toleration.effect': 'v1.TaintEffect', 'Toleration.operator': 'v1.TolerationOperator',
  'NodeSelectorRequirement.operator': 'v1.NodeSelectorOperator',
  'LabelSelectorRequirement.operator': 'v1.LabelSelectorOperator',
  'TopologySpreadConstraint.whenUnsatisfiable': 'v1.UnsatisfiableConstraintAction',
  'TopologySpreadConstraint.nodeAffinityPolicy': 'v1.NodeInclusionPolicy', 'TopologySpreadConstraint.nodeTaintsPolicy': 'v1.NodeInclusionPolicy',
  'HostPathVolumeSource.type': 'v1.HostPathType', 'EmptyDirVolumeSource.medium': 'v1.StorageMedium',
  'VolumeMount.mountPropagation': 'v1.MountPropagationMode', 'VolumeMount.recursiveReadOnly': 'v1.RecursiveReadOnlyMode',
  'HTTPGetAction.scheme': 'v1.URIScheme', 'Capabilities.add': '[]v1.Capability', 'Capabilities.drop': '[]v1.Capability',
  'SeccompProfile.type': 'v1.SeccompProfileType', 'AppArmorProfile.type': 'v1.AppArmorProfileType',
  'SecurityContext.procMount': 'v1.ProcMountType', 'PodSecurityContext.fsGroupChangePolicy': 'v1.PodFSGroupChangePolicy',
  'ContainerResizePolicy.resourceName': 'v1.ResourceName', 'ContainerResizePolicy.restartPolicy': 'v1.ResourceResizeRestartPolicy',
  'PodOS.name': 'v1.OSName', 'Secret.type': 'v1.SecretType',
  'ObjectMeta.uid': 'types.UID', 'OwnerReference.uid': 'types.UID', 'ObjectReference.uid': 'types.UID',
  'ManagedFieldsEntry.operation': 'v1.ManagedFieldsOperationType',
  'Condition.status': 'v1.ConditionStatus',
  'DeploymentStrategy.type': 'v1.DeploymentStrategyType',
  'DeploymentCondition.type': 'v1.DeploymentConditionType', 'DeploymentCondition.status': 'v1.ConditionStatus',
  'ReplicaSetCondition.type': 'v1.ReplicaSetConditionType', 'ReplicaSetCondition.status': 'v1.ConditionStatus',
  'DaemonSetUpdateStrategy.type': 'v1.DaemonSetUpdateStrategyType',
  'DaemonSetCondition.type': 'v1.DaemonSetConditionType', 'DaemonSetCondition.status': 'v1.ConditionStatus',
  'StatefulSetSpec.podManagementPolicy': 'v1.PodManagementPolicyType', 'StatefulSetUpdateStrategy.type': 'v1.StatefulSetUpdateStrategyType',
  'StatefulSetPersistentVolumeClaimRetentionPolicy.whenDeleted': 'v1.PersistentVolumeClaimRetentionPolicyType',
  'StatefulSetPersistentVolumeClaimRetentionPolicy.whenScaled': 'v1.PersistentVolumeClaimRetentionPolicyType',
  'StatefulSetCondition.type': 'v1.StatefulSetConditionType', 'StatefulSetCondition.status': 'v1.ConditionStatus',
  'LeaseSpec.strategy': 'v1.CoordinatedLeaseStrategy',
  'DeleteOptions.propagationPolicy': 'v1.DeletionPropagation',
};

/** A value Go's decoder refuses; message is its error text. */
class Mismatch {
  constructor(readonly message: string) {}
}

/**
 * Where the decoder is: Go's errorContext (innermost struct, JSON field names from the
 * root). A chain to the parent, so the common path (no error) builds no arrays.
 */
interface Ctx { struct: string; key?: string; parent?: Ctx }

function fieldsOf(ctx: Ctx): string[] {
  const out: string[] = [];
  for (let c: Ctx | undefined = ctx; c; c = c.parent) if (c.key !== undefined) out.push(c.key);
  return out.reverse();
}

const shortName = (definition: string): string => definition.slice(definition.lastIndexOf('.') + 1);
/** io.k8s.api.core.v1.PodSpec -> v1.PodSpec, io.k8s.apimachinery.pkg.api.resource.Quantity -> resource.Quantity. */
const goTypeOfDefinition = (definition: string): string => definition.split('.').slice(-2).join('.');

function goTypeOf(s: JSONSchemaProps): string {
  if (s.$ref) return goTypeOfDefinition(refName(s.$ref));
  switch (s.type) {
    case 'array': return `[]${s.items ? goTypeOf(s.items) : 'interface {}'}`;
    case 'object':
      return typeof s.additionalProperties === 'object' ? `map[string]${goTypeOf(s.additionalProperties)}` : 'map[string]interface {}';
    case 'string': return s.format === 'byte' ? '[]uint8' : 'string';
    case 'integer': return s.format === 'int32' ? 'int32' : 'int64';
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    default: return 'interface {}';
  }
}

/** A $ref's definition name, schema and Go struct name, resolved once per $ref. */
const refs = new Map<string, { name: string; def: JSONSchemaProps | undefined; short: string }>();
function resolvedRef(ref: string): { name: string; def: JSONSchemaProps | undefined; short: string } {
  let r = refs.get(ref);
  if (!r) {
    const name = refName(ref);
    refs.set(ref, (r = { name, def: DEFINITIONS[name], short: shortName(name) }));
  }
  return r;
}

// Go type names are for error messages, but walk needs one for every field of every
// body: each is computed once per schema node (and struct field) and kept.
const goTypes = new WeakMap<JSONSchemaProps, string>();
function cachedGoTypeOf(s: JSONSchemaProps): string {
  let t = goTypes.get(s);
  if (t === undefined) goTypes.set(s, (t = goTypeOf(s)));
  return t;
}
const fieldGoTypes = new WeakMap<JSONSchemaProps, { structName: string; key: string; type: string }>();
function fieldGoType(structName: string, key: string, prop: JSONSchemaProps): string {
  const hit = fieldGoTypes.get(prop);
  if (hit && hit.structName === structName && hit.key === key) return hit.type;
  const type = NAMED_TYPES[`${structName}.${key}`] ?? cachedGoTypeOf(prop);
  fieldGoTypes.set(prop, { structName, key, type });
  return type;
}

/** The element type of a list or map type ("[]v1.IPFamily" -> "v1.IPFamily"); fallback when it is a named map. */
function elementGoType(goType: string, fallback: string): string {
  if (goType.startsWith('[]')) return goType.slice(2);
  if (goType.startsWith('map[string]')) return goType.slice('map[string]'.length);
  return fallback;
}

/** encoding/json's name for a JSON value's kind. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** The reflect.Kind a value decoded into interface{} (integers as int64) has. */
function unstructuredKind(v: unknown): string {
  if (Array.isArray(v)) return 'slice';
  if (v !== null && typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const wellFormed = (s: string): string => ((s as unknown as { isWellFormed(): boolean }).isWellFormed() ? s : (s as unknown as { toWellFormed(): string }).toWellFormed());

class Walker {
  constructor(private readonly mode: DecodeMode) {}

  /** The error Go gives when a JSON value of the wrong kind meets a Go value of kind `dest`. */
  private mismatch(value: unknown, goType: string, ctx: Ctx, dest: string, what = jsonKind(value)): Mismatch {
    if (this.mode === 'unstructured') {
      const src = unstructuredKind(value);
      switch (dest) {
        case 'struct': return new Mismatch(`cannot restore struct from: ${src}`);
        case 'slice': return new Mismatch(`cannot restore slice from ${src}`);
        case 'map': return new Mismatch(`cannot restore map from ${src}`);
      }
      if ((src === 'int64' && dest === 'string') || ((src === 'float64' || src === 'int64') && (dest === 'int32' || dest === 'int64'))) {
        return new Mismatch(`cannot convert ${src} to ${goType}`);
      }
      return new Mismatch(`unrecognized type: ${dest}`);
    }
    const fields = fieldsOf(ctx);
    const into = ctx.struct || fields.length ? `Go struct field ${ctx.struct}.${fields.join('.')}` : 'Go value';
    return new Mismatch(`json: cannot unmarshal ${what} into ${into} of type ${goType}`);
  }

  /** Checks value (not null) against s; returns what to store (value itself, changed in place, or a replacement). */
  walk(value: unknown, s: JSONSchemaProps, goType: string, ctx: Ctx): unknown {
    if (s.$ref) {
      const { name, def, short } = resolvedRef(s.$ref);
      if (name === QUANTITY) return this.quantity(value);
      if (name === INT_OR_STRING) return this.intOrString(value);
      if (name === TIME || name === MICRO_TIME) return this.time(value, name === MICRO_TIME);
      if (ANY_JSON.has(name)) return value;
      if (!def) return value;
      if (def.properties) return this.struct(value, def, short, goType, ctx);
      return this.walk(value, def, goType, ctx);
    }
    switch (s.type) {
      case 'array': return this.list(value, s, goType, ctx);
      case 'object':
        if (typeof s.additionalProperties === 'object') return this.map(value, s.additionalProperties, goType, ctx);
        if (s.properties) return this.struct(value, s, ctx.struct, goType, ctx);
        return value;
      case 'string':
        if (s.format === 'byte') return this.bytes(value, goType, ctx);
        if (typeof value !== 'string') throw this.mismatch(value, goType, ctx, 'string');
        return wellFormed(value);
      case 'integer': {
        const bits = s.format === 'int32' ? 32 : 64;
        if (typeof value !== 'number') throw this.mismatch(value, goType, ctx, `int${bits}`);
        if (!Number.isInteger(value) || Math.abs(value) > 2 ** (bits - 1) || value === 2 ** 31 && bits === 32) {
          throw this.mismatch(value, goType, ctx, `int${bits}`, `number ${value}`);
        }
        return value;
      }
      case 'number':
        if (typeof value !== 'number') throw this.mismatch(value, goType, ctx, 'float64');
        if (!Number.isFinite(value)) throw this.mismatch(value, goType, ctx, 'float64', `number ${value}`);
        return value;
      case 'boolean':
        if (typeof value !== 'boolean') throw this.mismatch(value, goType, ctx, 'bool');
        return value;
      default:
        return value;
    }
  }

  private struct(value: unknown, def: JSONSchemaProps, structName: string, goType: string, ctx: Ctx): unknown {
    if (!isPlainObject(value)) throw this.mismatch(value, goType, ctx, 'struct');
    const props = def.properties as Record<string, JSONSchemaProps>;
    for (const key of Object.keys(value)) {
      const prop = props[key];
      if (!prop || !Object.hasOwn(props, key)) continue;
      const v = value[key];
      if (v === null) {
        // Go keeps a null Time (it writes the zero time as null); everything else is
        // the zero value, which omitempty leaves out.
        if (!isTime(prop)) delete value[key];
        continue;
      }
      const inner: Ctx = { struct: structName, key, parent: ctx };
      const out = this.walk(v, prop, fieldGoType(structName, key, prop), inner);
      if (out !== v) value[key] = out;
    }
    return value;
  }

  private list(value: unknown, s: JSONSchemaProps, goType: string, ctx: Ctx): unknown {
    if (!Array.isArray(value)) throw this.mismatch(value, goType, ctx, 'slice');
    const items = s.items;
    if (!items) return value;
    const itemType = elementGoType(goType, cachedGoTypeOf(items));
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      value[i] = v === null ? zeroValue(items) : this.walk(v, items, itemType, ctx);
    }
    return value;
  }

  private map(value: unknown, values: JSONSchemaProps, goType: string, ctx: Ctx): unknown {
    if (!isPlainObject(value)) throw this.mismatch(value, goType, ctx, 'map');
    const valueType = elementGoType(goType, cachedGoTypeOf(values));
    let rekey = false;
    for (const key of Object.keys(value)) {
      const v = value[key];
      value[key] = v === null ? zeroValue(values) : this.walk(v, values, valueType, ctx);
      if (wellFormed(key) !== key) rekey = true;
    }
    // Go decodes a key with a lone surrogate as U+FFFD, like any string.
    return rekey ? Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), v])) : value;
  }

  /** resource.Quantity: a string or number that ParseQuantity accepts. */
  private quantity(value: unknown): unknown {
    // Quantity.UnmarshalJSON parses the JSON text: an object, list or bool never is one.
    if (typeof value !== 'string' && typeof value !== 'number') throw new Mismatch(ERR_FORMAT_WRONG);
    const text = typeof value === 'string' ? value.trim() : String(value);
    try {
      parseQuantityExact(text);
    } catch (err) {
      throw new Mismatch((err as Error).message);
    }
    return typeof value === 'string' ? text : value;
  }

  /** intstr.IntOrString: any string, or a number encoding/json reads into an int32. */
  private intOrString(value: unknown): unknown {
    if (typeof value === 'string') return wellFormed(value);
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return value;
      throw new Mismatch(`json: cannot unmarshal number ${value} into Go value of type int32`);
    }
    throw new Mismatch(`json: cannot unmarshal ${jsonKind(value)} into Go value of type int32`);
  }

  /** metav1.Time and MicroTime: an RFC 3339 string, written back as Go writes it. */
  private time(value: unknown, micro: boolean): unknown {
    if (typeof value !== 'string') throw new Mismatch(`json: cannot unmarshal ${jsonKind(value)} into Go value of type string`);
    const res = parseGoTime(value, micro);
    if ('error' in res) throw new Mismatch(res.error);
    return res.value;
  }

  /** []byte: standard base64 in a string (or a list of bytes), written back canonical. */
  private bytes(value: unknown, goType: string, ctx: Ctx): unknown {
    if (typeof value === 'string') {
      const err = goBase64Error(value);
      if (err) throw new Mismatch(this.mode === 'unstructured' ? `error decoding from json: ${err}` : err);
      return Buffer.from(value.replace(/[\r\n]/g, ''), 'base64').toString('base64');
    }
    if (Array.isArray(value)) {
      for (const b of value) {
        if (typeof b !== 'number') throw this.mismatch(b, 'uint8', ctx, 'uint8');
        if (!Number.isInteger(b) || b < 0 || b > 255) throw this.mismatch(b, 'uint8', ctx, 'uint8', `number ${b}`);
      }
      return Buffer.from(value as number[]).toString('base64');
    }
    throw this.mismatch(value, goType, ctx, 'slice');
  }
}

function isTime(s: JSONSchemaProps): boolean {
  return s.$ref !== undefined && (refName(s.$ref) === TIME || refName(s.$ref) === MICRO_TIME);
}

/** What Go stores for a null list item or map value: its type's zero value, as JSON. */
function zeroValue(s: JSONSchemaProps): unknown {
  if (s.$ref) {
    const name = refName(s.$ref);
    if (name === QUANTITY) return '0';
    if (name === INT_OR_STRING) return 0;
    if (name === TIME || name === MICRO_TIME || ANY_JSON.has(name)) return null;
    return {};
  }
  switch (s.type) {
    case 'string': return s.format === 'byte' ? null : '';
    case 'integer': case 'number': return 0;
    case 'boolean': return false;
    case 'array': return null;
    case 'object': return typeof s.additionalProperties === 'object' ? null : {};
    default: return null;
  }
}

const UNSTRUCTURED: JSONSchemaProps = { type: 'object', properties: { metadata: { $ref: `#/definitions/${M}ObjectMeta` } } };

/**
 * Checks obj (a decoded object, changed in place as Go's decoding normalizes it) against
 * the schema of group/version/kind. Undefined when it fits or no schema describes the
 * kind, else the error text of Go's decoder.
 */
export function shapeError(gvk: GroupVersionKind, obj: Record<string, unknown>, mode: DecodeMode = 'json'): string | undefined {
  const name = definitionName(gvk.group, gvk.version, gvk.kind);
  // A kind without a definition (a custom resource) is read as unstructured JSON, but its
  // metadata still as ObjectMeta.
  const schema: JSONSchemaProps = name === undefined ? UNSTRUCTURED : { $ref: `#/definitions/${name}` };
  try {
    new Walker(mode).walk(obj, schema, name === undefined ? 'unstructured.Unstructured' : goTypeOfDefinition(name), { struct: '' });
    return undefined;
  } catch (err) {
    if (err instanceof Mismatch) return err.message;
    throw err;
  }
}

/**
 * kube-apiserver's 400 for a body that does not decode into its kind:
 * `Pod in version "v1" cannot be handled as a Pod: <why>`.
 */
export function undecodable(gvk: GroupVersionKind, why: string): StatusError {
  return badRequest(`${gvk.kind} in version ${goQuote(gvk.version)} cannot be handled as a ${gvk.kind}: ${why}`);
}

/**
 * The shape check of a create or update body (or a subresource's: Scale, Binding,
 * DeleteOptions), before anything reads it: throws kube-apiserver's 400 when a field has
 * the wrong type. A body naming another kind or version is left to the type check.
 */
export function checkShape(gvk: GroupVersionKind, obj: unknown): void {
  if (!isPlainObject(obj)) return;
  const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  if ((obj.kind !== undefined && obj.kind !== '' && obj.kind !== gvk.kind) || (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== apiVersion)) return;
  const why = shapeError(gvk, obj);
  if (why !== undefined) throw undecodable(gvk, why);
}

/**
 * The shape check of the object a PATCH produced: kube-apiserver decodes it into the
 * API struct and answers 422 on the field "patch" (`"" is invalid: patch: Invalid
 * value: "<patched object>": json: cannot unmarshal ...`); a strategic merge patch is
 * converted from its map, and the value shown is the patch, as Go's %+v prints it.
 */
export function checkPatchedShape(gvk: GroupVersionKind, patchType: string, patched: unknown, patch: unknown): void {
  if (!isPlainObject(patched)) return;
  if (nestingDepth(patched) > MAX_NESTING_DEPTH) {
    // Go re-decodes the patched JSON and its scanner stops at the limit.
    const why = "couldn't get version/kind; json parse error: invalid character '{' exceeded max depth";
    throw invalid('', '', '', [{ reason: 'FieldValueInvalid', message: `Invalid value: "<the patched object>": ${why}`, field: 'patch' }]);
  }
  const strategic = patchType === 'application/strategic-merge-patch+json';
  const why = shapeError(gvk, patched, strategic ? 'unstructured' : 'json');
  if (why === undefined) return;
  const shown = strategic ? goFormat(patch) : JSON.stringify(patched);
  throw invalid('', '', '', [{ reason: 'FieldValueInvalid', message: `Invalid value: ${goQuote(shown)}: ${why}`, field: 'patch' }]);
}
