// The upstream nameserver the cluster DNS forwards names outside the cluster to (and
// asks about ExternalName targets), when one is configured; without one no query ever
// leaves the node. Queries go over UDP from one socket on a random port with a random
// ID each, are sent again once at half the timeout, and come back only when the
// answer's source, ID and question match (RFC 5452). A truncated answer is asked
// again over TCP when the client itself asked over TCP.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import * as packet from 'dns-packet';
import { questionLength } from './message.js';
import { canonicalName, type Rr } from './records.js';

export interface UpstreamOptions {
  address: string;
  port: number;
  /** How long one exchange may take before it is given up (the client gets SERVFAIL). */
  timeoutMs: number;
  log: Logger;
}

interface Pending {
  question: Buffer;
  resolve(msg: Buffer | undefined): void;
}

export class Upstream {
  private sock?: dgram.Socket;
  private readonly pending = new Map<number, Pending>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tcpSockets = new Set<net.Socket>();
  private closed = false;

  constructor(private readonly o: UpstreamOptions) {}

  /**
   * Sends a query (raw, the client's, that message.ts's readQuery passed) upstream and
   * resolves its answer with the client's ID, or undefined when the upstream does not
   * answer well in time. question: the query's, as dns-packet decoded it.
   * tcp: the client asked over TCP, so a truncated answer is asked again over TCP.
   */
  async exchange(query: Buffer, question: packet.Question, tcp: boolean): Promise<Buffer | undefined> {
    if (this.closed) return undefined;
    const qEnd = 12 + questionLength(question);
    const clientId = query.readUInt16BE(0);
    const deadline = Date.now() + this.o.timeoutMs;
    let answer = await this.udpExchange(query, qEnd);
    if (answer && tcp && (answer[2] & 0x02)) answer = await this.tcpExchange(query, qEnd, deadline - Date.now());
    if (!answer) return undefined;
    answer.writeUInt16BE(clientId, 0);
    return answer;
  }

  /** The records the upstream has for name and type (its answer section's A, AAAA, CNAME and TXT), [] when it fails. */
  async lookup(name: string, type: 'A' | 'AAAA' | 'TXT'): Promise<Rr[]> {
    const question: packet.Question = { type, name, class: 'IN' };
    const query = packet.encode({ type: 'query', id: 0, flags: packet.RECURSION_DESIRED, questions: [question] });
    const msg = await this.exchange(query, question, false);
    if (!msg || (msg[3] & 15) !== 0) return [];
    try {
      const res = packet.decode(msg);
      const out: Rr[] = [];
      for (const a of res.answers ?? []) {
        const owner = canonicalName(a.name);
        if ((a.type === 'A' || a.type === 'AAAA' || a.type === 'CNAME') && typeof a.data === 'string') {
          out.push({ name: owner, type: a.type, ttl: a.ttl ?? 0, data: a.type === 'CNAME' ? canonicalName(a.data) : a.data });
        } else if (a.type === 'TXT') {
          const parts = (Array.isArray(a.data) ? a.data : [a.data]).map((d) => d.toString());
          out.push({ name: owner, type: 'TXT', ttl: a.ttl ?? 0, data: parts });
        }
      }
      return out;
    } catch (err) {
      this.o.log.debug({ err, name }, 'upstream answer does not decode');
      return [];
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.pending.values()) p.resolve(undefined);
    this.pending.clear();
    for (const s of this.tcpSockets) s.destroy();
    this.sock?.close();
    this.sock = undefined;
  }

  private socket(): dgram.Socket {
    if (this.sock) return this.sock;
    const sock = dgram.createSocket(net.isIPv6(this.o.address) ? 'udp6' : 'udp4');
    sock.on('message', (msg, rinfo) => this.onAnswer(msg, rinfo));
    sock.on('error', (err) => this.o.log.warn({ err }, 'upstream socket failed'));
    this.sock = sock;
    return sock;
  }

  private onAnswer(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < 12 || rinfo.port !== this.o.port || !sameAddress(rinfo.address, this.o.address)) return;
    const p = this.pending.get(msg.readUInt16BE(0));
    if (!p || !(msg[2] & 0x80) || !sameQuestion(msg, p.question)) return;
    p.resolve(msg);
  }

  private udpExchange(query: Buffer, qEnd: number): Promise<Buffer | undefined> {
    if (this.pending.size >= 60000) return Promise.resolve(undefined);
    let id: number;
    do id = randomInt(65536); while (this.pending.has(id));
    const out = Buffer.from(query);
    out.writeUInt16BE(id, 0);
    const sock = this.socket();
    return new Promise((resolve) => {
      const send = (): void => sock.send(out, this.o.port, this.o.address, (err) => {
        if (err) this.o.log.debug({ err }, 'upstream send failed');
      });
      const timers: NodeJS.Timeout[] = [];
      const done = (msg: Buffer | undefined): void => {
        this.pending.delete(id);
        for (const t of timers) { clearTimeout(t); this.timers.delete(t); }
        resolve(msg);
      };
      this.pending.set(id, { question: out.subarray(12, qEnd), resolve: done });
      timers.push(setTimeout(send, this.o.timeoutMs / 2), setTimeout(() => done(undefined), this.o.timeoutMs));
      for (const t of timers) this.timers.add(t);
      send();
    });
  }

  private tcpExchange(query: Buffer, qEnd: number, timeoutMs: number): Promise<Buffer | undefined> {
    if (timeoutMs <= 0 || this.closed) return Promise.resolve(undefined);
    const id = randomInt(65536);
    const out = Buffer.alloc(query.length + 2);
    out.writeUInt16BE(query.length, 0);
    query.copy(out, 2);
    out.writeUInt16BE(id, 2);
    return new Promise((resolve) => {
      const sock = net.connect({ host: this.o.address, port: this.o.port });
      this.tcpSockets.add(sock);
      let buf = Buffer.alloc(0);
      const done = (msg: Buffer | undefined): void => {
        clearTimeout(timer);
        this.tcpSockets.delete(sock);
        sock.destroy();
        resolve(msg);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      sock.on('connect', () => sock.write(out));
      sock.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        const ok = msg.length >= 12 && msg.readUInt16BE(0) === id && sameQuestion(msg, out.subarray(14, qEnd + 2));
        done(ok ? Buffer.from(msg) : undefined);
      });
      sock.on('error', () => done(undefined));
      sock.on('close', () => done(undefined));
    });
  }
}

/** Whether msg's question is question (bytes from offset 12 on), ASCII case aside. */
function sameQuestion(msg: Buffer, question: Buffer): boolean {
  if (msg.readUInt16BE(4) !== 1 || msg.length < 12 + question.length) return false;
  for (let i = 0; i < question.length; i++) {
    const a = msg[12 + i];
    const b = question[i];
    if (a !== b && (a | 0x20) !== (b | 0x20)) return false;
    if (a !== b && !((a | 0x20) >= 0x61 && (a | 0x20) <= 0x7a)) return false;
  }
  return true;
}

function sameAddress(a: string, b: string): boolean {
  return a === b || a.replace(/^::ffff:/, '') === b.replace(/^::ffff:/, '');
}
