// ServiceAccounts (core's ValidateServiceAccount and ValidateServiceAccountUpdate): only
// the metadata is checked; the name is a DNS subdomain (ValidateServiceAccountName).
import type { ServiceAccount } from '../types/core.js';
import type { FieldCause } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';

/** A service account being created: a DNS-subdomain name in a namespace. */
export function validateServiceAccountCreate(sa: ServiceAccount): FieldCause[] {
  return validateObjectMeta(sa.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
}

/** A service account being updated: the metadata update rules, then the create rules. */
export function validateServiceAccountUpdate(sa: ServiceAccount, old: ServiceAccount): FieldCause[] {
  return [...validateObjectMetaUpdate(sa.metadata, old.metadata), ...validateServiceAccountCreate(sa)];
}
