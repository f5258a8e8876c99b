// The proxy benchmark's DNS baseline: a child process (forked by startDnsResponder) that
// answers every UDP datagram with one precomputed DNS reply, the query's id copied in.
// Measured with the same load as the cluster DNS, it shows what a Node process
// answering UDP costs on this machine, so the ratio is the cluster DNS's own work
// (parsing, lookup, encoding).
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';

export interface DnsResponder {
  port: number;
  pid: number;
  stop(): Promise<void>;
  killNow(): void;
}

/** Forks the responder on address:0 answering with `reply` (a whole DNS message; its id is replaced). */
export async function startDnsResponder(address: string, reply: Uint8Array): Promise<DnsResponder> {
  const child = fork(new URL(import.meta.url), ['--serve'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ address, reply });
  const [msg] = await Promise.race([
    once(child, 'message') as Promise<[{ port: number }]>,
    once(child, 'exit').then(([code]) => { throw new Error(`the DNS responder exited at start (${code})`); }),
  ]);
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    port: msg.port,
    pid: child.pid ?? -1,
    async stop() {
      if (!running()) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    killNow() {
      if (running()) child.kill('SIGKILL');
    },
  };
}

function serve(): void {
  process.once('message', (cfg: { address: string; reply: Uint8Array }) => {
    const template = Buffer.from(cfg.reply);
    const sock = dgram.createSocket('udp4');
    sock.on('message', (query, from) => {
      if (query.length < 12) return;
      // A copy per reply: a send may still hold the previous one.
      const out = Buffer.from(template);
      out[0] = query[0];
      out[1] = query[1];
      sock.send(out, from.port, from.address);
    });
    sock.bind(0, cfg.address, () => process.send!({ port: sock.address().port }));
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--serve') && process.send) serve();
