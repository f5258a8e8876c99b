// apps/v1 ReplicaSets (apps' ValidateReplicaSet and ValidateReplicaSetUpdate).
import type { ReplicaSet, ReplicaSetSpec } from '../types/apps.js';
import { type FieldCause, nonNegative, record } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validateSelectorAndTemplate, validateSelectorImmutable } from './workload.js';

const specOf = (rs: ReplicaSet): ReplicaSetSpec => record<unknown>(rs.spec) as unknown as ReplicaSetSpec;

function validateReplicaSetSpec(spec: ReplicaSetSpec): FieldCause[] {
  return [
    ...nonNegative(spec.replicas, 'spec.replicas'),
    ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateSelectorAndTemplate(spec.selector, spec.template, 'ReplicaSet', 'spec'),
  ];
}

/** A ReplicaSet being created: name, replicas >= 0, selector matching a valid always-restarting template. */
export function validateReplicaSetCreate(rs: ReplicaSet): FieldCause[] {
  return [...validateObjectMeta(rs.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateReplicaSetSpec(specOf(rs))];
}

/** A ReplicaSet being updated: metadata rules, the spec rules, and an unchanged selector. */
export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(rs.metadata, old.metadata),
    ...validateReplicaSetSpec(specOf(rs)),
    ...validateSelectorImmutable(specOf(rs).selector, specOf(old).selector),
  ];
}
