// core/v1 ReplicationControllers (core's ValidateReplicationController,
// ValidateReplicationControllerUpdate and ValidatePodTemplateSpecForRC).
import { selectorFromSet } from '../labels.js';
import type { PodTemplateSpec, ReplicationController, ReplicationControllerSpec } from '../types/core.js';
import { child, type FieldCause, index, invalid, list, nonNegative, notSupported, record, required, str } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod-spec.js';
import { goStringMap } from './workload.js';

const specOf = (rc: ReplicationController): ReplicationControllerSpec => record<unknown>(rc.spec) as unknown as ReplicationControllerSpec;

/** ValidateReadOnlyPersistentDisks: a GCE PD shared by several replicas must be read-only. */
function validateReadOnlyPersistentDisks(volumes: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  list<unknown>(volumes).forEach((v, i) => {
    const pd = record<unknown>(v).gcePersistentDisk;
    if (pd !== undefined && pd !== null && record<unknown>(pd).readOnly !== true) {
      errs.push(invalid(child(index(path, i), 'gcePersistentDisk', 'readOnly'), false, 'must be true for replicated pods > 1; GCE PD can only be mounted on multiple machines if it is read-only'));
    }
  });
  return errs;
}

/** The template must exist, carry the selector's labels, be a valid pod template that always restarts and sets no deadline. */
function validatePodTemplateSpecForRC(template: PodTemplateSpec | undefined, selector: Record<string, string>, replicas: unknown, path: string): FieldCause[] {
  if (template === undefined || template === null) return [required(path)];
  const errs: FieldCause[] = [];
  const matcher = selectorFromSet(selector);
  const labels = record<unknown>(record<unknown>(template).metadata).labels as Record<string, string> | undefined;
  if (!matcher.empty() && !matcher.matches(record<string>(labels))) {
    errs.push(invalid(child(path, 'metadata', 'labels'), goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template, path));
  const spec = record<unknown>(record<unknown>(template).spec);
  if (typeof replicas === 'number' && replicas > 1) errs.push(...validateReadOnlyPersistentDisks(spec.volumes, child(path, 'spec', 'volumes')));
  if (spec.restartPolicy !== 'Always') errs.push(notSupported(child(path, 'spec', 'restartPolicy'), str(spec.restartPolicy), ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(invalid(child(path, 'spec', 'activeDeadlineSeconds'), spec.activeDeadlineSeconds, 'must not be specified'));
  }
  return errs;
}

function validateReplicationControllerSpec(spec: ReplicationControllerSpec): FieldCause[] {
  const selector = record<string>(spec.selector);
  const errs = nonNegative(spec.minReadySeconds, 'spec.minReadySeconds');
  if (selectorFromSet(selector).empty()) errs.push(required('spec.selector'));
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...validatePodTemplateSpecForRC(spec.template, selector, spec.replicas, 'spec.template'));
  return errs;
}

/** A ReplicationController being created: name, a non-empty selector its template's labels match, counts >= 0. */
export function validateReplicationControllerCreate(rc: ReplicationController): FieldCause[] {
  return [...validateObjectMeta(rc.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateReplicationControllerSpec(specOf(rc))];
}

/**
 * A ReplicationController being updated: the create rules and the metadata update
 * rules (Kubernetes runs both); unlike apps/v1, the selector may change.
 */
export function validateReplicationControllerUpdate(rc: ReplicationController, old: ReplicationController): FieldCause[] {
  return [...validateReplicationControllerCreate(rc), ...validateObjectMetaUpdate(rc.metadata, old.metadata)];
}
