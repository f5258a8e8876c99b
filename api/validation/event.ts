// core/v1 Events (core's legacyValidateEvent, which is all v1 requests get, plus the
// generic ObjectMeta rules with path-segment names).
import type { Event } from '../types/core.js';
import { type FieldCause, invalid, record, required, str } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './meta.js';
import { isDNS1123Subdomain, isValidPathSegmentName } from './names.js';

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

function validateEventFields(ev: Event): FieldCause[] {
  const errs: FieldCause[] = [];
  const involved = record<unknown>(ev.involvedObject);
  const involvedNs = str(involved.namespace);
  const ns = str(ev.metadata?.namespace);
  const mismatch = (): FieldCause => invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace');
  if (!ev.eventTime) {
    // Old-style events: the namespaces must agree ("default" stands for cluster-scoped objects).
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(mismatch());
    } else if (ns !== involvedNs) {
      errs.push(mismatch());
    }
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') errs.push(mismatch());
    const controller = str(ev.reportingComponent);
    if (!controller) errs.push(required('reportingComponent'));
    errs.push(...validateQualifiedName(controller, 'reportingComponent'));
    const instance = str(ev.reportingInstance);
    if (!instance) errs.push(required('reportingInstance'));
    if (instance.length > REPORTING_INSTANCE_LIMIT) errs.push(invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    const action = str(ev.action);
    if (!action) errs.push(required('action'));
    if (action.length > ACTION_LIMIT) errs.push(invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
    const reason = str(ev.reason);
    if (!reason) errs.push(required('reason'));
    if (reason.length > REASON_LIMIT) errs.push(invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
    if (str(ev.message).length > NOTE_LIMIT) errs.push(invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  errs.push(...isDNS1123Subdomain(ns).map((msg) => invalid('namespace', ns, msg)));
  return errs;
}

/** An event being created: namespaces agree; new-style events (eventTime set) name their reporter, action and reason. */
export function validateEventCreate(ev: Event): FieldCause[] {
  return [
    ...validateEventFields(ev),
    ...validateObjectMeta(ev.metadata, { namespaced: true, nameFn: (name) => isValidPathSegmentName(name) }),
  ];
}

/** An event being updated: the same rules plus the metadata update rules. */
export function validateEventUpdate(ev: Event, old: Event): FieldCause[] {
  return [...validateEventFields(ev), ...validateObjectMetaUpdate(ev.metadata, old.metadata)];
}
