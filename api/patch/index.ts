// PATCH bodies: one entry point that picks the patch format from the Content-Type, as the
// apiserver's patch handler does.
import { applyJsonPatch } from './json.js';
import { applyMergePatch } from './merge.js';
import { PatchError } from './patch-meta.js';
import { applyStrategicMergePatch } from './strategic.js';

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json.js';
export { applyMergePatch } from './merge.js';
export { applyStrategicMergePatch, applyStrategicMergePatchWithMeta, lookupIn, type PatchMetaLookup } from './strategic.js';
export { PatchError, PATCH_META, patchMetaFor, patchMetaTable, type FieldPatchMeta, type PatchMetaTable } from './patch-meta.js';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

/** The patch media types the apiserver accepts, in the order it lists them. */
export const PATCH_CONTENT_TYPES: readonly string[] = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH];

/**
 * Applies `patch` (already parsed from JSON) to `target` per `contentType` (parameters such
 * as "; charset=utf-8" are ignored) and returns the patched object; `target` is never
 * modified. `kind` selects the strategic merge metadata. Throws PatchError: 415 for an
 * unsupported media type or a strategic merge patch on a kind without metadata ("strategic
 * merge patch format is not supported", as for custom resources), 400/413/422 as each format
 * reports a bad patch.
 */
export function applyPatch(contentType: string, target: unknown, patch: unknown, kind: string): unknown {
  const mediaType = contentType.split(';', 1)[0].trim().toLowerCase();
  switch (mediaType) {
    case JSON_PATCH:
      return applyJsonPatch(target, patch);
    case MERGE_PATCH:
      return applyMergePatch(target, patch);
    case STRATEGIC_MERGE_PATCH:
      return applyStrategicMergePatch(target, patch, kind);
    default:
      throw new PatchError(`the body of the request was in an unknown format - accepted media types include: ${PATCH_CONTENT_TYPES.join(', ')}`, 415);
  }
}
