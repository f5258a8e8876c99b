// The apiserver's field manager (k8s.io/apimachinery/pkg/util/managedfields): keeps
// metadata.managedFields of every object written through the API. Update records what
// a create, update or non-apply patch changed under the writer's manager name
// (operation Update, one entry per manager, apiVersion and subresource); Apply merges
// an apply configuration (application/apply-patch+yaml) and reports conflicts as
// Kubernetes words them.
import { conflictStatusError, type ApplyConflict } from './conflict.js';
import { FieldSet, pathString } from './fieldpath.js';
import { TypedError, toFieldSet, compare, validate } from './typed.js';
import { typeFor, type TypeRef } from './types.js';
import { ConflictsError, Updater, type Managers } from './updater.js';
import { badRequest } from '../errors.js';
import { rfc3339Now } from '../helpers/time.js';
import type { KubeObject, ManagedFieldsEntry } from '../types/meta.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Fields no manager owns (stripMeta): identity and bookkeeping of the object. */
const STRIPPED = FieldSet.of(
  [{ field: 'apiVersion' }], [{ field: 'kind' }], [{ field: 'metadata' }],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']
    .map((f) => [{ field: 'metadata' }, { field: f }]),
);

/** Managers with operation Update beyond this many are merged, oldest first, into "ancient-changes" (capManagers). */
export const MAX_UPDATE_MANAGERS = 10;

/**
 * managerOrUserAgent: the fieldManager parameter, else the User-Agent up to its first
 * '/', without unprintable characters, at most 128 bytes.
 */
export function managerName(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0]) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out;
}

interface Identity { manager?: string; operation?: string; apiVersion?: string; subresource?: string }

/** BuildManagerIdentifier: the entry without time and fields (and apiVersion for appliers), as JSON in Go's field order. */
function identifier(e: Identity): string {
  const o: Identity = {};
  if (e.manager) o.manager = e.manager;
  if (e.operation) o.operation = e.operation;
  if (e.apiVersion && e.operation !== 'Apply') o.apiVersion = e.apiVersion;
  if (e.subresource) o.subresource = e.subresource;
  return JSON.stringify(o);
}

interface Decoded { fields: Managers; times: Map<string, string | undefined> }

/** DecodeManagedFields; throws on an entry Kubernetes would not read. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Decoded {
  const d: Decoded = { fields: new Map(), times: new Map() };
  (entries ?? []).forEach((e, i) => {
    if (e === null || typeof e !== 'object') throw new Error(`managed fields entry ${i} is not an object`);
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (e.fieldsType === undefined || e.fieldsType === '') throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    const id = identifier(e);
    d.fields.set(id, { set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}), apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    d.times.set(id, e.time);
  });
  return d;
}

/** encodeManagedFields: entries sorted by operation, time, manager, apiVersion, subresource; undefined when none. */
export function encodeManagedFields(d: Decoded): ManagedFieldsEntry[] | undefined {
  if (!d.fields.size) return undefined;
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of d.fields) {
    const who = JSON.parse(id) as Identity;
    const e: ManagedFieldsEntry = { manager: who.manager, operation: vs.applied ? 'Apply' : (who.operation ?? 'Update'), apiVersion: vs.apiVersion } as ManagedFieldsEntry;
    const time = d.times.get(id);
    if (time) e.time = time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = vs.set.toFieldsV1();
    if (who.subresource) e.subresource = who.subresource;
    if (!e.manager) delete e.manager;
    out.push(e);
  }
  const secs = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const cmp = (a: string | undefined, b: string | undefined): number => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);
  return out.sort((p, q) => cmp(p.operation, q.operation) || secs(p.time) - secs(q.time) || cmp(p.manager, q.manager)
    || cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource, q.subresource));
}

/** isResetManagedFields: `[]` or `[{}]` in a request clears managedFields. */
function isReset(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  if (mf.length === 0) return true;
  return mf.length === 1 && mf[0] !== null && typeof mf[0] === 'object' && Object.keys(mf[0] as object).length === 0;
}

function tryDecode(mf: unknown): Decoded | undefined {
  try {
    return decodeManagedFields(Array.isArray(mf) ? mf as ManagedFieldsEntry[] : mf === undefined || mf === null ? [] : [mf as ManagedFieldsEntry]);
  } catch {
    return undefined;
  }
}

const empty = (): Decoded => ({ fields: new Map(), times: new Map() });

/**
 * The Go zero value of a kind as its typed encoder writes it: a create compares the new
 * object with it (so `spec`, a struct, is not "added" while `spec.selector`, a pointer,
 * is), as kube-apiserver compares with `New()`.
 */
const POD_TEMPLATE = { metadata: { creationTimestamp: null }, spec: { containers: null } };
const ZERO: Record<string, () => Record<string, unknown>> = {
  Pod: () => ({ spec: { containers: null }, status: {} }),
  Deployment: () => ({ spec: { selector: null, template: structuredClone(POD_TEMPLATE), strategy: {} }, status: {} }),
  ReplicaSet: () => ({ spec: { selector: null, template: structuredClone(POD_TEMPLATE) }, status: { replicas: 0 } }),
  DaemonSet: () => ({ spec: { selector: null, template: structuredClone(POD_TEMPLATE), updateStrategy: {} }, status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 } }),
  StatefulSet: () => ({ spec: { selector: null, template: structuredClone(POD_TEMPLATE), updateStrategy: {} }, status: { replicas: 0, availableReplicas: 0 } }),
  ReplicationController: () => ({ spec: {}, status: { replicas: 0 } }),
  Job: () => ({ spec: { template: structuredClone(POD_TEMPLATE) }, status: {} }),
  CronJob: () => ({ spec: { schedule: '', jobTemplate: { metadata: { creationTimestamp: null }, spec: { template: structuredClone(POD_TEMPLATE) } } }, status: {} }),
  Service: () => ({ spec: {}, status: { loadBalancer: {} } }),
  Namespace: () => ({ spec: {}, status: {} }),
  Node: () => ({ spec: {}, status: { daemonEndpoints: { kubeletEndpoint: { Port: 0 } }, nodeInfo: {} } }),
  PersistentVolumeClaim: () => ({ spec: { resources: {} }, status: {} }),
  PersistentVolume: () => ({ spec: {}, status: {} }),
  HorizontalPodAutoscaler: () => ({ spec: { scaleTargetRef: { kind: '', name: '' }, maxReplicas: 0 }, status: { desiredReplicas: 0 } }),
  Lease: () => ({ spec: {} }),
  EndpointSlice: () => ({ addressType: '', endpoints: null, ports: null }),
};

/** The object a create compares with: the kind's zero value with its type. */
export function zeroObject(apiVersion: string, kind: string): Record<string, unknown> {
  return { apiVersion, kind, metadata: { creationTimestamp: null }, ...(ZERO[kind]?.() ?? {}) };
}

export interface FieldManagerOptions {
  group: string;
  version: string;
  kind: string;
  /** The subresource written through ("status", "scale"), undefined for the main resource. */
  subresource?: string;
  /** Whether the resource has a status subresource: then the main resource does not track status. */
  hasStatus: boolean;
  /** The type to use instead of typeFor(group, version, kind). */
  type?: TypeRef;
}

/**
 * FieldManager for one resource and subresource. The generic registry calls update on
 * every create and update (with the request's manager name), and apply for
 * application/apply-patch+yaml; both set metadata.managedFields of the object they return.
 */
export class FieldManager {
  private readonly apiVersion: string;
  private readonly ignored: FieldSet;

  constructor(private readonly o: FieldManagerOptions) {
    this.apiVersion = o.group ? `${o.group}/${o.version}` : o.version;
    this.ignored = o.subresource === 'status' ? FieldSet.of([{ field: 'spec' }])
      : o.subresource === undefined && o.hasStatus ? FieldSet.of([{ field: 'status' }]) : new FieldSet();
  }

  /** Looked up on each write: a custom resource's schema may change. */
  private get type(): TypeRef {
    return this.o.type ?? typeFor(this.o.group, this.o.version, this.o.kind);
  }

  private get updater(): Updater {
    return new Updater({ type: this.type, ignored: this.ignored });
  }

  /**
   * Update: sets next.metadata.managedFields. live is undefined for a create. The
   * managedFields of next are the starting point when they decode (a client may
   * rewrite them), are cleared by `[]` or `[{}]`, and are otherwise (absent, invalid,
   * or a subresource write) those of live.
   */
  update(live: KubeObject | undefined, next: KubeObject, manager: string): void {
    const liveDecoded = (): Decoded => tryDecode(live?.metadata?.managedFields) ?? empty();
    let managed: Decoded;
    const sent = next.metadata.managedFields as unknown;
    if (this.o.subresource !== undefined) managed = liveDecoded();
    else if (isReset(sent)) managed = empty();
    else {
      const d = tryDecode(sent);
      managed = d && d.fields.size ? d : liveDecoded();
    }
    delete next.metadata.managedFields;
    // Compared as Go compares typed objects: structs that are absent are their zero values.
    const zero = zeroObject(this.apiVersion, this.o.kind);
    const before = live ? withZero(withoutManagedFields(live), zero) : zero;
    const after = withZero(next as unknown as Record<string, unknown>, zero);
    const self = '\u0000current-operation';
    const id = identifier({ manager, operation: 'Update', apiVersion: this.apiVersion, subresource: this.o.subresource });
    try {
      this.updater.updateManagers(before, after, this.apiVersion, managed.fields, self);
    } catch {
      // [SHOULD NOT HAPPEN] in Kubernetes: keep what live had.
      setManagedFields(next, live?.metadata?.managedFields);
      return;
    }
    const cur = managed.fields.get(self);
    if (cur) {
      managed.fields.delete(self);
      const stripped = cur.set.differenceInPlace(STRIPPED);
      if (!stripped.empty()) {
        const prev = managed.fields.get(id);
        managed.fields.set(id, { set: prev ? stripped.union(prev.set) : stripped, apiVersion: this.apiVersion, applied: false });
        managed.times.set(id, rfc3339Now());
      }
    }
    capManagers(managed);
    setManagedFields(next, encodeManagedFields(managed));
  }

  /**
   * Apply: the object after applying config over live (live undefined: the object is
   * created), managedFields set; throws a 409 StatusError on conflicts without force,
   * and a 400 for a configuration that is not of this kind or does not fit its schema.
   */
  apply(live: KubeObject | undefined, config: Record<string, unknown>, manager: string, force: boolean): KubeObject {
    const gv = typeof config.apiVersion === 'string' ? config.apiVersion : '';
    const kind = typeof config.kind === 'string' ? config.kind : '';
    if (gv !== this.apiVersion || kind !== this.o.kind) {
      const [g, v] = gv.includes('/') ? gv.split('/', 2) : ['', gv];
      throw badRequest(`invalid object type: ${g}/${v}, Kind=${kind}`);
    }
    const meta = config.metadata;
    if (meta !== null && typeof meta === 'object' && (meta as Record<string, unknown>).managedFields != null) {
      throw badRequest('metadata.managedFields must be nil');
    }
    try {
      validate(config, this.type);
    } catch (err) {
      if (!(err instanceof TypedError)) throw err;
      const m = (meta ?? {}) as { name?: unknown; namespace?: unknown };
      const g = this.o.group;
      throw badRequest(`failed to create typed patch object (${String(m.namespace ?? '')}/${String(m.name ?? '')}; ${g}/${this.o.version}, Kind=${this.o.kind}): ${err.message}`);
    }
    const managed = tryDecode(live?.metadata?.managedFields) ?? empty();
    const base: Record<string, unknown> = live ? withoutManagedFields(live) : {};
    // The merged object shares subtrees with what it merged: the caller changes it (defaults), never the request's configuration.
    config = structuredClone(config);
    const id = identifier({ manager, operation: 'Apply', subresource: this.o.subresource });
    let next: unknown;
    const updater = this.updater;
    const attempt = (f: boolean): void => {
      const fields = new Map([...managed.fields].map(([k, vs]) => [k, { ...vs }]));
      next = updater.apply(base, config, this.apiVersion, fields, id, f);
      managed.fields = fields;
    };
    try {
      attempt(force);
    } catch (err) {
      if (!(err instanceof ConflictsError)) throw err;
      // kubectl's first server-side apply over its client-side apply takes the fields
      // its last-applied-configuration set, when they still hold those values (lastAppliedManager).
      const allowed = manager === 'kubectl' && live ? this.allowedFromLastApplied(live) : undefined;
      const left = allowed ? err.conflicts.filter((c) => !allowed.has(c.path)) : err.conflicts;
      if (left.length) throw conflictStatusError(left.map((c): ApplyConflict => ({ manager: c.manager, path: pathString(c.path) })));
      attempt(true);
    }
    const mine = managed.fields.get(id);
    if (mine) {
      const stripped = mine.set.difference(STRIPPED);
      if (stripped.empty()) managed.fields.delete(id);
      else managed.fields.set(id, { ...mine, set: stripped });
    }
    let out: KubeObject;
    if (next === undefined) {
      out = structuredClone(base) as KubeObject;
    } else {
      managed.times.set(id, rfc3339Now());
      out = next as KubeObject;
    }
    out.metadata ??= {};
    // lastAppliedUpdater: kubectl keeps a last-applied-configuration it finds up to date.
    if (manager === 'kubectl' && typeof out.metadata.annotations?.[LAST_APPLIED_ANNOTATION] === 'string' && out.metadata.annotations[LAST_APPLIED_ANNOTATION] !== '') {
      const applied = structuredClone(config) as { metadata?: { annotations?: Record<string, string> } };
      if (applied.metadata?.annotations) {
        delete applied.metadata.annotations[LAST_APPLIED_ANNOTATION];
      }
      out.metadata.annotations = { ...out.metadata.annotations, [LAST_APPLIED_ANNOTATION]: `${sortedJson(applied)}\n` };
    }
    capManagers(managed);
    setManagedFields(out, encodeManagedFields(managed));
    return out;
  }

  private allowedFromLastApplied(live: KubeObject): FieldSet | undefined {
    const text = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
    if (!text) return undefined;
    try {
      const last = JSON.parse(text) as Record<string, unknown>;
      if (last.apiVersion !== this.apiVersion) return undefined;
      validate(last, this.type);
      const c = compare(last, withoutManagedFields(live), this.type);
      return toFieldSet(last, this.type).difference(c.modified).difference(c.added).difference(c.removed);
    } catch {
      return undefined;
    }
  }
}

/** obj with the keys of zero it lacks (deeply, where both are maps), copying only what it adds to; obj is not changed. */
function withZero(obj: Record<string, unknown>, zero: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k in zero) {
    const z = zero[k];
    const v = obj[k];
    let nv: unknown;
    if (v === undefined) nv = z;
    else if (z && typeof z === 'object' && !Array.isArray(z) && v && typeof v === 'object' && !Array.isArray(v)) {
      nv = withZero(v as Record<string, unknown>, z as Record<string, unknown>);
      if (nv === v) continue;
    } else continue;
    out ??= { ...obj };
    out[k] = nv;
  }
  return out ?? obj;
}

/** A shallow copy without metadata.managedFields (the walkers only read it). */
function withoutManagedFields(obj: KubeObject): Record<string, unknown> {
  if (!obj.metadata?.managedFields) return obj as unknown as Record<string, unknown>;
  const { managedFields: _m, ...metadata } = obj.metadata;
  return { ...obj, metadata } as unknown as Record<string, unknown>;
}

function setManagedFields(obj: KubeObject, mf: ManagedFieldsEntry[] | undefined): void {
  if (mf && mf.length) obj.metadata.managedFields = mf;
  else delete obj.metadata.managedFields;
}

/** capManagers: beyond MAX_UPDATE_MANAGERS Update entries, the oldest merge into one "ancient-changes" entry. */
function capManagers(d: Decoded): void {
  for (;;) {
    const updaters = [...d.fields].filter(([, vs]) => !vs.applied);
    if (updaters.length <= MAX_UPDATE_MANAGERS) return;
    updaters.sort(([a], [b]) => (d.times.get(a) ?? '').localeCompare(d.times.get(b) ?? ''));
    const oldest = updaters.find(([id]) => (JSON.parse(id) as Identity).manager !== 'ancient-changes');
    if (!oldest) return;
    const [id, vs] = oldest;
    const ancient = identifier({ manager: 'ancient-changes', operation: 'Update', apiVersion: vs.apiVersion });
    const prev = d.fields.get(ancient);
    d.fields.delete(id);
    d.fields.set(ancient, { set: prev ? prev.set.union(vs.set) : vs.set, apiVersion: vs.apiVersion, applied: false });
    d.times.set(ancient, d.times.get(id));
    d.times.delete(id);
  }
}

/** JSON with object keys sorted, as Go encodes a map[string]interface{}. */
function sortedJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
}
