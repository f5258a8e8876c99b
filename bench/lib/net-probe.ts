// One-off network checks for the proxy benchmark (not measured): does a TCP echo or
// a UDP peer answer, and what does a DNS server answer to one query.
import dgram from 'node:dgram';
import net from 'node:net';

/** Resolves true when host:port accepts a connection and echoes `message` back within timeoutMs. */
export function tcpEchoes(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  const message = Buffer.from('probe');
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const sock = net.connect({ host, port });
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => sock.write(message));
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= message.length) finish(got.equals(message));
    });
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
  });
}

/** Sends one datagram to host:port and resolves with the first reply, or undefined after timeoutMs. */
export function udpAsk(host: string, port: number, message: Uint8Array, timeoutMs = 1000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const finish = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('message', (msg) => finish(msg));
    sock.on('error', () => finish(undefined));
    sock.send(message, port, host);
  });
}
