// apps/v1 ControllerRevisions (apps' ValidateControllerRevision and ValidateControllerRevisionUpdate).
import type { ControllerRevision } from '../types/apps.js';
import { type FieldCause, nonNegative, required } from './field.js';
import { validateImmutable, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';

/** A ControllerRevision: a valid name, data present, revision >= 0. */
export function validateControllerRevisionCreate(cr: ControllerRevision): FieldCause[] {
  const errs = validateObjectMeta(cr.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  if (cr.data === undefined || cr.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...nonNegative(cr.revision, 'revision'));
  return errs;
}

/** An update may change metadata and the revision number, never data. */
export function validateControllerRevisionUpdate(cr: ControllerRevision, old: ControllerRevision): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(cr.metadata, old.metadata),
    ...validateControllerRevisionCreate(cr),
    ...validateImmutable(cr.data, old.data, 'data'),
  ];
}
