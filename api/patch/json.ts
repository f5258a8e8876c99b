// JSON patch (RFC 6902), `application/json-patch+json`, applied with fast-json-patch.
// Failures carry the messages of evanphx/json-patch, the library the apiserver uses, and the
// status the apiserver answers with (400 malformed, 413 too long, 422 does not apply).
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { PatchError } from './patch-meta.js';

/** The apiserver's limit on operations in one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

// Checks the shape of each operation before anything is applied, so a malformed patch
// fails as a whole with 400 and a clear message.
function validateOperations(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) {
    throw new PatchError(`json: cannot unmarshal ${ops === null ? 'null' : typeof ops} into Go value of type jsonpatch.Patch`, 400);
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`, 413);
  }
  ops.forEach((op: unknown, i) => {
    const bad = (why: string): never => { throw new PatchError(`invalid JSON patch operation ${i}: ${why}`, 400); };
    if (!isObject(op)) bad('an operation must be an object');
    const o = op as Record<string, unknown>;
    if (typeof o.op !== 'string') bad('"op" must be a string');
    // An unknown op is reported when it is reached, as evanphx/json-patch does.
    if (typeof o.path !== 'string') bad('"path" must be a string');
    else if (o.path !== '' && !o.path.startsWith('/')) bad(`"path" must be a JSON pointer starting with "/": ${JSON.stringify(o.path)}`);
    if ((o.op === 'move' || o.op === 'copy') && typeof o.from !== 'string') bad(`"from" must be a string for ${o.op}`);
    if ((o.op === 'add' || o.op === 'replace' || o.op === 'test') && !('value' in o)) bad(`"value" is required for ${o.op}`);
  });
  return structuredClone(ops) as Operation[];
}

function failure(op: Operation, name: string): PatchError {
  const path = op.path;
  const from = 'from' in op ? op.from : '';
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return new PatchError(`testing value ${path} failed: test failed`);
    case 'OPERATION_FROM_UNRESOLVABLE':
      return new PatchError(`${op.op} operation does not apply: doc is missing from path: ${from}: missing value`);
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return new PatchError(`Unable to access invalid index: ${path.slice(path.lastIndexOf('/') + 1)}: invalid index referenced`);
    case 'OPERATION_PATH_UNRESOLVABLE':
    case 'OPERATION_PATH_CANNOT_ADD':
      if (op.op === 'replace') return new PatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
      if (op.op === 'remove') return new PatchError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
      return new PatchError(`${op.op} operation does not apply: doc is missing path: "${path}": missing value`);
    default:
      return new PatchError(`${op.op} operation on ${JSON.stringify(path)} does not apply: ${name.toLowerCase().replace(/_/g, ' ')}`);
  }
}

/**
 * Applies an RFC 6902 patch (an array of operations) and returns the result; `target` is
 * not modified. Throws PatchError: 400 for a malformed patch, 413 above
 * MAX_JSON_PATCH_OPERATIONS, 422 when an operation does not apply (a failed `test`, a
 * missing path, an unknown op), with evanphx/json-patch's message.
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  const operations = validateOperations(ops);
  let doc: unknown = structuredClone(target);
  operations.forEach((op, i) => {
    if (!OPS.has(op.op)) throw new PatchError(`Unexpected kind: ${op.op}: unknown object type`);
    try {
      doc = jsonpatch.applyOperation(doc, op, true, true, true, i).newDocument;
    } catch (err) {
      if (err instanceof jsonpatch.JsonPatchError) throw failure(op, err.name);
      throw err;
    }
  });
  return doc;
}
