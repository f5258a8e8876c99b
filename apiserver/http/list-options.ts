// Query parameters, parsed and checked once, the way kube-apiserver reads them: Go's
// conversions from url.Values (apimachinery's runtime and meta/v1 conversion.go), then
// the validation of the verb's options (ListOptions, CreateOptions, DeleteOptions...).
// A malformed value is kube-apiserver's Status, in its words: 400 for what does not
// convert (`strconv.ParseInt: parsing "ten": invalid syntax`), 422 for what does not
// validate (`ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: ...`).
import { badRequest, goQuote, invalid as invalidNamed, invalidOptions } from '../../api/errors.js';
import { parseGoTime } from '../../api/schemas/go-values.js';
import { parseLabelSelector } from '../../api/labels.js';
import { fieldsOf, parseFieldSelector, validateFieldSelector } from '../../api/fields.js';
import type { ResourceInfo } from '../../api/registry.js';
import type { KubeObject } from '../../api/types/meta.js';
import { forbidden, invalid, notSupported, required, tooLong, type FieldCause } from '../../api/validation/field.js';

export type Query = Record<string, string | string[] | undefined>;

export interface ListQuery {
  watch: boolean;
  matches?: (obj: KubeObject) => boolean;
  /** Page size; undefined when absent, zero or negative (no paging), as Kubernetes reads it. */
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  /** How resourceVersion applies (validated: Exact needs a resourceVersion other than "0"). */
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  /** Seconds the watch may last; undefined when absent or 0 (the server's default). Negative ends it at once. */
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  /** sendInitialEvents as the client sent it (true only when asked for). */
  sendInitialEvents: boolean;
}

/** The first value of a query parameter, as Go's url.Values.Get takes it. */
export function param(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a query parameter; undefined when it is absent. */
function values(q: Query, name: string): string[] | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}

/**
 * A boolean query parameter as Kubernetes converts it (runtime.Convert_Slice_string_To_bool):
 * absent, "0" and "false" in any case are false; any other value, "" included, is true.
 * So `?watch=True`, `?watch=1` and `?watch` are watches. Never an error.
 */
export function queryBool(v: string | undefined): boolean {
  return v !== undefined && v !== '0' && v.replace(/ſ/g, 's').toLowerCase() !== 'false';
}

/** strconv's NumError text: `strconv.ParseInt: parsing "ten": invalid syntax`. */
function numError(fn: string, v: string, why: 'invalid syntax' | 'value out of range'): Error {
  return badRequest(`strconv.${fn}: parsing ${goQuote(v)}: ${why}`);
}

/** strconv.ParseInt(v, 10, 64): an optional sign and decimal digits, within int64. */
export function parseInt64(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw numError('ParseInt', v, 'invalid syntax');
  const n = BigInt(v);
  if (n < -(2n ** 63n) || n >= 2n ** 63n) throw numError('ParseInt', v, 'value out of range');
  return Number(n);
}

/** strconv.ParseUint(v, 10, 64): decimal digits only, within uint64. */
function parseUint64(v: string): bigint {
  if (!/^\d+$/.test(v)) throw numError('ParseUint', v, 'invalid syntax');
  const n = BigInt(v);
  if (n >= 2n ** 64n) throw numError('ParseUint', v, 'value out of range');
  return n;
}

/**
 * A resourceVersion as the storage layer parses it (APIObjectVersioner): "" and "0" are
 * "any", else an unsigned integer; a bad one is the 400 kube-apiserver's storage answers.
 */
export function checkResourceVersion(rv: string | undefined): void {
  if (rv === undefined || rv === '' || rv === '0') return;
  try {
    parseUint64(rv);
  } catch (err) {
    throw badRequest(`invalid resource version: resourceVersion: Invalid value: ${goQuote(rv)}: ${(err as Error).message}`);
  }
}

/**
 * ?pretty as kube-apiserver reads it (strconv.ParseBool, errors meaning false); without
 * it, curl, Wget and browsers get indented JSON.
 */
export function prettyPrint(q: Query, userAgent: string | undefined): boolean {
  const pp = param(q, 'pretty');
  if (pp) return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(pp);
  const ua = userAgent ?? '';
  return ua.startsWith('curl') || ua.startsWith('Wget') || ua.startsWith('Mozilla/5.0');
}

// Watchers test the same cached objects against their field selectors, each event twice
// (before and after): compute an object's selectable fields once. Stored objects are never
// changed in place, so the fields of one stay true.
const fieldsCache = new WeakMap<KubeObject, Record<string, string>>();
function cachedFieldsOf(o: KubeObject): Record<string, string> {
  let f = fieldsCache.get(o);
  if (f === undefined) fieldsCache.set(o, (f = fieldsOf(o)));
  return f;
}

/**
 * The selectable fields of a custom resource: metadata.name, metadata.namespace and
 * its version's selectableFields (a missing value is ""), as the CRD handler computes them.
 */
function customFields(ri: ResourceInfo): (o: KubeObject) => Record<string, string> {
  const paths = ri.custom?.selectableFields ?? [];
  return (o) => {
    const out: Record<string, string> = { 'metadata.name': o.metadata.name ?? '' };
    if (ri.namespaced) out['metadata.namespace'] = o.metadata.namespace ?? '';
    for (const p of paths) {
      let v: unknown = o;
      for (const part of p.slice(1).split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
      out[p.slice(1)] = v === undefined || v === null || typeof v === 'object' ? '' : String(v);
    }
    return out;
  };
}

function validateCustomFieldSelector(ri: ResourceInfo, sel: ReturnType<typeof parseFieldSelector>): void {
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(ri.custom?.selectableFields ?? []).map((p) => p.slice(1))]);
  for (const r of sel.requirements) {
    if (allowed.has(r.field)) continue;
    if (!ri.custom?.selectableFields.length) throw badRequest(`${JSON.stringify(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
    throw badRequest(`field label not supported: ${r.field}`);
  }
}

const RV_MATCHES = ['Exact', 'NotOlderThan'] as const;

/**
 * ValidateListOptions of apimachinery (internalversion/validation), on options already
 * defaulted as the WatchList feature does: a watch from "" or "0" asks for initial events.
 */
function validateListOptions(o: { watch: boolean; rv: string; match: string; cont: string; sendInitialEvents?: boolean }): FieldCause[] {
  const errs: FieldCause[] = [];
  let { match, sendInitialEvents } = o;
  if (o.watch && sendInitialEvents === undefined && !match && (o.rv === '' || o.rv === '0')) {
    sendInitialEvents = true;
    match = 'NotOlderThan';
  }
  if (o.watch) {
    if (sendInitialEvents !== undefined && match !== 'NotOlderThan') {
      errs.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
    }
    if (match) {
      if (sendInitialEvents === undefined) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
      if (match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
      if (o.cont) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    }
    return errs;
  }
  if (match) {
    if (!o.rv) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.cont) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && o.rv === '0') errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (sendInitialEvents !== undefined) errs.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errs;
}

/**
 * The ListOptions of a list, watch or deletecollection, in kube-apiserver's order:
 * conversion (numbers; 400), validation (422), selectors (400), then what storage checks
 * of resourceVersion and continue (400).
 */
export function parseListQuery(ri: ResourceInfo, q: Query): ListQuery {
  const watch = queryBool(param(q, 'watch'));
  const rv = param(q, 'resourceVersion') ?? '';
  const match = param(q, 'resourceVersionMatch') ?? '';
  const timeout = param(q, 'timeoutSeconds');
  const timeoutSeconds = timeout === undefined ? undefined : parseInt64(timeout);
  const limitText = param(q, 'limit');
  const limit = limitText === undefined ? undefined : parseInt64(limitText);
  const cont = param(q, 'continue') ?? '';
  const sie = param(q, 'sendInitialEvents');
  const sendInitialEvents = sie === undefined ? undefined : queryBool(sie);
  const errs = validateListOptions({ watch, rv, match, cont, sendInitialEvents });
  if (errs.length) throw invalidOptions('ListOptions', errs);

  const labelSel = param(q, 'labelSelector');
  const fieldSel = param(q, 'fieldSelector');
  const labels = labelSel ? parseLabelSelector(labelSel) : undefined;
  const fields = fieldSel ? parseFieldSelector(fieldSel) : undefined;
  const fieldSet = ri.custom ? customFields(ri) : cachedFieldsOf;
  if (fields) {
    if (ri.custom) validateCustomFieldSelector(ri, fields);
    else validateFieldSelector(ri.kind, fields);
  }
  let matches: ((obj: KubeObject) => boolean) | undefined;
  if (labels && !labels.empty() && fields && !fields.empty()) matches = (o) => labels.matches(o.metadata.labels) && fields.matches(fieldSet(o));
  else if (labels && !labels.empty()) matches = (o) => labels.matches(o.metadata.labels);
  else if (fields && !fields.empty()) matches = (o) => fields.matches(fieldSet(o));

  if (cont && !watch) {
    if (rv && rv !== '0') throw badRequest('specifying resource version is not allowed when using continue');
  } else {
    checkResourceVersion(rv);
  }
  return {
    watch,
    matches,
    limit: limit !== undefined && limit > 0 ? limit : undefined,
    continueToken: cont || undefined,
    resourceVersion: rv || undefined,
    resourceVersionMatch: (RV_MATCHES as readonly string[]).includes(match) ? match as ListQuery['resourceVersionMatch'] : undefined,
    timeoutSeconds: timeoutSeconds === 0 ? undefined : timeoutSeconds,
    allowWatchBookmarks: queryBool(param(q, 'allowWatchBookmarks')),
    sendInitialEvents: sendInitialEvents === true,
  };
}

/** What the query of a create, update or patch asks for. */
export interface WriteQuery {
  dryRun: boolean;
  /** ?fieldValidation; Warn when absent or empty, as Kubernetes defaults it. */
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  fieldManager?: string;
  /** ?force, for apply patches only. */
  force?: boolean;
}

/** ValidateDryRun: every dryRun value must be "All". */
function dryRunErrors(dryRun: string[] | undefined): FieldCause[] {
  return dryRun && !dryRun.every((v) => v === 'All') ? [notSupported('dryRun', dryRun, ['All'])] : [];
}

/** ValidateFieldManager: at most 128 bytes, printable characters only. */
function fieldManagerErrors(fm: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (Buffer.byteLength(fm) > 128) errs.push(tooLong('fieldManager', 128));
  let pos = 0;
  for (const ch of fm) {
    const r = ch.codePointAt(0) as number;
    if (/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(ch) || (/\p{Zs}/u.test(ch) && r !== 0x20) || (r >= 0xd800 && r <= 0xdfff)) {
      const code = `U+${r.toString(16).toUpperCase().padStart(4, '0')}`;
      errs.push(invalid('fieldManager', fm, `invalid character ${code} (at position ${pos})`));
    }
    pos += Buffer.byteLength(ch);
  }
  return errs;
}

/**
 * The CreateOptions, UpdateOptions or PatchOptions of a write, validated as
 * kube-apiserver does (422 `CreateOptions.meta.k8s.io "" is invalid: dryRun: ...`).
 */
export function parseWriteQuery(kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions', q: Query, apply = false): WriteQuery {
  const dryRun = values(q, 'dryRun');
  const fieldManager = param(q, 'fieldManager') ?? '';
  const fieldValidation = param(q, 'fieldValidation') ?? '';
  const forceParam = kind === 'PatchOptions' ? param(q, 'force') : undefined;
  let force: boolean | undefined;
  if (forceParam !== undefined) {
    // Go's strconv.ParseBool, as the parameter codec reads it.
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(forceParam)) force = true;
    else if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(forceParam)) force = false;
    else throw badRequest(`strconv.ParseBool: parsing ${JSON.stringify(forceParam)}: invalid syntax`);
  }
  const errs: FieldCause[] = [];
  if (apply && !fieldManager) errs.push(required('fieldManager', 'is required for apply patch'));
  if (!apply && kind === 'PatchOptions' && forceParam !== undefined) errs.push(forbidden('force', 'may not be specified for non-apply patch'));
  errs.push(...fieldManagerErrors(fieldManager), ...dryRunErrors(dryRun));
  if (!['', 'Ignore', 'Warn', 'Strict'].includes(fieldValidation)) errs.push(notSupported('fieldValidation', fieldValidation, ['', 'Ignore', 'Strict', 'Warn']));
  if (errs.length) throw invalidOptions(kind, errs);
  return {
    dryRun: dryRun !== undefined && dryRun.length > 0,
    fieldValidation: (fieldValidation || 'Warn') as WriteQuery['fieldValidation'],
    fieldManager: fieldManager || undefined,
    force,
  };
}

/** DeleteOptions as they arrive: from the body, or else from the query. */
export interface DeleteQuery {
  gracePeriodSeconds?: unknown;
  propagationPolicy?: unknown;
  orphanDependents?: unknown;
  dryRun?: unknown;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/**
 * DeleteOptions from the query (Kubernetes reads the query only when the body is
 * empty): gracePeriodSeconds, orphanDependents, propagationPolicy, dryRun, and the
 * preconditions uid and resourceVersion.
 */
export function deleteOptionsFromQuery(q: Query): DeleteQuery {
  const out: DeleteQuery = {};
  const grace = param(q, 'gracePeriodSeconds');
  if (grace !== undefined) out.gracePeriodSeconds = parseInt64(grace);
  const orphan = param(q, 'orphanDependents');
  if (orphan !== undefined) out.orphanDependents = queryBool(orphan);
  const policy = param(q, 'propagationPolicy');
  if (policy !== undefined) out.propagationPolicy = policy;
  const dryRun = values(q, 'dryRun');
  if (dryRun !== undefined) out.dryRun = dryRun;
  const uid = param(q, 'uid');
  const rv = param(q, 'resourceVersion');
  if (uid || rv) out.preconditions = { ...(uid ? { uid } : {}), ...(rv ? { resourceVersion: rv } : {}) };
  return out;
}

/** ValidateDeleteOptions: 422 `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: ...`. */
export function validateDeleteOptions(o: DeleteQuery): void {
  const errs: FieldCause[] = [];
  if (o.orphanDependents !== undefined && o.propagationPolicy !== undefined) {
    errs.push(invalid('propagationPolicy', o.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set'));
  }
  if (o.propagationPolicy !== undefined && !['Foreground', 'Background', 'Orphan'].includes(o.propagationPolicy as string)) {
    errs.push(notSupported('propagationPolicy', o.propagationPolicy, ['Foreground', 'Background', 'Orphan', 'nil']));
  }
  if (o.dryRun !== undefined) errs.push(...dryRunErrors(o.dryRun as string[]));
  if (errs.length) throw invalidOptions('DeleteOptions', errs);
}

/**
 * ?includeObject of a Table request (TableOptions): None, Metadata (the default) or
 * Object; anything else is kube-apiserver's 400.
 */
export function includeObject(q: Query): 'None' | 'Metadata' | 'Object' {
  const v = param(q, 'includeObject') ?? '';
  if (v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${goQuote(v)}: must be 'Metadata', 'Object', 'None', or empty`);
}

/** The PodLogOptions of a pods/log request. */
export interface PodLogQuery {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** RFC 3339, in UTC as Go writes it back. */
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
}

/**
 * pods/log's query as kube-apiserver reads it: the conversion (400: ParseInt, time.Parse),
 * then ValidatePodLogOptions (422 `PodLogOptions "<pod>" is invalid: tailLines: ...`).
 * For the log subresource, which passes the result on to the kubelet.
 */
export function parsePodLogOptions(pod: string, q: Query): PodLogQuery {
  const int = (name: string): number | undefined => {
    const v = param(q, name);
    return v === undefined ? undefined : parseInt64(v);
  };
  const sinceSeconds = int('sinceSeconds');
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  const since = param(q, 'sinceTime');
  let sinceTime: string | undefined;
  if (since !== undefined && since !== '' && since !== 'null') {
    const t = parseGoTime(since, false);
    if ('error' in t) throw badRequest(t.error);
    sinceTime = t.value ?? undefined;
  }
  const errs: FieldCause[] = [];
  if (tailLines !== undefined && tailLines < 0) errs.push(invalid('tailLines', tailLines, 'must be greater than or equal to 0'));
  if (limitBytes !== undefined && limitBytes < 1) errs.push(invalid('limitBytes', limitBytes, 'must be greater than 0'));
  if (sinceSeconds !== undefined && sinceTime !== undefined) errs.push(forbidden('[]', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (sinceSeconds !== undefined && sinceSeconds < 1) errs.push(invalid('sinceSeconds', sinceSeconds, 'must be greater than 0'));
  if (errs.length) throw invalidNamed('PodLogOptions', '', pod, errs);
  return {
    container: param(q, 'container') || undefined,
    follow: queryBool(param(q, 'follow')),
    previous: queryBool(param(q, 'previous')),
    timestamps: queryBool(param(q, 'timestamps')),
    sinceSeconds, sinceTime, tailLines, limitBytes,
  };
}
