// ConfigMaps (core's ValidateConfigMap and ValidateConfigMapUpdate).
import type { ConfigMap } from '../types/core.js';
import { base64Length } from './secret.js';
import { type FieldCause, forbidden, invalid, jsonEqual, key, record, str, tooLong } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isConfigMapKey, nameIsDNSSubdomain } from './names.js';

/** ConfigMaps and Secrets hold at most 1 MiB of data (core.MaxSecretSize). */
export const MAX_DATA_SIZE = 1024 * 1024;

/** A configmap being created: valid keys, no key in both data and binaryData, at most 1 MiB. */
export function validateConfigMapCreate(cm: ConfigMap): FieldCause[] {
  const errs = validateObjectMeta(cm.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const data = record<unknown>(cm.data);
  const binary = record<unknown>(cm.binaryData);
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...isConfigMapKey(k).map((msg) => invalid(key('data', k), k, msg)));
    if (k in binary) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(str(v));
  }
  for (const [k, v] of Object.entries(binary)) {
    errs.push(...isConfigMapKey(k).map((msg) => invalid(key('binaryData', k), k, msg)));
    total += base64Length(str(v));
  }
  // Kubernetes reports the size on the whole object (an empty field path).
  if (total > MAX_DATA_SIZE) errs.push(tooLong('', MAX_DATA_SIZE));
  return errs;
}

/** A configmap being updated: metadata rules; nothing changes once immutable; then the create rules. */
export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldCause[] {
  const errs = validateObjectMetaUpdate(cm.metadata, old.metadata);
  if (old.immutable === true) {
    const why = 'field is immutable when `immutable` is set';
    if (cm.immutable !== true) errs.push(forbidden('immutable', why));
    if (!jsonEqual(cm.data ?? {}, old.data ?? {})) errs.push(forbidden('data', why));
    if (!jsonEqual(cm.binaryData ?? {}, old.binaryData ?? {})) errs.push(forbidden('binaryData', why));
  }
  errs.push(...validateConfigMapCreate(cm));
  return errs;
}
