// DNS messages on the wire for the server's hot path (RFC 1035 section 4, EDNS0 of
// RFC 6891): a query parser that reads only what answering needs (header, the one
// question, an OPT record) and a response encoder with name compression and
// truncation (RFC 2181 section 9). dns-packet decodes everything else (upstream
// answers, the tests); it does not compress names, and compression is what lets a
// headless Service of a few dozen endpoints fit a 512-byte UDP answer, as CoreDNS's do.
import { isIPv6 } from 'node:net';
import { ipv6Bytes, type Rcode, type Rr } from './records.js';

export const TYPES: Readonly<Record<string, number>> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33, NAPTR: 35, OPT: 41, DS: 43,
  RRSIG: 46, NSEC: 47, DNSKEY: 48, SVCB: 64, HTTPS: 65, IXFR: 251, AXFR: 252, ANY: 255, CAA: 257,
};
const TYPE_NAMES = new Map(Object.entries(TYPES).map(([k, v]) => [v, k]));
const CLASS_NAMES = new Map([[1, 'IN'], [3, 'CH'], [4, 'HS'], [254, 'NONE'], [255, 'ANY']]);

/** dns-packet's name for a type number ('A', 'SRV', or 'TYPE65534' for others). */
export const typeName = (n: number): string => TYPE_NAMES.get(n) ?? `TYPE${n}`;
export const className = (n: number): string => CLASS_NAMES.get(n) ?? `CLASS${n}`;

export const RCODES: Readonly<Record<Rcode | 'BADVERS', number>> = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16,
};
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
/** The name of a response's rcode (header bits only), for metrics. */
export const rcodeName = (msg: Buffer): string => RCODE_NAMES[msg[3] & 15] ?? `RCODE${msg[3] & 15}`;

/** The most a UDP answer may be, whatever a client's EDNS0 size says. */
export const MAX_UDP_SIZE = 4096;
const OPT_SIZE = 11;

export interface Edns {
  udpSize: number;
  version: number;
  dnssecOk: boolean;
}

/** A query as the server needs it; the raw packet stays with the caller. */
export interface ParsedQuery {
  id: number;
  /** The header's flags word (RD, CD and the opcode are echoed). */
  flags: number;
  /** The question name in presentation form: lowercase ASCII, \. \\ and \DDD escaped, no final dot ('' for the root). */
  name: string;
  qtype: number;
  qclass: number;
  /** Where the question ends in the packet (it starts at 12). */
  questionEnd: number;
  edns?: Edns;
}

export type ParseResult =
  | { kind: 'query'; query: ParsedQuery }
  /** Not worth an answer: too short for a header, or a response (QR set). */
  | { kind: 'drop' }
  /** Answer with this rcode and no question (FORMERR, NOTIMP). */
  | { kind: 'error'; id: number; flags: number; rcode: number };

/** Reads a query; never throws. */
export function parseQuery(b: Buffer): ParseResult {
  if (b.length < 12) return { kind: 'drop' };
  const id = b.readUInt16BE(0);
  const flags = b.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'drop' };
  const opcode = (flags >> 11) & 15;
  if (opcode !== 0) return { kind: 'error', id, flags, rcode: RCODES.NOTIMP };
  const formerr = { kind: 'error', id, flags, rcode: RCODES.FORMERR } as const;
  const qd = b.readUInt16BE(4);
  const an = b.readUInt16BE(6);
  const ns = b.readUInt16BE(8);
  const ar = b.readUInt16BE(10);
  // As miekg/dns's default acceptance: exactly one question, nothing in the answer and
  // authority sections, at most two additional records (an OPT and a TSIG).
  if (qd !== 1 || an !== 0 || ns !== 0 || ar > 2) return formerr;
  let off = 12;
  let name = '';
  let wireLength = 0;
  for (;;) {
    if (off >= b.length) return formerr;
    const len = b[off];
    if (len === 0) {
      off++;
      break;
    }
    if (len > 63) return formerr; // a pointer (nothing precedes the question to point at) or a reserved label type
    if (off + 1 + len > b.length) return formerr;
    wireLength += len + 1;
    if (wireLength > 254) return formerr;
    if (name) name += '.';
    name += labelText(b, off + 1, off + 1 + len);
    off += 1 + len;
  }
  if (off + 4 > b.length) return formerr;
  const qtype = b.readUInt16BE(off);
  const qclass = b.readUInt16BE(off + 2);
  off += 4;
  const questionEnd = off;
  let edns: Edns | undefined;
  for (let i = 0; i < ar; i++) {
    const nameEnd = skipName(b, off);
    if (nameEnd < 0 || nameEnd + 10 > b.length) return formerr;
    const type = b.readUInt16BE(nameEnd);
    const rdlen = b.readUInt16BE(nameEnd + 8);
    if (nameEnd + 10 + rdlen > b.length) return formerr;
    if (type === TYPES.OPT) {
      if (edns || nameEnd !== off + 1 || b[off] !== 0) return formerr; // one OPT, owned by the root
      edns = { udpSize: b.readUInt16BE(nameEnd + 2), version: b[nameEnd + 5], dnssecOk: (b.readUInt16BE(nameEnd + 6) & 0x8000) !== 0 };
    }
    off = nameEnd + 10 + rdlen;
  }
  return { kind: 'query', query: { id, flags, name, qtype, qclass, questionEnd, ...(edns ? { edns } : {}) } };
}

/** One label as presentation text, lowercased. */
function labelText(b: Buffer, start: number, end: number): string {
  let plain = true;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c < 0x21 || c > 0x7e || c === 0x2e || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return b.toString('latin1', start, end).toLowerCase();
  let s = '';
  for (let i = start; i < end; i++) {
    let c = b[i];
    if (c >= 0x41 && c <= 0x5a) c += 32;
    if (c === 0x2e || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c < 0x21 || c > 0x7e) s += `\\${String(c).padStart(3, '0')}`;
    else s += String.fromCharCode(c);
  }
  return s;
}

/** The offset after a (possibly compressed) name, -1 when it runs off the packet. */
function skipName(b: Buffer, off: number): number {
  for (;;) {
    if (off >= b.length) return -1;
    const len = b[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= b.length ? off + 2 : -1;
    if (len > 63) return -1;
    off += 1 + len;
  }
}

/** Where the question of a well-formed query ends, -1 if it has none. */
export function questionEnd(b: Buffer): number {
  if (b.length < 12 || b.readUInt16BE(4) < 1) return -1;
  const end = skipName(b, 12);
  return end < 0 || end + 4 > b.length ? -1 : end + 4;
}

export interface ResponseSections {
  rcode: number;
  authoritative: boolean;
  answers: readonly Rr[];
  authority: readonly Rr[];
  additional: readonly Rr[];
}

export interface EncodeOptions {
  /** Largest message allowed: a UDP limit (512 or the EDNS0 size) or 65535 for TCP. */
  maxSize: number;
  /** Add an OPT record (the query had one): our UDP size and the query's DO bit. */
  edns?: { udpSize: number; dnssecOk: boolean };
}

// One scratch buffer for every response: encoding is synchronous and the result is
// copied out. The slack past 65535 holds one record written before the size check.
const scratch = Buffer.allocUnsafe(65535 + 1024);

/**
 * Encodes the response to a query: its header (ID, opcode, RD and CD echoed; QR and RA
 * set), its question copied from the query bytes, then the records. Records that
 * would pass maxSize are left out: from the answer or authority section, TC is set
 * and the rest is dropped; from the additional section they are just dropped.
 * The question is copied from query (bytes 12 to head.questionEnd); without
 * questionEnd the answer has no question (FORMERR, NOTIMP). Throws only for records it
 * cannot encode (a bad name or address).
 */
export function encodeResponse(query: Buffer, head: { id: number; flags: number; questionEnd?: number }, s: ResponseSections, o: EncodeOptions): Buffer {
  const w = new Writer();
  const maxSize = Math.min(65535, Math.max(512, o.maxSize)) - (o.edns ? OPT_SIZE : 0);
  w.off = 12;
  let qd = 0;
  if (head.questionEnd !== undefined) {
    query.copy(scratch, 12, 12, head.questionEnd);
    w.registerQuestion(12);
    w.off = head.questionEnd;
    qd = 1;
  }
  let tc = false;
  const counts = [0, 0, 0];
  const sections = [s.answers, s.authority, s.additional];
  outer: for (let i = 0; i < 3; i++) {
    for (const rr of sections[i]) {
      const mark = w.mark();
      w.rr(rr);
      if (w.off > maxSize) {
        w.rollback(mark);
        if (i < 2) tc = true;
        break outer;
      }
      counts[i]++;
    }
  }
  if (o.edns) {
    scratch[w.off] = 0;
    scratch.writeUInt16BE(TYPES.OPT, w.off + 1);
    scratch.writeUInt16BE(o.edns.udpSize, w.off + 3);
    scratch[w.off + 5] = s.rcode >> 4; // extended rcode (BADVERS)
    scratch[w.off + 6] = 0; // version
    scratch.writeUInt16BE(o.edns.dnssecOk ? 0x8000 : 0, w.off + 7);
    scratch.writeUInt16BE(0, w.off + 9);
    w.off += OPT_SIZE;
  }
  const { id, flags } = head;
  scratch.writeUInt16BE(id, 0);
  const opcode = flags & 0x7800;
  scratch[2] = 0x80 | (opcode >> 8) | (s.authoritative ? 0x04 : 0) | (tc ? 0x02 : 0) | ((flags >> 8) & 0x01);
  scratch[3] = 0x80 | (flags & 0x10) | (s.rcode & 15);
  scratch.writeUInt16BE(qd, 4);
  scratch.writeUInt16BE(counts[0], 6);
  scratch.writeUInt16BE(counts[1], 8);
  scratch.writeUInt16BE(counts[2] + (o.edns ? 1 : 0), 10);
  return Buffer.from(scratch.subarray(0, w.off));
}

/**
 * A cached response made fit for another query of the same question: its ID, RD and CD
 * bits, and its question bytes (the same name in the same length, in the asker's case).
 */
export function patchResponse(cached: Buffer, query: Buffer, questionEnd: number): Buffer {
  const out = Buffer.allocUnsafe(cached.length);
  cached.copy(out);
  out[0] = query[0];
  out[1] = query[1];
  out[2] = (cached[2] & 0xfe) | (query[2] & 0x01);
  out[3] = (cached[3] & 0xef) | (query[3] & 0x10);
  query.copy(out, 12, 12, questionEnd);
  return out;
}

class Writer {
  off = 0;
  /** Lowercase presentation suffix -> offset of its first label, for compression pointers. */
  private readonly names = new Map<string, number>();
  private readonly added: string[] = [];

  mark(): { off: number; added: number } {
    return { off: this.off, added: this.added.length };
  }

  rollback(m: { off: number; added: number }): void {
    this.off = m.off;
    while (this.added.length > m.added) this.names.delete(this.added.pop() as string);
  }

  /** Files every suffix of the question's name (at off, uncompressed labels). */
  registerQuestion(off: number): void {
    const starts: number[] = [];
    const labels: string[] = [];
    while (scratch[off] !== 0) {
      starts.push(off);
      labels.push(labelText(scratch, off + 1, off + 1 + scratch[off]));
      off += 1 + scratch[off];
    }
    for (let i = 0; i < labels.length; i++) this.file(labels.slice(i).join('.'), starts[i]);
  }

  private file(suffix: string, off: number): void {
    if (off > 0x3fff || this.names.has(suffix)) return;
    this.names.set(suffix, off);
    this.added.push(suffix);
  }

  /** Writes a presentation name (no escapes), as a pointer to an earlier copy of a suffix when compress is set. */
  name(name: string, compress: boolean): void {
    const n = name.endsWith('.') ? name.slice(0, -1) : name;
    let pos = 0;
    while (pos < n.length) {
      const suffix = n.slice(pos).toLowerCase();
      const ptr = compress ? this.names.get(suffix) : undefined;
      if (ptr !== undefined) {
        scratch.writeUInt16BE(0xc000 | ptr, this.off);
        this.off += 2;
        return;
      }
      if (compress) this.file(suffix, this.off);
      const dot = n.indexOf('.', pos);
      const end = dot < 0 ? n.length : dot;
      const len = scratch.write(n.slice(pos, end), this.off + 1, 'utf8');
      if (len < 1 || len > 63) throw new Error(`cannot encode name ${JSON.stringify(name)}`);
      scratch[this.off] = len;
      this.off += 1 + len;
      pos = end + 1;
    }
    scratch[this.off++] = 0;
  }

  rr(r: Rr): void {
    if (this.off > 65535) throw new Error('message too long');
    this.name(r.name, true);
    scratch.writeUInt16BE(TYPES[r.type], this.off);
    scratch.writeUInt16BE(1, this.off + 2);
    scratch.writeUInt32BE(r.ttl >>> 0, this.off + 4);
    const rdlen = this.off + 8;
    this.off += 10;
    switch (r.type) {
      case 'A': {
        const o = r.data.split('.').map(Number);
        if (o.length !== 4 || o.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad A ${r.data}`);
        for (const x of o) scratch[this.off++] = x;
        break;
      }
      case 'AAAA': {
        const bytes = isIPv6(r.data) ? ipv6Bytes(r.data) : undefined;
        if (!bytes) throw new Error(`bad AAAA ${r.data}`);
        for (const x of bytes) scratch[this.off++] = x;
        break;
      }
      case 'CNAME':
      case 'PTR':
      case 'NS':
        this.name(r.data, true);
        break;
      case 'SRV':
        scratch.writeUInt16BE(r.data.priority, this.off);
        scratch.writeUInt16BE(r.data.weight, this.off + 2);
        scratch.writeUInt16BE(r.data.port, this.off + 4);
        this.off += 6;
        // RFC 2782: the target is never compressed.
        this.name(r.data.target, false);
        break;
      case 'SOA':
        this.name(r.data.mname, true);
        this.name(r.data.rname, true);
        for (const v of [r.data.serial, r.data.refresh, r.data.retry, r.data.expire, r.data.minimum]) {
          scratch.writeUInt32BE(v >>> 0, this.off);
          this.off += 4;
        }
        break;
      case 'TXT':
        for (const t of r.data) {
          const len = scratch.write(t, this.off + 1, 'utf8');
          if (len > 255) throw new Error('TXT string too long');
          scratch[this.off] = len;
          this.off += 1 + len;
        }
        break;
    }
    scratch.writeUInt16BE(this.off - rdlen - 2, rdlen);
  }
}
