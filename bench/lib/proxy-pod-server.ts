// The server the proxy benchmark runs in its pod (`node -e` in the testserver image):
// a TCP sink/source for bulk transfers, a TCP echo for round trips, a one-shot TCP
// server for short connections and a UDP echo. The same server answers the direct and
// the proxied load, so only the path in between differs.

export const PORTS = {
  /** 9-byte header: 'U' + uint64 length (then that many bytes, answered by a 1-byte ack) or 'D' + uint64 length (sent back, then FIN). */
  bulk: 9000,
  /** Echoes every byte back on the same connection. */
  echo: 9001,
  /**
   * Read ONESHOT_BYTES, echo them and close. Four ports, one per mode and side
   * (through, direct), so connections of one never meet another's TIME_WAIT entries in
   * the pod: a SYN landing on one (nftables mode masquerades to random source ports)
   * may be dropped by PAWS, and the connect then stalls 1 s (see bench/README.md).
   */
  oneshot: [9100, 9101, 9102, 9103],
  /** Echoes every datagram. */
  udp: 9003,
} as const;

/** Every byte the bulk source sends (the load generator checks it). */
export const SOURCE_BYTE = 0x62;

/** Bytes of a short connection's request (and reply). */
export const ONESHOT_BYTES = 32;

export const POD_SERVER_JS = `'use strict';
const net = require('node:net');
const dgram = require('node:dgram');
const CHUNK = Buffer.alloc(256 * 1024, ${SOURCE_BYTE});
const ACK = Buffer.from([1]);
const ONESHOT = ${ONESHOT_BYTES};
const ignore = () => {};

function source(s, n) {
  const more = () => {
    while (n > 0) {
      const k = Math.min(n, CHUNK.length);
      n -= k;
      const ok = s.write(k === CHUNK.length ? CHUNK : CHUNK.subarray(0, k));
      if (n === 0) return s.end();
      if (!ok) return s.once('drain', more);
    }
    s.end();
  };
  more();
}

net.createServer({ noDelay: true }, (s) => {
  s.on('error', ignore);
  let head = Buffer.alloc(0);
  let need = -1;
  let got = 0;
  s.on('data', function onData(d) {
    if (need < 0) {
      head = Buffer.concat([head, d]);
      if (head.length < 9) return;
      need = Number(head.readBigUInt64BE(1));
      if (head[0] === 0x44) { s.removeListener('data', onData); return source(s, need); }
      d = head.subarray(9);
    }
    got += d.length;
    if (got >= need) s.end(ACK);
  });
}).listen(${PORTS.bulk}, '0.0.0.0');

net.createServer({ noDelay: true }, (s) => {
  s.on('error', ignore);
  s.on('data', (d) => s.write(d));
}).listen(${PORTS.echo}, '0.0.0.0');

const oneshot = (s) => {
  s.on('error', ignore);
  const parts = [];
  let got = 0;
  s.on('data', (d) => {
    parts.push(d);
    got += d.length;
    if (got >= ONESHOT) s.end(parts.length === 1 ? d : Buffer.concat(parts));
  });
};
for (const port of ${JSON.stringify(PORTS.oneshot)}) net.createServer({ noDelay: true }, oneshot).listen(port, '0.0.0.0');

const udp = dgram.createSocket('udp4');
udp.on('message', (m, r) => udp.send(m, r.port, r.address));
udp.bind(${PORTS.udp}, '0.0.0.0');

console.log('proxy benchmark server listening');
process.on('SIGTERM', () => process.exit(0));
`;
