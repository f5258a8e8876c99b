// Decodes a Kubernetes protobuf body (`application/vnd.kubernetes.protobuf`) into the
// object's JSON shape, the way kube-apiserver reads one: the 4-byte magic `k8s\0`, then a
// runtime.Unknown {typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3,
// contentType=4} whose raw bytes are the typed message described in descriptors.ts.
// A hand-written proto2 reader: no code generation, no dependency, bounded work per byte.
import { StatusError, badRequest } from '../errors.js';
import { rfc3339 } from '../helpers/time.js';
import { ANY_VERSION_KINDS, KINDS, MESSAGES, type FieldDescriptor } from './descriptors.js';

/** The magic number of apimachinery's protobuf serializer. */
export const PROTOBUF_PREFIX = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Kind = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'Time' | 'MicroTime' | 'Quantity' | 'IntOrString' | 'message';
const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'Time', 'MicroTime', 'Quantity', 'IntOrString']);
const VARINT_KINDS = new Set<Kind>(['bool', 'int32', 'int64']);

interface Field {
  json: string;
  kind: Kind;
  /** The message name when kind is 'message'. */
  message?: string;
  /** Map value kind when the field is a map<string, V>. */
  mapValue?: 'string' | 'bytes' | 'Quantity';
  repeated: boolean;
  pointer: boolean;
  inline: boolean;
}

/** Thrown by the reader; turned into a 400 at the boundary. */
class MalformedError extends Error {}

function parseField([, json, spec]: FieldDescriptor): Field {
  let t = spec;
  const inline = t.startsWith('...');
  if (inline) t = t.slice(3);
  const pointer = t.startsWith('*');
  if (pointer) t = t.slice(1);
  const repeated = t.startsWith('[]');
  if (repeated) t = t.slice(2);
  const map = /^map<(string|bytes|Quantity)>$/.exec(t);
  if (map) return { json, kind: 'message', mapValue: map[1] as Field['mapValue'], repeated: false, pointer: false, inline: false };
  if (SCALARS.has(t)) return { json, kind: t as Kind, repeated, pointer, inline };
  if (!MESSAGES[t]) throw new Error(`protobuf descriptor: field ${json} refers to unknown message ${t}`);
  return { json, kind: 'message', message: t, repeated, pointer, inline };
}

/** Field number -> field, per message; built once, checked at load. */
const TABLE = new Map<string, Map<number, Field>>(
  Object.entries(MESSAGES).map(([name, fields]) => [name, new Map(fields.map((f) => [f[0], parseField(f)]))]),
);

/** A cursor over one length-delimited region of the body. */
class Reader {
  pos: number;
  constructor(readonly buf: Buffer, start: number, readonly end: number) { this.pos = start; }

  done(): boolean { return this.pos >= this.end; }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new MalformedError('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new MalformedError('varint longer than 10 bytes');
  }

  /** A varint that must fit a length or a tag. */
  smallVarint(): number {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedError('length out of range');
    return Number(v);
  }

  /** The bounds of a length-delimited value; advances past it. */
  bytes(): [number, number] {
    const len = this.smallVarint();
    if (len > this.end - this.pos) throw new MalformedError('length-delimited field runs past the end of its message');
    const start = this.pos;
    this.pos += len;
    return [start, this.pos];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0: this.varint(); return;
      case 1: this.advance(8); return;
      case 2: this.bytes(); return;
      case 5: this.advance(4); return;
      default: throw new MalformedError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new MalformedError('truncated fixed-width field');
    this.pos += n;
  }

  sub(start: number, end: number): Reader { return new Reader(this.buf, start, end); }
}

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32'];

function expectWire(got: number, want: number, where: string): void {
  if (got !== want) throw new MalformedError(`field ${where} has wire type ${WIRE_NAMES[got] ?? got}, expected ${WIRE_NAMES[want]}`);
}

function scalarFromVarint(kind: Kind, v: bigint): number | boolean {
  if (kind === 'bool') return v !== 0n;
  if (kind === 'int32') return Number(BigInt.asIntN(32, v));
  return Number(BigInt.asIntN(64, v));
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || v === undefined
    || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

/** Formats a meta/v1 Time (seconds only, as Kubernetes keeps it) or MicroTime (microseconds). */
function formatTime(r: Reader, micro: boolean): string | undefined {
  // An empty message is Go's zero time, which Kubernetes writes as null in JSON.
  if (r.done()) return undefined;
  let seconds = 0n;
  let nanos = 0;
  while (!r.done()) {
    const tag = r.smallVarint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 1) { expectWire(wt, 0, 'Time.seconds'); seconds = BigInt.asIntN(64, r.varint()); }
    else if (no === 2) { expectWire(wt, 0, 'Time.nanos'); nanos = Number(BigInt.asIntN(32, r.varint())); }
    else r.skip(wt);
  }
  const ms = Number(seconds) * 1000;
  const date = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(date.getTime()) || nanos < 0 || nanos > 999_999_999) throw new MalformedError('time out of range');
  if (!micro) return rfc3339(ms);
  // MicroTime keeps the microseconds the message carries, finer than a Date holds.
  return `${date.toISOString().slice(0, 19)}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function decodeQuantity(r: Reader): string {
  let s = '';
  while (!r.done()) {
    const tag = r.smallVarint();
    if (tag >>> 3 === 1) { expectWire(tag & 7, 2, 'Quantity.string'); const [a, b] = r.bytes(); s = r.buf.toString('utf8', a, b); }
    else r.skip(tag & 7);
  }
  return s;
}

function decodeIntOrString(r: Reader): number | string {
  let type = 0n;
  let intVal = 0;
  let strVal = '';
  while (!r.done()) {
    const tag = r.smallVarint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 1) { expectWire(wt, 0, 'IntOrString.type'); type = r.varint(); }
    else if (no === 2) { expectWire(wt, 0, 'IntOrString.intVal'); intVal = Number(BigInt.asIntN(32, r.varint())); }
    else if (no === 3) { expectWire(wt, 2, 'IntOrString.strVal'); const [a, b] = r.bytes(); strVal = r.buf.toString('utf8', a, b); }
    else r.skip(wt);
  }
  return type === 1n ? strVal : intVal;
}

function decodeMapEntry(r: Reader, value: 'string' | 'bytes' | 'Quantity', where: string): [string, string] {
  let key = '';
  let val = '';
  while (!r.done()) {
    const tag = r.smallVarint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 1) { expectWire(wt, 2, `${where} key`); const [a, b] = r.bytes(); key = r.buf.toString('utf8', a, b); }
    else if (no === 2) {
      expectWire(wt, 2, `${where} value`);
      const [a, b] = r.bytes();
      val = value === 'string' ? r.buf.toString('utf8', a, b)
        : value === 'bytes' ? r.buf.toString('base64', a, b)
          : decodeQuantity(r.sub(a, b));
    } else r.skip(wt);
  }
  return [key, val];
}

/** Decodes a length-delimited value of a non-varint field. */
function decodeValue(r: Reader, f: Field, a: number, b: number, where: string): unknown {
  switch (f.kind) {
    case 'string': return r.buf.toString('utf8', a, b);
    case 'bytes': return r.buf.toString('base64', a, b);
    case 'Time': return formatTime(r.sub(a, b), false);
    case 'MicroTime': return formatTime(r.sub(a, b), true);
    case 'Quantity': return decodeQuantity(r.sub(a, b));
    case 'IntOrString': return decodeIntOrString(r.sub(a, b));
    default: return decodeMessage(f.message as string, r.sub(a, b), where);
  }
}

function decodeMessage(name: string, r: Reader, path: string): Record<string, unknown> {
  const fields = TABLE.get(name) as Map<number, Field>;
  const out: Record<string, unknown> = {};
  while (!r.done()) {
    const tag = r.smallVarint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 0) throw new MalformedError(`field number 0 in ${path || name}`);
    const f = fields.get(no);
    if (!f) { r.skip(wt); continue; }
    const where = path ? `${path}.${f.json || name}` : f.json || name;

    if (f.mapValue) {
      expectWire(wt, 2, where);
      const [a, b] = r.bytes();
      const [k, v] = decodeMapEntry(r.sub(a, b), f.mapValue, where);
      const m = (out[f.json] ??= {}) as Record<string, string>;
      m[k] = v;
      continue;
    }

    if (VARINT_KINDS.has(f.kind)) {
      if (f.repeated && wt === 2) {
        // A packed repeated scalar: one length-delimited run of varints.
        const [a, b] = r.bytes();
        const packed = r.sub(a, b);
        const list = (out[f.json] ??= []) as unknown[];
        while (!packed.done()) list.push(scalarFromVarint(f.kind, packed.varint()));
        continue;
      }
      expectWire(wt, 0, where);
      const v = scalarFromVarint(f.kind, r.varint());
      if (f.repeated) ((out[f.json] ??= []) as unknown[]).push(v);
      else if (f.pointer || !isZero(v)) out[f.json] = v;
      else delete out[f.json];
      continue;
    }

    expectWire(wt, 2, where);
    const [a, b] = r.bytes();
    const v = decodeValue(r, f, a, b, where);
    if (f.repeated) {
      ((out[f.json] ??= []) as unknown[]).push(v ?? null);
    } else if (f.inline) {
      Object.assign(out, v as Record<string, unknown>);
    } else if (v === undefined) {
      delete out[f.json];
    } else if (f.pointer || !isZero(v)) {
      // proto2 merges a repeated occurrence of a message field into the first.
      const prev = out[f.json];
      out[f.json] = f.kind === 'message' && prev && typeof prev === 'object' ? { ...prev, ...(v as object) } : v;
    }
  }
  return out;
}

/** Reads the runtime.Unknown envelope after the magic prefix. */
function readEnvelope(body: Buffer): { apiVersion: string; kind: string; raw: [number, number]; contentEncoding: string } {
  const r = new Reader(body, PROTOBUF_PREFIX.length, body.length);
  let apiVersion = '';
  let kind = '';
  let raw: [number, number] = [0, 0];
  let contentEncoding = '';
  while (!r.done()) {
    const tag = r.smallVarint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 1) {
      expectWire(wt, 2, 'Unknown.typeMeta');
      const [a, b] = r.bytes();
      const tm = r.sub(a, b);
      while (!tm.done()) {
        const t = tm.smallVarint();
        if (t >>> 3 === 1 || t >>> 3 === 2) {
          expectWire(t & 7, 2, t >>> 3 === 1 ? 'TypeMeta.apiVersion' : 'TypeMeta.kind');
          const [c, d] = tm.bytes();
          if (t >>> 3 === 1) apiVersion = body.toString('utf8', c, d);
          else kind = body.toString('utf8', c, d);
        } else tm.skip(t & 7);
      }
    } else if (no === 2) {
      expectWire(wt, 2, 'Unknown.raw');
      raw = r.bytes();
    } else if (no === 3) {
      expectWire(wt, 2, 'Unknown.contentEncoding');
      const [a, b] = r.bytes();
      contentEncoding = body.toString('utf8', a, b);
    } else {
      r.skip(wt);
    }
  }
  return { apiVersion, kind, raw, contentEncoding };
}

/**
 * Decodes a whole `application/vnd.kubernetes.protobuf` request body into the object's
 * JSON form, apiVersion and kind first. Called by the apiserver's body decoder for creates,
 * updates and DeleteOptions. Throws a 400 BadRequest StatusError for bytes that are not a
 * Kubernetes protobuf message and for kinds this decoder has no descriptors for.
 */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < PROTOBUF_PREFIX.length || !body.subarray(0, PROTOBUF_PREFIX.length).equals(PROTOBUF_PREFIX)) {
    throw badRequest('the body of the request could not be decoded as protobuf: it does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  try {
    const env = readEnvelope(body);
    if (!env.kind) throw new MalformedError('the runtime.Unknown envelope names no kind');
    if (env.contentEncoding) {
      throw badRequest(`protobuf bodies with contentEncoding ${JSON.stringify(env.contentEncoding)} are not supported; send JSON or YAML`);
    }
    const message = KINDS[`${env.apiVersion}/${env.kind}`] ?? ANY_VERSION_KINDS[env.kind];
    if (!message) {
      throw badRequest(`protobuf encoding is not supported for kind ${env.kind}${env.apiVersion ? ` (${env.apiVersion})` : ''}; send JSON or YAML`);
    }
    const obj = decodeMessage(message, new Reader(body, env.raw[0], env.raw[1]), '');
    return { apiVersion: env.apiVersion, kind: env.kind, ...obj };
  } catch (err) {
    if (err instanceof StatusError) throw err;
    throw badRequest(`the body of the request could not be decoded as protobuf: ${err instanceof MalformedError ? err.message : 'malformed message'}`);
  }
}
