// The orders Kubernetes sorts endpoint objects in, where it sorts by hash: Endpoints
// subsets and their ports by the md5 of the object's go-spew dump
// (pkg/api/v1/endpoints SortSubsets through pkg/util/hash DeepHashObject), EndpointSlice
// ports by the FNV-128a of theirs (k8s.io/endpointslice/util NewPortMapKey). The dump
// is spew's "%#v" with k8s.io/utils/dump's ForHash settings, which the functions below
// write for the few Go structs involved:
//
//   (v1.EndpointPort){Name:(string)http Port:(int32)80 Protocol:(v1.Protocol)TCP AppProtocol:(*string)<nil>}
//
// a struct is its type in parentheses and its fields "Name:value" in Go's field order
// separated by spaces; a slice is "(type)[a b]" (elements without their type), a nil
// slice or pointer "(type)<nil>", a pointer's value follows its "(*type)".
import { createHash } from 'node:crypto';
import type { EndpointAddress, EndpointPort, EndpointSubset, ObjectReference } from '../../api/types/core.js';

/** A discovery/v1 EndpointPort (api/types/discovery.ts): every field a pointer in Go. */
interface SlicePort { name?: string; protocol?: string; port?: number; appProtocol?: string }

const s = (type: string, v: string | undefined | null): string => `(${type})${v ?? ''}`;
const ptr = (type: string, v: string | number | undefined | null): string => `(*${type})${v === undefined || v === null ? '<nil>' : v}`;
const list = <T>(type: string, items: readonly T[] | undefined | null, item: (x: T) => string): string =>
  (items === undefined || items === null ? `(${type})<nil>` : `(${type})[${items.map(item).join(' ')}]`);

function objectReference(r: ObjectReference | undefined): string {
  if (!r) return ptr('v1.ObjectReference', undefined);
  return `(*v1.ObjectReference){Kind:${s('string', r.kind)} Namespace:${s('string', r.namespace)} Name:${s('string', r.name)} `
    + `UID:${s('types.UID', r.uid)} APIVersion:${s('string', r.apiVersion)} ResourceVersion:${s('string', r.resourceVersion)} `
    + `FieldPath:${s('string', r.fieldPath)}}`;
}

const addressFields = (a: EndpointAddress): string =>
  `{IP:${s('string', a.ip)} Hostname:${s('string', a.hostname)} NodeName:${ptr('string', a.nodeName)} TargetRef:${objectReference(a.targetRef)}}`;

const portFields = (p: EndpointPort): string =>
  `{Name:${s('string', p.name)} Port:(int32)${p.port} Protocol:${s('v1.Protocol', p.protocol)} AppProtocol:${ptr('string', p.appProtocol)}}`;

/** The dump of a core/v1 EndpointPort value. */
export function dumpEndpointPort(p: EndpointPort): string {
  return `(v1.EndpointPort)${portFields(p)}`;
}

/** The dump of a core/v1 EndpointSubset value (absent lists are Go's nil slices). */
export function dumpEndpointSubset(ss: EndpointSubset): string {
  return `(v1.EndpointSubset){Addresses:${list('[]v1.EndpointAddress', ss.addresses, addressFields)} `
    + `NotReadyAddresses:${list('[]v1.EndpointAddress', ss.notReadyAddresses, addressFields)} `
    + `Ports:${list('[]v1.EndpointPort', ss.ports, portFields)}}`;
}

/** The dump of a discovery/v1 EndpointPort value (every field a pointer). */
export function dumpSlicePort(p: SlicePort): string {
  return `(v1.EndpointPort){Name:${ptr('string', p.name)} Protocol:${ptr('v1.Protocol', p.protocol)} Port:${ptr('int32', p.port)} AppProtocol:${ptr('string', p.appProtocol)}}`;
}

/** md5 of a dump, as bytes compared by sort.Sort's Less (hex sorts the same). */
export function md5Hex(dump: string): string {
  return createHash('md5').update(dump).digest('hex');
}

const FNV128_OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const FNV128_PRIME = 0x0000000001000000000000000000013bn;
const MASK128 = (1n << 128n) - 1n;

/** hash/fnv's New128a over the UTF-8 bytes of text, as lowercase hex. */
export function fnv128aHex(text: string): string {
  let h = FNV128_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * FNV128_PRIME) & MASK128;
  }
  return h.toString(16).padStart(32, '0');
}

/** Sorts items by the hex hash of each (Go's sort by hash; ties keep their order). */
export function sortByHash<T>(items: T[], hash: (x: T) => string): T[] {
  const keyed = items.map((x) => ({ x, h: hash(x) }));
  keyed.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  return keyed.map((k) => k.x);
}
