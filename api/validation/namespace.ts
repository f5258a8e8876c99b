// Namespaces (core's ValidateNamespace, ValidateNamespaceUpdate, ValidateNamespaceFinalizeUpdate).
import type { Namespace } from '../types/core.js';
import { type FieldCause, index, invalid, list, record, str } from './field.js';
import {
  validateFinalizerName, validateKubeFinalizerName, validateObjectMeta, validateObjectMetaUpdate,
} from './meta.js';
import { nameIsDNSLabel } from './names.js';

/** spec.finalizers: qualified names; names without '/' must be standard ("kubernetes"). */
function validateSpecFinalizers(ns: Namespace, indexed: boolean): FieldCause[] {
  return list<string>(record<unknown>(ns.spec).finalizers).flatMap((f, i) => {
    const path = indexed ? index('spec.finalizers', i) : 'spec.finalizers';
    return [...validateFinalizerName(str(f), path), ...validateKubeFinalizerName(str(f), path)];
  });
}

/** A namespace being created: cluster-scoped, DNS-1123 label name, valid spec.finalizers. */
export function validateNamespaceCreate(ns: Namespace): FieldCause[] {
  return [
    ...validateObjectMeta(ns.metadata, { namespaced: false, nameFn: nameIsDNSLabel }),
    ...validateSpecFinalizers(ns, false),
  ];
}

/** A namespace being updated: only the metadata rules (spec and status are carried over by the registry). */
export function validateNamespaceUpdate(ns: Namespace, old: Namespace): FieldCause[] {
  return validateObjectMetaUpdate(ns.metadata, old.metadata);
}

/** The finalize subresource: metadata rules and valid spec.finalizers. */
export function validateNamespaceFinalizeUpdate(ns: Namespace, old: Namespace): FieldCause[] {
  return [...validateObjectMetaUpdate(ns.metadata, old.metadata), ...validateSpecFinalizers(ns, true)];
}

/** The status subresource: phase Active unless deleting, Terminating once deleting. */
export function validateNamespaceStatusUpdate(ns: Namespace, old: Namespace): FieldCause[] {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata);
  const phase = str(record<unknown>(ns.status).phase);
  if (!ns.metadata?.deletionTimestamp) {
    if (phase !== 'Active') errs.push(invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}
