// apiregistration.k8s.io/v1 APIService (kube-aggregator's ValidateAPIService): the name
// must be <version>.<group>, the group a DNS subdomain (empty only for the legacy "v1"),
// the version a DNS-1035 label, the priorities in range; a Local APIService (no service)
// has no caBundle nor insecureSkipTLSVerify, a remote one names its Service.
import type { APIService } from '../types/apiregistration.js';
import { goQuote } from '../errors.js';
import { type FieldCause, invalid, notSupported, record, required } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidPathSegmentName } from './names.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The size of a base64 caBundle in bytes, as Go's []byte length. */
function bundleBytes(caBundle: unknown): number {
  const s = str(caBundle);
  return s ? Buffer.from(s, 'base64').length : 0;
}

function validateAPIService(s: APIService): FieldCause[] {
  const spec = record<unknown>(s.spec);
  const group = str(spec.group);
  const version = str(spec.version);
  const requiredName = `${version}.${group}`;
  const errs = validateObjectMeta(s.metadata, {
    namespaced: false,
    nameFn: (name) => {
      const minimal = isValidPathSegmentName(name);
      if (minimal.length) return minimal;
      return name === requiredName ? [] : [`must be \`spec.version+"."+spec.group\`: ${goQuote(requiredName)}`];
    },
  });
  if (!group && version !== 'v1') errs.push(required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group) for (const msg of isDNS1123Subdomain(group)) errs.push(invalid('spec.group', group, msg));
  for (const msg of isDNS1035Label(version)) errs.push(invalid('spec.version', version, msg));
  const gpm = num(spec.groupPriorityMinimum);
  if (gpm <= 0 || gpm > 20000) errs.push(invalid('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'));
  const vp = num(spec.versionPriority);
  if (vp <= 0 || vp > 1000) errs.push(invalid('spec.versionPriority', vp, 'must be positive and less than 1000'));
  const insecure = spec.insecureSkipTLSVerify === true;
  const caBytes = bundleBytes(spec.caBundle);
  if (spec.service === undefined || spec.service === null) {
    if (caBytes) errs.push(invalid('spec.caBundle', `${caBytes} bytes`, 'local APIServices may not have a caBundle'));
    if (insecure) errs.push(invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  const service = record<unknown>(spec.service);
  if (!str(service.namespace)) errs.push(required('spec.service.namespace'));
  if (!str(service.name)) errs.push(required('spec.service.name'));
  if (insecure && caBytes) errs.push(invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

export function validateAPIServiceCreate(s: APIService): FieldCause[] {
  return validateAPIService(s);
}

export function validateAPIServiceUpdate(s: APIService, old: APIService): FieldCause[] {
  return [...validateObjectMetaUpdate(s.metadata, old.metadata), ...validateAPIService(s)];
}

/** Conditions' status is True, False or Unknown (ValidateAPIServiceStatus). */
export function validateAPIServiceStatusUpdate(s: APIService, old: APIService): FieldCause[] {
  const errs = validateObjectMetaUpdate(s.metadata, old.metadata);
  const conditions = Array.isArray(s.status?.conditions) ? s.status.conditions : [];
  conditions.forEach((c, i) => {
    const status = record<unknown>(c).status;
    if (status !== 'True' && status !== 'False' && status !== 'Unknown') {
      errs.push(notSupported(`status.conditions[${i}].status`, status, ['True', 'False', 'Unknown']));
    }
  });
  return errs;
}
