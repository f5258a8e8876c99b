// DNS messages of the cluster DNS server, read and written with dns-packet: the checks a
// query must pass before it is answered (miekg/dns's default acceptance, as CoreDNS
// has it), and the encoding of a response within the size the client can take
// (miekg/dns Msg.Truncate: whole records in order while they fit, TC set when any is
// left out, the OPT record kept). Only header bits dns-packet leaves to its caller are
// read and written by hand here: the QR bit and opcode before decoding, the section
// counts, and the rcode of a response for metrics.
import * as packet from 'dns-packet';

/** The most a UDP answer may be, whatever a client's EDNS0 size says. */
export const MAX_UDP_SIZE = 4096;
/** The UDP size of a client without EDNS0 (RFC 1035), and the least an EDNS0 size counts as (RFC 6891). */
export const MIN_UDP_SIZE = 512;
/** The most a TCP message may be (its 2-byte length prefix). */
export const MAX_TCP_SIZE = 65535;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
/** The name of a response's rcode (header bits only), for metrics. */
export const rcodeName = (msg: Buffer): string => RCODE_NAMES[msg[3] & 15] ?? `RCODE${msg[3] & 15}`;

const QR = 0x8000;
const OPCODE = 0x7800;
const HEADER_SIZE = 12;
/** An OPT record without options: the root name, type, size, extended rcode and flags, rdlength. */
const OPT_SIZE = 11;

export interface Edns {
  /** The UDP size the client advertises, as sent. */
  udpSize: number;
  version: number;
  dnssecOk: boolean;
}

/** A query that passed the checks. */
export interface Query {
  id: number;
  /** The header's flags word as sent (QR clear): the opcode, RD and CD are echoed. */
  flags: number;
  /** Its one question as dns-packet decodes it: the name in the asker's case, without the final dot ('.' for the root). */
  question: packet.Question;
  edns?: Edns;
}

export type ReadResult =
  | { kind: 'query'; query: Query }
  /** Not worth an answer: too short for a header, or a response (QR set). */
  | { kind: 'drop' }
  /** Answer with this rcode, the header alone (FORMERR, NOTIMP, REFUSED). */
  | { kind: 'error'; id: number; flags: number; rcode: number };

/**
 * Reads a query with dns-packet; never throws. As miekg/dns accepts queries: opcode
 * QUERY only (else NOTIMP), exactly one question, no answer or authority records, at
 * most two additional records of which at most one OPT, owned by the root (else
 * FORMERR). A question dns-packet cannot write back as it came (a label holding a dot
 * or bytes that are not UTF-8, a class it has no name for: nothing of the cluster's)
 * is REFUSED, since the answer could not echo it.
 */
export function readQuery(msg: Buffer): ReadResult {
  if (msg.length < HEADER_SIZE) return { kind: 'drop' };
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & QR) return { kind: 'drop' };
  if (flags & OPCODE) return { kind: 'error', id, flags, rcode: RCODE.NOTIMP };
  const formerr = { kind: 'error', id, flags, rcode: RCODE.FORMERR } as const;
  // The counts first, so that nothing is decoded of a packet refused anyway.
  if (msg.readUInt16BE(4) !== 1 || msg.readUInt16BE(6) !== 0 || msg.readUInt16BE(8) !== 0 || msg.readUInt16BE(10) > 2) return formerr;
  let decoded: packet.DecodedPacket;
  try {
    decoded = packet.decode(msg);
  } catch {
    return formerr;
  }
  // dns-packet reads records whose data runs past the end without complaint.
  if (packet.decode.bytes > msg.length) return formerr;
  const question = decoded.questions?.[0];
  if (!question) return formerr;
  const opts = (decoded.additionals ?? []).filter((r): r is packet.OptAnswer => r.type === 'OPT');
  if (opts.length > 1 || (opts[0] && opts[0].name !== '.')) return formerr;
  if (!writesBack(msg, question)) return { kind: 'error', id, flags, rcode: RCODE.REFUSED };
  const opt = opts[0];
  return {
    kind: 'query',
    query: { id, flags, question, ...(opt ? { edns: { udpSize: opt.udpPayloadSize, version: opt.ednsVersion, dnssecOk: (opt.flags & packet.DNSSEC_OK) !== 0 } } : {}) },
  };
}

/** Whether dns-packet encodes question as the same bytes msg holds after its header. */
function writesBack(msg: Buffer, question: packet.Question): boolean {
  let again: Buffer;
  try {
    again = packet.encode({ questions: [question] });
  } catch {
    return false;
  }
  return again.length <= msg.length && again.compare(msg, HEADER_SIZE, again.length, HEADER_SIZE) === 0;
}

/** How many bytes a question takes in a message (dns-packet's encoding, the same as the query's for a question readQuery passed). */
export const questionLength = (q: packet.Question): number => packet.encodingLength({ questions: [q] }) - HEADER_SIZE;

/** The UDP size a client can take: 512 bytes, or its EDNS0 size (at least 512, at most 4096). */
export function udpLimit(edns: Edns | undefined): number {
  return edns ? Math.min(MAX_UDP_SIZE, Math.max(MIN_UDP_SIZE, edns.udpSize)) : MIN_UDP_SIZE;
}

export interface Reply {
  /** May be an extended rcode (BADVERS): its high bits go to the OPT record. */
  rcode: number;
  authoritative: boolean;
  answers: readonly packet.Answer[];
  authorities: readonly packet.Answer[];
  additionals: readonly packet.Answer[];
}

/** What of the query a response echoes; without question (FORMERR, NOTIMP, REFUSED) the response has none. */
export interface Asked {
  id: number;
  flags: number;
  question?: packet.Question;
  edns?: Edns;
}

/**
 * Encodes the response to a query with dns-packet: its ID, opcode, RD and CD echoed;
 * QR and RA set; its question; an OPT record when the query had one (the client's UDP
 * size within 512 to 4096, its DO bit, the extended rcode). When the whole message
 * passes maxSize it is cut as miekg/dns's Msg.Truncate cuts it, since dns-packet does
 * not compress names: the answer, authority and additional records are kept in order
 * while they fit (the first that does not ends the message), the OPT record stays,
 * and TC is set when any record was left out, so the client asks again over TCP.
 */
export function encodeReply(asked: Asked, r: Reply, maxSize: number): Buffer {
  const opt: packet.OptAnswer[] = asked.edns ? [{
    type: 'OPT', name: '.', udpPayloadSize: udpLimit(asked.edns), extendedRcode: r.rcode >> 4, ednsVersion: 0,
    flags: asked.edns.dnssecOk ? packet.DNSSEC_OK : 0, flag_do: asked.edns.dnssecOk, options: [],
  }] : [];
  const flags = (asked.flags & (OPCODE | packet.RECURSION_DESIRED | packet.CHECKING_DISABLED)) | packet.RECURSION_AVAILABLE
    | (r.authoritative ? packet.AUTHORITATIVE_ANSWER : 0) | (r.rcode & 15);
  const whole: packet.Packet = {
    type: 'response', id: asked.id, flags, questions: asked.question ? [asked.question] : [],
    answers: [...r.answers], authorities: [...r.authorities], additionals: [...r.additionals, ...opt],
  };
  const length = packet.encodingLength(whole);
  if (length <= maxSize) return packet.encode(whole, Buffer.alloc(length));
  let room = maxSize - HEADER_SIZE - (asked.question ? questionLength(asked.question) : 0) - (asked.edns ? OPT_SIZE : 0);
  let cut = false;
  const fitting = (records: readonly packet.Answer[]): packet.Answer[] => {
    let n = 0;
    if (!cut) {
      for (const rr of records) {
        const size = packet.encodingLength({ answers: [rr] }) - HEADER_SIZE;
        if (size > room) break;
        room -= size;
        n++;
      }
      cut = n < records.length;
    }
    return records.slice(0, n);
  };
  const truncated: packet.Packet = {
    ...whole, flags: flags | packet.TRUNCATED_RESPONSE,
    answers: fitting(r.answers), authorities: fitting(r.authorities), additionals: [...fitting(r.additionals), ...opt],
  };
  return packet.encode(truncated, Buffer.alloc(packet.encodingLength(truncated)));
}
