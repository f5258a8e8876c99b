// Secrets (core's ValidateSecret and ValidateSecretUpdate).
import type { Secret } from '../types/core.js';
import { type FieldCause, forbidden, invalid, jsonEqual, key, record, required, str, tooLong } from './field.js';
import { validateImmutable, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isConfigMapKey, nameIsDNSSubdomain } from './names.js';

const MAX_SECRET_SIZE = 1024 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decoded length of a base64 string (what Kubernetes counts against the 1 MiB limit). */
export function base64Length(b64: string): number {
  return Buffer.from(b64, 'base64').length;
}

/** Where the first invalid base64 byte is, as Go's decoder reports it, or -1. */
function base64ErrorAt(b64: string): number {
  if (BASE64.test(b64)) return -1;
  const bad = b64.search(/[^A-Za-z0-9+/=]/);
  return bad >= 0 ? bad : Math.max(0, b64.length - (b64.length % 4 || 4));
}

/**
 * A secret being created: valid keys and base64 values, at most 1 MiB, and the keys
 * its type requires (dockercfg, basic-auth, ssh-auth, tls, service-account-token).
 */
export function validateSecretCreate(secret: Secret): FieldCause[] {
  const errs = validateObjectMeta(secret.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const data = record<unknown>(secret.data);
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...isConfigMapKey(k).map((msg) => invalid(key('data', k), k, msg)));
    const at = base64ErrorAt(str(v));
    if (at >= 0) errs.push(invalid(key('data', k), '<secret contents redacted>', `illegal base64 data at input byte ${at}`));
    total += base64Length(str(v));
  }
  // stringData is merged into data by defaulting; count it if a caller validates before that.
  for (const [k, v] of Object.entries(record<unknown>(secret.stringData))) {
    if (k in data) continue;
    errs.push(...isConfigMapKey(k).map((msg) => invalid(key('data', k), k, msg)));
    total += Buffer.byteLength(str(v));
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const has = (k: string): boolean => k in data || k in record<unknown>(secret.stringData);
  switch (secret.type ?? '') {
    case 'kubernetes.io/service-account-token':
      if (!str(record<unknown>(secret.metadata?.annotations)['kubernetes.io/service-account.name'])) {
        errs.push(required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
      }
      break;
    case 'kubernetes.io/dockercfg':
      if (!has('.dockercfg')) errs.push(required(key('data', '.dockercfg')));
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!has('.dockerconfigjson')) errs.push(required(key('data', '.dockerconfigjson')));
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) errs.push(required(key('data', 'username')), required(key('data', 'password')));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!has('ssh-privatekey') || !str(data['ssh-privatekey'] ?? record<unknown>(secret.stringData)['ssh-privatekey'])) {
        errs.push(required(key('data', 'ssh-privatekey')));
      }
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required(key('data', 'tls.crt')));
      if (!has('tls.key')) errs.push(required(key('data', 'tls.key')));
      break;
    default: break;
  }
  return errs;
}

/** A secret being updated: metadata rules, type fixed, nothing changes once immutable, then the create rules. */
export function validateSecretUpdate(secret: Secret, old: Secret): FieldCause[] {
  const errs = validateObjectMetaUpdate(secret.metadata, old.metadata);
  errs.push(...validateImmutable(secret.type ?? '', old.type ?? '', 'type'));
  if (old.immutable === true) {
    const why = 'field is immutable when `immutable` is set';
    if (secret.immutable !== true) errs.push(forbidden('immutable', why));
    if (!jsonEqual(secret.data ?? {}, old.data ?? {})) errs.push(forbidden('data', why));
  }
  errs.push(...validateSecretCreate(secret));
  return errs;
}
