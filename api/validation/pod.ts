// Pods (core's ValidatePodCreate, ValidatePodUpdate, ValidatePodBinding).
import { goJson } from '../go-json.js';
import type { Binding, Container, Pod, PodSpec, Toleration } from '../types/core.js';
import { validateImageWhitespace } from './container.js';
import {
  child, type FieldCause, forbidden, index, invalid, jsonEqual, list, notSupported, record, required, str,
} from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { inclusiveRangeError, nameIsDNSSubdomain } from './names.js';
import { validatePodSpec } from './pod-spec.js';
import { validateTolerations } from './scheduling.js';

const MAX_INT32 = 2147483647;

/** Kubernetes' list of what a pod update may change, joined as it joins them. */
export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

const specOf = (pod: Pod): PodSpec => record<unknown>(pod.spec) as unknown as PodSpec;

/** Metadata and spec, as for both create and update (validatePodMetadataAndSpec). */
function validatePodMetadataAndSpec(pod: Pod): FieldCause[] {
  const spec = specOf(pod);
  return [
    ...validateObjectMeta(pod.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }),
    ...validatePodSpec(spec, 'spec', { isPod: true }),
    ...validateImageWhitespace(spec.containers, 'spec.containers'),
    ...validateImageWhitespace(spec.initContainers, 'spec.initContainers'),
  ];
}

/** A pod being created. */
export function validatePodCreate(pod: Pod): FieldCause[] {
  const errs = validatePodMetadataAndSpec(pod);
  const spec = specOf(pod);
  if (list(record<unknown>(spec).ephemeralContainers).length > 0) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec.nodeName) && list(spec.schedulingGates).length > 0) {
    errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

function validateContainerUpdates(next: unknown, prev: unknown, path: string): { errs: FieldCause[]; stop: boolean } {
  const n = list<Container>(next);
  if (n.length !== list(prev).length) return { errs: [forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldCause[] = [];
  n.forEach((c, i) => {
    const image = str(c?.image);
    if (!image) errs.push(required(child(index(path, i), 'image')));
    if (image.trim().length !== image.length) errs.push(invalid(child(index(path, i), 'image'), image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

/** Old tolerations must all remain (tolerationSeconds may change); new ones may be added. */
function validateOnlyAddedTolerations(next: unknown, prev: unknown, path: string): FieldCause[] {
  const n = list<Toleration>(next);
  for (const old of list<Toleration>(prev)) {
    const found = n.some((t) => jsonEqual({ ...old, tolerationSeconds: t?.tolerationSeconds }, t));
    if (!found) return [forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(n, path);
}

/** A short, readable account of which fields of a `type` differ (Kubernetes prints a Go cmp.Diff). */
function fieldDiff(type: string, prev: object, next: object): string {
  const lines = [`  ${type}{`];
  const a = prev as Record<string, unknown>;
  const b = next as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (jsonEqual(a[k], b[k])) continue;
    // Keys sorted: the same fields read the same whoever wrote the object.
    if (a[k] !== undefined) lines.push(`- \t${k}: ${goJson(a[k])},`);
    if (b[k] !== undefined) lines.push(`+ \t${k}: ${goJson(b[k])},`);
  }
  lines.push('  }');
  return lines.join('\n');
}

/**
 * A pod being updated: metadata update rules, a valid spec, and no spec change but
 * container images, activeDeadlineSeconds (set, or lowered), added tolerations,
 * removed scheduling gates, and terminationGracePeriodSeconds from negative to 1.
 */
export function validatePodUpdate(pod: Pod, old: Pod): FieldCause[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePodMetadataAndSpec(pod));
  const spec = specOf(pod);
  const oldSpec = specOf(old);

  for (const f of ['containers', 'initContainers'] as const) {
    const res = validateContainerUpdates(spec[f], oldSpec[f], `spec.${f}`);
    errs.push(...res.errs);
    if (res.stop) return errs;
  }

  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    if (ads < 0 || ads > MAX_INT32) {
      errs.push(invalid('spec.activeDeadlineSeconds', ads, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (typeof oldAds === 'number' && oldAds < ads) {
      errs.push(invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldAds !== undefined && oldAds !== null) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }

  errs.push(...validateOnlyAddedTolerations(spec.tolerations, oldSpec.tolerations, 'spec.tolerations'));
  const oldGates = new Set(list<{ name?: string }>(oldSpec.schedulingGates).map((g) => str(g?.name)));
  list<{ name?: string }>(spec.schedulingGates).forEach((g, i) => {
    if (!oldGates.has(str(g?.name))) {
      errs.push(forbidden(child(index('spec.schedulingGates', i), 'name'), `only deletion is allowed, but found new scheduling gate '${str(g?.name)}'`));
    }
  });

  if (jsonEqual(spec, oldSpec)) return errs;

  // Put back what may change, then anything still different is forbidden.
  const munged = structuredClone(spec) as PodSpec & Record<string, unknown>;
  for (const f of ['containers', 'initContainers'] as const) {
    const prev = list<Container>(oldSpec[f]);
    if (munged[f]) munged[f] = list<Container>(munged[f]).map((c, i) => ({ ...c, image: prev[i]?.image }) as Container);
  }
  if (oldAds === undefined) delete munged.activeDeadlineSeconds;
  else munged.activeDeadlineSeconds = oldAds;
  if (oldSpec.schedulingGates === undefined) delete munged.schedulingGates;
  else munged.schedulingGates = oldSpec.schedulingGates;
  if (oldSpec.tolerations === undefined) delete munged.tolerations;
  else munged.tolerations = oldSpec.tolerations;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  if (!jsonEqual(munged, oldSpec)) {
    errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${fieldDiff('v1.PodSpec', oldSpec, munged)}`));
  }
  return errs;
}

/**
 * A write through pods/<name>/ephemeralcontainers (ValidatePodEphemeralContainersUpdate):
 * the pod stays valid, static pods take none, and ephemeral containers once added are
 * neither removed nor changed (order may change: a patch does not keep it).
 */
export function validatePodEphemeralContainersUpdate(pod: Pod, old: Pod): FieldCause[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePodMetadataAndSpec(pod));
  if (old.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) {
    return [forbidden('', 'static pods do not support ephemeral containers')];
  }
  const path = 'spec.ephemeralContainers';
  const next = new Map(list<{ name?: string }>(record<unknown>(specOf(pod)).ephemeralContainers).map((c) => [str(c?.name), c]));
  for (const prev of list<{ name?: string }>(record<unknown>(specOf(old)).ephemeralContainers)) {
    const name = str(prev?.name);
    const now = next.get(name);
    if (!now) errs.push(forbidden(path, `existing ephemeral containers "${name}" may not be removed\n`));
    else if (!jsonEqual(prev, now)) errs.push(forbidden(path, `existing ephemeral containers "${name}" may not be changed\n${fieldDiff('core.EphemeralContainer', prev as object, now as object)}`));
  }
  return errs;
}

/** A Binding posted to pods/<name>/binding: target is a Node (kind empty or "Node") with a name. */
export function validateBinding(binding: Binding): FieldCause[] {
  const target = record<unknown>(binding.target);
  const errs: FieldCause[] = [];
  const kind = str(target.kind);
  if (kind && kind !== 'Node') errs.push(notSupported('target.kind', kind, ['Node', '<empty>']));
  if (!str(target.name)) errs.push(required('target.name'));
  return errs;
}
