// Server-side apply and managedFields: structured-merge-diff's fieldpath, typed and
// merge packages and apimachinery's field manager, over the types of api/schemas.
export { FieldSet, pathString, serializeElement, parseElement, type Path, type PathElement } from './fieldpath.js';
export { registerCustomType, typeFor, typeFromSchema, type Atom, type TypeRef } from './types.js';
export { compare, merge, removeItems, toFieldSet, validate, TypedError } from './typed.js';
export { Updater, ConflictsError, type Managers, type VersionedSet } from './updater.js';
export { FieldManager, LAST_APPLIED_ANNOTATION, managerName, decodeManagedFields, encodeManagedFields, zeroObject } from './field-manager.js';
export { conflictStatusError, conflictMessage, printManager } from './conflict.js';
