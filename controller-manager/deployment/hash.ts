// The pod-template-hash, computed exactly as Kubernetes' ComputeHash
// (pkg/controller/controller_utils.go): FNV-1a (32 bit) over go-spew's "%#v" printing of
// the Go PodTemplateSpec value (hashutil.DeepHashObject: types shown, map keys sorted,
// no Stringer methods, no pointer addresses), then the collisionCount as 8 little-endian
// bytes, the decimal sum rendered with rand.SafeEncodeString. So a Deployment created
// here gets the same ReplicaSet names as on kube-controller-manager 1.32.
//
// The Go value is read from the JSON as kube-controller-manager decodes it from the
// apiserver (protobuf): empty lists and maps are nil, quantities are parsed from their
// canonical text (what the apiserver stores). The printer is ../go-spew.ts.
//
// Not reproduced: a template carrying a non-zero timestamp (metadata.creationTimestamp
// set to a time): Go decodes it into the controller host's local time zone, whose
// internals spew prints; such a time is printed here as if in UTC.
import { parseQuantityExact } from '../../api/quantity.js';
import type { PodTemplateSpec } from '../../api/types/core.js';
import { dumpForHash, fnv32a } from '../go-spew.js';

/**
 * go-spew's "%#v" of the Go PodTemplateSpec the JSON decodes to: what Kubernetes
 * hashes, and a canonical form (two templates that Go's semantic DeepEqual finds equal
 * print the same, but for quantities of one value written in two formats).
 */
export function templateRepr(template: PodTemplateSpec | undefined): string {
  return dumpForHash('v1.PodTemplateSpec', template ?? {}, { emptyIsNil: true });
}

/** A quantity by its value alone, as apimachinery's Semantic equality compares them (Cmp). */
function quantityValue(v: unknown): string {
  try {
    return `{${parseQuantityExact(typeof v === 'number' ? String(v) : String(v ?? '')).nanos}}`;
  } catch {
    return `{?${String(v)}}`;
  }
}

/**
 * The template in a form where two templates are equal exactly when apimachinery's
 * Semantic.DeepEqual finds them equal: templateRepr, but quantities by value ("1Gi" and
 * "1073741824" alike).
 */
export function semanticTemplateRepr(template: PodTemplateSpec | undefined): string {
  return dumpForHash('v1.PodTemplateSpec', template ?? {}, { emptyIsNil: true, quantity: quantityValue });
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each character to one of 27 that never spell words (no vowels, no 0/1/3). */
export function safeEncodeString(s: string): string {
  return [...s].map((c) => ALPHANUMS[(c.codePointAt(0) as number) % ALPHANUMS.length]).join('');
}

/**
 * ComputeHash: the pod-template-hash of a template, varied by the Deployment's
 * status.collisionCount when it has one (a hash that collided with a ReplicaSet of
 * another template is retried with collisionCount + 1).
 */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(templateRepr(template), 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32LE(collisionCount >>> 0, 0);
    h = fnv32a(bytes, h);
  }
  return safeEncodeString(String(h));
}
