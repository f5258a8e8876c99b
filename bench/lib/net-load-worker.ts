// The proxy benchmark's load generator: a child process (forked by net-load.ts) that
// runs one job at a time on the orders of the benchmark's main process and answers
// with the figures, so the client's CPU is its own and not the orchestrator's.
//
//   bulk-upload    one TCP connection: a 9-byte header ('U', uint64 length), then that
//                  many bytes from one reused buffer; timed until the server's 1-byte ack
//   bulk-download  one TCP connection: header 'D' + length; the server sends that many
//                  bytes, read into one reused buffer; timed until the server's FIN
//   tcp-connect    `concurrency` loops of: connect, one request, one reply, the server
//                  closes (or the client resets); for durationMs
//   tcp-rr         one connection, `count` request/response round trips, one at a time
//   udp-rr         `concurrency` connected UDP sockets, each with one request in flight
//                  (an echo with a sequence number, or a DNS query whose id is checked)
//
// Every buffer is allocated once per job; the loops allocate nothing per operation
// beyond what Node's sockets do.
import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { SOURCE_BYTE } from './proxy-pod-server.js';
import type { LoadJob, LoadResult } from './net-load.js';

const CHUNK = Buffer.alloc(256 * 1024, 0x61);
const KEPT_ERRORS = 3;
/** A UDP request unanswered this long counts as lost and the socket sends the next one. */
const UDP_TIMEOUT_MS = 1000;
const SWEEP_MS = 100;
/** A short connection without its reply this long is abandoned and counted failed. */
const CONNECT_TIMEOUT_MS = 3000;

/** A growable array of latencies. */
class Samples {
  private buf = new Float64Array(1 << 16);
  n = 0;
  push(v: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = v;
  }
  reset(): void {
    this.n = 0;
  }
  take(): Float64Array {
    return this.buf.slice(0, this.n);
  }
}

class Tally {
  ok = 0;
  failed = 0;
  bytes = 0;
  errors: string[] = [];
  samples = new Samples();
  fail(err: unknown): void {
    this.failed++;
    if (this.errors.length < KEPT_ERRORS) this.errors.push(err instanceof Error ? err.message : String(err));
  }
  reset(): void {
    this.ok = 0;
    this.failed = 0;
    this.bytes = 0;
    this.errors = [];
    this.samples.reset();
  }
}

function result(t: Tally, elapsedMs: number, cpu0: NodeJS.CpuUsage): LoadResult {
  const cpu = process.cpuUsage(cpu0);
  return {
    ok: t.ok, failed: t.failed, bytes: t.bytes, elapsedMs, errors: t.errors,
    perSecond: t.ok / (elapsedMs / 1000), latencies: t.samples.take(), cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

function header(op: 'U' | 'D', bytes: number): Buffer {
  const h = Buffer.alloc(9);
  h[0] = op.charCodeAt(0);
  h.writeBigUInt64BE(BigInt(bytes), 1);
  return h;
}

async function connect(host: string, port: number, opts: Partial<net.NetConnectOpts> = {}): Promise<net.Socket> {
  const sock = net.connect({ host, port, noDelay: true, ...opts } as net.NetConnectOpts);
  await once(sock, 'connect');
  return sock;
}

async function bulkUpload(job: Extract<LoadJob, { kind: 'bulk-upload' }>): Promise<LoadResult> {
  const t = new Tally();
  const cpu0 = process.cpuUsage();
  const sock = await connect(job.host, job.port);
  try {
    const acked = new Promise<void>((resolve, reject) => {
      sock.once('data', () => resolve());
      sock.once('error', reject);
      sock.once('close', () => reject(new Error('connection closed before the sink acknowledged')));
    });
    acked.catch(() => undefined);
    const t0 = performance.now();
    sock.write(header('U', job.bytes));
    for (let left = job.bytes; left > 0;) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!sock.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        await Promise.race([once(sock, 'drain'), acked]);
      }
    }
    await acked;
    const elapsed = performance.now() - t0;
    t.ok = 1;
    t.bytes = job.bytes;
    t.samples.push(elapsed);
    return result(t, elapsed, cpu0);
  } finally {
    sock.destroy();
  }
}

async function bulkDownload(job: Extract<LoadJob, { kind: 'bulk-download' }>): Promise<LoadResult> {
  const t = new Tally();
  const cpu0 = process.cpuUsage();
  let got = 0;
  let foreign = 0;
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const sock = await connect(job.host, job.port, {
    onread: {
      buffer,
      callback: (n: number) => {
        got += n;
        // The source sends only SOURCE_BYTE: a cheap check that these bytes are its.
        if (buffer[0] !== SOURCE_BYTE || buffer[n - 1] !== SOURCE_BYTE) foreign++;
        return true;
      },
    },
  });
  try {
    const ended = once(sock, 'end');
    const t0 = performance.now();
    sock.write(header('D', job.bytes));
    await ended;
    const elapsed = performance.now() - t0;
    if (got !== job.bytes) throw new Error(`received ${got} of ${job.bytes} bytes`);
    if (foreign) throw new Error(`${foreign} reads held bytes the source never sends`);
    t.ok = 1;
    t.bytes = got;
    t.samples.push(elapsed);
    return result(t, elapsed, cpu0);
  } finally {
    sock.destroy();
  }
}

/** Short connections: connect, write the request, read the reply until the server closes (or reset once it is in). */
async function tcpConnect(job: Extract<LoadJob, { kind: 'tcp-connect' }>): Promise<LoadResult> {
  const t = new Tally();
  const request = Buffer.alloc(job.requestBytes, 0x72);
  let cpu0 = process.cpuUsage();
  const start = performance.now();
  let measuring = job.warmupMs <= 0;
  let measureStart = start;
  const end = start + job.warmupMs + job.durationMs;
  // Each loop's connection in flight and when it began: one older than
  // CONNECT_TIMEOUT_MS (SYNs dropped, no reply) is destroyed and counted failed.
  const inFlight: { sock?: net.Socket; since: number }[] = [];
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const f of inFlight) {
      if (f.sock && now - f.since > CONNECT_TIMEOUT_MS) f.sock.destroy(new Error(`no reply within ${CONNECT_TIMEOUT_MS} ms`));
    }
  }, SWEEP_MS);
  const loop = (): Promise<void> => new Promise((resolve) => {
    const readBuf = Buffer.allocUnsafe(4096);
    const slot: { sock?: net.Socket; since: number } = { since: 0 };
    inFlight.push(slot);
    const one = (): void => {
      const now = performance.now();
      if (!measuring && now >= start + job.warmupMs) {
        measuring = true;
        measureStart = now;
        cpu0 = process.cpuUsage();
        t.reset();
      }
      if (now >= end) {
        slot.sock = undefined;
        return resolve();
      }
      let got = 0;
      let error: Error | undefined;
      const sock: net.Socket = net.connect({
        host: job.host, port: job.port, noDelay: true,
        onread: {
          buffer: readBuf,
          callback: (n: number) => {
            got += n;
            if (job.reset && got >= job.requestBytes) sock.resetAndDestroy();
            return true;
          },
        },
      });
      slot.sock = sock;
      slot.since = now;
      sock.on('connect', () => sock.write(request));
      sock.on('error', (err) => { error = err; });
      sock.on('close', () => {
        if (error || got !== job.requestBytes) t.fail(error ?? new Error(`reply of ${got} bytes, want ${job.requestBytes}`));
        else {
          t.ok++;
          t.samples.push(performance.now() - now);
        }
        one();
      });
    };
    one();
  });
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  clearInterval(sweeper);
  return result(t, performance.now() - measureStart, cpu0);
}

/** Round trips on one connection: write a request, wait for the whole echo, repeat. */
async function tcpRR(job: Extract<LoadJob, { kind: 'tcp-rr' }>): Promise<LoadResult> {
  const t = new Tally();
  const request = Buffer.alloc(job.requestBytes, 0x71);
  let got = 0;
  let wake: (() => void) | undefined;
  const sock = await connect(job.host, job.port, {
    onread: {
      buffer: Buffer.allocUnsafe(4096),
      callback: (n: number) => {
        got += n;
        if (got >= job.requestBytes && wake) {
          const w = wake;
          wake = undefined;
          w();
        }
        return true;
      },
    },
  });
  let failure: Error | undefined;
  sock.on('error', (err) => { failure = err; wake?.(); });
  sock.on('close', () => { failure ??= new Error('connection closed'); wake?.(); });
  try {
    let cpu0 = process.cpuUsage();
    let measureStart = performance.now();
    for (let i = 0; i < job.warmup + job.count; i++) {
      if (i === job.warmup) {
        cpu0 = process.cpuUsage();
        measureStart = performance.now();
      }
      got = 0;
      const replied = new Promise<void>((resolve) => { wake = resolve; });
      const t0 = performance.now();
      sock.write(request);
      if (!failure) await replied;
      if (failure) throw failure;
      if (i >= job.warmup) {
        t.samples.push(performance.now() - t0);
        t.ok++;
      }
    }
    return result(t, performance.now() - measureStart, cpu0);
  } finally {
    sock.destroy();
  }
}

/**
 * Request/reply over UDP: each socket keeps one request in flight. An echo request
 * carries a sequence number in its first 4 bytes; a DNS query carries it (mod 2^16) in
 * its id, and a reply counts when it has that id, no error and at least one answer.
 */
async function udpRR(job: Extract<LoadJob, { kind: 'udp-rr' }>): Promise<LoadResult> {
  const t = new Tally();
  let lost = 0;
  let cpu0 = process.cpuUsage();
  const start = performance.now();
  let measuring = job.warmupMs <= 0;
  let measureStart = start;
  const end = start + job.warmupMs + job.durationMs;
  const dns = job.check === 'dns';
  const template = Buffer.from(job.payload);

  interface Flow { sock: dgram.Socket; buf: Buffer; seq: number; sentAt: number }
  const flows: Flow[] = [];
  let open = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { finished = resolve; });

  const send = (f: Flow): void => {
    const now = performance.now();
    if (!measuring && now >= start + job.warmupMs) {
      measuring = true;
      measureStart = now;
      cpu0 = process.cpuUsage();
      t.reset();
      lost = 0;
    }
    if (now >= end) {
      f.sentAt = 0;
      f.sock.close();
      if (--open === 0) finished();
      return;
    }
    f.seq = (f.seq + 1) >>> 0;
    if (dns) f.buf.writeUInt16BE(f.seq & 0xffff, 0);
    else f.buf.writeUInt32BE(f.seq, 0);
    f.sentAt = now;
    f.sock.send(f.buf, (err) => { if (err) t.fail(err); });
  };
  const matches = (f: Flow, msg: Buffer): boolean => {
    if (dns) {
      // QR set, RCODE 0 (NOERROR), ANCOUNT >= 1, the id of the query in flight.
      return msg.length >= 12 && msg.readUInt16BE(0) === (f.seq & 0xffff) && (msg[2] & 0x80) !== 0 && (msg[3] & 0x0f) === 0 && msg.readUInt16BE(6) >= 1;
    }
    return msg.length === f.buf.length && msg.readUInt32BE(0) === f.seq;
  };

  for (let i = 0; i < job.concurrency; i++) {
    const sock = dgram.createSocket('udp4');
    const f: Flow = { sock, buf: Buffer.from(template), seq: i << 20, sentAt: 0 };
    flows.push(f);
    sock.on('message', (msg) => {
      if (!f.sentAt) return;
      if (!matches(f, msg)) {
        // A late reply to a request already counted lost, or a wrong answer.
        if (dns && msg.length >= 12 && msg.readUInt16BE(0) === (f.seq & 0xffff)) t.fail(new Error(`DNS reply rcode ${msg[3] & 0x0f}, ${msg.readUInt16BE(6)} answers`));
        return;
      }
      t.ok++;
      t.samples.push(performance.now() - f.sentAt);
      send(f);
    });
    sock.on('error', (err) => t.fail(err));
    await new Promise<void>((resolve) => sock.connect(job.port, job.host, resolve));
    open++;
  }
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const f of flows) {
      if (f.sentAt && now - f.sentAt > UDP_TIMEOUT_MS) {
        lost++;
        send(f);
      }
    }
  }, SWEEP_MS);
  for (const f of flows) send(f);
  await done;
  clearInterval(sweeper);
  const r = result(t, performance.now() - measureStart, cpu0);
  r.failed += lost;
  if (lost) r.errors.push(`${lost} requests unanswered after ${UDP_TIMEOUT_MS} ms`);
  return r;
}

async function runJob(job: LoadJob): Promise<LoadResult> {
  switch (job.kind) {
    case 'bulk-upload': return bulkUpload(job);
    case 'bulk-download': return bulkDownload(job);
    case 'tcp-connect': return tcpConnect(job);
    case 'tcp-rr': return tcpRR(job);
    case 'udp-rr': return udpRR(job);
  }
}

process.on('message', (msg: { id: number; job: LoadJob }) => {
  runJob(msg.job).then(
    (res) => process.send!({ id: msg.id, result: res }),
    (err: unknown) => process.send!({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
// The benchmark's process went away (exit, Ctrl-C): so does this one.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
