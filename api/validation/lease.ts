// coordination.k8s.io/v1 Leases (coordination's ValidateLease).
import type { Lease } from '../types/coordination.js';
import { type FieldCause, invalid, record } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';

function validateLeaseSpec(lease: Lease): FieldCause[] {
  const spec = record<unknown>(lease.spec);
  const errs: FieldCause[] = [];
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === 'number' && duration <= 0) errs.push(invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = spec.leaseTransitions;
  if (typeof transitions === 'number' && transitions < 0) errs.push(invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  return errs;
}

/** A lease being created: DNS-subdomain name, positive duration, non-negative transitions. */
export function validateLeaseCreate(lease: Lease): FieldCause[] {
  return [...validateObjectMeta(lease.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateLeaseSpec(lease)];
}

/** A lease being updated: metadata update rules and the spec rules. */
export function validateLeaseUpdate(lease: Lease, old: Lease): FieldCause[] {
  return [...validateObjectMetaUpdate(lease.metadata, old.metadata), ...validateLeaseSpec(lease)];
}
